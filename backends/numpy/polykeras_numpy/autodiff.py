"""Reverse-mode automatic differentiation for the NumPy backend.

While a program that takes gradients runs, every call of a method marked
with :func:`primitive` is appended to the active :class:`Tape`, with its
arguments and its (always fresh) result. ``Tape.gradients`` walks the tape
backwards applying each primitive's vector-Jacobian product. Composite ops
(``rnn``, ``map_fn``...) need no rule of their own: the primitives they call
are taped one by one.

A VJP rule is ``rule(g, ans, *args, **kwargs) -> tuple`` giving one gradient
per positional argument (``None`` where there is none; a list for a
positional argument that is a list of arrays), each with that argument's
shape — :func:`unbroadcast` undoes NumPy broadcasting.

Values are identified by object identity: the tape maps ``id(array)`` to its
gradient, so every primitive returns a new array object (the wrapper turns a
returned argument into a view and NumPy scalars into 0-d arrays) and the
arrays a program holds (inputs, variable values) stay alive while it runs.

While ``Tape.gradients`` walks back, :func:`wants_grad` tells a rule which
of its arguments lead to a requested gradient, so it can skip the others
(the data fed to a first layer, dropout masks, constants).

Non-differentiable primitives (``primitive(None)``) are not taped at all:
their results are constants for differentiation, so no gradient flows back
through them (comparisons, ``argmax``, ``stop_gradient``, random draws...).
Only floating-point results are taped, and only floating-point arguments
receive gradients.
"""
import functools

import numpy as np

from polykeras_numpy.parallel import sum_leading

_tapes = []
_nesting = [0]  # depth of primitive calls under way: only outermost calls are taped
_wanted = [None]  # ids of the arrays the running ``Tape.gradients`` needs gradients of


class Tape:
    """The primitive calls of one program run, in order."""

    def __init__(self):
        self.entries = []

    def __enter__(self):
        _tapes.append(self)
        return self

    def __exit__(self, *exc):
        _tapes.remove(self)

    def gradients(self, loss, wrt):
        """d(sum of ``loss``)/d(each array of ``wrt``) over the recorded calls.

        Args:
            loss: an array produced while this tape recorded.
            wrt: arrays (program inputs, variable values or intermediate
                results) identified by object identity.

        Returns:
            one array per entry of ``wrt``, of its shape and dtype; zeros
            where ``loss`` does not depend on it.
        """
        grads = _Gradients()
        grads.dense[id(loss)] = np.ones_like(loss)
        outer, _wanted[0] = _wanted[0], self._depending_on(wrt)
        try:
            for name, rule, args, kwargs, ans in reversed(self.entries):
                g = grads.pop(id(ans))
                if g is None:
                    continue
                for arg, darg in zip(args, rule(g, ans, *args, **kwargs)):
                    if darg is None:
                        continue
                    if isinstance(arg, (list, tuple)):
                        for item, ditem in zip(arg, darg):
                            grads.accumulate(item, ditem)
                    else:
                        grads.accumulate(arg, darg)
        finally:
            _wanted[0] = outer
        grads = grads.dense
        result = []
        for w in wrt:
            w = np.asarray(w)
            g = grads.get(id(w))
            result.append(np.zeros_like(w) if g is None else
                          np.asarray(g, dtype=w.dtype).reshape(w.shape))
        return result


    def _depending_on(self, wrt):
        """Ids of ``wrt`` and of every recorded result computed from one of them."""
        ids = {id(np.asarray(w)) for w in wrt}
        for _, _, args, _, ans in self.entries:
            if any(id(item) in ids for arg in args
                   for item in (arg if isinstance(arg, (list, tuple)) else (arg,))):
                ids.add(id(ans))
        return ids


