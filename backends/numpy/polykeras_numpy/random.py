"""NumPy backend: random ops (non-differentiable).

Every seeded op of a compiled program owns one ``np.random.Generator``
seeded with its seed, kept with the program: it draws anew on every call,
and a program rebuilt with the same seed repeats the sequence (as Keras 2's
per-op seeds do). Ops are told apart by the order in which a run reaches
them. Unseeded draws share one backend generator. Floats are drawn in float32 (float64 for
float64) and cast to the requested dtype.
"""
import numpy as np

from polykeras_numpy.autodiff import primitive
from polykeras_numpy.core import default_float, to_shape

#: ops of this module through which no gradient flows (all of them).
NON_DIFFERENTIABLE = ("random_normal", "random_uniform", "random_binomial", "truncated_normal")


def _float_draw_dtype(dtype):
    return np.float64 if dtype == np.float64 else np.float32


class ProgramStreams:
    """The generators of one program's seeded ops, in the order a run meets them."""

    def __init__(self):
        self.generators = {}
        self.counts = {}

    def start_run(self):
        self.counts.clear()

    def next(self, seed):
        occurrence = self.counts.get(seed, 0)
        self.counts[seed] = occurrence + 1
        key = (seed, occurrence)
        if key not in self.generators:
            self.generators[key] = np.random.default_rng(seed)
        return self.generators[key]


class RandomOps:
    """The random primitives."""

    def _new_random_streams(self):
        """Fresh generators for the seeded ops of one compiled program."""
        return ProgramStreams()

    def _generator(self, seed):
        """The generator of the seeded op being run (the shared one for ``None``)."""
        if seed is None:
            if "_shared_generator" not in self.__dict__:
                self._shared_generator = np.random.default_rng()
            return self._shared_generator
        streams = self.__dict__.get("_program_streams")
        if streams is None:  # called directly: one persistent generator per seed
            generators = self.__dict__.setdefault("_direct_generators", {})
            return generators.setdefault(int(seed), np.random.default_rng(int(seed)))
        return streams.next(int(seed))

    def _standard_normal(self, rng, shape, dtype):
        return rng.standard_normal(to_shape(shape), dtype=_float_draw_dtype(np.dtype(dtype)))

    @primitive(None)
    def random_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal draws of the given ``shape`` (a list), ``mean`` and ``stddev``."""
        dtype = np.dtype(dtype or default_float())
        z = self._standard_normal(self._generator(seed), shape, dtype)
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
        rng = self._generator(seed)
        z = self._standard_normal(rng, shape, dtype)
        outside = np.abs(z) > 2
        while outside.any():
            z[outside] = self._standard_normal(rng, [int(outside.sum())], dtype)
            outside = np.abs(z) > 2
        return (z * np.asarray(stddev, z.dtype) + np.asarray(mean, z.dtype)).astype(dtype)
