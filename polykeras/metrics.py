"""Metric functions: ``metric(y_true, y_pred)`` gives one value per sample.

The accuracies follow Keras 2 and every loss of :mod:`polykeras.losses` is
also a metric under the same names (``metrics.get("mse")``). As with losses,
sample weights, masks and the mean over the batch are the training engine's
job.

The names ``"accuracy"``/``"acc"`` and ``"crossentropy"``/``"ce"`` do not
name one function: which one they mean depends on the loss and the output
shape. :func:`resolve_accuracy` applies the Keras 2 rule; ``Model.compile``
calls it.

Names resolve through :mod:`polykeras.utils.serialization`: the caller's
``custom_objects``, the active custom-object scope, the functions of this
module (:data:`BUILTIN_METRICS`), then the metrics registered by plugins.
"""
import types

from polykeras import backend as K
from polykeras import losses
from polykeras.losses import (
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine,
    cosine_proximity,
    hinge,
    kld,
    kullback_leibler_divergence,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from polykeras.utils.serialization import deserialize_keras_object, serialize_keras_object

__all__ = [
    "BUILTIN_METRICS",
    "KLD",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
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
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]

ACCURACY_NAMES = ("accuracy", "acc")
CROSSENTROPY_NAMES = ("crossentropy", "ce")


# --- accuracies -----------------------------------------------------------------------------

def binary_accuracy(y_true, y_pred):
    """Fraction of entries, over the last axis, where ``round(y_pred)`` equals ``y_true``.

    Args:
        y_true: 0/1 targets.
        y_pred: probabilities, same shape as ``y_true``.

    Returns:
        a float tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(binary_accuracy(K.constant([[1., 0.]]), K.constant([[0.8, 0.7]])))
        array([0.5], dtype=float32)
    """
    hits = K.equal(y_true, K.round(y_pred))
    return K.mean(K.cast(hits, K.floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1 where the most probable class is the target's, else 0.

    Args:
        y_true: one-hot targets.
        y_pred: class scores, same shape as ``y_true``.

    Returns:
        a float tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(categorical_accuracy(K.constant([[0., 1.], [1., 0.]]),
        ...                             K.constant([[0.2, 0.8], [0.3, 0.7]])))
        array([1., 0.], dtype=float32)
    """
    hits = K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1))
    return K.cast(hits, K.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the most probable class is the integer label, else 0.

    Args:
        y_true: class labels (int or float dtype), shaped like ``y_pred``
            without its last axis, or with a last axis of size 1
            (``(batch,)`` or ``(batch, 1)`` for ``(batch, classes)``).
        y_pred: class scores.

    Returns:
        a float tensor of the shape of ``y_pred`` without its last axis.

    Example:
        >>> K.eval(sparse_categorical_accuracy(K.constant([[1], [1]]),
        ...                                    K.constant([[0.2, 0.8], [0.7, 0.3]])))
        array([1., 0.], dtype=float32)
    """
    if K.ndim(y_true) == K.ndim(y_pred):
        y_true = K.squeeze(y_true, -1)
    predicted = K.cast(K.argmax(y_pred, axis=-1), K.floatx())
    return K.cast(K.equal(K.cast(y_true, K.floatx()), predicted), K.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the target class is among the ``k`` highest scores, else 0.

    Ties with the ``k``-th score count as hits. Unlike Keras 2.2.4, which
    averaged over the batch here, the result is per sample like every other
    metric (as in Keras 2.3); the engine's batch mean gives the same number.

    Args:
        y_true: one-hot targets, ``(batch, classes)``.
        y_pred: class scores, ``(batch, classes)``.
        k: how many of the highest scores count.

    Returns:
        a float tensor ``(batch,)``.

    Example:
        >>> K.eval(top_k_categorical_accuracy(K.constant([[0., 0., 1.]]),
        ...                                   K.constant([[0.5, 0.3, 0.2]]), k=2))
        array([0.], dtype=float32)
    """
    hits = K.in_top_k(y_pred, K.argmax(y_true, axis=-1), k)
    return K.cast(hits, K.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label is among the ``k`` highest scores, else 0.

    Args:
        y_true: class labels (int or float dtype), ``(batch,)`` or ``(batch, 1)``.
        y_pred: class scores, ``(batch, classes)``.
        k: how many of the highest scores count.

    Returns:
        a float tensor ``(batch,)`` (per sample; see
        :func:`top_k_categorical_accuracy`).

    Example:
        >>> K.eval(sparse_top_k_categorical_accuracy(K.constant([2, 0], dtype='int32'),
        ...                                          K.constant([[0.5, 0.3, 0.2],
        ...                                                      [0.5, 0.3, 0.2]]), k=2))
        array([0., 1.], dtype=float32)
    """
    labels = K.cast(K.flatten(y_true), "int32")
    return K.cast(K.in_top_k(y_pred, labels, k), K.floatx())


_ACCURACIES = (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
               top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)

BUILTIN_METRICS = types.MappingProxyType({
    **{fn.__name__: fn for fn in _ACCURACIES}, **losses.BUILTIN_LOSSES})
"""Every built-in metric by name: the accuracies and all losses with their aliases."""


# --- lookup and (de)serialization ---------------------------------------------------------

def serialize(metric):
    """The name of a metric function, or the config dict of a metric object.

    Args:
        metric: a metric function, or an object with ``get_config``.

    Returns:
        a string (functions) or ``{"class_name": ..., "config": ...}``.

    Example:
        >>> serialize(categorical_accuracy)
        'categorical_accuracy'
    """
    return serialize_keras_object(metric)


def deserialize(name, custom_objects=None):
    """The metric for a name or a config produced by :func:`serialize`.

    Args:
        name: a metric name (``"categorical_accuracy"``, ``"mse"``) or a
            ``{"class_name": ..., "config": ...}`` dict.
        custom_objects: ``{name: function_or_class}`` searched before the
            built-ins.

    Returns:
        the metric function (or a rebuilt metric object).

    Raises:
        ValueError: the name is unknown (the message lists close matches), or
            is ``"accuracy"``/``"crossentropy"`` and friends, which depend on
            the loss (see :func:`resolve_accuracy`).

    Example:
        >>> deserialize("mse") is mean_squared_error
        True
    """
    try:
        return deserialize_keras_object(name, BUILTIN_METRICS, custom_objects,
                                        kind="metric function", registry="metrics")
    except ValueError as exc:
        if isinstance(name, str) and name in ACCURACY_NAMES + CROSSENTROPY_NAMES:
            raise ValueError(
                f"The metric {name!r} has no single function: it stands for the binary, "
                "categorical or sparse categorical variant, chosen from the loss and the "
                "output shape. Expected it in Model.compile(metrics=[...]), or resolved with "
                f"metrics.resolve_accuracy({name!r}, loss, output_shape). "
                f"Received: metrics.get({name!r})") from exc
        raise


def get(identifier):
    """The metric function for a name, a config dict, or a callable.

    Args:
        identifier: a metric or loss name, a dict from :func:`serialize`, or
            a callable (returned unchanged).

    Returns:
        a callable ``metric(y_true, y_pred)``.

    Raises:
        ValueError: the identifier is of another type, or names no metric.

    Example:
        >>> get("categorical_crossentropy") is losses.categorical_crossentropy
        True
    """
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric function identifier. Expected a metric "
                     f"name, a config dict or a callable. Received: {identifier!r}")


def _display_name(fn):
    name = getattr(fn, "name", None)
    return name if isinstance(name, str) else fn.__name__


def resolve_accuracy(name_or_fn, loss_fn=None, output_shape=None):
    """The metric function and its display name, resolving ``"accuracy"`` as Keras 2 does.

    For ``"accuracy"``/``"acc"`` (and ``"crossentropy"``/``"ce"``):

    - a last output dimension of 1, or the ``binary_crossentropy`` loss, gives
      :func:`binary_accuracy` (``binary_crossentropy``);
    - else the ``sparse_categorical_crossentropy`` loss gives
      :func:`sparse_categorical_accuracy` (``sparse_categorical_crossentropy``);
    - else :func:`categorical_accuracy` (``categorical_crossentropy``).

    The binary test comes first, as in Keras 2. The display name keeps the
    user's spelling (``"acc"`` or ``"accuracy"``), so logs and History keys
    read ``acc``/``val_acc`` or ``accuracy``/``val_accuracy``. Any other
    identifier goes through :func:`get` and is displayed under the
    function's ``name`` attribute or ``__name__`` (``"mse"`` shows as
    ``"mean_squared_error"``, as in Keras 2).

    Args:
        name_or_fn: a metric name, config dict or callable.
        loss_fn: the output's loss, as a function or anything
            :func:`polykeras.losses.get` accepts; ``None`` if unknown.
        output_shape: the output's static shape (e.g. ``K.int_shape(output)``);
            ``None`` or a ``None`` last entry if unknown.

    Returns:
        ``(metric_function, display_name)``.

    Example:
        >>> fn, name = resolve_accuracy("accuracy", "sparse_categorical_crossentropy", (None, 9))
        >>> fn.__name__, name
        ('sparse_categorical_accuracy', 'accuracy')
        >>> resolve_accuracy("acc", "mse", (None, 1))[0].__name__
        'binary_accuracy'
    """
    if not (isinstance(name_or_fn, str) and name_or_fn in ACCURACY_NAMES + CROSSENTROPY_NAMES):
        fn = get(name_or_fn)
        return fn, _display_name(fn)
    loss = loss_fn if loss_fn is None or callable(loss_fn) else losses.get(loss_fn)
    if output_shape is not None:
        try:
            output_shape = tuple(output_shape)
        except TypeError:
            raise TypeError("resolve_accuracy expects output_shape as a tuple of ints or None. "
                            f"Received: output_shape={output_shape!r}") from None
    last_dim = output_shape[-1] if output_shape else None
    wants_accuracy = name_or_fn in ACCURACY_NAMES
    if last_dim == 1 or loss is losses.binary_crossentropy:
        fn = binary_accuracy if wants_accuracy else binary_crossentropy
    elif loss is losses.sparse_categorical_crossentropy:
        fn = sparse_categorical_accuracy if wants_accuracy else sparse_categorical_crossentropy
    else:
        fn = categorical_accuracy if wants_accuracy else categorical_crossentropy
    return fn, name_or_fn
