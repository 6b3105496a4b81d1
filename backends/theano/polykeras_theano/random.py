"""Theano/PyTensor backend: random ops.

Each recorded random op gets its own stream seeded with the op's ``seed``
(a fresh random seed when ``None``). The stream's state is a shared variable
with a default update, so every call of the compiled function draws anew
and a seeded op replays the same sequence of draws in every new function.
"""
from math import erf, sqrt

import numpy as np

_TRUNCATION = 2.0


class RandomOps:
    """The random primitives."""

    def _stream(self, seed):
        if seed is None:
            seed = int(self._seed_source.integers(1, 2 ** 31 - 1))
        return self.lib.random_stream(int(seed))

    def _size(self, shape):
        return self._shape_vector(list(shape))

    def random_uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        """Samples drawn uniformly from ``[minval, maxval)``."""
        dtype = dtype or self.lib.floatx
        return self.lib.uniform(self._stream(seed), self._size(shape), minval, maxval, dtype)

    def random_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Samples from a normal distribution."""
        dtype = dtype or self.lib.floatx
        return self.lib.normal(self._stream(seed), self._size(shape), mean, stddev, dtype)

    def random_binomial(self, shape, p=0.0, dtype=None, seed=None):
        """0/1 samples, 1 with probability ``p``."""
        dtype = dtype or self.lib.floatx
        u = self.lib.uniform(self._stream(seed), self._size(shape), 0.0, 1.0, "float32")
        return self.T.cast(self.T.lt(u, p), dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal samples restricted to two standard deviations around ``mean``
        (inverse-CDF sampling of the truncated distribution)."""
        T = self.T
        dtype = dtype or self.lib.floatx
        lo = 0.5 * (1.0 + erf(-_TRUNCATION / sqrt(2.0)))
        u = self.lib.uniform(self._stream(seed), self._size(shape), lo, 1.0 - lo, "float64")
        z = np.sqrt(2.0) * T.erfinv(2.0 * u - 1.0)
        z = T.clip(z, -_TRUNCATION, _TRUNCATION)
        return T.cast(mean + stddev * z, dtype)
