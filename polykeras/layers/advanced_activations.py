"""Advanced activation layers: LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU.

Activations with a parameter (a slope, a threshold, an axis) or with weights
(PReLU's learned slopes), as layers. All of them keep the input's shape and
pass its mask through.
"""
import numpy as np

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.legacy import legacy_arguments

__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]


def _number(value, arg, where, minimum=None):
    """``value`` as a float if it is a real number (>= ``minimum`` if given), else an error."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or (minimum is not None and not float(value) >= minimum):
        expected = "a number" if minimum is None else f"a number >= {minimum}"
        raise ValueError(f"{where} expects `{arg}` to be {expected}. Received: {arg}={value!r}")
    return float(value)


class _Activation(Layer):
    """An elementwise activation layer: same shape, mask passed through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    @property
    def _where(self):
        return f"{type(self).__name__} {self.name!r}"


class LeakyReLU(_Activation):
    """Leaky rectified linear unit: ``x`` for ``x >= 0``, ``alpha * x`` otherwise.

    Args:
        alpha: the slope for negative inputs.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Dense(8, input_dim=4), LeakyReLU(alpha=0.1)])
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number(alpha, "alpha", self._where)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(_Activation):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha * x`` otherwise, ``alpha`` learned.

    ``alpha`` has the shape of a sample (the input shape without the batch
    axis), except along ``shared_axes`` where it has size 1 and one slope is
    shared (e.g. ``shared_axes=[1, 2]`` on ``(batch, rows, cols, channels)``
    learns one slope per channel).

    Args:
        alpha_initializer: initializer of the slopes (Keras 1: ``init``).
        alpha_regularizer: regularizer of the slopes.
        alpha_constraint: constraint on the slopes.
        shared_axes: an int or a list of the axes (counted with the batch axis
            as 0) along which the slopes are shared.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``shared_axes`` names the batch axis or an axis the input
            lacks, or the sample shape is not fully known.

    Example:
        >>> layer = PReLU(shared_axes=[1, 2])
        >>> y = layer(Input(shape=(8, 8, 3)))
        >>> layer.count_params()
        3
    """

    @legacy_arguments({"init": "alpha_initializer"}, where="PReLU")
    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) \
                else [shared_axes]
            if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 1
                   for a in axes):
                raise ValueError(f"{self._where} expects `shared_axes` to be positive axis "
                                 "indices (the batch axis 0 cannot be shared). Received: "
                                 f"shared_axes={shared_axes!r}")
            self.shared_axes = [int(a) for a in axes]

    def build(self, input_shape):
        rank = len(input_shape)
        shared = set(self.shared_axes or ())
        if any(a >= rank for a in shared):
            raise ValueError(f"{self._where}: `shared_axes` {self.shared_axes} name an axis the "
                             f"input lacks. Received: input_shape={tuple(input_shape)}")
        param_shape = tuple(1 if i in shared else input_shape[i] for i in range(1, rank))
        if any(d is None for d in param_shape):
            raise ValueError(f"{self._where} needs the input's non-shared axes to be known to "
                             f"create its slopes. Received: input_shape={tuple(input_shape)}, "
                             f"shared_axes={self.shared_axes}")
        self.alpha = self.add_weight("alpha", param_shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.input_spec = InputSpec(ndim=rank, axes={i: input_shape[i] for i in range(1, rank)
                                                     if i not in shared})
        self.built = True

    def call(self, inputs):
        return K.relu(inputs) - self.alpha * K.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class ELU(_Activation):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: scale of the negative part.
        **kwargs: the Layer arguments.

    Example:
        >>> y = ELU(alpha=0.5)(Input(shape=(4,)))
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number(alpha, "alpha", self._where)

    def call(self, inputs):
        return K.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ThresholdedReLU(_Activation):
    """Thresholded ReLU: ``x`` for ``x > theta``, 0 otherwise.

    Args:
        theta: the threshold.
        **kwargs: the Layer arguments.

    Example:
        >>> y = ThresholdedReLU(theta=0.5)(Input(shape=(4,)))
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = _number(theta, "theta", self._where)

    def call(self, inputs):
        return inputs * K.cast(K.greater(inputs, self.theta), K.dtype(inputs))

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


class Softmax(_Activation):
    """Softmax along ``axis``: ``exp(x) / sum(exp(x), axis)``.

    Args:
        axis: the axis normalized over (the last by default).
        **kwargs: the Layer arguments.

    Example:
        >>> y = Softmax(axis=1)(Input(shape=(5, 3)))
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{self._where} expects `axis` to be an int. "
                             f"Received: axis={axis!r}")
        self.axis = int(axis)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"{self._where}: axis {self.axis} is not a feature axis of an "
                             f"input of rank {rank} (the batch axis 0 cannot be normalized "
                             f"over). Received: input_shape={tuple(input_shape)}")
        self.built = True

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ReLU(_Activation):
    """Rectified linear unit with an optional cap, leak and threshold.

    Computes ``min(x, max_value)`` for ``x >= threshold`` and
    ``negative_slope * (x - threshold)`` below the threshold.

    Args:
        max_value: the cap (a number >= 0), or ``None`` for no cap.
        negative_slope: the slope below the threshold (>= 0).
        threshold: where the unit switches on (a number >= 0).
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``max_value``, ``negative_slope`` or ``threshold`` is
            negative (or not a number).

    Example:
        >>> y = ReLU(max_value=6.)(Input(shape=(4,)))   # ReLU6
    """

    def __init__(self, max_value=None, negative_slope=0., threshold=0., **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else \
            _number(max_value, "max_value", self._where, minimum=0.)
        self.negative_slope = _number(negative_slope, "negative_slope", self._where, minimum=0.)
        self.threshold = _number(threshold, "threshold", self._where, minimum=0.)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                      threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
