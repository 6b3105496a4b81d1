"""Built-in activation functions, and turning them into names and back.

Each activation is a function of one symbolic tensor written over ``K.*``, so
it runs on every backend. Layers accept an activation as a name
(``activation='relu'``), a callable or ``None`` (linear); :func:`get` does
that resolution, :func:`serialize` and :func:`deserialize` turn an activation
into its name and back (names also resolve through ``custom_objects``, the
active custom-object scope and plugins registering ``activations``).
"""
from polykeras import backend as K
from polykeras.utils.serialization import deserialize_keras_object, serialize_keras_object

__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "get",
    "hard_sigmoid",
    "linear",
    "relu",
    "selu",
    "serialize",
    "sigmoid",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
]

# Constants of the self-normalizing unit (Klambauer et al., 2017).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def softmax(x, axis=-1):
    """Softmax: exponentials of ``x`` normalized to sum to 1 along ``axis``.

    Args:
        x: a tensor of rank 2 or more (a batch axis and at least one more).
        axis: the axis (or tuple of axes) normalized over; the last by default.

    Returns:
        a tensor of the shape of ``x`` whose entries along ``axis`` sum to 1.

    Raises:
        ValueError: ``x`` has fewer than 2 dimensions.

    Example:
        >>> K.eval(softmax(K.constant([[0., 0.]])))
        array([[0.5, 0.5]], dtype=float32)
    """
    ndim = K.ndim(x)
    if ndim is not None and ndim < 2:
        raise ValueError("softmax expects a tensor of rank 2 or more (batch, ..., classes); "
                         f"it cannot be applied to a {ndim}D tensor. Received: ndim={ndim}, "
                         f"x={x!r}")
    if isinstance(axis, (list, tuple)):
        shifted = K.exp(x - K.max(x, axis=axis, keepdims=True))
        return shifted / K.sum(shifted, axis=axis, keepdims=True)
    return K.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        x: a tensor.
        alpha: scale of the negative part (its limit as ``x -> -inf`` is ``-alpha``).

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> np.round(K.eval(elu(K.constant([-1., 2.]))), 4)
        array([-0.6321,  2.    ], dtype=float32)
    """
    return K.elu(x, alpha)


def selu(x):
    """Scaled exponential linear unit: ``scale * elu(x, alpha)``.

    ``alpha ~= 1.6733`` and ``scale ~= 1.0507`` keep the mean and variance of
    activations stable from layer to layer; use it with ``lecun_normal``
    initialization and ``AlphaDropout``.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(selu(K.constant([0., 1.])))
        array([0.      , 1.050701], dtype=float32)
    """
    return _SELU_SCALE * K.elu(x, _SELU_ALPHA)


def softplus(x):
    """Softplus: ``log(1 + exp(x))``, a smooth ReLU.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(softplus(K.constant([0.])))
        array([0.6931472], dtype=float32)
    """
    return K.softplus(x)


def softsign(x):
    """Softsign: ``x / (1 + |x|)``, values in ``(-1, 1)``.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(softsign(K.constant([1., -3.])))
        array([ 0.5 , -0.75], dtype=float32)
    """
    return K.softsign(x)


def relu(x, alpha=0., max_value=None, threshold=0.):
    """Rectified linear unit, optionally leaky, capped and shifted.

    Gives ``max_value`` for ``x >= max_value``, ``x`` for
    ``threshold <= x < max_value`` and ``alpha * (x - threshold)`` below the
    threshold; the defaults give ``max(x, 0)``.

    Args:
        x: a tensor.
        alpha: slope below the threshold.
        max_value: saturation value, or ``None`` for none.
        threshold: value below which the unit is off (or leaky).

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(relu(K.constant([-2., 1., 8.]), alpha=0.5, max_value=6.))
        array([-1.,  1.,  6.], dtype=float32)
    """
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def tanh(x):
    """Hyperbolic tangent, values in ``(-1, 1)``.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(tanh(K.constant([0.])))
        array([0.], dtype=float32)
    """
    return K.tanh(x)


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, values in ``(0, 1)``.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(sigmoid(K.constant([0.])))
        array([0.5], dtype=float32)
    """
    return K.sigmoid(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -2.5, 1 above 2.5, ``0.2 * x + 0.5`` between.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> K.eval(hard_sigmoid(K.constant([-3., 0., 1.])))
        array([0. , 0.5, 0.7], dtype=float32)
    """
    return K.hard_sigmoid(x)


def exponential(x):
    """Exponential (base e): ``exp(x)``.

    Args:
        x: a tensor.

    Returns:
        a tensor of the shape of ``x``.

    Example:
        >>> np.round(K.eval(exponential(K.constant([0., 1.]))), 4)
        array([1.    , 2.7183], dtype=float32)
    """
    return K.exp(x)


def linear(x):
    """Identity activation: returns ``x`` unchanged.

    Args:
        x: a tensor.

    Returns:
        ``x`` itself.

    Example:
        >>> t = K.constant([1.]); linear(t) is t
        True
    """
    return x


_ACTIVATIONS = {fn.__name__: fn for fn in (softmax, elu, selu, softplus, softsign, relu,
                                           tanh, sigmoid, hard_sigmoid, exponential, linear)}


def serialize(activation):
    """The name under which ``activation`` is saved in a config.

    Args:
        activation: an activation function (built-in or custom).

    Returns:
        its name, e.g. ``'relu'`` (objects with ``get_config`` give a
        ``{'class_name', 'config'}`` dict instead).

    Example:
        >>> serialize(relu)
        'relu'
    """
    return serialize_keras_object(activation)


def deserialize(name, custom_objects=None):
    """The activation function saved as ``name``.

    Looks in ``custom_objects``, the active custom-object scope, the
    built-ins above and the activations registered by plugins, in that order.

    Args:
        name: an activation name (or a ``{'class_name', 'config'}`` dict for
            activations that are classes).
        custom_objects: optional dict name -> function, searched first.

    Returns:
        the activation function.

    Raises:
        ValueError: the name is unknown (the message suggests close names).

    Example:
        >>> deserialize('tanh') is tanh
        True
    """
    return deserialize_keras_object(name, _ACTIVATIONS, custom_objects,
                                    kind="activation function", registry="activations")


def get(identifier):
    """The activation function for a layer argument.

    Args:
        identifier: ``None`` (linear), a name such as ``'relu'``, a serialized
            dict, or any callable (returned as is).

    Returns:
        a callable taking a tensor and returning a tensor.

    Raises:
        ValueError: ``identifier`` is none of the above, or an unknown name.

    Example:
        >>> get('relu') is relu, get(None) is linear
        (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret activation function identifier: expected None, a "
                     f"name such as 'relu', or a callable. Received: {identifier!r}")
