"""Weight initializers: the starting values of layer weights.

An initializer is called with a shape (and optionally a dtype) and returns the
initial value. The built-ins compute it with NumPy and return a NumPy array
of ``dtype`` (default ``K.floatx()``); layers wrap it with
``K.variable(initializer(shape, dtype))``. Computing initial values in NumPy
rather than with backend random ops is deliberate:

* a seeded initializer draws from ``np.random.RandomState(seed)``, so the same
  seed gives the same array on every backend (and on every call), which is
  what lets a model built on NumPy be compared value for value with the same
  model on TensorFlow or Theano;
* an unseeded one draws from the global ``np.random`` functions, so
  ``np.random.seed(n)`` before building a model makes it reproducible.

User-written initializers may return K tensors instead (``K.variable``
evaluates them). :func:`get`, :func:`serialize` and :func:`deserialize` turn
initializers into configs and back, resolving names through
``custom_objects``, the custom-object scope and plugins registering
``initializers``.
"""
import math
import numbers

import numpy as np

from polykeras import backend as K
from polykeras.utils.serialization import (default_instance, deserialize_keras_object,
                                           serialize_keras_object)

__all__ = [
    "Constant",
    "Identity",
    "Initializer",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "zeros",
]

# Standard deviation of a unit normal truncated to [-2, 2]: VarianceScaling divides
# by it so that its truncated draws have the variance it promises.
_TRUNCATED_UNIT_STDDEV = 0.87962566103423978


# --- helpers ---------------------------------------------------------------------------------

def _shape_tuple(shape):
    """``shape`` as a tuple of non-negative Python ints (an int gives a 1-tuple)."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        dims = tuple(shape)
        if all(isinstance(d, numbers.Integral) and d >= 0 for d in dims):
            return tuple(int(d) for d in dims)
    except TypeError:
        pass
    raise ValueError("Initializers need a fully known shape: a tuple of non-negative ints. "
                     f"Received: shape={shape!r}")


def _dtype(dtype, initializer, floating=False):
    """The NumPy dtype for the result; random initializers need a float dtype."""
    resolved = np.dtype(dtype or K.floatx())
    if floating and resolved.kind != "f":
        raise ValueError(f"{type(initializer).__name__} draws random floats and expects a "
                         f"floating-point dtype. Received: dtype={dtype!r}")
    return resolved


def _rng(seed):
    """A seeded ``RandomState``, or the global ``np.random`` functions for ``seed=None``."""
    return np.random if seed is None else np.random.RandomState(seed)


def _check_seed(seed):
    if seed is not None and not isinstance(seed, numbers.Integral):
        raise ValueError(f"`seed` must be None or an int. Received: seed={seed!r}")
    return seed


def _check_stddev(stddev):
    if not isinstance(stddev, numbers.Real) or stddev < 0:
        raise ValueError(f"`stddev` must be a non-negative number. Received: stddev={stddev!r}")
    return stddev


def _truncated_normal(rng, shape, mean, stddev):
    """Normal draws with every value beyond 2 standard deviations redrawn (vectorised)."""
    values = rng.normal(0.0, 1.0, size=math.prod(shape))
    outside = np.flatnonzero(np.abs(values) > 2.0)
    while outside.size:  # each round redraws only the ~4.6% left outside
        values[outside] = rng.normal(0.0, 1.0, size=outside.size)
        outside = outside[np.abs(values[outside]) > 2.0]
    return mean + stddev * values.reshape(shape)


def _compute_fans(shape, data_format="channels_last"):
    """Number of input and output units of a weight tensor, as Keras 2 counts them.

    Dense kernels ``(in, out)`` give ``(in, out)``; convolution kernels of
    rank 3 to 5 multiply by the receptive field (``(..., in, out)`` for
    channels_last kernels, ``(out, in, ...)`` for channels_first); any other
    rank gives ``sqrt(size)`` for both.

    Args:
        shape: the weight shape (a tuple of ints).
        data_format: layout of convolution kernels.

    Returns:
        ``(fan_in, fan_out)``.

    Example:
        >>> _compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        if data_format == "channels_first":
            receptive_field = math.prod(shape[2:])
            return shape[1] * receptive_field, shape[0] * receptive_field
        if data_format == "channels_last":
            receptive_field = math.prod(shape[:-2])
            return shape[-2] * receptive_field, shape[-1] * receptive_field
        raise ValueError("data_format must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    root = math.sqrt(math.prod(shape))
    return root, root


# --- the base class ------------------------------------------------------------------------

class Initializer:
    """Base class of initializers: a callable ``(shape, dtype=None) -> initial value``.

    Subclasses implement ``__call__`` and, when they take arguments,
    ``get_config`` returning them, so that ``cls.from_config(config)`` rebuilds
    an equal initializer.

    Example:
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 0.5, dtype=dtype or K.floatx())
        >>> Halves()((2,))
        array([0.5, 0.5], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        """The initial value for a weight of ``shape``.

        Args:
            shape: tuple of ints.
            dtype: dtype of the result (default ``K.floatx()``).

        Returns:
            an array (or K tensor) of that shape.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype).")

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict.

        Returns:
            a dict (empty for initializers without arguments).

        Example:
            >>> Zeros().get_config()
            {}
        """
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild an initializer from :meth:`get_config` output.

        A ``dtype`` entry (written by some Keras versions) is ignored.

        Args:
            config: dict of constructor arguments.

        Returns:
            a new initializer.

        Example:
            >>> RandomNormal.from_config({'mean': 0., 'stddev': 1., 'seed': 3}).stddev
            1.0
        """
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


