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
"""
import functools

import numpy as np

_tapes = []


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
        """d(sum of ``loss``)/d(each array of ``wrt``) over the recorded calls."""
        grads = {id(loss): np.ones_like(loss)}
        for name, rule, args, kwargs, ans in reversed(self.entries):
            g = grads.pop(id(ans), None)
            if g is None:
                continue
            if rule is None:
                raise NotImplementedError(f"The NumPy backend has no gradient for op {name!r}.")
            for arg, darg in zip(args, rule(g, ans, *args, **kwargs)):
                if darg is None:
                    continue
                if isinstance(arg, (list, tuple)):
                    for item, ditem in zip(arg, darg):
                        _accumulate(grads, item, ditem)
                else:
                    _accumulate(grads, arg, darg)
        return [np.asarray(grads.get(id(w), np.zeros_like(w)), dtype=w.dtype) for w in wrt]


def _accumulate(grads, arg, darg):
    if darg is None or not isinstance(arg, np.ndarray) or arg.dtype.kind != "f":
        return
    key = id(arg)
    grads[key] = grads[key] + darg if key in grads else darg


def active_tape():
    """The tape recording now, or ``None``."""
    return _tapes[-1] if _tapes else None


def primitive(vjp=None):
    """Mark a backend method as a primitive with the VJP rule ``vjp``.

    ``vjp=None`` declares the op non-differentiable: gradients flowing into it
    raise, and integer/boolean results are never differentiated anyway.
    """
    def decorate(method):
        name = method.__name__

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            ans = method(self, *args, **kwargs)
            if _tapes:
                ans = np.asarray(ans)
                if any(ans is a for a in args):
                    ans = ans.view()
                if ans.dtype.kind == "f":
                    _tapes[-1].entries.append((name, vjp, args, kwargs, ans))
            return ans
        wrapper.vjp = vjp
        return wrapper
    return decorate


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``, undoing NumPy broadcasting."""
    shape = np.shape(shape) if not isinstance(shape, tuple) else shape
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def grad_like(g, x):
    """``g`` reduced to the shape of ``x`` (``None`` for Python scalars)."""
    if not isinstance(x, np.ndarray):
        return None
    return unbroadcast(g, x.shape).astype(x.dtype, copy=False)
