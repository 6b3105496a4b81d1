"""Per-sample normalization layers: LayerNormalization and GroupNormalization.

Unlike ``BatchNormalization`` these normalize each sample on its own, so they
behave the same in training and inference and keep no moving statistics.
Written only against polykeras' public API and ``K.*``.
"""
import numpy as np

from polykeras import backend as K
from polykeras import constraints, initializers, regularizers
from polykeras.layers import InputSpec, Layer

__all__ = ["GroupNormalization", "LayerNormalization"]


class _AffineNormalization(Layer):
    """Shared parts: the ``epsilon``/``center``/``scale`` arguments and ``gamma``/``beta``."""

    def __init__(self, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)) \
                or not epsilon > 0:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects `epsilon` to be a "
                             f"number > 0. Received: epsilon={epsilon!r}")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _axes(self, axis, input_shape):
        """``axis`` (an int or a list) as sorted non-negative non-batch axes, checked."""
        rank = len(input_shape)
        axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer))
                           or not -rank <= a < rank or a % rank == 0 for a in axes):
            raise ValueError(f"{type(self).__name__} {self.name!r}: axis={axis!r} must name "
                             f"non-batch axes of an input of rank {rank}. Received: "
                             f"input_shape={tuple(input_shape)}")
        axes = sorted({int(a) % rank for a in axes})
        unknown = [a for a in axes if input_shape[a] is None]
        if unknown:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the normalized axes "
                             f"{unknown} need a defined size. Received: "
                             f"input_shape={tuple(input_shape)}")
        return axes

    def _add_affine_weights(self, shape):
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def _scale_and_shift(self, normed, broadcast_shape):
        if self.gamma is not None:
            normed = normed * K.reshape(self.gamma, broadcast_shape)
        if self.beta is not None:
            normed = normed + K.reshape(self.beta, broadcast_shape)
        return normed

    def get_config(self):
        config = {
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
        return {**super().get_config(), **config}


class LayerNormalization(_AffineNormalization):
    """Normalizes each sample over ``axis`` to mean 0 and variance 1, then scales and shifts.

    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the mean and
    (biased) variance taken per sample over the axes in ``axis``; ``gamma``
    and ``beta`` have the shape of those axes.

    Args:
        axis: an int or a list of ints: the non-batch axes to normalize over.
        epsilon: added to the variance, > 0.
        center: learn the offset ``beta``.
        scale: learn the factor ``gamma``.
        beta_initializer, gamma_initializer, beta_regularizer,
        gamma_regularizer, beta_constraint, gamma_constraint: for the weights.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: an axis that is not a non-batch axis of the input, or one
            of unknown size.

    Example:
        >>> model = Sequential([Dense(16, input_dim=8), LayerNormalization()])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, (int, np.integer)) else list(axis)

    def build(self, input_shape):
        axes = self._axes(self.axis, input_shape)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in axes})
        self._add_affine_weights(tuple(input_shape[a] for a in axes))
        self.built = True

    def call(self, inputs):
        shape = K.int_shape(inputs)
        axes = self._axes(self.axis, shape)
        mean = K.mean(inputs, axis=axes, keepdims=True)
        variance = K.mean(K.square(inputs - mean), axis=axes, keepdims=True)
        normed = (inputs - mean) / K.sqrt(variance + self.epsilon)
        broadcast = [shape[i] if i in axes else 1 for i in range(len(shape))]
        return self._scale_and_shift(normed, broadcast)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class GroupNormalization(_AffineNormalization):
    """Splits the channels into ``groups`` and normalizes each group of each sample.

    The channels on ``axis`` are split into ``groups`` consecutive groups; the
    mean and variance are taken per sample and group over the group's channels
    and every other non-batch axis. ``groups=1`` normalizes all channels
    together (layer normalization over every axis); ``groups`` equal to the
    number of channels is instance normalization. ``gamma`` and ``beta`` are
    per channel.

    Args:
        groups: number of groups; must divide the number of channels.
        axis: the channel axis (an int).
        epsilon, center, scale, beta_initializer, gamma_initializer,
        beta_regularizer, gamma_regularizer, beta_constraint,
        gamma_constraint: as in :class:`LayerNormalization`.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``groups`` does not divide the channels, or the channel
            axis has no defined size.

    Example:
        >>> x = Input((8, 8, 6))
        >>> y = GroupNormalization(groups=3)(x)
    """

    def __init__(self, groups=32, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"GroupNormalization {self.name!r} expects `groups` to be a "
                             f"positive int. Received: groups={groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"GroupNormalization {self.name!r} expects `axis` to be an int "
                             f"(the channel axis). Received: axis={axis!r}")
        self.groups = int(groups)
        self.axis = int(axis)

    def build(self, input_shape):
        (axis,) = self._axes(self.axis, input_shape)
        channels = input_shape[axis]
        if channels % self.groups:
            raise ValueError(f"GroupNormalization {self.name!r}: groups={self.groups} must "
                             f"divide the {channels} channels on axis {self.axis}. Received: "
                             f"input_shape={tuple(input_shape)}")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: channels})
        self._add_affine_weights((channels,))
        self.built = True

    def call(self, inputs):
        shape = K.int_shape(inputs)
        (axis,) = self._axes(self.axis, shape)
        dynamic = K.shape(inputs)
        grouped_shape = []
        for i, size in enumerate(shape):
            if i == axis:
                grouped_shape += [self.groups, size // self.groups]
            else:
                grouped_shape.append(size if size is not None else dynamic[i])
        grouped = K.reshape(inputs, grouped_shape)
        reduce_axes = [i for i in range(1, len(grouped_shape)) if i != axis]
        mean = K.mean(grouped, axis=reduce_axes, keepdims=True)
        variance = K.mean(K.square(grouped - mean), axis=reduce_axes, keepdims=True)
        normed = (grouped - mean) / K.sqrt(variance + self.epsilon)
        normed = K.reshape(normed, [size if size is not None else dynamic[i]
                                    for i, size in enumerate(shape)])
        broadcast = [shape[axis] if i == axis else 1 for i in range(len(shape))]
        return self._scale_and_shift(normed, broadcast)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis}
