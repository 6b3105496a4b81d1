"""Theano/PyTensor backend: switch, rnn and functional loops.

Loops run through ``scan``; the updates a scan body produces (its random
streams) are collected in ``self._scan_updates`` and added to the compiled
function. Scan needs each carried value to keep one exact type, so initial
values are loosened (no dimension known to broadcast) and every step's new
values are cast and re-broadcast to them.
"""


class ControlOps:
    """The control primitives."""

    def _scan(self, fn, sequences, outputs_info, n_steps=None, captured=()):
        """``scan`` over ``fn``; ``captured`` outer values are passed as non-sequences,
        so scan reads them once instead of copying their graph (e.g. a random
        draw) into the loop body."""
        captured = [v for v in captured if getattr(v, "owner", None) is not None]
        count = len(captured)
        body = (lambda *args: fn(*args[:len(args) - count])) if count else fn
        outputs, updates = self.lib.scan(body, sequences=sequences, outputs_info=outputs_info,
                                         non_sequences=captured, n_steps=n_steps)
        self._scan_updates.extend(updates.items() if hasattr(updates, "items") else updates)
        return outputs

    def _carry(self, value, like):
        """``value`` with exactly the type of the carried ``like``."""
        return self.lib.match_type(like, self._tensor(value))

    # --- switch ------------------------------------------------------------------------

    def switch(self, condition, then_expression, else_expression):
        """A scalar condition picks a branch (lazily, with ``ifelse``); a tensor
        condition picks elementwise after expanding its trailing axes."""
        T = self.T
        condition = self._tensor(condition)
        then_value = then_expression() if callable(then_expression) else then_expression
        else_value = else_expression() if callable(else_expression) else else_expression
        then_value, else_value = self._operands(then_value, else_value)
        if condition.dtype != "bool":
            condition = T.neq(condition, 0)
        if condition.ndim == 0:
            dtype = self.th.scalar.upcast(then_value.dtype, else_value.dtype)
            ndim = max(then_value.ndim, else_value.ndim)
            then_value = self._expand_to(T.cast(then_value, dtype), ndim)
            else_value = self._expand_to(T.cast(else_value, dtype), ndim)
            if self.lib.broadcastable(then_value) != self.lib.broadcastable(else_value):
                then_value, else_value = self.lib.loosen(then_value), self.lib.loosen(else_value)
            return self.lib.ifelse(condition, then_value, else_value)
        ndim = max(then_value.ndim, else_value.ndim)
        if condition.ndim > ndim:
            raise ValueError("switch expects a condition of rank <= the expressions' rank. "
                             f"Received: condition rank {condition.ndim}, expressions rank {ndim}")
        if condition.ndim < ndim:
            condition = condition.dimshuffle(list(range(condition.ndim)) +
                                             ["x"] * (ndim - condition.ndim))
        return T.switch(condition, then_value, else_value)

    def _expand_to(self, x, ndim):
        """``x`` broadcast to ``ndim`` dims by adding leading broadcastable axes."""
        if x.ndim >= ndim:
            return x
        return x.dimshuffle(["x"] * (ndim - x.ndim) + list(range(x.ndim)))

    # --- rnn --------------------------------------------------------------------------------

    def rnn(self, step_function, inputs, initial_states, go_backwards=False, mask=None,
            unroll=False, input_length=None):
        """Iterate ``step_function`` over the time axis (1) of ``inputs``.

        Returns:
            ``(last_output, outputs, new_states)``; outputs are ``(batch, time, ...)``.
        """
        T = self.T
        inputs = self._tensor(inputs)
        if inputs.ndim < 3:
            raise ValueError(f"rnn expects inputs of rank >= 3 (batch, time, ...). "
                             f"Received: rank {inputs.ndim}")
        axes = [1, 0] + list(range(2, inputs.ndim))
        steps = inputs.dimshuffle(axes)
        if mask is not None:
            mask = self._tensor(mask)
            if mask.ndim == 3:
                mask = mask[:, :, 0]
            mask = T.neq(mask, 0).dimshuffle(1, 0)
        if go_backwards:
            steps = steps[::-1]
            mask = None if mask is None else mask[::-1]
        states = [self._tensor(s) for s in initial_states]
        if unroll:
            length = input_length
            static = getattr(steps.type, "shape", None)
            if length is None and static is not None:
                length = static[0]
            if length is not None:
                return self._rnn_unrolled(step_function, steps, states, mask, int(length))
            # Theano types carry no static time length: scan computes the same values.
        first_output, _ = step_function(steps[0], states)
        first_output = self._tensor(first_output)
        init_output = self.lib.loosen(T.zeros_like(first_output))
        init_states = [self.lib.loosen(s) for s in states]
        n_states = len(init_states)

        if mask is None:
            def body(x_t, *carried):
                output, new_states = step_function(x_t, list(carried[1:]))
                return [self._carry(output, init_output)] + [
                    self._carry(n, s) for n, s in zip(new_states, init_states)]
            sequences = [steps]
        else:
            def body(x_t, m_t, *carried):
                prev_output, prev_states = carried[0], list(carried[1:])
                output, new_states = step_function(x_t, prev_states)
                output = self._masked(m_t, self._carry(output, init_output), prev_output)
                new_states = [self._masked(m_t, self._carry(n, s), p)
                              for n, s, p in zip(new_states, init_states, prev_states)]
                return [output] + new_states
            sequences = [steps, mask]
        results = self._scan(body, sequences, [init_output] + init_states,
                             captured=getattr(step_function, "captured_values", ()))
        outputs = results[0]
        new_states = [r[-1] for r in results[1:1 + n_states]]
        outputs = outputs.dimshuffle([1, 0] + list(range(2, outputs.ndim)))
        return outputs[:, -1], outputs, new_states

    def _masked(self, mask_t, new, old):
        """``new`` where the per-sample ``mask_t`` is set, else ``old``."""
        m = mask_t.dimshuffle([0] + ["x"] * (new.ndim - 1))
        return self.T.switch(m, new, old)

    def _rnn_unrolled(self, step_function, steps, states, mask, length):
        T = self.T
        outputs, prev_output = [], None
        for t in range(int(length)):
            output, new_states = step_function(steps[t], states)
            output = self._tensor(output)
            new_states = [self._tensor(s) for s in new_states]
            if mask is not None:
                if prev_output is None:
                    prev_output = T.zeros_like(output)
                output = self._masked(mask[t], output, prev_output)
                new_states = [self._masked(mask[t], n, s) for n, s in zip(new_states, states)]
            outputs.append(output)
            states, prev_output = new_states, output
        stacked = T.stack(outputs, axis=1)
        return outputs[-1], stacked, states

    # --- functional loops -------------------------------------------------------------------

    def map_fn(self, fn, elems, dtype=None, name=None):
        """``fn`` applied to each slice of ``elems`` along axis 0, results stacked."""
        elems = self._tensor(elems)

        def body(x):
            out = self._tensor(fn(x))
            return self.T.cast(out, dtype) if dtype and out.dtype != dtype else out
        return self._scan(body, [elems], None)[0]

    def foldl(self, fn, elems, initializer=None, name=None):
        """Reduce ``elems`` along axis 0 from the left with ``fn(acc, x)``."""
        return self._fold(fn, self._tensor(elems), initializer)

    def foldr(self, fn, elems, initializer=None, name=None):
        """Reduce ``elems`` along axis 0 from the right with ``fn(acc, x)``."""
        return self._fold(fn, self._tensor(elems)[::-1], initializer)

    def _fold(self, fn, elems, initializer):
        init = self._tensor(initializer)
        if is_weak(initializer):
            init = self.T.cast(init, elems.dtype)
        init = self.lib.loosen(init)

        def body(x, acc):
            return self._carry(fn(acc, x), init)
        return self._scan(body, [elems], [init])[0][-1]


def is_weak(value):
    """A Python number given as an initializer (takes the elements' dtype)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
