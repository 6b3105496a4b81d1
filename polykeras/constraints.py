"""Weight constraints: projections applied to weights after each optimizer update.

A constraint is a callable taking the updated weight tensor and returning the
constrained one (``kernel_constraint=max_norm(3.)``); the optimizer assigns
the result. Norms are taken along ``axis``: for a Dense kernel
``(input_dim, units)`` the default ``axis=0`` constrains each unit's incoming
weight vector; for a channels_last convolution kernel
``(rows, cols, in, out)`` use ``axis=[0, 1, 2]``. :func:`get`,
:func:`serialize` and :func:`deserialize` turn constraints into configs and
back, resolving names through ``custom_objects``, the custom-object scope and
plugins registering ``constraints``.
"""
import numbers

from polykeras import backend as K
from polykeras.utils.serialization import (default_instance, deserialize_keras_object,
                                           serialize_keras_object)

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]


def _norms(w, axis):
    """L2 norms of ``w`` along ``axis``, kept as size-1 axes for broadcasting."""
    return K.sqrt(K.sum(K.square(w), axis=axis, keepdims=True))


def _number(name, value, minimum=None, maximum=None):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        bounds = {(None, None): "a number", (0, None): "a non-negative number",
                  (0, 1): "a number in [0, 1]"}[(minimum, maximum)]
        raise ValueError(f"`{name}` must be {bounds}. Received: {name}={value!r}")
    return value


class Constraint:
    """Base class of constraints: a callable ``weight -> constrained weight``.

    The base constraint returns the weight unchanged; subclasses override
    ``__call__`` and, when they take arguments, ``get_config``.

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return K.clip(w, -1., 1.)
        >>> K.eval(Clip()(K.constant([-3., 0.5])))
        array([-1. ,  0.5], dtype=float32)
    """

    def __call__(self, w):
        """The constrained weight.

        Args:
            w: a weight tensor.

        Returns:
            a tensor of the shape of ``w`` (``w`` itself for the base class).
        """
        return w

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict.

        Returns:
            a dict (empty for constraints without arguments).
        """
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild a constraint from :meth:`get_config` output.

        Args:
            config: dict of constructor arguments.

        Returns:
            a new constraint.

        Example:
            >>> MaxNorm.from_config({'max_value': 3, 'axis': 0}).max_value
            3
        """
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales weight vectors whose L2 norm along ``axis`` exceeds ``max_value``.

    Vectors with smaller norms are left (almost: ``w * norm / (eps + norm)``)
    unchanged.

    Args:
        max_value: the largest norm allowed (non-negative).
        axis: int or list of ints, the axis (axes) along which norms are taken.

    Raises:
        ValueError: ``max_value`` is negative or not a number.

    Example:
        >>> K.eval(MaxNorm(1.)(K.constant([[3.], [4.]])))
        array([[0.6],
               [0.8]], dtype=float32)
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _number("max_value", max_value, minimum=0)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = K.clip(norms, 0., self.max_value)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero.

    Example:
        >>> K.eval(NonNeg()(K.constant([-1., 2.])))
        array([0., 2.], dtype=float32)
    """

    def __call__(self, w):
        return K.maximum(w, 0.)


class UnitNorm(Constraint):
    """Rescales weight vectors to unit L2 norm along ``axis``.

    Args:
        axis: int or list of ints, the axis (axes) along which norms are taken.

    Example:
        >>> K.eval(UnitNorm(axis=1)(K.constant([[3., 4.]])))
        array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (K.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norms of weight vectors along ``axis`` into ``[min_value, max_value]``.

    Each vector is rescaled to the norm
    ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``:
    ``rate=1`` enforces the bounds strictly, a smaller rate moves the norm
    part of the way at each update.

    Args:
        min_value: the smallest norm allowed.
        max_value: the largest norm allowed (``>= min_value``).
        rate: how strictly the bounds are enforced, in ``[0, 1]``.
        axis: int or list of ints, the axis (axes) along which norms are taken.

    Raises:
        ValueError: ``min_value > max_value``, or ``rate`` outside ``[0, 1]``.

    Example:
        >>> np.round(K.eval(MinMaxNorm(2., 3.)(K.constant([[0.6], [0.8]]))), 4)
        array([[1.2],
               [1.6]], dtype=float32)
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        _number("min_value", min_value, minimum=0)
        _number("max_value", max_value, minimum=0)
        if min_value > max_value:
            raise ValueError("MinMaxNorm expects min_value <= max_value. "
                             f"Received: min_value={min_value!r}, max_value={max_value!r}")
        self.min_value = min_value
        self.max_value = max_value
        self.rate = _number("rate", rate, minimum=0, maximum=1)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * K.clip(norms, self.min_value, self.max_value)
                   + (1. - self.rate) * norms)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras 2 lowercase aliases (the classes themselves), and the legacy Keras 1 spellings.
max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm

_CONSTRAINTS = {
    **{cls.__name__: cls for cls in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)},
    "max_norm": MaxNorm, "maxnorm": MaxNorm, "non_neg": NonNeg, "nonneg": NonNeg,
    "unit_norm": UnitNorm, "unitnorm": UnitNorm, "min_max_norm": MinMaxNorm,
}


def serialize(constraint):
    """The config of ``constraint``: ``{'class_name': ..., 'config': ...}``.

    Args:
        constraint: a constraint object (or a function, saved by name).

    Returns:
        a JSON-friendly dict (or the function's name).

    Example:
        >>> serialize(UnitNorm(axis=1))
        {'class_name': 'UnitNorm', 'config': {'axis': 1}}
    """
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Rebuild a constraint from :func:`serialize` output.

    Names resolve through ``custom_objects``, the custom-object scope, this
    module and plugins registering ``constraints``, in that order. A bare
    name gives the registered object itself; use :func:`get` for an instance.

    Args:
        config: a ``{'class_name', 'config'}`` dict (or a name).
        custom_objects: optional dict name -> class or function, searched first.

    Returns:
        the constraint.

    Raises:
        ValueError: unknown name (close names are suggested) or malformed dict.

    Example:
        >>> deserialize({'class_name': 'MaxNorm', 'config': {'max_value': 3}}).max_value
        3
    """
    return deserialize_keras_object(config, _CONSTRAINTS, custom_objects,
                                    kind="constraint", registry="constraints")


def get(identifier):
    """The constraint for a layer argument.

    Args:
        identifier: ``None`` (no constraint), a name (gives a default instance,
            e.g. ``'non_neg'``; a custom function registered under that name is
            returned as is), a serialized dict, or a callable (returned as is).

    Returns:
        a callable ``weight -> weight``, or ``None``.

    Raises:
        ValueError: ``identifier`` is none of the above, or an unknown name.

    Example:
        >>> get('max_norm').get_config()
        {'max_value': 2, 'axis': 0}
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return default_instance(deserialize(identifier))
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret constraint identifier: expected None, a name such "
                     f"as 'max_norm', a config dict or a callable. Received: {identifier!r}")
