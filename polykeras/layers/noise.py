"""Noise layers, active only in training: GaussianNoise, GaussianDropout, AlphaDropout.

Each is a regularizer: in the training phase it perturbs its input with fresh
random noise at every step; outside training (``predict``, ``evaluate``,
learning phase 0) it is the identity. All of them pass the input's mask on.
"""
import math

import numpy as np

from polykeras import backend as K
from polykeras.engine.base_layer import Layer
from polykeras.utils.legacy import legacy_arguments

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]

# Constants of the self-normalizing unit (Klambauer et al., 2017), as in activations.selu.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _rate(value, where):
    """``value`` as a float if it is a number in ``[0, 1]``, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not 0. <= float(value) <= 1.:
        raise ValueError(f"{where} expects `rate` to be a number in [0, 1]. "
                         f"Received: rate={value!r}")
    return float(value)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` in training.

    Args:
        stddev: the standard deviation of the noise, a number >= 0 (Keras 1: ``sigma``).
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([GaussianNoise(0.1, input_shape=(4,)), Dense(1)])
    """

    @legacy_arguments({"sigma": "stddev"}, where="GaussianNoise")
    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float, np.number)) \
                or not float(stddev) >= 0.:
            raise ValueError(f"GaussianNoise {self.name!r} expects `stddev` to be a number "
                             f">= 0. Received: stddev={stddev!r}")
        self.supports_masking = True
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        def noised():
            return inputs + K.random_normal(K.shape(inputs), mean=0., stddev=self.stddev,
                                            dtype=K.dtype(inputs))
        return K.in_train_phase(noised, inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(Layer):
    """Multiplies the input by Gaussian noise of mean 1 in training.

    The noise has standard deviation ``sqrt(rate / (1 - rate))``, the
    variance of Dropout's scaled keep mask for the same ``rate``.

    Args:
        rate: the equivalent drop probability, in ``[0, 1]`` (Keras 1: ``p``);
            0 and 1 leave the input unchanged.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Dense(8, input_dim=4), GaussianDropout(0.2)])
    """

    @legacy_arguments({"p": "rate"}, where="GaussianDropout")
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(rate, f"GaussianDropout {self.name!r}")
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not 0. < self.rate < 1.:
            return inputs
        stddev = math.sqrt(self.rate / (1. - self.rate))

        def noised():
            return inputs * K.random_normal(K.shape(inputs), mean=1., stddev=stddev,
                                            dtype=K.dtype(inputs))
        return K.in_train_phase(noised, inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(Layer):
    """Dropout that keeps the self-normalizing property of SELU networks.

    In training, dropped entries are set to SELU's negative saturation value
    ``-alpha * scale`` instead of 0, and the result is transformed by
    ``a * x + b`` with ``a, b`` chosen so that inputs of zero mean and unit
    variance keep that mean and variance.

    Args:
        rate: the drop probability, in ``[0, 1]``; 0 and 1 leave the input
            unchanged.
        noise_shape: shape of the keep mask, broadcast against the input;
            ``None`` entries take the input's size (``None``: the input's shape).
        seed: seed of the random masks.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Dense(8, input_dim=4, activation="selu"), AlphaDropout(0.1)])
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(rate, f"AlphaDropout {self.name!r}")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return K.shape(inputs)
        shape = K.int_shape(inputs)
        if len(self.noise_shape) != len(shape) or any(
                n is not None and n != 1 and d is not None and n != d
                for n, d in zip(self.noise_shape, shape)):
            raise ValueError(f"AlphaDropout {self.name!r}: noise_shape {self.noise_shape} does "
                             f"not broadcast against the input of shape {shape} (one entry per "
                             "axis, each None, 1 or the input's size).")
        dims = K.shape(inputs)
        return [dims[i] if n is None else n for i, n in enumerate(self.noise_shape)]

    def call(self, inputs, training=None):
        if not 0. < self.rate < 1.:
            return inputs
        rate = self.rate
        noise_shape = self._get_noise_shape(inputs)
        saturation = -_SELU_ALPHA * _SELU_SCALE
        a = ((1. - rate) * (1. + rate * saturation ** 2)) ** -0.5
        b = -a * saturation * rate

        def dropped():
            kept = K.cast(K.greater_equal(K.random_uniform(noise_shape, seed=self.seed), rate),
                          K.dtype(inputs))
            return a * (inputs * kept + saturation * (1. - kept)) + b
        return K.in_train_phase(dropped, inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}
