"""NumPy backend: control flow (``switch``, ``rnn``, ``map_fn``, ``foldl``, ``foldr``).

The loops here are plain Python loops over time steps / elements whose
bodies call *taped* backend primitives (``getitem``, ``stack`` and the
elementwise selection :meth:`ControlOps.select`), so reverse-mode autodiff
differentiates through them (backpropagation through time) without any
loop-specific gradient rule. ``unroll`` makes no difference on this backend.

Cost note: each time step is read with ``getitem``, whose gradient is a
zero array of the full input shape with one slice filled, so the backward
pass of a length-``T`` loop touches ``T`` full-size arrays.
"""
import numpy as np

from polykeras_numpy.autodiff import grad_like, primitive
from polykeras_numpy.core import operands

#: control ops with no gradient rule of their own (none: ``switch`` and the
#: loops are differentiated through the primitives they call).
NON_DIFFERENTIABLE = ()


def _expand_condition(condition, ndim):
    """``condition`` as bool with trailing unit axes up to rank ``ndim``."""
    condition = np.asarray(condition).astype(bool, copy=False)
    if condition.ndim > ndim:
        raise ValueError("switch needs a condition of rank <= the rank of the expressions. "
                         f"Received: condition shape={condition.shape}, expression rank={ndim}")
    return condition.reshape(condition.shape + (1,) * (ndim - condition.ndim))


def _select_vjp(g, ans, condition, x, y):
    c = _expand_condition(condition, max(np.ndim(x), np.ndim(y)))
    zero = np.zeros((), g.dtype)
    return None, grad_like(np.where(c, g, zero), x), grad_like(np.where(c, zero, g), y)


def _call(branch):
    return branch() if callable(branch) else branch


def _time_major_mask(mask, batch, steps):
    mask = np.asarray(mask).astype(bool, copy=False)
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if mask.shape != (batch, steps):
        raise ValueError("rnn expects a mask of shape (batch, time) = "
                         f"{(batch, steps)}. Received: mask shape={mask.shape}")
    return mask


