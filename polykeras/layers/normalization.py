"""Normalization layers: BatchNormalization.

Training and freezing follow Keras 2.2.4:

- In the training phase the layer normalizes with the statistics of the
  batch and adds two updates, moving averages of the batch mean and of the
  (unbiased) batch variance; the engine's training step runs them. In the
  inference phase it normalizes with the moving statistics.
- With ``trainable=False`` gamma and beta are not trained and the moving
  statistics are not updated (the layer reports no updates), but in the
  training phase the layer still normalizes with the batch statistics, as
  Keras 2.2.4 did (TensorFlow 2's Keras switched frozen layers to inference
  mode). To run a frozen layer in inference mode while the rest of the model
  trains, call it with ``training=False``: ``BatchNormalization()(x, training=False)``.
"""
import numpy as np

from polykeras import backend as K
from polykeras import constraints, initializers, regularizers
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.legacy import legacy_arguments

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Normalizes each feature: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    The statistics are taken over every axis but ``axis``; at inference the
    moving averages ``moving_mean`` and ``moving_variance`` are used,
    updated at each training step as
    ``moving = moving * momentum + batch_statistic * (1 - momentum)``, where
    the batch variance is the unbiased one (``n / (n - 1 - epsilon)`` times
    the population variance, ``n`` values per feature), as in Keras 2.2.4.

    Weights (``get_weights`` order, as in Keras 2 files): ``gamma`` (if
    ``scale``), ``beta`` (if ``center``), ``moving_mean``, ``moving_variance``;
    the last two are never trainable.

    Args:
        axis: the feature axis, normally the channel axis (``-1`` for
            ``channels_last``, ``1`` for ``channels_first``).
        momentum: momentum of the moving averages, in ``[0, 1]``.
        epsilon: a number > 0 added to the variance.
        center: whether to add the offset ``beta``.
        scale: whether to multiply by ``gamma`` (for a following linear or
            ReLU layer it can be off: the next layer rescales).
        beta_initializer, gamma_initializer: initializers of the offset and
            scale (Keras 1: ``beta_init``, ``gamma_init``).
        moving_mean_initializer, moving_variance_initializer: initializers
            of the moving statistics.
        beta_regularizer, gamma_regularizer: regularizers of beta and gamma.
        beta_constraint, gamma_constraint: constraints on beta and gamma.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``axis`` is not an axis of the input (or is the batch
            axis), the size along ``axis`` is unknown, or a number argument is
            out of range.

    Example:
        >>> model = Sequential([Conv2D(8, 3, input_shape=(3, 32, 32),
        ...                            data_format="channels_first"),
        ...                     BatchNormalization(axis=1)])
        >>> model.layers[1].count_params()
        32
    """

    @legacy_arguments({"beta_init": "beta_initializer", "gamma_init": "gamma_initializer"},
                      where="BatchNormalization")
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        where = f"BatchNormalization {self.name!r}"
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{where} expects `axis` to be an int (the feature axis). "
                             f"Received: axis={axis!r}")
        self.axis = int(axis)
        self.momentum = _number_in(momentum, "momentum", where, "in [0, 1]",
                                   lambda v: 0. <= v <= 1.)
        self.epsilon = _number_in(epsilon, "epsilon", where, "> 0", lambda v: v > 0.)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _feature_axis(self, input_shape):
        """``self.axis`` as a non-negative axis of ``input_shape``, checked."""
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"BatchNormalization {self.name!r}: axis={self.axis} is not a "
                             f"feature axis of an input of rank {rank} (the batch axis 0 "
                             f"cannot be normalized over). Received: "
                             f"input_shape={tuple(input_shape)}")
        return self.axis % rank

    def build(self, input_shape):
        axis = self._feature_axis(input_shape)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} of the input "
                             "should have a defined dimension, but the layer received an input "
                             f"with shape {tuple(input_shape)}.")
        shape = (dim,)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: dim})
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        shape = K.int_shape(inputs)
        axis = self._feature_axis(shape)

        def normalize_inference():
            return K.batch_normalization(inputs, self.moving_mean, self.moving_variance,
                                         self.beta, self.gamma, axis=axis,
                                         epsilon=self.epsilon)

        if training is not None and not K.is_tensor(training) and not training:
            return normalize_inference()
        reduction_axes = [i for i in range(len(shape)) if i != axis]
        normed, mean, variance = K.normalize_batch_in_training(
            inputs, self.gamma, self.beta, reduction_axes, epsilon=self.epsilon)
        sample_size = self._sample_size(inputs, shape, reduction_axes)
        variance = variance * (sample_size / (sample_size - (1. + self.epsilon)))
        self.add_update([K.moving_average_update(self.moving_mean, mean, self.momentum),
                         K.moving_average_update(self.moving_variance, variance,
                                                 self.momentum)], inputs)
        return K.in_train_phase(normed, normalize_inference, training=training)

    @staticmethod
    def _sample_size(inputs, shape, reduction_axes):
        """The number of values per feature, a float (or a float scalar tensor)."""
        size = float(np.prod([shape[i] for i in reduction_axes if shape[i] is not None]))
        dynamic = [i for i in reduction_axes if shape[i] is None]
        if not dynamic:
            return size
        dims = K.shape(inputs)
        return size * K.cast(K.prod(K.stack([dims[i] for i in dynamic])), K.dtype(inputs))

    def get_config(self):
        config = {
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer":
                initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
        return {**super().get_config(), **config}


def _number_in(value, arg, where, expected, accept):
    """``value`` as a float if it is a real number that ``accept`` takes, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not accept(float(value)):
        raise ValueError(f"{where} expects `{arg}` to be a number {expected}. "
                         f"Received: {arg}={value!r}")
    return float(value)
