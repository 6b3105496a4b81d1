"""Theano/PyTensor backend: connectionist temporal classification.

Follows the Keras/TensorFlow conventions: ``y_pred`` holds softmax
probabilities ``(batch, time, classes)``, the blank is the last class, and
labels are padded on the right. The loss is the CTC forward algorithm in log
space, one ``scan`` step per time step, vectorised over the batch and the
extended label sequence (blank, l1, blank, l2, ..., blank).
"""
import numpy as np

_NEG = -1e30  # log(0) that keeps gradients finite
_EPS = 1e-7


class CtcOps:
    """The ctc primitives."""

    def _logsumexp3(self, a, b, c):
        T = self.T
        m = T.maximum(T.maximum(a, b), c)
        return m + T.log(T.exp(a - m) + T.exp(b - m) + T.exp(c - m))

    def ctc_batch_cost(self, y_true, y_pred, input_length, label_length):
        """Per-sample CTC loss ``-log p(labels | y_pred)``, shape ``(batch, 1)``."""
        T = self.T
        y_pred = self._tensor(y_pred)
        dtype = y_pred.dtype
        n_classes = y_pred.shape[2]
        blank = n_classes - 1
        labels = T.clip(T.cast(self._tensor(y_true), "int64"), 0, blank)
        input_length = T.cast(self._tensor(input_length).flatten(), "int64")
        label_length = T.cast(self._tensor(label_length).flatten(), "int64")
        batch, max_label = labels.shape[0], labels.shape[1]
        n_ext = 2 * max_label + 1
        ext = T.set_subtensor(T.alloc(T.cast(blank, "int64"), batch, n_ext)[:, 1::2], labels)
        # emit[t, b, s] = log y_pred[b, t, ext[b, s]] via a one-hot product
        classes = T.arange(n_classes)
        onehot = T.cast(T.eq(ext.dimshuffle(0, 1, "x"), classes.dimshuffle("x", "x", 0)), dtype)
        log_pred = T.log(y_pred + np.asarray(_EPS, dtype=dtype))
        emit = self.lib.batched_matmul(log_pred, onehot.dimshuffle(0, 2, 1)).dimshuffle(1, 0, 2)
        previous2 = T.concatenate([T.alloc(T.cast(blank, "int64"), batch, 2), ext[:, :-2]],
                                  axis=1)
        can_skip = T.and_(T.neq(ext, blank), T.neq(ext, previous2))
        neg = T.cast(_NEG, dtype)
        positions = T.arange(n_ext).dimshuffle("x", 0)
        alpha0 = T.switch(T.lt(positions, 2), emit[0], neg)
        steps = T.arange(1, emit.shape[0])

        def step(emit_t, t, alpha):
            pad1 = T.alloc(neg, batch, 1)
            shift1 = T.concatenate([pad1, alpha[:, :-1]], axis=1)
            shift2 = T.concatenate([pad1, pad1, alpha[:, :-2]], axis=1)
            shift2 = T.switch(can_skip, shift2, neg)
            new = self._logsumexp3(alpha, shift1, shift2) + emit_t
            active = T.lt(t, input_length).dimshuffle(0, "x")
            return self.lib.match_type(alpha, T.switch(active, new, alpha))

        alpha0 = self.lib.loosen(alpha0)
        alphas = self._scan(step, [emit[1:], steps], [alpha0])[0]
        alpha = T.concatenate([alpha0.dimshuffle("x", 0, 1), alphas], axis=0)[-1]
        last = 2 * label_length
        pick_last = T.eq(positions, last.dimshuffle(0, "x"))
        pick_before = T.eq(positions, (last - 1).dimshuffle(0, "x"))
        end_a = T.max(T.switch(pick_last, alpha, neg), axis=1)
        end_b = T.max(T.switch(pick_before, alpha, neg), axis=1)
        m = T.maximum(end_a, end_b)
        log_p = m + T.log(T.exp(end_a - m) + T.exp(end_b - m))
        return (-log_p).dimshuffle(0, "x")

    def ctc_decode(self, y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
        """Greedy CTC decoding: best class per step, repeats merged, blanks dropped.

        Returns:
            ``([decoded], log_prob)``: decoded is ``(batch, max_decoded_length)``
            int64 padded with -1; log_prob ``(batch, 1)`` is the negative sum
            of each step's best log-probability.
        """
        if not greedy:
            raise NotImplementedError(
                f"The {self.name} backend decodes CTC greedily only. "
                f"Received: greedy=False (beam_width={beam_width}, top_paths={top_paths})")
        T = self.T
        y_pred = self._tensor(y_pred)
        input_length = T.cast(self._tensor(input_length).flatten(), "int64")
        batch, steps, n_classes = y_pred.shape[0], y_pred.shape[1], y_pred.shape[2]
        best = T.argmax(y_pred, axis=2)
        valid = T.lt(T.arange(steps).dimshuffle("x", 0), input_length.dimshuffle(0, "x"))
        previous = T.concatenate([T.alloc(T.cast(-1, "int64"), batch, 1), best[:, :-1]], axis=1)
        keep = T.and_(T.and_(T.neq(best, n_classes - 1), T.neq(best, previous)), valid)
        position = T.cumsum(T.cast(keep, "int64"), axis=1) - 1
        column = T.switch(keep, position, steps)
        rows = T.arange(batch).dimshuffle(0, "x") + T.zeros_like(column)
        dense = T.alloc(T.cast(-1, "int64"), batch, steps + 1)
        dense = T.set_subtensor(dense[rows.flatten(), column.flatten()],
                                T.switch(keep, best, -1).flatten())
        width = T.max(T.sum(T.cast(keep, "int64"), axis=1))
        decoded = dense[:, :width]
        top = T.max(y_pred, axis=2)
        log_prob = -T.sum(T.switch(valid, T.log(top + np.asarray(_EPS, dtype=y_pred.dtype)), 0),
                          axis=1, keepdims=True)
        return [decoded], log_prob

    def ctc_label_dense_to_sparse(self, labels, label_lengths):
        """The sparse form of padded ``labels``: ``(indices, values, dense_shape)``."""
        T = self.T
        labels = self._tensor(labels)
        lengths = T.cast(self._tensor(label_lengths).flatten(), "int64")
        columns = T.arange(labels.shape[1]).dimshuffle("x", 0)
        mask = T.lt(columns, lengths.dimshuffle(0, "x"))
        rows, cols = mask.nonzero()
        indices = T.cast(T.stack([rows, cols], axis=1), "int64")
        values = labels[rows, cols]
        dense_shape = T.cast(T.stack([labels.shape[0], labels.shape[1]]), "int64")
        return indices, values, dense_shape
