"""Control flow: ``rnn``, ``switch``, the learning-phase switches and the functional loops.

Python callables handed to these functions (an RNN step, a ``map_fn`` body,
the branches of ``switch``) are traced once into a
:class:`polykeras.backend.graph.TracedFunction`; the backend receives a
native callable with the original calling convention. Tensors the callable
reads from outside (RNN ``constants``, weights, the learning phase) are
captured by the trace.
"""
import numpy as np

from polykeras.backend import graph, shapes
from polykeras.backend.ops import is_symbolic, register_op, static_dtype, static_shape
from polykeras.backend.ops import variables as kvars

__all__ = [
    "rnn",
    "switch",
    "in_train_phase",
    "in_test_phase",
    "map_fn",
    "foldl",
    "foldr",
]


class _Spec:
    """What one argument of a traced callable looks like: only shape and dtype matter."""

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype


def _dtype(x):
    return static_dtype(x) or kvars.floatx()


def _spec(x):
    return _Spec(static_shape(x), _dtype(x))


def _merge_shapes(a, b):
    """The most specific shape both ``a`` and ``b`` agree with."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if y is None else (y if x is None or x == y else None)
                 for x, y in zip(a, b))


def _uses_learning_phase(*tensors):
    return any(getattr(t, "_uses_learning_phase", False) for t in graph.flatten(list(tensors)))


# --- rnn -------------------------------------------------------------------------------------

@register_op
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    """Iterate ``step_function`` over the time axis of ``inputs``.

    Args:
        step_function: ``step(input_t, states) -> (output_t, new_states)``;
            ``input_t`` is ``inputs[:, t]``, ``states`` the list of states
            followed by ``constants``; ``new_states`` has one tensor per
            initial state, each of the same shape.
        inputs: ``(samples, time, ...)``, at least 3D.
        initial_states: list of ``(samples, ...)`` tensors.
        go_backwards: iterate from the last step to the first (outputs are
            then in reversed time order, as in Keras 2).
        mask: ``(samples, time)`` tensor (bool or 0/1); at masked steps the
            previous output and states are carried over.
        constants: tensors passed to every step after the states.
        unroll: unroll the loop (needs a known number of steps).
        input_length: the number of steps when it is static.

    Returns:
        ``(last_output, outputs, new_states)``: ``(samples, ...)``,
        ``(samples, time, ...)`` and the list of final states.

    Example:
        >>> x = K.placeholder((None, 5, 3))
        >>> step = lambda x_t, states: (x_t + states[0], [x_t + states[0]])
        >>> last, outputs, states = K.rnn(step, x, [K.zeros_like(x[:, 0])])
        >>> K.int_shape(outputs)
        (None, 5, 3)
    """
    shape = static_shape(inputs)
    if shape is None or len(shape) < 3:
        raise ValueError(f"rnn expects inputs of rank >= 3 (samples, time, ...). "
                         f"Received: shape={shape}")
    if unroll and shape[1] is None and input_length is None:
        raise ValueError("Unrolling requires a fixed number of timesteps. "
                         f"Received: inputs shape={shape}")
    if not isinstance(initial_states, (list, tuple)):
        initial_states = [initial_states]
    initial_states = list(initial_states)
    constants = list(constants or [])
    if mask is not None:
        mask_shape = static_shape(mask)
        if mask_shape is not None and (len(mask_shape) < 2 or any(
                m is not None and s is not None and m != s
                for m, s in zip(mask_shape[:2], shape[:2]))):
            raise ValueError(f"rnn expects a mask of shape (samples, time) {shape[:2]}. "
                             f"Received: mask shape={mask_shape}")
        if _dtype(mask) != "bool":
            mask = kvars.cast(mask, "bool")
    step_spec = _Spec((shape[0],) + shape[2:], _dtype(inputs))
    state_specs = [_spec(s) for s in initial_states]

    def step(x_t, states):
        output, new_states = step_function(x_t, list(states) + constants)
        if not isinstance(new_states, (list, tuple)):
            new_states = [new_states]
        return output, list(new_states)

    traced = graph.TracedFunction(step, (step_spec, state_specs))
    output_t, new_states = traced.outputs
    if len(new_states) != len(initial_states):
        raise ValueError(f"The step function returned {len(new_states)} state(s) for "
                         f"{len(initial_states)} initial state(s).")
    out_shape = static_shape(output_t)
    if out_shape is not None and len(out_shape) >= 1:
        batch = out_shape[0] if out_shape[0] is not None else shape[0]
        last_shape = (batch,) + tuple(out_shape[1:])
        outputs_shape = (batch, shape[1] if shape[1] is not None else input_length) + \
            tuple(out_shape[1:])
    else:
        last_shape = outputs_shape = None
    state_outs = [(_merge_shapes(static_shape(s), static_shape(n)), _dtype(s))
                  for s, n in zip(initial_states, new_states)]
    results = graph.record(
        "rnn", (traced, inputs, initial_states),
        {"go_backwards": bool(go_backwards), "mask": mask, "unroll": bool(unroll),
         "input_length": input_length},
        outputs=[(last_shape, _dtype(output_t)), (outputs_shape, _dtype(output_t))] + state_outs)
    last_output, outputs, states = results[0], results[1], results[2:]
    if _uses_learning_phase(output_t, new_states):
        last_output._uses_learning_phase = True
        outputs._uses_learning_phase = True
    return last_output, outputs, states


# --- switch and the learning phase ---------------------------------------------------------

def _branch_value(expression):
    if callable(expression):
        expression = expression()
    return expression


def _static_condition(condition):
    """``condition`` as a Python bool when it is not a tensor, else ``None``."""
    if is_symbolic(condition):
        return None
    return bool(np.asarray(condition))


@register_op
def switch(condition, then_expression, else_expression):
    """Select between two expressions according to ``condition``.

    Args:
        condition: a scalar bool tensor (one branch is computed), or a tensor
            of rank <= the expressions' rank that selects elementwise (its
            trailing axes are expanded to match). Non-bool conditions are cast.
        then_expression, else_expression: tensors, or callables returning
            tensors (computed only when taken, for a scalar condition).

    Example:
        >>> c = K.placeholder((), dtype='bool')
        >>> y = K.switch(c, lambda: K.constant(1.), lambda: K.constant(0.))
    """
    static = _static_condition(condition)
    if static is not None:
        return _branch_value(then_expression if static else else_expression)
    cond_shape = static_shape(condition)
    if _dtype(condition) != "bool":
        condition = kvars.cast(condition, "bool")
    if cond_shape is not None and len(cond_shape) == 0:
        branches = [graph.TracedFunction(e, ()) if callable(e) else e
                    for e in (then_expression, else_expression)]
        values = [b.outputs if isinstance(b, graph.TracedFunction) else b for b in branches]
        then_shape, else_shape = (static_shape(v) for v in values)
        if then_shape is not None and else_shape is not None and \
                len(then_shape) != len(else_shape):
            shape = shapes.broadcast(then_shape, else_shape)
        else:
            shape = _merge_shapes(then_shape, else_shape)
    else:
        branches = values = [_branch_value(e) for e in (then_expression, else_expression)]
        then_shape, else_shape = (static_shape(v) for v in values)
        expr_ndim = max(len(s) for s in (then_shape, else_shape) if s is not None) \
            if then_shape is not None or else_shape is not None else None
        if cond_shape is not None and expr_ndim is not None and len(cond_shape) > expr_ndim:
            raise ValueError(
                "Rank of `condition` should be less than or equal to rank of "
                f"`then_expression` and `else_expression`. Received: condition shape="
                f"{cond_shape}, expression shapes={then_shape} and {else_shape}")
        padded = None if cond_shape is None or expr_ndim is None else \
            tuple(cond_shape) + (1,) * (expr_ndim - len(cond_shape))
        try:
            shape = shapes.broadcast(padded, then_shape, else_shape)
        except ValueError:
            raise ValueError(f"switch: condition {cond_shape} and expressions {then_shape}, "
                             f"{else_shape} do not broadcast together.") from None
    dtype = shapes.result_dtype(*(static_dtype(v) for v in values), floatx=kvars.floatx())
    return graph.record("switch", (condition, *branches), shape=shape, dtype=dtype)


def in_train_phase(x, alt, training=None):
    """``x`` in the training phase, ``alt`` otherwise.

    Args:
        x, alt: tensors or callables returning tensors.
        training: ``None`` (use :func:`learning_phase`), a Python bool/int
            (picks a branch when the graph is built) or a scalar bool tensor.

    Returns:
        the chosen tensor; when it depends on the learning phase it carries
        ``_uses_learning_phase = True`` as in Keras 2.

    Example:
        >>> y = K.in_train_phase(lambda: K.dropout(x, 0.5), x)
    """
    uses_learning_phase = training is None
    if training is None:
        training = kvars.learning_phase()
    static = _static_condition(training)
    if static is not None:
        return _branch_value(x if static else alt)
    result = switch(training, x, alt)
    if uses_learning_phase:
        result._uses_learning_phase = True
    return result


def in_test_phase(x, alt, training=None):
    """``x`` in the test phase, ``alt`` otherwise (see :func:`in_train_phase`).

    Example:
        >>> y = K.in_test_phase(x, lambda: K.dropout(x, 0.5))
    """
    return in_train_phase(alt, x, training=training)


# --- functional loops -------------------------------------------------------------------

def _elements_spec(elems, fn_name):
    shape = static_shape(elems)
    if not is_symbolic(elems):
        raise TypeError(f"{fn_name} expects `elems` to be a tensor. Received: {elems!r}")
    if shape is not None and len(shape) == 0:
        raise ValueError(f"{fn_name} iterates over the first axis of `elems`, which must have "
                         f"rank >= 1. Received: shape={shape}")
    return shape, _Spec(None if shape is None else shape[1:], _dtype(elems))


@register_op
def map_fn(fn, elems, name=None, dtype=None):
    """Apply ``fn`` to each slice ``elems[i]`` and stack the results.

    Args:
        fn: callable from one element to a tensor.
        elems: tensor iterated over its first axis.
        name: unused (Keras 2 compatibility).
        dtype: the result dtype (the results of ``fn`` are cast to it).

    Returns:
        ``(len(elems),) + shape of fn's result``.

    Example:
        >>> y = K.map_fn(lambda row: K.sum(row), K.placeholder((4, 3)))
        >>> K.int_shape(y)
        (4,)
    """
    shape, elem_spec = _elements_spec(elems, "map_fn")
    dtype = None if dtype is None else str(np.dtype(dtype))

    def body(elem):
        out = fn(elem)
        if dtype is not None and is_symbolic(out) and out.dtype != dtype:
            out = kvars.cast(out, dtype)
        return out

    traced = graph.TracedFunction(body, (elem_spec,))
    out = traced.outputs
    if isinstance(out, (list, tuple)):
        raise TypeError(f"map_fn expects `fn` to return a single tensor. Received: {out!r}")
    out_shape = static_shape(out)
    result_shape = None if out_shape is None or shape is None else (shape[0],) + out_shape
    dtype = dtype or _dtype(out)
    return graph.record("map_fn", (traced, elems), {"dtype": dtype},
                        shape=result_shape, dtype=dtype)


def _fold(op, fn, elems, initializer):
    shape, elem_spec = _elements_spec(elems, op)
    if initializer is None:
        if shape is not None and shape[0] == 0:
            raise ValueError(f"{op} without an initializer needs a non-empty `elems`. "
                             f"Received: shape={shape}")
        initializer = elems[0] if op == "foldl" else elems[-1]
        elems = elems[1:] if op == "foldl" else elems[:-1]
    elif not is_symbolic(initializer):
        dtype = static_dtype(initializer) or _dtype(elems)
        initializer = kvars.constant(initializer, dtype=dtype)
    traced = graph.TracedFunction(lambda acc, x: fn(acc, x), (_spec(initializer), elem_spec))
    out = traced.outputs
    if isinstance(out, (list, tuple)):
        raise TypeError(f"{op} expects `fn` to return a single tensor. Received: {out!r}")
    init_shape, out_shape = static_shape(initializer), static_shape(out)
    if init_shape is not None and out_shape is not None and len(init_shape) != len(out_shape):
        raise ValueError(f"{op}: `fn` must return a tensor shaped like the accumulator "
                         f"{init_shape}. Received: shape={out_shape}")
    return graph.record(op, (traced, elems), {"initializer": initializer},
                        shape=_merge_shapes(init_shape, out_shape), dtype=_dtype(initializer))


@register_op
def foldl(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` left to right: ``acc = fn(acc, elems[i])``.

    Args:
        fn: callable ``(acc, x) -> acc``.
        elems: tensor iterated over its first axis.
        initializer: the first accumulator (default ``elems[0]``, the
            iteration then starting at ``elems[1]``).
        name: unused (Keras 2 compatibility).

    Example:
        >>> total = K.foldl(lambda acc, x: acc + x, K.placeholder((5, 2)))
        >>> K.int_shape(total)
        (2,)
    """
    return _fold("foldl", fn, elems, initializer)


@register_op
def foldr(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` right to left: ``acc = fn(acc, elems[i])`` for ``i`` descending.

    Args:
        fn: callable ``(acc, x) -> acc``.
        elems: tensor iterated over its first axis.
        initializer: the first accumulator (default ``elems[-1]``, the
            iteration then starting at ``elems[-2]``).
        name: unused (Keras 2 compatibility).

    Example:
        >>> total = K.foldr(lambda acc, x: acc * x, K.placeholder((5, 2)))
    """
    return _fold("foldr", fn, elems, initializer)
