"""Neural-network functions: activations, losses, dropout and normalization.

``sigmoid``, ``tanh``, ``softplus``, ``softmax``, ``in_top_k`` and the plain
rectifier ``relu(x)`` are primitives (one backend method each). Everything else is written once here
over other K functions, in numerically stable forms: crossentropies on
logits go through ``logsumexp`` / ``softplus(-|x|)``, crossentropies on
probabilities clip them to ``[epsilon, 1 - epsilon]`` as Keras 2 does.
"""
import operator

from polykeras.backend import graph
from polykeras.backend.ops import (is_symbolic, normalize_axis, register_op, static_dtype,
                                   static_shape)
from polykeras.backend.ops import manipulation as kmanip
from polykeras.backend.ops import math as kmath
from polykeras.backend.ops import random as krandom
from polykeras.backend.ops import variables as kvars

__all__ = [
    "relu",
    "elu",
    "softmax",
    "softplus",
    "softsign",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "dropout",
    "l2_normalize",
    "in_top_k",
    "bias_add",
    "normalize_batch_in_training",
    "batch_normalization",
]


def _dtype(x):
    return static_dtype(x) or kvars.floatx()


def _unary(op, x):
    return graph.record(op, (x,), shape=static_shape(x), dtype=_dtype(x))


def dynamic_dims(x, what="this operation"):
    """The dimensions of ``x`` as a list: ints where static, ``K.shape(x)[i]`` elsewhere.

    Shape-like arguments of ops (``reshape``, random ops) accept such lists.

    Raises:
        ValueError: the rank of ``x`` is unknown.
    """
    shape = static_shape(x)
    if shape is None:
        raise ValueError(f"{what} needs a tensor of known rank. Received: {x!r}")
    dynamic = None
    dims = []
    for i, d in enumerate(shape):
        if d is None:
            dynamic = kvars.shape(x) if dynamic is None else dynamic
            d = dynamic[i]
        dims.append(d)
    return dims


# --- activations --------------------------------------------------------------------------

@register_op
def relu(x, alpha=0., max_value=None, threshold=0.):
    """Rectified linear unit, with Keras 2's leaky slope, cap and threshold.

    Computes ``x`` for ``threshold < x < max_value``, ``max_value`` above the
    cap, and ``alpha * (x - threshold)`` below the threshold.

    Args:
        x: a tensor.
        alpha: slope below the threshold (``0.`` gives the plain ReLU).
        max_value: saturation value, or ``None`` for no cap.
        threshold: where the unit switches on.

    The plain rectifier ``max(x, 0)`` is one backend op, whose gradient at 0
    is 0 as in TensorFlow (so a backend can hand it to a fused kernel); the
    other forms are built from it as in Keras 2.

    Example:
        >>> K.eval(K.relu(K.constant([-2., 1., 8.]), alpha=0.5, max_value=6.))
        array([-1.,  1.,  6.], dtype=float32)
    """
    if alpha != 0.:
        negative_part = _unary("relu", threshold - x if threshold != 0. else -x)
    if threshold != 0.:
        y = x * kvars.cast(kmath.greater(x, threshold), _dtype(x))
    else:
        y = _unary("relu", x)
    if max_value is not None:
        y = kmath.clip(y, 0., max_value)
    if alpha != 0.:
        y = y - alpha * negative_part
    return y


def elu(x, alpha=1.):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Example:
        >>> K.eval(K.elu(K.constant([-1., 2.])))
        array([-0.63212055,  2.        ], dtype=float32)
    """
    # exp of the negative part only, so large inputs never overflow (nor their gradient).
    return kmath.maximum(x, 0.) + alpha * (kmath.exp(kmath.minimum(x, 0.)) - 1.)


@register_op
def softmax(x, axis=-1):
    """Softmax of ``x`` along ``axis`` (the last one by default).

    Example:
        >>> K.eval(K.softmax(K.constant([[0., 0.]])))
        array([[0.5, 0.5]], dtype=float32)
    """
    shape = static_shape(x)
    if shape is not None and len(shape) == 0:
        raise ValueError(f"softmax needs a tensor of rank >= 1. Received: shape={shape}")
    axis = normalize_axis(axis, None if shape is None else len(shape))
    return graph.record("softmax", (x,), {"axis": axis}, shape=shape, dtype=_dtype(x))


@register_op
def softplus(x):
    """Elementwise ``log(1 + exp(x))``, computed without overflow.

    Example:
        >>> K.eval(K.softplus(K.constant([0.])))
        array([0.6931472], dtype=float32)
    """
    return _unary("softplus", x)


def softsign(x):
    """Elementwise ``x / (1 + |x|)``.

    Example:
        >>> K.eval(K.softsign(K.constant([1.])))
        array([0.5], dtype=float32)
    """
    return x / (1. + kmath.abs(x))


@register_op
def sigmoid(x):
    """Elementwise logistic sigmoid ``1 / (1 + exp(-x))``.

    Example:
        >>> K.eval(K.sigmoid(K.constant([0.])))
        array([0.5], dtype=float32)
    """
    return _unary("sigmoid", x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``.

    Example:
        >>> K.eval(K.hard_sigmoid(K.constant([-3., 0., 3.])))
        array([0. , 0.5, 1. ], dtype=float32)
    """
    return kmath.clip(0.2 * x + 0.5, 0., 1.)


