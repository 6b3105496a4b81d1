"""Weight regularizers: penalties on weights added to the training loss.

A regularizer is a callable taking a weight tensor and returning a symbolic
scalar; layers collect these penalties (``kernel_regularizer=l2(0.01)``) and
the model adds them to its loss. :func:`get`, :func:`serialize` and
:func:`deserialize` turn regularizers into configs and back, resolving names
through ``custom_objects``, the custom-object scope and plugins registering
``regularizers``.
"""
import math
import numbers

from polykeras import backend as K
from polykeras.utils.serialization import (default_instance, deserialize_keras_object,
                                           serialize_keras_object)

__all__ = ["L1L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2", "serialize"]


class Regularizer:
    """Base class of regularizers: a callable ``weight -> scalar penalty``.

    The base penalty is zero; subclasses override ``__call__`` and, when they
    take arguments, ``get_config``.

    Example:
        >>> class SumPenalty(Regularizer):
        ...     def __call__(self, x):
        ...         return 0.5 * K.sum(x)
        >>> float(K.eval(SumPenalty()(K.constant([1., 2.]))))
        1.5
    """

    def __call__(self, x):
        """The penalty for weight ``x``.

        Args:
            x: a weight tensor.

        Returns:
            a scalar tensor (zero for the base class).
        """
        return K.constant(0., dtype=K.dtype(x))

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict.

        Returns:
            a dict (empty for the base class).
        """
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild a regularizer from :meth:`get_config` output.

        Args:
            config: dict of constructor arguments.

        Returns:
            a new regularizer.

        Example:
            >>> L1L2.from_config({'l1': 0.0, 'l2': 0.5}).l2
            0.5
        """
        return cls(**config)


def _penalty_factor(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number (the penalty factor). "
                         f"Received: {name}={value!r}")
    return float(value)


class L1L2(Regularizer):
    """Penalty ``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    Args:
        l1: factor of the L1 (absolute value) penalty.
        l2: factor of the L2 (squared value) penalty.

    Raises:
        ValueError: a factor is not a finite number.

    Example:
        >>> float(K.eval(L1L2(l1=0.5, l2=0.25)(K.constant([1., -2.]))))
        2.75
    """

    def __init__(self, l1=0., l2=0.):
        self.l1 = _penalty_factor("l1", l1)
        self.l2 = _penalty_factor("l2", l2)

    def __call__(self, x):
        """The penalty for weight ``x`` as a symbolic scalar.

        Args:
            x: a weight tensor.

        Returns:
            a scalar tensor of the dtype of ``x``.
        """
        penalty = None
        if self.l1:
            penalty = K.sum(self.l1 * K.abs(x))
        if self.l2:
            term = K.sum(self.l2 * K.square(x))
            penalty = term if penalty is None else penalty + term
        return super().__call__(x) if penalty is None else penalty

    def get_config(self):
        """``{'l1': ..., 'l2': ...}`` as floats."""
        return {"l1": self.l1, "l2": self.l2}


def l1(l=0.01):
    """L1 regularizer ``l * sum(|x|)``.

    Args:
        l: the penalty factor.

    Returns:
        an :class:`L1L2` regularizer.

    Example:
        >>> l1(0.2).get_config()
        {'l1': 0.2, 'l2': 0.0}
    """
    return L1L2(l1=l)


def l2(l=0.01):
    """L2 regularizer ``l * sum(x ** 2)`` (weight decay).

    Args:
        l: the penalty factor.

    Returns:
        an :class:`L1L2` regularizer.

    Example:
        >>> l2(0.2).get_config()
        {'l1': 0.0, 'l2': 0.2}
    """
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    """Combined L1 and L2 regularizer.

    Args:
        l1: factor of the L1 penalty.
        l2: factor of the L2 penalty.

    Returns:
        an :class:`L1L2` regularizer.

    Example:
        >>> l1_l2(0.1, 0.3).get_config()
        {'l1': 0.1, 'l2': 0.3}
    """
    return L1L2(l1=l1, l2=l2)


_FACTORIES = (l1, l2, l1_l2)
_REGULARIZERS = {"Regularizer": Regularizer, "L1L2": L1L2,
                 **{fn.__name__: fn for fn in _FACTORIES}}


def serialize(regularizer):
    """The config of ``regularizer``: ``{'class_name': ..., 'config': ...}``.

    Args:
        regularizer: a regularizer object (or a function, saved by name).

    Returns:
        a JSON-friendly dict (or the function's name).

    Example:
        >>> serialize(l2(0.1))
        {'class_name': 'L1L2', 'config': {'l1': 0.0, 'l2': 0.1}}
    """
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Rebuild a regularizer from :func:`serialize` output.

    Names resolve through ``custom_objects``, the custom-object scope, this
    module and plugins registering ``regularizers``, in that order. A bare
    name gives the registered object itself; use :func:`get` for an instance.

    Args:
        config: a ``{'class_name', 'config'}`` dict (or a name).
        custom_objects: optional dict name -> class or function, searched first.

    Returns:
        the regularizer.

    Raises:
        ValueError: unknown name (close names are suggested) or malformed dict.

    Example:
        >>> deserialize({'class_name': 'L1L2', 'config': {'l1': 0.1, 'l2': 0.}}).l1
        0.1
    """
    return deserialize_keras_object(config, _REGULARIZERS, custom_objects,
                                    kind="regularizer", registry="regularizers")


def get(identifier):
    """The regularizer for a layer argument.

    Args:
        identifier: ``None`` (no regularization), a name (``'l2'`` gives
            ``l2()``, ``'L1L2'`` gives ``L1L2()``; a custom function registered
            under that name is returned as is), a serialized dict, or a
            callable (returned as is).

    Returns:
        a callable ``weight -> penalty``, or ``None``.

    Raises:
        ValueError: ``identifier`` is none of the above, or an unknown name.

    Example:
        >>> get('l1').get_config()
        {'l1': 0.01, 'l2': 0.0}
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return default_instance(deserialize(identifier), _FACTORIES)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret regularizer identifier: expected None, a name such "
                     f"as 'l2', a config dict or a callable. Received: {identifier!r}")