# --- constant initializers -----------------------------------------------------------------

class Zeros(Initializer):
    """Initializer of all zeros.

    Example:
        >>> Zeros()((2, 2))
        array([[0., 0.],
               [0., 0.]], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape_tuple(shape), dtype=_dtype(dtype, self))


class Ones(Initializer):
    """Initializer of all ones.

    Example:
        >>> Ones()((3,))
        array([1., 1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.ones(_shape_tuple(shape), dtype=_dtype(dtype, self))


class Constant(Initializer):
    """Initializer filling the weight with one value.

    Args:
        value: the fill value (a number, or an array broadcastable to the shape).

    Example:
        >>> Constant(0.3)((2,))
        array([0.3, 0.3], dtype=float32)
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        value = np.asarray(self.value, dtype=_dtype(dtype, self))
        try:
            return np.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(f"Constant value of shape {value.shape} cannot fill a weight of "
                             f"shape {shape}. Received: value={self.value!r}") from None

    def get_config(self):
        value = self.value
        if isinstance(value, (np.ndarray, np.generic)):
            value = value.tolist()  # JSON-friendly, and Constant accepts lists back
        return {"value": value}


# --- random initializers -------------------------------------------------------------------

class RandomNormal(Initializer):
    """Initializer drawing from a normal distribution.

    Args:
        mean: mean of the values.
        stddev: standard deviation of the values (non-negative).
        seed: int seed (same seed, same values on every backend) or ``None``
            (draws from the global ``np.random``).

    Example:
        >>> RandomNormal(stddev=1., seed=0)((2,))
        array([1.7640524, 0.4001572], dtype=float32)
    """

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = _check_stddev(stddev)
        self.seed = _check_seed(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype, self, floating=True)
        values = _rng(self.seed).normal(self.mean, self.stddev, size=_shape_tuple(shape))
        return np.asarray(values, dtype=dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Initializer drawing uniformly from ``[minval, maxval)``.

    Args:
        minval: lower bound.
        maxval: upper bound.
        seed: int seed or ``None`` (see :class:`RandomNormal`).

    Example:
        >>> w = RandomUniform(-1., 1., seed=0)((100,))
        >>> bool(w.min() >= -1. and w.max() < 1.)
        True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        if not (isinstance(minval, numbers.Real) and isinstance(maxval, numbers.Real)
                and minval <= maxval):
            raise ValueError("RandomUniform expects numbers with minval <= maxval. "
                             f"Received: minval={minval!r}, maxval={maxval!r}")
        self.minval = minval
        self.maxval = maxval
        self.seed = _check_seed(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype, self, floating=True)
        values = _rng(self.seed).uniform(self.minval, self.maxval, size=_shape_tuple(shape))
        return np.asarray(values, dtype=dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Initializer drawing from a normal distribution truncated at 2 standard deviations.

    Values further than ``2 * stddev`` from ``mean`` are discarded and redrawn,
    so every value lies in ``[mean - 2 * stddev, mean + 2 * stddev]`` (the
    resulting spread is about ``0.88 * stddev``).

    Args:
        mean: mean of the values.
        stddev: standard deviation of the normal before truncation.
        seed: int seed or ``None`` (see :class:`RandomNormal`).

    Example:
        >>> w = TruncatedNormal(stddev=1., seed=0)((1000,))
        >>> bool(abs(w).max() <= 2.)
        True
    """

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = _check_stddev(stddev)
        self.seed = _check_seed(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype, self, floating=True)
        values = _truncated_normal(_rng(self.seed), _shape_tuple(shape), self.mean, self.stddev)
        return np.asarray(values, dtype=dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Initializer whose spread adapts to the number of units of the weight.

    With ``n`` the fan (see :func:`_compute_fans`) chosen by ``mode`` --
    ``fan_in``, ``fan_out`` or ``fan_avg`` (their mean), at least 1 --
    ``distribution='normal'`` draws from a normal truncated at 2 standard
    deviations scaled so that the values have variance ``scale / n``, and
    ``distribution='uniform'`` draws uniformly from ``[-limit, limit]`` with
    ``limit = sqrt(3 * scale / n)`` (the same variance).

    Args:
        scale: positive scaling factor.
        mode: ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'``.
        distribution: ``'normal'`` or ``'uniform'``.
        seed: int seed or ``None`` (see :class:`RandomNormal`).

    Raises:
        ValueError: ``scale <= 0``, or an unknown ``mode`` or ``distribution``.

    Example:
        >>> w = VarianceScaling(2., 'fan_in', 'uniform', seed=1)((50, 10))
        >>> bool(abs(w).max() <= np.sqrt(3 * 2. / 50))
        True
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if not isinstance(scale, numbers.Real) or not scale > 0:
            raise ValueError(f"`scale` must be a positive float. Received: scale={scale!r}")
        modes = ("fan_in", "fan_out", "fan_avg")
        if not isinstance(mode, str) or mode.lower() not in modes:
            raise ValueError(f"Invalid `mode` argument: expected one of {modes}. "
                             f"Received: mode={mode!r}")
        distributions = ("normal", "uniform")
        if not isinstance(distribution, str) or distribution.lower() not in distributions:
            raise ValueError(f"Invalid `distribution` argument: expected one of "
                             f"{distributions}. Received: distribution={distribution!r}")
        self.scale = scale
        self.mode = mode.lower()
        self.distribution = distribution.lower()
        self.seed = _check_seed(seed)

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        dtype = _dtype(dtype, self, floating=True)
        fan_in, fan_out = _compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out,
               "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        rng = _rng(self.seed)
        if self.distribution == "normal":
            stddev = math.sqrt(variance) / _TRUNCATED_UNIT_STDDEV
            values = _truncated_normal(rng, shape, 0.0, stddev)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        return np.asarray(values, dtype=dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    """Initializer of a random orthogonal matrix, times ``gain``.

    The weight is viewed as a matrix ``(prod(shape[:-1]), shape[-1])``; its
    rows (if fewer than its columns) or its columns are orthonormal. The
    matrix is drawn uniformly (Haar measure) through a QR decomposition of a
    Gaussian matrix.

    Args:
        gain: multiplicative factor.
        seed: int seed or ``None`` (see :class:`RandomNormal`).

    Example:
        >>> q = Orthogonal(seed=0)((4, 4))
        >>> bool(np.allclose(q.T @ q, np.eye(4), atol=1e-5))
        True
    """

    def __init__(self, gain=1., seed=None):
        self.gain = gain
        self.seed = _check_seed(seed)

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        if len(shape) < 2:
            raise ValueError("Orthogonal initializer expects a shape of rank 2 or more. "
                             f"Received: shape={shape} of rank {len(shape)}")
        dtype = _dtype(dtype, self, floating=True)
        rows, cols = math.prod(shape[:-1]), shape[-1]
        gaussian = _rng(self.seed).normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(gaussian)
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)  # signs making the draw uniform
        if rows < cols:
            q = q.T
        return np.asarray(self.gain * q.reshape(shape), dtype=dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializer of the identity matrix times ``gain`` (2D weights only).

    A non-square shape gives ones on the main diagonal and zeros elsewhere.

    Args:
        gain: multiplicative factor.

    Raises:
        ValueError: when called with a shape that is not 2D.

    Example:
        >>> Identity(2.)((2, 3))
        array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}")
        return np.asarray(self.gain * np.eye(*shape), dtype=_dtype(dtype, self))

    def get_config(self):
        return {"gain": self.gain}


# --- named variance-scaling schemes ----------------------------------------------------------

def lecun_normal(seed=None):
    """LeCun normal initializer: truncated normal with variance ``1 / fan_in``.

    Args:
        seed: int seed or ``None``.

    Returns:
        a :class:`VarianceScaling` initializer.

    Example:
        >>> lecun_normal(seed=1).get_config()['mode']
        'fan_in'
    """
    return VarianceScaling(scale=1., mode="fan_in", distribution="normal", seed=seed)


def lecun_uniform(seed=None):
    """LeCun uniform initializer: uniform in ``[-sqrt(3 / fan_in), sqrt(3 / fan_in)]``.

    Args:
        seed: int seed or ``None``.

    Returns:
        a :class:`VarianceScaling` initializer.

    Example:
        >>> lecun_uniform().distribution
        'uniform'
    """
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def glorot_normal(seed=None):
    """Glorot (Xavier) normal: truncated normal with variance ``2 / (fan_in + fan_out)``.

    Args:
        seed: int seed or ``None``.

    Returns:
        a :class:`VarianceScaling` initializer.

    Example:
        >>> glorot_normal().mode
        'fan_avg'
    """
    return VarianceScaling(scale=1., mode="fan_avg", distribution="normal", seed=seed)


def glorot_uniform(seed=None):
    """Glorot (Xavier) uniform: uniform with ``limit = sqrt(6 / (fan_in + fan_out))``.

    The default kernel initializer of Keras layers.

    Args:
        seed: int seed or ``None``.

    Returns:
        a :class:`VarianceScaling` initializer.

    Example:
        >>> glorot_uniform(seed=0)((2, 4)).shape
        (2, 4)
    """
    return VarianceScaling(scale=1., mode="fan_avg", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """He normal initializer: truncated normal with variance ``2 / fan_in``.

    Args:
        seed: int seed or ``None``.

    Returns:
        a :class:`VarianceScaling` initializer.

    Example:
        >>> he_normal().scale
        2.0
    """
    return VarianceScaling(scale=2., mode="fan_in", distribution="normal", seed=seed)


def he_uniform(seed=None):
    """He uniform initializer: uniform with ``limit = sqrt(6 / fan_in)``.

    Args:
        seed: int seed or ``None``.

    Returns:
        a :class:`VarianceScaling` initializer.

    Example:
        >>> he_uniform().distribution
        'uniform'
    """
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


# Keras 2 lowercase aliases (the classes themselves).
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal

_FACTORIES = (lecun_normal, lecun_uniform, glorot_normal, glorot_uniform, he_normal, he_uniform)
_INITIALIZERS = {
    **{cls.__name__: cls for cls in (Initializer, Zeros, Ones, Constant, RandomNormal,
                                     RandomUniform, TruncatedNormal, VarianceScaling,
                                     Orthogonal, Identity)},
    **{fn.__name__: fn for fn in _FACTORIES},
    "zero": Zeros, "zeros": Zeros, "one": Ones, "ones": Ones, "constant": Constant,
    "uniform": RandomUniform, "random_uniform": RandomUniform,
    "normal": RandomNormal, "random_normal": RandomNormal,
    "truncated_normal": TruncatedNormal, "identity": Identity, "orthogonal": Orthogonal,
}


# --- serialization ---------------------------------------------------------------------------

def serialize(initializer):
    """The config of ``initializer``: ``{'class_name': ..., 'config': ...}``.

    Args:
        initializer: an initializer object (or a function, saved by name).

    Returns:
        a JSON-friendly dict (or the function's name).

    Example:
        >>> serialize(Constant(0.5))
        {'class_name': 'Constant', 'config': {'value': 0.5}}
    """
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from :func:`serialize` output.

    Names resolve through ``custom_objects``, the custom-object scope, this
    module and plugins registering ``initializers``, in that order. A bare
    name gives the registered object itself (a class or function); use
    :func:`get` for an instance.

    Args:
        config: a ``{'class_name', 'config'}`` dict (or a name).
        custom_objects: optional dict name -> class or function, searched first.

    Returns:
        the initializer.

    Raises:
        ValueError: unknown name (close names are suggested) or malformed dict.

    Example:
        >>> deserialize({'class_name': 'Ones', 'config': {}})((1,))
        array([1.], dtype=float32)
    """
    return deserialize_keras_object(config, _INITIALIZERS, custom_objects,
                                    kind="initializer", registry="initializers")


def get(identifier):
    """The initializer for a layer argument.

    Args:
        identifier: a name (gives a default instance: ``'glorot_uniform'``,
            ``'zeros'``; a custom function registered under that name is
            returned as is), a serialized dict, or a callable (returned as is).

    Returns:
        a callable ``(shape, dtype=None)``.

    Raises:
        ValueError: ``identifier`` is none of the above, or an unknown name.

    Example:
        >>> get('he_normal').get_config()
        {'scale': 2.0, 'mode': 'fan_in', 'distribution': 'normal', 'seed': None}
    """
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return default_instance(deserialize(identifier), _FACTORIES)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret initializer identifier: expected a name such as "
                     f"'glorot_uniform', a config dict or a callable. Received: {identifier!r}")