@register_op
def tanh(x):
    """Elementwise hyperbolic tangent.

    Example:
        >>> K.eval(K.tanh(K.constant([0.])))
        array([0.], dtype=float32)
    """
    return _unary("tanh", x)


# --- losses -------------------------------------------------------------------------------

def _class_axis(output, axis, fn):
    shape = static_shape(output)
    ndim = None if shape is None else len(shape)
    if ndim is not None and not -ndim <= axis < ndim:
        raise ValueError(
            f"{fn}: unexpected channels axis {axis}. Expected -1 or one of the axes of "
            f"`output`, which has {ndim} dimensions. Received: axis={axis}")
    return normalize_axis(axis, ndim)


def _log_softmax(logits, axis):
    return logits - kmath.logsumexp(logits, axis=axis, keepdims=True)


def _clip_probabilities(output):
    eps = kvars.epsilon()
    return kmath.clip(output, eps, 1. - eps)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between a one-hot (or soft) ``target`` and ``output``.

    Args:
        target: tensor of the same shape as ``output``.
        output: probabilities (rescaled to sum to 1 along ``axis``, then
            clipped to ``[epsilon, 1 - epsilon]``), or logits when
            ``from_logits=True`` (computed with a stable log-softmax).
        from_logits: whether ``output`` holds logits.
        axis: the class axis.

    Returns:
        a tensor of the shape of ``output`` without ``axis``.

    Example:
        >>> t = K.constant([[0., 1.]]); p = K.constant([[0.5, 0.5]])
        >>> K.eval(K.categorical_crossentropy(t, p))
        array([0.6931472], dtype=float32)
    """
    axis = _class_axis(output, axis, "categorical_crossentropy")
    if from_logits:
        log_prob = _log_softmax(output, axis)
    else:
        output = output / kmath.sum(output, axis=axis, keepdims=True)
        log_prob = kmath.log(_clip_probabilities(output))
    return -kmath.sum(target * log_prob, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer class labels and ``output``.

    Args:
        target: integer labels, one per position of ``output`` without its
            class axis (any shape with that many elements, e.g. ``(batch, 1)``
            for ``(batch, classes)`` outputs).
        output: probabilities (clipped to ``[epsilon, 1 - epsilon]``) or
            logits (``from_logits=True``); the number of classes must be known.
        from_logits: whether ``output`` holds logits.
        axis: the class axis.

    Returns:
        a tensor of the shape of ``output`` without ``axis``.

    Example:
        >>> t = K.constant([1], dtype='int32'); p = K.constant([[0.5, 0.5]])
        >>> K.eval(K.sparse_categorical_crossentropy(t, p))
        array([0.6931472], dtype=float32)
    """
    axis = _class_axis(output, axis, "sparse_categorical_crossentropy")
    shape = static_shape(output)
    if shape is None or shape[axis] is None:
        raise ValueError("sparse_categorical_crossentropy needs a known number of classes "
                         f"along axis {axis} of `output`. Received: shape={shape}")
    ndim = len(shape)
    if axis != ndim - 1:
        output = kmanip.permute_dimensions(
            output, [i for i in range(ndim) if i != axis] + [axis])
        shape = static_shape(output)
    classes = shape[-1]
    if not from_logits:
        output = kmath.log(_clip_probabilities(output))
    logits = kmanip.reshape(output, [-1, classes])
    labels = kmanip.reshape(target, [-1])
    if not _dtype(labels).startswith(("int", "uint")):
        labels = kvars.cast(labels, "int32")
    one_hot = kvars.cast(kmanip.one_hot(labels, classes), _dtype(logits))
    loss = -kmath.sum(one_hot * _log_softmax(logits, 1), axis=1)
    if ndim >= 3:
        loss = kmanip.reshape(loss, dynamic_dims(output)[:-1])
    return loss


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy.

    Args:
        target: tensor of 0/1 (or soft) targets, same shape as ``output``.
        output: probabilities (clipped to ``[epsilon, 1 - epsilon]``) or
            logits (``from_logits=True``; computed as
            ``max(x, 0) - x * t + log(1 + exp(-|x|))``).
        from_logits: whether ``output`` holds logits.

    Example:
        >>> K.eval(K.binary_crossentropy(K.constant([1.]), K.constant([0.5])))
        array([0.6931472], dtype=float32)
    """
    if from_logits:
        return kmath.maximum(output, 0.) - output * target + softplus(-kmath.abs(output))
    output = _clip_probabilities(output)
    return -(target * kmath.log(output) + (1. - target) * kmath.log(1. - output))


# --- regularization and normalization -----------------------------------------------------

def dropout(x, level, noise_shape=None, seed=None):
    """Zero entries of ``x`` with probability ``level``, scaling the rest by ``1 / (1 - level)``.

    Args:
        x: a tensor of known rank.
        level: the fraction of entries dropped, in ``[0, 1)``.
        noise_shape: shape of the keep mask, broadcast against ``x``
            (``None`` entries take the size of ``x`` there, e.g.
            ``(None, 1, features)`` drops whole features of a sequence).
        seed: seed making the sequence of masks reproducible.

    Example:
        >>> y = K.dropout(K.ones((2, 3)), 0.5)   # entries are 0. or 2.
    """
    if is_symbolic(level):
        raise TypeError(f"dropout expects a Python number as `level`. Received: level={level!r}")
    level = float(level)
    if not 0. <= level < 1.:
        raise ValueError(f"Dropout level must be in the interval [0, 1). Received: level={level}")
    dims = dynamic_dims(x, "dropout")
    if noise_shape is not None:
        noise_shape = list(noise_shape)
        if len(noise_shape) != len(dims):
            raise ValueError("noise_shape must have one entry per dimension of x "
                             f"{static_shape(x)}. Received: noise_shape={tuple(noise_shape)}")
        for i, (n, d) in enumerate(zip(noise_shape, static_shape(x))):
            if isinstance(n, int) and n != 1 and d is not None and n != d:
                raise ValueError(f"noise_shape {tuple(noise_shape)} does not broadcast against "
                                 f"x of shape {static_shape(x)} (axis {i}).")
        dims = [d if n is None else n for d, n in zip(dims, noise_shape)]
    retain = 1. - level
    mask = krandom.random_binomial(dims, p=retain, dtype=_dtype(x), seed=seed)
    return x * (1. / retain) * mask


def l2_normalize(x, axis=None):
    """``x`` divided by its L2 norm along ``axis`` (all axes for ``None``).

    The squared norm is floored at ``1e-12`` so zero vectors stay zero.

    Example:
        >>> K.eval(K.l2_normalize(K.constant([[3., 4.]]), axis=1))
        array([[0.6, 0.8]], dtype=float32)
    """
    square_sum = kmath.sum(kmath.square(x), axis=axis, keepdims=True)
    return x / kmath.sqrt(kmath.maximum(square_sum, 1e-12))


@register_op
def in_top_k(predictions, targets, k):
    """Whether each target class is among the ``k`` largest predictions (ties count as in).

    Args:
        predictions: float tensor ``(batch, classes)``.
        targets: integer tensor ``(batch,)`` of class indices.
        k: number of top entries considered.

    Returns:
        a bool tensor ``(batch,)``.

    Example:
        >>> p = K.constant([[0.1, 0.9], [0.8, 0.2]])
        >>> K.eval(K.in_top_k(p, K.constant([1, 1], dtype='int32'), 1))
        array([ True, False])
    """
    p_shape, t_shape = static_shape(predictions), static_shape(targets)
    if p_shape is not None and len(p_shape) != 2:
        raise ValueError(f"in_top_k expects predictions of shape (batch, classes). "
                         f"Received: shape={p_shape}")
    if t_shape is not None and len(t_shape) != 1:
        raise ValueError(f"in_top_k expects targets of shape (batch,). Received: shape={t_shape}")
    t_dtype = static_dtype(targets)
    if t_dtype is not None and not t_dtype.startswith(("int", "uint")):
        raise TypeError(f"in_top_k expects integer targets. Received: dtype={t_dtype}")
    try:
        valid = operator.index(k) >= 1
    except TypeError:
        valid = False
    if not valid:
        raise ValueError(f"in_top_k expects a positive int k. Received: k={k!r}")
    k = operator.index(k)
    batch = None
    if p_shape is not None and t_shape is not None:
        if p_shape[0] is not None and t_shape[0] is not None and p_shape[0] != t_shape[0]:
            raise ValueError(f"in_top_k: predictions {p_shape} and targets {t_shape} "
                             "differ in batch size.")
        batch = p_shape[0] if p_shape[0] is not None else t_shape[0]
    elif p_shape is not None:
        batch = p_shape[0]
    elif t_shape is not None:
        batch = t_shape[0]
    return graph.record("in_top_k", (predictions, targets), {"k": k},
                        shape=(batch,), dtype="bool")


def bias_add(x, bias, data_format=None):
    """Add ``bias`` to ``x`` along the channel axis.

    Args:
        x: tensor of rank >= 2.
        bias: either a vector with one entry per channel, or a tensor of rank
            ``ndim(x) - 1`` laid out channels-last (as Keras 2 stores it;
            for channels_first it is reshaped to ``(1, channels) + rest``).
        data_format: ``'channels_last'`` or ``'channels_first'`` (default:
            ``image_data_format()``); only matters for ``ndim(x) >= 3``.

    Example:
        >>> K.int_shape(K.bias_add(K.placeholder((None, 4, 3)), K.zeros((3,))))
        (None, 4, 3)
    """
    data_format = kvars.normalize_data_format(data_format)
    x_shape, b_shape = static_shape(x), static_shape(bias)
    ndim = len(x_shape)
    if len(b_shape) not in (1, ndim - 1):
        raise ValueError(f"Unexpected bias dimensions {len(b_shape)}, expected 1 or {ndim - 1} "
                         f"for x of shape {x_shape}. Received: bias shape={b_shape}")
    channels_first = data_format == "channels_first" and ndim >= 3
    channels = x_shape[1] if channels_first else x_shape[-1]
    if channels is not None and b_shape[-1] is not None and channels != b_shape[-1]:
        raise ValueError(f"bias_add: bias of shape {b_shape} does not match the {channels} "
                         f"channels of x of shape {x_shape} ({data_format}).")
    if channels_first:
        if len(b_shape) == 1:
            bias = kmanip.reshape(bias, [1, -1] + [1] * (ndim - 2))
        else:
            bias = kmanip.reshape(bias, [1, b_shape[-1]] + list(b_shape[:-1]))
    return x + bias


def _broadcast_stat(stat, x_ndim, keep_axes, x):
    """Reshape a statistic over ``keep_axes`` so it broadcasts against ``x``."""
    if stat is None or not is_symbolic(stat) or len(static_shape(stat)) == x_ndim:
        return stat
    if len(keep_axes) == 1:
        target = [1] * x_ndim
        target[keep_axes[0]] = -1
    else:
        dims = dynamic_dims(x)
        target = [dims[i] if i in keep_axes else 1 for i in range(x_ndim)]
    return kmanip.reshape(stat, target)


def _normalize(x, mean, var, beta, gamma, epsilon):
    inv = 1. / kmath.sqrt(var + epsilon)
    if gamma is not None:
        inv = inv * gamma
    y = (x - mean) * inv
    return y if beta is None else y + beta


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalize ``x`` with the mean and variance of its batch.

    Args:
        x: the input tensor.
        gamma, beta: scale and offset over the axes not reduced (or ``None``).
        reduction_axes: the axes the statistics are taken over (e.g. all but
            the channel axis).
        epsilon: added to the variance.

    Returns:
        ``(normed, mean, variance)``; the statistics (population variance)
        have the shape of ``x`` without ``reduction_axes``.

    Example:
        >>> x = K.placeholder((None, 5))
        >>> normed, mean, var = K.normalize_batch_in_training(
        ...     x, K.ones((5,)), K.zeros((5,)), [0])
        >>> K.int_shape(mean)
        (5,)
    """
    shape = static_shape(x)
    ndim = len(shape)
    axes = sorted(set(normalize_axis(list(reduction_axes), ndim)))
    keep = [i for i in range(ndim) if i not in axes]
    mean = kmath.mean(x, axis=axes)
    mean_b = _broadcast_stat(mean, ndim, keep, x) if keep != [ndim - 1] else mean
    var = kmath.mean(kmath.square(x - mean_b), axis=axes)
    if keep == [ndim - 1]:
        normed = _normalize(x, mean, var, beta, gamma, epsilon)
    else:
        normed = _normalize(x, mean_b, _broadcast_stat(var, ndim, keep, x),
                            _broadcast_stat(beta, ndim, keep, x),
                            _broadcast_stat(gamma, ndim, keep, x), epsilon)
    return normed, mean, var


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``.

    Args:
        x: the input tensor.
        mean, var, beta, gamma: tensors broadcastable against ``x``, or
            vectors over ``axis`` (reshaped to broadcast along it); ``beta``
            and ``gamma`` may be ``None``.
        axis: the feature axis the vectors run along.
        epsilon: added to the variance.

    Example:
        >>> x = K.placeholder((None, 3, 8, 8))
        >>> y = K.batch_normalization(x, K.zeros((3,)), K.ones((3,)), None, None, axis=1)
        >>> K.int_shape(y)
        (None, 3, 8, 8)
    """
    ndim = len(static_shape(x))
    axis = normalize_axis(axis, ndim)
    if axis != ndim - 1:
        mean, var, beta, gamma = (_broadcast_stat(t, ndim, [axis], x)
                                  for t in (mean, var, beta, gamma))
    return _normalize(x, mean, var, beta, gamma, epsilon)
