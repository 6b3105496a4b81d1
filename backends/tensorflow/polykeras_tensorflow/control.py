"""TensorFlow backend: ``switch``, ``rnn``, ``map_fn`` and folds.

Callables arrive as native callables on tensors (traced functions replayed on
demand), so they can be handed straight to ``tf.cond``, ``tf.while_loop``,
``tf.map_fn`` and ``tf.foldl``.
"""
from polykeras_tensorflow.common import as_tf_dtype, binary_args, is_weak, tf, to_tensor


def _evaluate(expression):
    return expression() if callable(expression) else expression


def _expand_to(mask, rank):
    """A ``(batch,)`` mask with trailing axes of 1 up to ``rank``."""
    return tf.reshape(mask, tf.concat([tf.shape(mask), tf.ones([rank - 1], tf.int32)], 0))


def _select(mask, new, old):
    """``new`` where ``mask`` (one bool per batch item), else ``old``."""
    new, old = to_tensor(new), to_tensor(old)
    return tf.where(_expand_to(mask, new.shape.rank), new, tf.cast(old, new.dtype))


class ControlOps:
    """The control-flow primitives."""

    def switch(self, condition, then_expression, else_expression):
        """A scalar condition picks one branch (``tf.cond``); a tensor condition
        selects elementwise after expanding its trailing axes."""
        if is_weak(condition):
            return to_tensor(_evaluate(then_expression if condition else else_expression))
        condition = to_tensor(condition)
        if condition.dtype != tf.bool:
            condition = tf.cast(condition, tf.bool)
        if condition.shape.rank == 0:
            then_fn = lambda: to_tensor(_evaluate(then_expression))  # noqa: E731
            else_fn = lambda: to_tensor(_evaluate(else_expression))  # noqa: E731
            return tf.cond(condition, then_fn, else_fn)
        then_value, else_value = binary_args(_evaluate(then_expression),
                                             _evaluate(else_expression))
        rank = max(then_value.shape.rank, else_value.shape.rank)
        if rank > condition.shape.rank:
            condition = tf.reshape(condition, tf.concat(
                [tf.shape(condition), tf.ones([rank - condition.shape.rank], tf.int32)], 0))
        return tf.where(condition, then_value, else_value)

    def rnn(self, step_function, inputs, initial_states, go_backwards=False, mask=None,
            constants=None, unroll=False, input_length=None):
        """Iterate ``step_function`` over the time axis (1) of ``inputs``.

        Returns:
            ``(last_output, outputs, new_states)``; outputs are in processing
            order. Masked steps keep the previous output (zeros at first) and
            states. ``unroll=True`` builds a Python loop (static time length).
        """
        inputs = to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is None or rank < 3:
            raise ValueError("rnn expects inputs of rank >= 3 (batch, time, ...). "
                             f"Received: shape={inputs.shape}")
        constants = list(constants or [])
        states = [to_tensor(s) for s in initial_states]
        if mask is not None:
            mask = tf.cast(to_tensor(mask), tf.bool)
            if mask.shape.rank > 2:
                mask = mask[(slice(None), slice(None)) + (0,) * (mask.shape.rank - 2)]

        def step(x_t, states):
            output, new_states = step_function(x_t, list(states) + constants)
            return to_tensor(output), [to_tensor(s) for s in new_states]

        if unroll:
            return self._rnn_unrolled(step, inputs, states, mask, go_backwards)
        return self._rnn_loop(step, inputs, states, mask, go_backwards)

    def _rnn_unrolled(self, step, inputs, states, mask, go_backwards):
        steps = inputs.shape[1]
        if steps is None:
            raise ValueError("rnn with unroll=True needs a static number of time steps. "
                             f"Received: inputs of shape {inputs.shape}")
        order = slice(None, None, -1 if go_backwards else 1)
        step_inputs = tf.unstack(inputs, steps, axis=1)[order]
        step_masks = [None] * steps if mask is None else tf.unstack(mask, steps, axis=1)[order]
        outputs, previous = [], None
        for x_t, m in zip(step_inputs, step_masks):
            output, new_states = step(x_t, states)
            if m is not None:
                previous = tf.zeros_like(output) if previous is None else previous
                output = _select(m, output, previous)
                new_states = [_select(m, n, s) for n, s in zip(new_states, states)]
            outputs.append(output)
            previous, states = output, new_states
        stacked = tf.stack(outputs, axis=1)
        return outputs[-1], stacked, states

    def _rnn_loop(self, step, inputs, states, mask, go_backwards):
        time_major = tf.transpose(inputs, [1, 0] + list(range(2, inputs.shape.rank)))
        steps = tf.shape(time_major)[0]
        first_output, _ = step(time_major[-1 if go_backwards else 0], states)
        inputs_list = _list_popping_in_order(time_major, go_backwards)
        outputs_ta = tf.TensorArray(first_output.dtype, size=steps,
                                    element_shape=first_output.shape)
        mask_ta = None
        if mask is not None:
            mask = tf.transpose(mask)
            mask_ta = tf.TensorArray(tf.bool, size=steps).unstack(
                tf.reverse(mask, [0]) if go_backwards else mask)

        def body(t, inputs_list, previous, states, outputs_ta):
            inputs_list, x_t = tf.raw_ops.TensorListPopBack(
                input_handle=inputs_list, element_shape=-1, element_dtype=time_major.dtype)
            x_t.set_shape(time_major.shape[1:])
            output, new_states = step(x_t, states)
            if mask_ta is not None:
                m = mask_ta.read(t)
                output = _select(m, output, previous)
                new_states = [_select(m, n, s) for n, s in zip(new_states, states)]
            new_states = [tf.ensure_shape(tf.cast(n, s.dtype), s.shape)
                          for n, s in zip(new_states, states)]
            return t + 1, inputs_list, output, new_states, outputs_ta.write(t, output)

        _, _, last, final_states, outputs_ta = tf.while_loop(
            lambda t, *_: t < steps, body,
            (tf.constant(0), inputs_list, tf.zeros_like(first_output), states, outputs_ta),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([]),
                              _loose(first_output.shape), [_loose(s.shape) for s in states],
                              tf.TensorShape(None)))
        outputs = outputs_ta.stack()
        outputs = tf.transpose(outputs, [1, 0] + list(range(2, outputs.shape.rank)))
        return last, outputs, final_states

    def map_fn(self, fn, elems, name=None, dtype=None):
        """``fn`` applied to each slice of ``elems`` along axis 0, results stacked."""
        elems = to_tensor(elems)
        if dtype is None:
            dtype = to_tensor(fn(elems[0])).dtype
        return tf.map_fn(lambda e: tf.cast(to_tensor(fn(e)), as_tf_dtype(dtype)), elems,
                         fn_output_signature=as_tf_dtype(dtype))

    def foldl(self, fn, elems, initializer=None, name=None):
        """Reduce ``elems`` along axis 0 from the left with ``fn(acc, x)``."""
        return self._fold(tf.foldl, fn, elems, initializer)

    def foldr(self, fn, elems, initializer=None, name=None):
        """Reduce ``elems`` along axis 0 from the right with ``fn(acc, x)``."""
        return self._fold(tf.foldr, fn, elems, initializer)

    def _fold(self, fold, fn, elems, initializer):
        elems = to_tensor(elems)
        if initializer is None:
            return fold(lambda a, x: tf.cast(to_tensor(fn(a, x)), elems.dtype), elems)
        initializer = to_tensor(initializer)
        return fold(lambda a, x: tf.cast(to_tensor(fn(a, x)), initializer.dtype), elems,
                    initializer=initializer)


def _list_popping_in_order(time_major, go_backwards):
    """A TensorList of the time steps whose ``TensorListPopBack`` yields them in
    processing order (the step processed last at index 0).

    Popping a list that is a loop variable costs nothing in the backward pass:
    the gradients are pushed onto an empty list. Reading a captured list with
    ``TensorListGetItem`` instead makes the gradient loop start from
    ``zeros_like`` of the whole sequence and add a full list at every step.
    """
    ordered = time_major if go_backwards else tf.reverse(time_major, [0])
    return tf.raw_ops.TensorListFromTensor(
        tensor=ordered, element_shape=tf.constant([-1] * (time_major.shape.rank - 1)))


def _loose(shape):
    """A state's shape with the batch dimension left free."""
    dims = shape.as_list() if shape.rank is not None else None
    return tf.TensorShape(None if dims is None else [None] + dims[1:])
