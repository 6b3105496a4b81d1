"""NumPy backend: random ops (non-differentiable).

Each seed value owns one persistent ``np.random.Generator``, created on first
use and kept by the backend, so a seeded op draws anew on every call of a
compiled function while the sequence of draws is reproducible; unseeded
draws share one backend generator. Floats are drawn in float32 (float64 for
float64) and cast to the requested dtype.
"""
import numpy as np

from polykeras_numpy.autodiff import primitive
from polykeras_numpy.core import default_float, to_shape

#: ops of this module through which no gradient flows (all of them).
NON_DIFFERENTIABLE = ("random_normal", "random_uniform", "random_binomial", "truncated_normal")


def _float_draw_dtype(dtype):
    return np.float64 if dtype == np.float64 else np.float32


class RandomOps:
    """The random primitives."""

    def _generator(self, seed):
        """The persistent generator of ``seed`` (the shared one for ``None``)."""
        generators = self.__dict__.setdefault("_random_generators", {})
        key = None if seed is None else int(seed)
        if key not in generators:
            generators[key] = np.random.default_rng(key)
        return generators[key]

    def _standard_normal(self, shape, dtype, seed):
        return self._generator(seed).standard_normal(
            to_shape(shape), dtype=_float_draw_dtype(np.dtype(dtype)))

    @primitive(None)
    def random_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal draws of the given ``shape`` (a list), ``mean`` and ``stddev``."""
        dtype = np.dtype(dtype or default_float())
        z = self._standard_normal(shape, dtype, seed)
        return (z * np.asarray(stddev, z.dtype) + np.asarray(mean, z.dtype)).astype(dtype)

    @primitive(None)
    def random_uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        """Uniform draws in ``[minval, maxval)``; integer dtypes draw integers."""
        dtype = np.dtype(dtype or default_float())
        rng = self._generator(seed)
        if dtype.kind in "iu":
            return rng.integers(int(minval), int(maxval), size=to_shape(shape), dtype=dtype)
        u = rng.random(to_shape(shape), dtype=_float_draw_dtype(dtype))
        low, high = np.asarray(minval, u.dtype), np.asarray(maxval, u.dtype)
        return (u * (high - low) + low).astype(dtype)

    @primitive(None)
    def random_binomial(self, shape, p=0.0, dtype=None, seed=None):
        """1 with probability ``p``, else 0, in ``dtype``."""
        dtype = np.dtype(dtype or default_float())
        u = self._generator(seed).random(to_shape(shape), dtype=np.float32)
        return (u < np.asarray(p, np.float32)).astype(dtype)

    @primitive(None)
    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal draws with values farther than 2 ``stddev`` from ``mean`` redrawn."""
        dtype = np.dtype(dtype or default_float())
        z = self._standard_normal(shape, dtype, seed)
        outside = np.abs(z) > 2
        while outside.any():
            z[outside] = self._standard_normal([int(outside.sum())], dtype, seed)
            outside = np.abs(z) > 2
        return (z * np.asarray(stddev, z.dtype) + np.asarray(mean, z.dtype)).astype(dtype)