def wants_grad(x):
    """Whether a rule should compute the gradient of argument ``x``: a
    floating-point array that, in the running ``Tape.gradients``, leads to an
    array whose gradient was asked for.

    Example:
        >>> def rule(g, ans, x, y):
        ...     return (g * y if wants_grad(x) else None,
        ...             g * x if wants_grad(y) else None)
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        return False
    return _wanted[0] is None or id(x) in _wanted[0]


class IndexedGradient:
    """A gradient that is zero except at ``[key]`` (what ``getitem`` sends back).

    Summed into one buffer per array in place, so reading ``T`` slices of a
    sequence (an RNN's time steps) costs one full-size array in the backward
    pass rather than ``T``.
    """
    __slots__ = ("shape", "key", "values")

    def __init__(self, shape, key, values):
        self.shape, self.key, self.values = shape, key, values


class _Gradients:
    """The gradients summed so far, by ``id`` of the array they belong to.

    ``owned`` holds the ids of gradient arrays created here and seen by no
    rule yet: only those are updated in place.
    """

    def __init__(self):
        self.dense = {}
        self.owned = set()

    def pop(self, key):
        g = self.dense.pop(key, None)
        if g is not None:
            self.owned.discard(id(g))
        return g

    def accumulate(self, arg, darg):
        if darg is None or not isinstance(arg, np.ndarray) or arg.dtype.kind != "f":
            return
        key = id(arg)
        current = self.dense.get(key)
        if isinstance(darg, IndexedGradient):
            if current is None:
                current = np.zeros(darg.shape, darg.values.dtype)
            elif id(current) not in self.owned:
                current = np.array(current, dtype=np.result_type(current, darg.values))
            self._own(key, current)
            current[darg.key] += darg.values
        elif current is None:
            self.dense[key] = darg
        elif id(current) in self.owned and np.can_cast(np.asarray(darg).dtype, current.dtype) and \
                np.shape(darg) == current.shape:
            current += darg
        else:
            self.owned.discard(id(current))
            self._own(key, current + darg)

    def _own(self, key, array):
        self.dense[key] = array
        self.owned.add(id(array))


def active_tape():
    """The tape recording now, or ``None``."""
    return _tapes[-1] if _tapes else None


def primitive(vjp=None):
    """Mark a backend method as a primitive with the VJP rule ``vjp``.

    The wrapped method always returns a NumPy array (0-d for scalars), never
    one of its arguments itself. ``vjp=None`` declares the op
    non-differentiable: its result is not taped and acts as a constant.
    Methods returning a tuple or list (several outputs) are never taped and
    must be non-differentiable. Primitives called while another primitive
    computes its result are not taped: the outer rule covers them.

    Example:
        >>> @primitive(lambda g, ans, x: (2 * g * x,))
        ... def square(self, x):
        ...     return np.square(x)
    """
    def decorate(method):
        name = method.__name__

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            _nesting[0] += 1
            try:
                ans = method(self, *args, **kwargs)
            finally:
                _nesting[0] -= 1
            if isinstance(ans, (tuple, list)):
                return ans
            if not isinstance(ans, np.ndarray):
                ans = np.asarray(ans)
            elif any(ans is a for a in args):
                ans = ans.view()
            if vjp is not None and _tapes and not _nesting[0] and ans.dtype.kind == "f":
                _tapes[-1].entries.append((name, vjp, args, kwargs, ans))
            return ans
        wrapper.vjp = vjp
        wrapper.differentiable = vjp is not None
        return wrapper
    return decorate


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (a tuple), undoing NumPy broadcasting.

    Example:
        >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
        [[12.0], [12.0]]
    """
    shape = tuple(shape)
    g = np.asarray(g)
    if g.ndim > len(shape):
        g = sum_leading(g, g.ndim - len(shape))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def grad_like(g, x):
    """``g`` reduced to the shape and dtype of ``x`` (``None`` unless
    :func:`wants_grad` of ``x``: Python scalars, integer tensors and arrays no
    requested gradient depends on get none)."""
    if not wants_grad(x):
        return None
    return unbroadcast(g, x.shape).astype(x.dtype, copy=False)
