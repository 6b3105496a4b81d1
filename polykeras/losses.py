"""Loss functions: ``loss(y_true, y_pred)`` gives one value per sample.

Every loss here follows Keras 2.2.4: it takes the targets and the predictions
(symbolic tensors of the same shape, except the sparse crossentropy whose
targets are integer labels) and returns a tensor with the last axis reduced,
by a mean for the elementwise losses and by the formula itself for the
distribution losses (crossentropies, divergence, proximity, categorical
hinge). Sample weights, masks and the mean over the batch are applied by the
training engine, not here.

Names resolve through :mod:`polykeras.utils.serialization`: the caller's
``custom_objects``, the active custom-object scope, the functions of this
module (:data:`BUILTIN_LOSSES`), then the losses registered by plugins.
"""
import math
import types

from polykeras import backend as K
from polykeras.utils.serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "BUILTIN_LOSSES",
    "KLD",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "binary_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine",
    "cosine_proximity",
    "deserialize",
    "get",
    "hinge",
    "kld",
    "kullback_leibler_divergence",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]

_LN2 = math.log(2.)


# --- regression ---------------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """Mean of the squared differences over the last axis.

    Args:
        y_true: targets.
        y_pred: predictions, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(mean_squared_error(K.constant([[0., 2.]]), K.constant([[1., 2.]])))
        array([0.5], dtype=float32)
    """
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of the absolute differences over the last axis.

    Args:
        y_true: targets.
        y_pred: predictions, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(mean_absolute_error(K.constant([[0., 2.]]), K.constant([[1., 5.]])))
        array([2.], dtype=float32)
    """
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 *`` the mean of ``|y_true - y_pred| / |y_true|`` over the last axis.

    ``|y_true|`` is floored at ``K.epsilon()``, so zero targets give a large
    but finite error.

    Args:
        y_true: targets.
        y_pred: predictions, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(mean_absolute_percentage_error(K.constant([[2., 4.]]),
        ...                                       K.constant([[1., 5.]])))
        array([37.5], dtype=float32)
    """
    scale = K.clip(K.abs(y_true), K.epsilon(), None)
    return 100. * K.mean(K.abs((y_true - y_pred) / scale), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean over the last axis of ``(log(1 + y_pred) - log(1 + y_true)) ** 2``.

    Both tensors are floored at ``K.epsilon()`` first, so negative values
    count as (almost) zero.

    Args:
        y_true: targets.
        y_pred: predictions, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(mean_squared_logarithmic_error(K.constant([[0., 0.]]),
        ...                                       K.constant([[1., 1.]]))).round(4)
        array([0.4805], dtype=float32)
    """
    log_pred = K.log(K.clip(y_pred, K.epsilon(), None) + 1.)
    log_true = K.log(K.clip(y_true, K.epsilon(), None) + 1.)
    return K.mean(K.square(log_pred - log_true), axis=-1)


def logcosh(y_true, y_pred):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``.

    Computed as ``d + softplus(-2 d) - log(2)``, which neither overflows for
    large differences nor loses precision for small ones.

    Args:
        y_true: targets.
        y_pred: predictions, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(logcosh(K.constant([[0., 0.]]), K.constant([[1., -1.]]))).round(4)
        array([0.4338], dtype=float32)
    """
    diff = y_pred - y_true
    return K.mean(diff + K.softplus(-2. * diff) - _LN2, axis=-1)


# --- margins --------------------------------------------------------------------------------

def hinge(y_true, y_pred):
    """Mean over the last axis of ``max(1 - y_true * y_pred, 0)``.

    As in Keras 2.2.4, targets are expected in ``{-1, 1}``; 0/1 labels are
    not converted.

    Args:
        y_true: targets, ``-1`` or ``1``.
        y_pred: predictions (scores), same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(hinge(K.constant([[1., -1.]]), K.constant([[0.5, 0.5]])))
        array([1.], dtype=float32)
    """
    return K.mean(K.maximum(1. - y_true * y_pred, 0.), axis=-1)


def squared_hinge(y_true, y_pred):
    """Mean over the last axis of ``max(1 - y_true * y_pred, 0) ** 2``.

    Args:
        y_true: targets, ``-1`` or ``1``.
        y_pred: predictions (scores), same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(squared_hinge(K.constant([[1., -1.]]), K.constant([[0.5, 0.5]])))
        array([1.25], dtype=float32)
    """
    return K.mean(K.square(K.maximum(1. - y_true * y_pred, 0.)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Multi-class hinge: ``max(0, 1 + best wrong score - true score)``.

    The true score is ``sum(y_true * y_pred)`` and the best wrong score
    ``max((1 - y_true) * y_pred)``, both over the last axis.

    Args:
        y_true: one-hot targets.
        y_pred: class scores, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(categorical_hinge(K.constant([[0., 1.]]), K.constant([[0.3, 0.6]])))
        array([0.7], dtype=float32)
    """
    true_score = K.sum(y_true * y_pred, axis=-1)
    best_wrong = K.max((1. - y_true) * y_pred, axis=-1)
    return K.maximum(best_wrong - true_score + 1., 0.)


# --- probabilities ----------------------------------------------------------------------------

