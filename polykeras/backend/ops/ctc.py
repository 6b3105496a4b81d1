"""Connectionist temporal classification: loss, decoding and sparse labels.

The blank label is the last class (``num_categories - 1``) and ``y_pred``
holds softmax probabilities, as in Keras 2.
"""
import operator

from polykeras.backend import graph
from polykeras.backend.ops import register_op, static_dtype, static_shape
from polykeras.backend.ops import variables as kvars

__all__ = [
    "ctc_batch_cost",
    "ctc_decode",
    "ctc_label_dense_to_sparse",
]


def _rank(x, rank, fn, what, expected):
    shape = static_shape(x)
    if shape is None:
        return (None,) * rank
    if len(shape) != rank:
        raise ValueError(f"{fn} expects {what} of shape {expected}. Received: shape={shape}")
    return shape


def _batch(*dims):
    known = {d for d in dims if d is not None}
    if len(known) > 1:
        raise ValueError(f"The CTC inputs disagree on the number of samples: {sorted(known)}.")
    return known.pop() if known else None


def _check_int(x, fn, what):
    dtype = static_dtype(x)
    if dtype is not None and not dtype.startswith(("int", "uint")):
        raise TypeError(f"{fn} expects integer {what}. Received: dtype={dtype}")


@register_op
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss of each sample.

    Args:
        y_true: ``(samples, max_string_length)`` integer labels (entries past
            ``label_length`` are ignored).
        y_pred: ``(samples, time_steps, num_categories)`` softmax
            probabilities; the last category is the blank.
        input_length: ``(samples, 1)``, the number of valid steps of ``y_pred``.
        label_length: ``(samples, 1)``, the number of labels in ``y_true``.

    Returns:
        ``(samples, 1)``: the negative log-likelihood of each label sequence.

    Example:
        >>> loss = K.ctc_batch_cost(K.placeholder((None, 4), dtype='int32'),
        ...                         K.placeholder((None, 20, 5)),
        ...                         K.placeholder((None, 1), dtype='int32'),
        ...                         K.placeholder((None, 1), dtype='int32'))
        >>> K.int_shape(loss)
        (None, 1)
    """
    fn = "ctc_batch_cost"
    t_shape = _rank(y_true, 2, fn, "y_true", "(samples, max_string_length)")
    p_shape = _rank(y_pred, 3, fn, "y_pred", "(samples, time_steps, num_categories)")
    i_shape = _rank(input_length, 2, fn, "input_length", "(samples, 1)")
    l_shape = _rank(label_length, 2, fn, "label_length", "(samples, 1)")
    batch = _batch(t_shape[0], p_shape[0], i_shape[0], l_shape[0])
    return graph.record(fn, (y_true, y_pred, input_length, label_length),
                        shape=(batch, 1), dtype=static_dtype(y_pred) or kvars.floatx())


@register_op
def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decode the output of a softmax with best-path (greedy) or beam search.

    Args:
        y_pred: ``(samples, time_steps, num_categories)`` softmax probabilities.
        input_length: ``(samples,)``, the number of valid steps of each sample.
        greedy: best-path decoding (one path, whatever ``top_paths``, as in
            Keras 2) instead of beam search.
        beam_width: beam width of the search.
        top_paths: how many of the most probable paths beam search returns.

    Returns:
        ``(decoded, log_prob)``: ``decoded`` a list of ``top_paths`` int64
        tensors ``(samples, max_decoded_length)`` padded with ``-1``;
        ``log_prob`` ``(samples, top_paths)``, each path's log probability
        (greedy: the negative sum of the per-step maxima of log probability).

    Example:
        >>> decoded, log_prob = K.ctc_decode(K.placeholder((None, 20, 5)),
        ...                                  K.placeholder((None,), dtype='int32'))
        >>> K.int_shape(decoded[0]), K.int_shape(log_prob)
        ((None, None), (None, 1))
    """
    fn = "ctc_decode"
    p_shape = _rank(y_pred, 3, fn, "y_pred", "(samples, time_steps, num_categories)")
    i_shape = _rank(input_length, 1, fn, "input_length", "(samples,)")
    batch = _batch(p_shape[0], i_shape[0])
    try:
        beam_width, top_paths = operator.index(beam_width), operator.index(top_paths)
    except TypeError:
        raise ValueError(f"ctc_decode expects int beam_width and top_paths. Received: "
                         f"beam_width={beam_width!r}, top_paths={top_paths!r}") from None
    if beam_width < 1 or top_paths < 1:
        raise ValueError(f"ctc_decode expects beam_width >= 1 and top_paths >= 1. Received: "
                         f"beam_width={beam_width}, top_paths={top_paths}")
    greedy = bool(greedy)
    if greedy:
        top_paths = 1
    elif top_paths > beam_width:
        raise ValueError(f"ctc_decode cannot return more paths than the beam holds. Received: "
                         f"top_paths={top_paths}, beam_width={beam_width}")
    dtype = static_dtype(y_pred) or kvars.floatx()
    outputs = graph.record(fn, (y_pred, input_length),
                           {"greedy": greedy, "beam_width": beam_width, "top_paths": top_paths},
                           outputs=[((batch, None), "int64")] * top_paths
                           + [((batch, top_paths), dtype)])
    return outputs[:-1], outputs[-1]


@register_op
def ctc_label_dense_to_sparse(labels, label_lengths):
    """The sparse form of padded dense labels, as the triple behind a ``tf.SparseTensor``.

    Args:
        labels: ``(samples, max_length)`` integer labels.
        label_lengths: ``(samples,)``, how many leading entries of each row
            are labels.

    Returns:
        ``(indices, values, dense_shape)``: int64 ``(n, 2)`` row/column
        positions of the ``n`` labels in row-major order, the ``(n,)`` labels
        there, and the int64 ``(2,)`` shape of ``labels``.

    Example:
        >>> indices, values, dense_shape = K.ctc_label_dense_to_sparse(
        ...     K.placeholder((None, 4), dtype='int32'), K.placeholder((None,), dtype='int32'))
        >>> K.int_shape(indices)
        (None, 2)
    """
    fn = "ctc_label_dense_to_sparse"
    l_shape = _rank(labels, 2, fn, "labels", "(samples, max_length)")
    n_shape = _rank(label_lengths, 1, fn, "label_lengths", "(samples,)")
    _batch(l_shape[0], n_shape[0])
    _check_int(label_lengths, fn, "label_lengths")
    return graph.record(fn, (labels, label_lengths),
                        outputs=[((None, 2), "int64"),
                                 ((None,), static_dtype(labels) or "int32"),
                                 ((2,), "int64")])
