"""TensorFlow backend: connectionist temporal classification.

Keras 2 semantics: ``y_pred`` holds softmax probabilities ``(batch, time,
classes)`` whose last class is the blank; they are turned into log
probabilities (``log(y_pred + epsilon)``) before TensorFlow's CTC ops.

TensorFlow's CTC loss kernel carries float32-level noise in its forward pass
even on float64 input (about 1e-8 relative: enough to break float64 finite
differences), so float64 losses use :func:`ctc_loss_log_space`, the same
recursion written with TensorFlow ops and differentiated by autodiff.
"""
from polykeras_tensorflow.common import epsilon, tf, to_tensor


def _flat_lengths(lengths):
    """``(batch,)`` or ``(batch, 1)`` lengths as an int32 vector."""
    lengths = tf.cast(to_tensor(lengths), tf.int32)
    return tf.reshape(lengths, [-1])


def _time_major_log(y_pred):
    y_pred = to_tensor(y_pred)
    return tf.math.log(tf.transpose(y_pred, [1, 0, 2]) + tf.cast(epsilon(), y_pred.dtype))


def _log_zero(dtype):
    # A finite stand-in for log(0): keeps gradients of unreachable states at 0, not NaN.
    return tf.constant(-1e30, dtype)


def ctc_loss_log_space(labels, label_length, log_probs, input_length):
    """CTC negative log-likelihood per batch item, computed with TF ops.

    Args:
        labels: ``(batch, max_label_length)`` int labels.
        label_length, input_length: ``(batch,)`` int32 lengths.
        log_probs: time-major ``(time, batch, classes)`` unnormalized log
            probabilities (normalized here by a log-softmax); blank = last class.

    Returns:
        ``(batch,)`` losses, in the dtype of ``log_probs``.
    """
    dtype = log_probs.dtype
    log_probs = tf.nn.log_softmax(log_probs, axis=-1)
    blank = tf.shape(log_probs)[2] - 1
    labels = tf.cast(labels, tf.int32)
    batch, max_len = tf.shape(labels)[0], tf.shape(labels)[1]
    # extended labels: blank, l1, blank, l2, ..., blank  -> (batch, 2L + 1)
    blanks = tf.fill([batch, max_len + 1], blank)
    interleaved = tf.reshape(tf.stack([blanks[:, :-1], labels], axis=2), [batch, 2 * max_len])
    extended = tf.concat([interleaved, blanks[:, -1:]], axis=1)
    emissions = tf.gather(tf.transpose(log_probs, [1, 0, 2]), extended, axis=2, batch_dims=1)
    emissions = tf.transpose(emissions, [1, 0, 2])  # (time, batch, 2L + 1)
    previous2 = tf.pad(extended[:, :-2], [[0, 0], [2, 0]], constant_values=-1)
    can_skip = tf.logical_and(tf.not_equal(extended, blank), tf.not_equal(extended, previous2))
    zero = _log_zero(dtype)
    positions = tf.range(2 * max_len + 1)
    alpha0 = tf.where(positions[None, :] < 2, emissions[0], zero)

    def step(alpha, inputs):
        emission, t = inputs
        shift1 = tf.pad(alpha[:, :-1], [[0, 0], [1, 0]], constant_values=-1e30)
        shift2 = tf.pad(alpha[:, :-2], [[0, 0], [2, 0]], constant_values=-1e30)
        shift2 = tf.where(can_skip, shift2, zero)
        new = tf.reduce_logsumexp(tf.stack([alpha, shift1, shift2], axis=0), axis=0) + emission
        return tf.where((t < input_length)[:, None], new, alpha)

    steps = tf.range(1, tf.shape(emissions)[0])
    alpha = tf.scan(step, (emissions[1:], steps), initializer=alpha0)
    final = tf.concat([alpha0[None], alpha], axis=0)[-1]
    last = 2 * tf.cast(label_length, tf.int32)
    ends = tf.stack([last, tf.maximum(last - 1, 0)], axis=1)
    end_values = tf.gather(final, ends, batch_dims=1)
    end_values = tf.where(tf.equal(last, 0)[:, None] & tf.equal(tf.range(2), 1)[None, :],
                          zero, end_values)
    return -tf.reduce_logsumexp(end_values, axis=1)


class CtcOps:
    """The CTC primitives."""

    def ctc_label_dense_to_sparse(self, labels, label_lengths):
        """The sparse form of dense ``labels`` (batch, max_length) cut at
        ``label_lengths``: ``(indices int64 (n, 2), values, dense_shape int64)``."""
        labels = to_tensor(labels)
        lengths = _flat_lengths(label_lengths)
        keep = tf.sequence_mask(lengths, maxlen=tf.shape(labels)[1])
        indices = tf.where(keep)
        values = tf.gather_nd(labels, indices)
        return indices, values, tf.cast(tf.shape(labels), tf.int64)

    def ctc_batch_cost(self, y_true, y_pred, input_length, label_length):
        """CTC loss per batch item, shape ``(batch, 1)``."""
        y_true = to_tensor(y_true)
        label_length = _flat_lengths(label_length)
        input_length = _flat_lengths(input_length)
        log_probs = _time_major_log(y_pred)
        if log_probs.dtype == tf.float64:
            return tf.expand_dims(ctc_loss_log_space(y_true, label_length, log_probs,
                                                     input_length), 1)
        indices, values, dense_shape = self.ctc_label_dense_to_sparse(y_true, label_length)
        labels = tf.SparseTensor(indices, tf.cast(values, tf.int32), dense_shape)
        loss = tf.compat.v1.nn.ctc_loss(labels, tf.cast(log_probs, tf.float32), input_length,
                                        preprocess_collapse_repeated=False,
                                        ctc_merge_repeated=True, time_major=True)
        return tf.expand_dims(tf.cast(loss, log_probs.dtype), 1)

    def ctc_decode(self, y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
        """Greedy or beam-search decoding.

        The greedy decoder merges repeated labels (then drops blanks); the beam
        search keeps labels repeated across a blank (``merge_repeated=False``,
        as tf.keras and the other polykeras backends do).

        Returns:
            ``(decoded, log_prob)``: a list of ``top_paths`` int64 tensors
            ``(batch, max_decoded_length)`` padded with -1, and the log
            probability of each path ``(batch, top_paths)``.
        """
        log_probs = _time_major_log(y_pred)
        input_length = _flat_lengths(input_length)
        if greedy:
            decoded, log_prob = tf.nn.ctc_greedy_decoder(log_probs, input_length,
                                                         merge_repeated=True)
        else:
            decoded, log_prob = tf.nn.ctc_beam_search_decoder(
                log_probs, input_length, beam_width=int(beam_width), top_paths=int(top_paths))
        dense = [tf.sparse.to_dense(tf.SparseTensor(st.indices, st.values, st.dense_shape),
                                    default_value=-1) for st in decoded]
        return dense, log_prob
