"""Convolution layers: Conv1D/2D/3D, Conv2DTranspose/Conv3DTranspose and Keras 1's atrous ones.

The layers follow Keras 2 and its weight layouts, so weights load unchanged
from Keras 2 files and move between backends:

* ``Conv1D/2D/3D``: ``kernel`` ``kernel_size + (input_channels, filters)``,
  ``bias`` ``(filters,)``;
* ``Conv2DTranspose/Conv3DTranspose``: ``kernel`` ``kernel_size + (filters,
  input_channels)``, ``bias``.

Every convolution is a cross-correlation (``K.conv2d`` and friends);
``'same'`` padding follows the TensorFlow rule (output length ``ceil(n /
stride)``, the extra padding on the right). The Keras 1 argument names
Keras 2 still accepted (``nb_filter``, ``border_mode``, ``subsample``,
``dim_ordering``, ``init``, ``W_regularizer``, ``Convolution2D(32, 3, 3)``,
``Deconvolution2D(..., output_shape)``...) work with a ``DeprecationWarning``
(:mod:`polykeras.layers.conv_base`, with the base classes).

The other layers Keras 2 kept in this module are importable from here too:
the separable and depthwise convolutions (:mod:`polykeras.layers.separable`)
and the cropping, zero-padding and upsampling layers
(:mod:`polykeras.layers.spatial`).
"""
from polykeras import backend as K
from polykeras.layers.conv_base import (  # noqa: F401  (_Conv: subclassed by Keras 2 code)
    _KERAS1_CONV1D_ARGS,
    _KERAS1_CONVND_ARGS,
    _Conv,
    _deconv_output_shape,
    conv1d_input_dim,
    kernel_dims,
)
from polykeras.layers.separable import (  # noqa: F401  (importable from here, as in Keras 2)
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from polykeras.layers.spatial import (  # noqa: F401  (importable from here, as in Keras 2)
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from polykeras.utils.conv_utils import (
    conv_output_length,  # noqa: F401  (importable from here, as in earlier versions)
    deconv_output_length,
    keras1_arguments,
    normalize_tuple,
    warn_keras1,
)

__all__ = [
    "AtrousConv1D",
    "AtrousConv2D",
    "AtrousConvolution1D",
    "AtrousConvolution2D",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1D",
    "Convolution2D",
    "Convolution2DTranspose",
    "Convolution3D",
    "Deconv2D",
    "Deconv3D",
    "Deconvolution2D",
    "Deconvolution3D",
]


# --- plain convolutions -----------------------------------------------------------------------

class Conv1D(_Conv):
    """1D convolution over steps (temporal convolution).

    Input ``(batch, steps, channels)`` (``(batch, channels, steps)`` for
    channels_first); output ``(batch, new_steps, filters)``. The kernel has
    shape ``(kernel_size, channels, filters)``, as in Keras 2.

    Args:
        filters: number of output channels.
        kernel_size: int (or tuple of one int), the window length.
        strides: int stride.
        padding: ``'valid'``, ``'same'`` or ``'causal'`` (left padding by
            ``dilation_rate * (kernel_size - 1)``: output step ``t`` only
            sees inputs up to ``t``, for WaveNet-style models).
        data_format: ``'channels_last'`` (the default, as in Keras 2,
            whatever ``image_data_format`` says) or ``'channels_first'``.
        dilation_rate: int dilation.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for :class:`Conv2D`.
        **kwargs: base layer arguments; the Keras 1 ``input_dim`` and
            ``input_length`` become ``input_shape=(input_length, input_dim)``.

    Example:
        >>> x = Input(shape=(100, 16))
        >>> y = Conv1D(32, 5, padding='causal', dilation_rate=2, activation='relu')(x)
        >>> y._keras_shape
        (None, 100, 32)
    """

    @keras1_arguments(_KERAS1_CONV1D_ARGS, convert=conv1d_input_dim)
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


class Conv2D(_Conv):
    """2D convolution over images.

    Input ``(batch, rows, cols, channels)`` (``(batch, channels, rows,
    cols)`` for channels_first); output ``(batch, new_rows, new_cols,
    filters)`` in the same layout. The kernel has shape ``(kernel_rows,
    kernel_cols, channels, filters)``, as in Keras 2.

    Args:
        filters: number of output channels.
        kernel_size: int or pair of ints, the window size.
        strides: int or pair of ints.
        padding: ``'valid'`` (no padding) or ``'same'`` (output size
            ``ceil(input / stride)``).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        dilation_rate: int or pair of ints (atrous convolution).
        activation: activation name or function; ``None`` is linear.
        use_bias: whether to add a bias of shape ``(filters,)``.
        kernel_initializer, bias_initializer: initializer names or objects.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizer names or objects.
        kernel_constraint, bias_constraint: constraint names or objects.
        **kwargs: base layer arguments (``name``, ``input_shape``...). Keras 1
            spellings (``Conv2D(32, 3, 3, border_mode='same')``, ``subsample``,
            ``dim_ordering``, ``init``, ``W_regularizer``...) are accepted with
            a ``DeprecationWarning``.

    Example:
        >>> x = Input(shape=(28, 28, 1))
        >>> y = Conv2D(32, (3, 3), strides=2, padding='same', activation='relu')(x)
        >>> y._keras_shape
        (None, 14, 14, 32)
    """

    @keras1_arguments(_KERAS1_CONVND_ARGS, convert=kernel_dims(("nb_row", "nb_col")))
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


class Conv3D(_Conv):
    """3D convolution over volumes (or video: time, rows, cols).

    Input ``(batch, dim1, dim2, dim3, channels)`` (channels after the batch
    for channels_first); output with ``filters`` channels in the same layout.
    The kernel has shape ``kernel_size + (channels, filters)``.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or triple of ints.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for :class:`Conv2D`.
        **kwargs: base layer arguments. Keras 1's ``Convolution3D(nb_filter,
            kernel_dim1, kernel_dim2, kernel_dim3, ...)`` is accepted with a
            ``DeprecationWarning``.

    Example:
        >>> Conv3D(4, 3, padding='same')(Input(shape=(8, 16, 16, 3)))._keras_shape
        (None, 8, 16, 16, 4)
    """

    @keras1_arguments(_KERAS1_CONVND_ARGS,
                      convert=kernel_dims(("kernel_dim1", "kernel_dim2", "kernel_dim3")))
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


# --- transposed convolutions ------------------------------------------------------------------

class _ConvTranspose(_Conv):
    """Base of the transposed ("deconvolution") layers: the gradient of a convolution.

    The kernel has shape ``kernel_size + (filters, input_channels)``. Along
    each spatial axis the output length is, without ``output_padding``, ``n
    * stride`` (``'same'``) or ``n * stride + max(window - stride, 0)``
    (``'valid'``); with it, ``(n - 1) * stride + window - 2 * pad +
    output_padding`` where ``pad`` is ``window // 2`` for ``'same'``.

    Args:
        rank: 2 or 3.
        output_padding: int or tuple of ``rank`` ints, each smaller than its
            stride, or ``None`` (inferred).
        other arguments: as for :class:`_Conv`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        if output_padding is not None:
            try:
                output_padding = normalize_tuple(output_padding, rank, "output_padding",
                                                 minimum=0)
            except ValueError as error:
                raise self._error(error) from None
            if any(pad >= stride for pad, stride in zip(output_padding, self.strides)):
                raise self._error(f"each `output_padding` must be smaller than its stride. "
                                  f"Received: output_padding={output_padding}, "
                                  f"strides={self.strides}")
        self.output_padding = output_padding

    def _kernel_shape(self, input_dim):
        return self.kernel_size + (self.filters, input_dim)

    def _lengths(self, sizes):
        paddings = self.output_padding or (None,) * self.rank
        return [deconv_output_length(n, k, self.padding, s, p, d) for n, k, s, p, d in
                zip(sizes, self.kernel_size, self.strides, paddings, self.dilation_rate)]

    def call(self, inputs):
        static = K.int_shape(inputs)
        dynamic = K.shape(inputs)
        sizes = [dynamic[axis] if static[axis] is None else static[axis]
                 for axis in self._spatial_axes()]
        output_shape = self._assemble((dynamic[0],), self.filters, self._lengths(sizes))
        if self.rank == 2:
            outputs = K.conv2d_transpose(inputs, self.kernel, output_shape,
                                         strides=self.strides, padding=self.padding,
                                         data_format=self.data_format,
                                         dilation_rate=self.dilation_rate)
        else:
            outputs = K.conv3d_transpose(inputs, self.kernel, output_shape,
                                         strides=self.strides, padding=self.padding,
                                         data_format=self.data_format)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        sizes = [input_shape[axis] for axis in self._spatial_axes()]
        return self._assemble(input_shape, self.filters, self._lengths(sizes))

    def get_config(self):
        return {**super().get_config(), "output_padding": self.output_padding}


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution (sometimes called deconvolution): upsampling with a kernel.

    It maps the shape of a ``Conv2D`` output back to the shape of its input
    (``Conv2DTranspose(8, 3, strides=2, padding='same')`` doubles rows and
    cols). Weights: ``kernel`` ``(kh, kw, filters, channels)``, ``bias``
    ``(filters,)``.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or pair of ints.
        padding: ``'valid'`` or ``'same'``.
        output_padding: int or pair of ints (each smaller than its stride)
            added on the bottom/right of the output, or ``None`` to infer the
            output size (see :class:`_ConvTranspose`).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for :class:`Conv2D`.
        **kwargs: base layer arguments. Keras 1's ``Deconvolution2D(nb_filter,
            nb_row, nb_col, output_shape, ...)`` is accepted with a
            ``DeprecationWarning`` (``output_shape`` is inferred now).

    Example:
        >>> x = Input(shape=(7, 7, 16))
        >>> Conv2DTranspose(8, 3, strides=2, padding='same')(x)._keras_shape
        (None, 14, 14, 8)
    """

    @keras1_arguments(_KERAS1_CONVND_ARGS,
                      convert=(_deconv_output_shape, kernel_dims(("nb_row", "nb_col"))))
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3D convolution.

    Weights: ``kernel`` ``(k1, k2, k3, filters, channels)``, ``bias``
    ``(filters,)``. As in Keras 2 there is no dilation.

    Args:
        filters: number of output channels.
        kernel_size, strides: int or triple of ints.
        padding: ``'valid'`` or ``'same'``.
        output_padding: int or triple of ints (each smaller than its stride),
            or ``None``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for :class:`Conv2D`.
        **kwargs: base layer arguments.

    Example:
        >>> Conv3DTranspose(2, 2, strides=2)(Input(shape=(3, 4, 4, 8)))._keras_shape
        (None, 6, 8, 8, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=1, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        return config


# --- Keras 1 atrous convolutions ----------------------------------------------------------------

def AtrousConvolution1D(*args, atrous_rate=1, **kwargs):  # noqa: N802 (a Keras 1 layer name)
    """Keras 1's dilated 1D convolution: a :class:`Conv1D` with ``dilation_rate=atrous_rate``.

    Args:
        *args, **kwargs: :class:`Conv1D` arguments (Keras 1 names accepted).
        atrous_rate: the dilation rate.

    Returns:
        a :class:`Conv1D` layer (saved as one).

    Example:
        >>> AtrousConvolution1D(8, 3, atrous_rate=2).dilation_rate   # warns
        (2,)
    """
    warn_keras1("AtrousConvolution1D", "atrous_rate", "Conv1D(dilation_rate=...)", stacklevel=2)
    return Conv1D(*args, dilation_rate=atrous_rate, **kwargs)


def AtrousConvolution2D(*args, atrous_rate=(1, 1), **kwargs):  # noqa: N802
    """Keras 1's dilated 2D convolution: a :class:`Conv2D` with ``dilation_rate=atrous_rate``.

    Args:
        *args, **kwargs: :class:`Conv2D` arguments (Keras 1 names accepted).
        atrous_rate: the dilation rate (int or pair).

    Returns:
        a :class:`Conv2D` layer (saved as one).

    Example:
        >>> AtrousConvolution2D(8, 3, 3, atrous_rate=(2, 2)).dilation_rate   # warns
        (2, 2)
    """
    warn_keras1("AtrousConvolution2D", "atrous_rate", "Conv2D(dilation_rate=...)", stacklevel=2)
    return Conv2D(*args, dilation_rate=atrous_rate, **kwargs)


# Keras 2 aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose
AtrousConv1D = AtrousConvolution1D
AtrousConv2D = AtrousConvolution2D