class ControlOps:
    """The control-flow primitives."""

    @primitive(_select_vjp)
    def select(self, condition, x, y):
        """Elementwise ``x`` where ``condition`` else ``y`` (``np.where``).

        Internal primitive behind :meth:`switch` and ``rnn`` masking.
        ``condition`` gets trailing unit axes up to the expressions' rank, so
        a ``(batch,)`` condition selects whole rows. Python scalars are weak:
        ``select(c, float32_array, 0.)`` stays float32.

        Example:
            >>> NumpyBackend().select(np.array([True, False]),
            ...                       np.float32([[1, 1], [1, 1]]), 0.)
            array([[1., 1.],
                   [0., 0.]], dtype=float32)
        """
        x, y = operands(x, y)
        c = _expand_condition(condition, max(x.ndim, y.ndim))
        return np.where(c, x, y)

    def switch(self, condition, then_expression, else_expression):
        """Select between two expressions.

        Args:
            condition: a scalar (bool or number) or a tensor.
            then_expression, else_expression: tensors or zero-argument
                callables returning tensors.

        Returns:
            for a scalar condition, the chosen expression (only the chosen
            callable is called); for a tensor condition, the elementwise
            selection after giving the condition trailing unit axes up to the
            expressions' rank (both callables are called).

        Example:
            >>> NumpyBackend().switch(np.array(True), lambda: 1., lambda: 2.)
            array(1.)
        """
        if np.ndim(condition) == 0:
            chosen = then_expression if bool(np.asarray(condition)) else else_expression
            value = _call(chosen)
            return value if isinstance(value, np.ndarray) else np.asarray(value)
        return self.select(condition, _call(then_expression), _call(else_expression))

    def rnn(self, step_function, inputs, initial_states, go_backwards=False, mask=None,
            constants=None, unroll=False, input_length=None):
        """Iterate ``step_function`` over the time axis (axis 1) of ``inputs``.

        Args:
            step_function: ``(input_t, states) -> (output_t, new_states)`` with
                ``input_t`` of shape ``(batch, ...)`` and ``states`` a list.
            inputs: ``(batch, time, ...)``.
            initial_states: list of ``(batch, ...)`` tensors.
            go_backwards: iterate from the last step to the first (outputs are
                then in iteration order, like Keras).
            mask: optional ``(batch, time)`` bool/0-1 tensor; a masked step
                keeps the previous output (zeros before the first step) and
                the previous states.
            constants: optional list appended to the states passed to
                ``step_function``.
            unroll, input_length: accepted for compatibility; no effect here.

        Returns:
            ``(last_output, outputs, new_states)`` with ``outputs`` of shape
            ``(batch, time, ...)``.

        Example:
            >>> b = NumpyBackend()
            >>> step = lambda x, s: (b.add(x, s[0]), [b.add(x, s[0])])
            >>> last, outs, states = b.rnn(step, np.ones((2, 3, 1), np.float32),
            ...                            [np.zeros((2, 1), np.float32)])
            >>> last.ravel().tolist()
            [3.0, 3.0]
        """
        inputs = np.asarray(inputs)
        if inputs.ndim < 3:
            raise ValueError("rnn expects inputs of shape (batch, time, ...), rank >= 3. "
                             f"Received: shape={inputs.shape}")
        batch, steps = inputs.shape[:2]
        if steps == 0:
            raise ValueError(f"rnn needs at least one time step. Received: shape={inputs.shape}")
        if mask is not None:
            mask = _time_major_mask(mask, batch, steps)
        constants = list(constants or [])
        states = list(initial_states)
        times = range(steps - 1, -1, -1) if go_backwards else range(steps)
        outputs, previous = [], None
        for t in times:
            input_t = self.getitem(inputs, key=(slice(None), t))
            output, new_states = step_function(input_t, states + constants)
            new_states = list(new_states)
            if len(new_states) != len(states):
                raise ValueError(
                    f"rnn's step_function must return as many states as it receives "
                    f"({len(states)}). Received: {len(new_states)} states")
            if mask is not None:
                keep = mask[:, t]
                if previous is None:
                    previous = np.zeros(np.shape(output), np.asarray(output).dtype)
                output = self.select(keep, output, previous)
                new_states = [self.select(keep, new, old) for new, old in zip(new_states, states)]
            outputs.append(output)
            states = new_states
            previous = output
        return outputs[-1], self.stack(outputs, axis=1), states

    def map_fn(self, fn, elems, dtype=None):
        """``fn`` applied to each ``elems[i]``, results stacked along a new axis 0.

        Args:
            fn: callable on one element (a tensor of ``elems.shape[1:]``).
            elems: tensor; the first axis is iterated.
            dtype: optional dtype name of the result.

        Example:
            >>> b = NumpyBackend()
            >>> b.map_fn(lambda x: b.sum(x), np.float32([[1, 2], [3, 4]])).tolist()
            [3.0, 7.0]
        """
        elems = np.asarray(elems)
        if elems.ndim == 0 or elems.shape[0] == 0:
            raise ValueError("map_fn needs elems with a non-empty first axis. "
                             f"Received: shape={elems.shape}")
        results = [fn(self.getitem(elems, key=(i,))) for i in range(elems.shape[0])]
        out = self.stack(results, axis=0)
        if dtype is not None and out.dtype != np.dtype(dtype):
            out = self.cast(out, dtype=dtype)
        return out

    def foldl(self, fn, elems, initializer=None):
        """Reduce ``elems`` along axis 0 from the first element: ``acc = fn(acc, elems[i])``.

        Args:
            fn: ``(accumulator, element) -> accumulator``.
            elems: tensor; the first axis is iterated.
            initializer: first accumulator (default: ``elems[0]``, then
                iteration starts at ``elems[1]``).

        Example:
            >>> b = NumpyBackend()
            >>> b.foldl(b.add, np.float32([1, 2, 3]), np.float32(0)).tolist()
            6.0
        """
        return self._fold(fn, elems, initializer, reverse=False)

    def foldr(self, fn, elems, initializer=None):
        """Like :meth:`foldl` from the last element to the first."""
        return self._fold(fn, elems, initializer, reverse=True)

    def _fold(self, fn, elems, initializer, reverse):
        elems = np.asarray(elems)
        if elems.ndim == 0:
            raise ValueError(f"fold needs elems of rank >= 1. Received: shape={elems.shape}")
        order = list(range(elems.shape[0]))
        if reverse:
            order.reverse()
        if initializer is None:
            if not order:
                raise ValueError("fold of empty elems needs an initializer. "
                                 f"Received: shape={elems.shape}, initializer=None")
            acc = self.getitem(elems, key=(order.pop(0),))
        else:
            acc = initializer
        for i in order:
            acc = fn(acc, self.getitem(elems, key=(i,)))
        return acc
