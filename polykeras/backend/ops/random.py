"""Random tensors drawn anew each time a compiled function runs.

``shape`` is a tuple of ints and symbolic int scalars (``K.shape(x)[0]``) or
a 1-D int tensor such as ``K.shape(x)``; it is recorded as a list (see
:func:`polykeras.backend.ops.manipulation.shape_entries`). ``dtype``
defaults to floatx; ``seed`` is recorded as given and makes the sequence of
draws reproducible.
"""
import numpy as np

from polykeras.backend import graph
from polykeras.backend.ops import register_op
from polykeras.backend.ops.manipulation import shape_entries, static_dim
from polykeras.backend.ops.variables import floatx

__all__ = ["random_normal", "random_uniform", "random_binomial", "truncated_normal"]


def _record(op, shape, dtype, seed, **params):
    entries = shape_entries(shape, "shape")
    if any(isinstance(e, int) and e < 0 for e in entries):
        raise ValueError(f"{op} expects sizes >= 0. Received: shape={shape!r}")
    dtype = str(np.dtype(dtype or floatx()))
    static = tuple(e if isinstance(e, int) else static_dim(e) for e in entries)
    return graph.record(op, (), dict(shape=entries, **params, dtype=dtype, seed=seed),
                        shape=static, dtype=dtype)


@register_op
def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A tensor of samples from a normal distribution.

    Args:
        shape: the output shape (ints, symbolic scalars or a 1-D int tensor).
        mean, stddev: the distribution's mean and standard deviation.
        dtype: the output dtype (default floatx).
        seed: an int making the draws reproducible, or ``None``.

    Example:
        >>> x = K.placeholder(shape=(None, 3))
        >>> K.int_shape(K.random_normal(K.shape(x)))
        (None, 3)
    """
    return _record("random_normal", shape, dtype, seed, mean=mean, stddev=stddev)


@register_op
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A tensor of samples drawn uniformly from ``[minval, maxval)``.

    Example:
        >>> K.int_shape(K.random_uniform((2, 3), -1., 1.))
        (2, 3)
    """
    return _record("random_uniform", shape, dtype, seed, minval=minval, maxval=maxval)


@register_op
def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """A tensor of 0s and 1s, each 1 with probability ``p``.

    Example:
        >>> K.int_shape(K.random_binomial((4,), p=0.5))
        (4,)
    """
    return _record("random_binomial", shape, dtype, seed, p=p)


@register_op
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn when more than two ``stddev`` from ``mean``.

    Example:
        >>> K.int_shape(K.truncated_normal((3, 3), stddev=0.05))
        (3, 3)
    """
    return _record("truncated_normal", shape, dtype, seed, mean=mean, stddev=stddev)