def categorical_crossentropy(y_true, y_pred):
    """Crossentropy between one-hot (or soft) targets and class probabilities.

    ``y_pred`` is rescaled to sum to one over the last axis and clipped to
    ``[epsilon, 1 - epsilon]`` (see ``K.categorical_crossentropy``).

    Args:
        y_true: one-hot or soft targets.
        y_pred: class probabilities, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(categorical_crossentropy(K.constant([[0., 1.]]),
        ...                                 K.constant([[0.5, 0.5]])))  # log(2)
        array([0.6931472], dtype=float32)
    """
    return K.categorical_crossentropy(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    """Crossentropy between integer class labels and class probabilities.

    Args:
        y_true: integer labels (int or float dtype), shaped like ``y_pred``
            without its last axis, or with a last axis of size 1, e.g.
            ``(batch,)`` or ``(batch, 1)`` for ``(batch, classes)``.
        y_pred: class probabilities, clipped to ``[epsilon, 1 - epsilon]``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(sparse_categorical_crossentropy(K.constant([1], dtype='int32'),
        ...                                        K.constant([[0.5, 0.5]])))
        array([0.6931472], dtype=float32)
    """
    return K.sparse_categorical_crossentropy(y_true, y_pred)


def binary_crossentropy(y_true, y_pred):
    """Mean over the last axis of the elementwise binary crossentropy.

    ``y_pred`` is clipped to ``[epsilon, 1 - epsilon]``
    (see ``K.binary_crossentropy``).

    Args:
        y_true: 0/1 (or soft) targets.
        y_pred: probabilities, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(binary_crossentropy(K.constant([[1., 0.]]), K.constant([[0.5, 0.5]])))
        array([0.6931472], dtype=float32)
    """
    return K.mean(K.binary_crossentropy(y_true, y_pred), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` over the last axis.

    Both tensors are clipped to ``[epsilon, 1]`` first, so zero entries stay
    finite.

    Args:
        y_true: target distribution.
        y_pred: predicted distribution, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(kullback_leibler_divergence(K.constant([[1., 0.]]),
        ...                                    K.constant([[0.5, 0.5]]))).round(4)  # log(2)
        array([0.6931], dtype=float32)
    """
    y_true = K.clip(y_true, K.epsilon(), 1.)
    y_pred = K.clip(y_pred, K.epsilon(), 1.)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Mean over the last axis of ``y_pred - y_true * log(y_pred + epsilon)``.

    Args:
        y_true: observed counts.
        y_pred: predicted rates, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(poisson(K.constant([[0., 0.]]), K.constant([[1., 2.]])))
        array([1.5], dtype=float32)
    """
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def cosine_proximity(y_true, y_pred):
    """Minus the cosine similarity of ``y_true`` and ``y_pred`` along the last axis.

    Both are L2-normalized first (zero vectors stay zero), so the result lies
    in ``[-1, 1]`` and is ``-1`` for vectors pointing the same way.

    Args:
        y_true: target vectors.
        y_pred: predicted vectors, same shape as ``y_true``.

    Returns:
        a tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(cosine_proximity(K.constant([[3., 4.]]), K.constant([[6., 8.]])))
        array([-1.], dtype=float32)
    """
    y_true = K.l2_normalize(y_true, axis=-1)
    y_pred = K.l2_normalize(y_pred, axis=-1)
    return -K.sum(y_true * y_pred, axis=-1)


# --- Keras 2 short names ------------------------------------------------------------------

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity

BUILTIN_LOSSES = types.MappingProxyType({
    name: globals()[name] for name in __all__
    if name not in ("BUILTIN_LOSSES", "get", "serialize", "deserialize")})
"""Every built-in loss by name, aliases included (read-only)."""


# --- lookup and (de)serialization ---------------------------------------------------------

def serialize(loss):
    """The name of a loss function, or the config dict of a loss object.

    Args:
        loss: a loss function, or an object with ``get_config``.

    Returns:
        a string (functions) or ``{"class_name": ..., "config": ...}``.

    Example:
        >>> serialize(mse)
        'mean_squared_error'
    """
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """The loss for a name or a config produced by :func:`serialize`.

    Args:
        name: a loss name (``"mse"``, ``"categorical_crossentropy"``) or a
            ``{"class_name": ..., "config": ...}`` dict.
        custom_objects: ``{name: function_or_class}`` searched before the
            built-ins.

    Returns:
        the loss function (or a rebuilt loss object).

    Raises:
        ValueError: the name is unknown (the message lists close matches).

    Example:
        >>> deserialize("mae") is mean_absolute_error
        True
    """
    return deserialize_keras_object(name, BUILTIN_LOSSES, custom_objects,
                                    kind="loss function", registry="losses")


def get(identifier):
    """The loss function for a name, a config dict, or a callable.

    Args:
        identifier: a loss name, a dict from :func:`serialize`, a callable
            (returned unchanged), or ``None`` (returns ``None``).

    Returns:
        a callable ``loss(y_true, y_pred)``, or ``None``.

    Raises:
        ValueError: the identifier is of another type, or names no loss.

    Example:
        >>> get("mse") is mean_squared_error
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret loss function identifier. Expected a loss name, a "
                     f"config dict or a callable. Received: {identifier!r}")
