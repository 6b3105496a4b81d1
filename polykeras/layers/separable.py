"""Depthwise and separable convolutions: SeparableConv1D, SeparableConv2D, DepthwiseConv2D.

Weight layouts follow Keras 2, so weights load unchanged from Keras 2 files:

* ``SeparableConv1D/2D``: ``depthwise_kernel`` ``kernel_size +
  (input_channels, depth_multiplier)``, ``pointwise_kernel`` ``(1,) * rank +
  (input_channels * depth_multiplier, filters)``, ``bias``;
* ``DepthwiseConv2D``: ``depthwise_kernel``, ``bias`` ``(input_channels *
  depth_multiplier,)``.

Keras 2 had them in ``keras.layers.convolutional``, where they can still be
imported from.
"""
from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.layers.conv_base import (
    _KERAS1_SEPARABLE_ARGS,
    _Conv,
    _ConvBase,
    _separable_init,
    conv1d_input_dim,
    kernel_dims,
)
from polykeras.utils.conv_utils import keras1_arguments, spatial_output_shape

__all__ = ["DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D",
           "SeparableConvolution2D"]


def _causal_pad(inputs, left, data_format):
    """Zero-pad the steps of a 3D tensor on the left by ``left``."""
    if data_format == "channels_last":
        return K.temporal_padding(inputs, (left, 0))
    swapped = K.temporal_padding(K.permute_dimensions(inputs, (0, 2, 1)), (left, 0))
    return K.permute_dimensions(swapped, (0, 2, 1))


class _SeparableConv(_Conv):
    """Base of the separable convolutions: a depthwise step, then a 1x1 (pointwise) one.

    Each input channel is cross-correlated with ``depth_multiplier`` filters
    of its own (``depthwise_kernel``, ``kernel_size + (channels,
    depth_multiplier)``); a pointwise kernel ``(1,) * rank + (channels *
    depth_multiplier, filters)`` then mixes the channels.

    Args:
        rank: 1 or 2.
        filters, kernel_size, strides, padding, data_format, dilation_rate,
        activation, use_bias: as for :class:`_Conv`.
        depth_multiplier: filters per input channel in the depthwise step.
        depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint,
        bias_constraint: for the two kernels, the bias and the output.
        **kwargs: base layer arguments.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = self._positive_int(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.depthwise_kernel = None
        self.pointwise_kernel = None

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (input_dim * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_fits(inputs)
        if self.rank == 2:
            outputs = K.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                         strides=self.strides, padding=self.padding,
                                         data_format=self.data_format,
                                         dilation_rate=self.dilation_rate)
            return self._finish(outputs)
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs, padding = _causal_pad(inputs, left, self.data_format), "valid"
        outputs = K.separable_conv1d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                     strides=self.strides[0], padding=padding,
                                     data_format=self.data_format,
                                     dilation_rate=self.dilation_rate[0])
        return self._finish(outputs)

    def get_config(self):
        config = super().get_config()
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1D convolution.

    Input ``(batch, steps, channels)`` (``(batch, channels, steps)`` for
    channels_first); output ``(batch, new_steps, filters)``. Weights:
    ``depthwise_kernel`` ``(kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, channels * depth_multiplier, filters)``,
    ``bias`` ``(filters,)``.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: ints (or tuples of one int).
        padding: ``'valid'``, ``'same'`` or ``'causal'``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        depth_multiplier: filters per input channel in the depthwise step.
        activation, use_bias, depthwise_initializer, pointwise_initializer,
        bias_initializer, depthwise_regularizer, pointwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint,
        pointwise_constraint, bias_constraint: see :class:`SeparableConv2D`.
        **kwargs: base layer arguments.

    Example:
        >>> SeparableConv1D(8, 3, depth_multiplier=2)(Input(shape=(10, 4)))._keras_shape
        (None, 8, 8)
    """

    @keras1_arguments(_KERAS1_SEPARABLE_ARGS, convert=(conv1d_input_dim, _separable_init))
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2D convolution (as in Xception and MobileNet).

    Each input channel is convolved with ``depth_multiplier`` filters of its
    own, then a 1x1 convolution mixes the channels into ``filters`` outputs.
    Weights: ``depthwise_kernel`` ``(kh, kw, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, 1, channels * depth_multiplier, filters)``,
    ``bias`` ``(filters,)``.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or pair of ints.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        depth_multiplier: filters per input channel in the depthwise step.
        activation: activation name or function; ``None`` is linear.
        use_bias: whether to add a bias.
        depthwise_initializer, pointwise_initializer, bias_initializer:
            initializers of the two kernels and the bias.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer: regularizers.
        depthwise_constraint, pointwise_constraint, bias_constraint: constraints.
        **kwargs: base layer arguments. Keras 1's
            ``SeparableConvolution2D(nb_filter, nb_row, nb_col, init=...)`` is
            accepted with a ``DeprecationWarning``.

    Example:
        >>> SeparableConv2D(16, 3, padding='same')(Input(shape=(8, 8, 4)))._keras_shape
        (None, 8, 8, 16)
    """

    @keras1_arguments(_KERAS1_SEPARABLE_ARGS,
                      convert=(kernel_dims(("nb_row", "nb_col")), _separable_init))
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class DepthwiseConv2D(_ConvBase):
    """Depthwise 2D convolution: each input channel convolved with its own filters.

    Output channel ``c * depth_multiplier + m`` is input channel ``c``
    cross-correlated with ``depthwise_kernel[..., c, m]``. Weights:
    ``depthwise_kernel`` ``(kh, kw, channels, depth_multiplier)``, ``bias``
    ``(channels * depth_multiplier,)``.

    Args:
        kernel_size, strides, dilation_rate: int or pair of ints.
        padding: ``'valid'`` or ``'same'``.
        depth_multiplier: filters per input channel.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation, use_bias: as for :class:`Conv2D`.
        depthwise_initializer, bias_initializer, depthwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint,
        bias_constraint: for the kernel, the bias and the output.
        **kwargs: base layer arguments.

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2)(Input(shape=(8, 8, 4)))._keras_shape
        (None, 6, 6, 8)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = self._positive_int(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.depthwise_kernel = None

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(input_dim * self.depth_multiplier)
        super().build(input_shape)

    def call(self, inputs):
        self._check_fits(inputs)
        outputs = K.depthwise_conv2d(inputs, self.depthwise_kernel, strides=self.strides,
                                     padding=self.padding, data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[self._channel_axis()]
        lengths = spatial_output_shape(self, input_shape, self._spatial_axes(),
                                       self.kernel_size, self.strides, self.dilation_rate)
        return self._assemble(input_shape, None if channels is None
                              else channels * self.depth_multiplier, lengths)

    def get_config(self):
        config = {
            **self._window_config(),
            "depth_multiplier": self.depth_multiplier,
            "activation": activations.serialize(self.activation),
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            **self._bias_config(),
        }
        return {**super().get_config(), **config}


# Keras 2 aliases.
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
