"""Convolution layers: 1D/2D/3D, separable, depthwise and transposed.

The spatial cropping, zero-padding and upsampling layers Keras 2 kept here
live in :mod:`polykeras.layers.spatial` and are importable from here too.

The layers follow Keras 2 and its weight layouts, so weights load unchanged
from Keras 2 files and move between backends:

* ``Conv1D/2D/3D``: ``kernel`` ``kernel_size + (input_channels, filters)``,
  ``bias`` ``(filters,)``;
* ``SeparableConv1D/2D``: ``depthwise_kernel`` ``kernel_size +
  (input_channels, depth_multiplier)``, ``pointwise_kernel`` ``(1,) * rank +
  (input_channels * depth_multiplier, filters)``, ``bias``;
* ``DepthwiseConv2D``: ``depthwise_kernel``, ``bias`` ``(input_channels *
  depth_multiplier,)``;
* ``Conv2DTranspose/Conv3DTranspose``: ``kernel`` ``kernel_size + (filters,
  input_channels)``, ``bias``.

Every convolution is a cross-correlation (``K.conv2d`` and friends);
``'same'`` padding follows the TensorFlow rule (output length ``ceil(n /
stride)``, the extra padding on the right). The Keras 1 argument names
Keras 2 still accepted (``nb_filter``, ``border_mode``, ``subsample``,
``dim_ordering``, ``init``, ``W_regularizer``, ``Convolution2D(32, 3, 3)``,
``Deconvolution2D(..., output_shape)``...) work with a ``DeprecationWarning``.
"""
import numbers

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
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
    normalize_padding,
    normalize_tuple,
    spatial_output_shape,
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
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
]


# --- Keras 1 argument names -------------------------------------------------------------------

_KERAS1_BIAS_ARGS = {
    "nb_filter": "filters",
    "border_mode": "padding",
    "dim_ordering": "data_format",
    "b_regularizer": "bias_regularizer",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
}
_KERAS1_CONV_ARGS = {
    **_KERAS1_BIAS_ARGS,
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "W_constraint": "kernel_constraint",
}
_KERAS1_CONV1D_ARGS = {**_KERAS1_CONV_ARGS, "filter_length": "kernel_size",
                       "subsample_length": "strides"}
_KERAS1_CONVND_ARGS = {**_KERAS1_CONV_ARGS, "subsample": "strides"}
_KERAS1_SEPARABLE_ARGS = {**_KERAS1_BIAS_ARGS, "subsample": "strides"}


def conv1d_input_dim(args, kwargs, where):
    """Keras 1's ``input_dim`` / ``input_length`` -> ``input_shape=(input_length, input_dim)``."""
    if "input_dim" in kwargs:
        kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        warn_keras1(where, "input_dim", "input_shape")
    return args, kwargs


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def kernel_dims(names):
    """A ``convert`` for :func:`keras1_arguments`: Keras 1's separate kernel sizes.

    ``Conv2D(32, 3, 3)`` (``nb_filter, nb_row, nb_col``), ``Conv2D(32, 3,
    nb_col=3)`` and ``Conv2D(32, nb_row=3, nb_col=3)`` become ``Conv2D(32, (3,
    3))``; ``names`` are the Keras 1 keywords (``('nb_row', 'nb_col')``,
    ``('kernel_dim1', 'kernel_dim2', 'kernel_dim3')``).
    """
    rank = len(names)

    def convert(args, kwargs, where):
        args = list(args)
        keyword = [name for name in names if name in kwargs]
        if keyword:
            head, given = args[:1], args[1:]
            if len(given) + len(keyword) != rank or keyword != list(names[len(given):]) \
                    or not all(_is_int(a) for a in given):
                raise ValueError(
                    f"{where}: the Keras 1 kernel sizes {', '.join(names)} must all be given, "
                    f"the leading ones positionally after the number of filters. Received: "
                    f"positional arguments {tuple(args)}, keywords {keyword}")
            sizes = tuple(given + [kwargs.pop(name) for name in keyword])
            if head:
                args = head + [sizes]
            else:
                kwargs["kernel_size"] = sizes
        elif len(args) == rank + 1 and all(_is_int(a) for a in args[1:]):
            keras2 = [key for key in ("padding", "strides", "data_format") if key in kwargs]
            if keras2:
                raise ValueError(
                    f"{where}: {rank + 1} int positional arguments {tuple(args)} are read as "
                    f"Keras 1's (nb_filter, {', '.join(names)}), but Keras 2 arguments were "
                    f"also given ({', '.join(keras2)}). Pass `kernel_size` as a tuple and "
                    "`strides` by keyword.")
            args = [args[0], tuple(args[1:])]
        else:
            return tuple(args), kwargs
        warn_keras1(where, "/".join(names), "kernel_size")
        return tuple(args), kwargs
    return convert


def _separable_init(args, kwargs, where):
    """Keras 1's ``init`` of a separable convolution sets both of its kernels' initializers."""
    if "init" in kwargs:
        init = kwargs.pop("init")
        kwargs.setdefault("depthwise_initializer", init)
        kwargs.setdefault("pointwise_initializer", init)
        warn_keras1(where, "init", "depthwise_initializer/pointwise_initializer")
    return args, kwargs


def _deconv_output_shape(args, kwargs, where):
    """Keras 1's ``Deconvolution2D(..., output_shape)``: the shape is inferred now; dropped."""
    if len(args) == 4 and all(_is_int(a) for a in args[1:3]) \
            and isinstance(args[3], (list, tuple)):
        kwargs["output_shape"] = args[3]
        args = args[:3]
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        warn_keras1(where, "output_shape", "the inferred output shape (output_padding)")
    return args, kwargs


# --- the convolution base classes -------------------------------------------------------------

class _ConvBase(Layer):
    """Arguments and helpers every convolution shares: windows, layout, bias, activation.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        kernel_size, strides, dilation_rate: int or tuple of ``rank`` ints.
        padding: ``'valid'`` or ``'same'`` (``'causal'`` too where ``paddings`` has it).
        data_format: ``'channels_last'`` or ``'channels_first'`` (``None``:
            ``K.image_data_format()``).
        activation: activation name or function (``None``: linear).
        use_bias: whether to add a bias.
        bias_initializer, bias_regularizer, bias_constraint: for the bias.
        activity_regularizer: regularizer of the output.
        paddings: the padding modes this layer supports.
        **kwargs: base layer arguments (``name``, ``input_shape``...).
    """

    def __init__(self, rank, kernel_size, strides, padding, data_format, dilation_rate,
                 activation, use_bias, bias_initializer, bias_regularizer,
                 activity_regularizer, bias_constraint, paddings=("valid", "same"), **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        try:
            self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
            self.strides = normalize_tuple(strides, rank, "strides")
            self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
            self.padding = normalize_padding(padding, paddings)
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise self._error(error) from None
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.bias = None

    def _error(self, message):
        return ValueError(f"{type(self).__name__} layer {self.name!r}: {message}")

    def _positive_int(self, value, name):
        if not _is_int(value) or value < 1:
            raise self._error(f"`{name}` must be a positive int. Received: {name}={value!r}")
        return int(value)

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def _input_dim(self, input_shape):
        """The input's channel count (checked: known, input of the right rank)."""
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects inputs of "
                             f"rank {self.rank + 2}. Received: input_shape={input_shape}")
        axis = self._channel_axis()
        if input_shape[axis] is None:
            raise ValueError(
                f"The channel dimension of the inputs to layer {self.name!r} "
                f"({type(self).__name__}) must be defined: axis {axis} for "
                f"data_format={self.data_format!r}. Found None. "
                f"Received: input_shape={input_shape}")
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: input_shape[axis]})
        return input_shape[axis]

    def _add_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(size,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _finish(self, outputs):
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        return self.activation(outputs)

    def _check_fits(self, inputs):
        shape = K.int_shape(inputs)
        if shape is not None:
            self.compute_output_shape(shape)  # a window that does not fit names this layer

    def _assemble(self, input_shape, channels, lengths):
        if self.data_format == "channels_first":
            return (input_shape[0], channels) + tuple(lengths)
        return (input_shape[0],) + tuple(lengths) + (channels,)

    def _window_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}

    def _bias_config(self):
        return {"use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class _Conv(_ConvBase):
    """Base of the N-D convolution layers (``rank`` spatial axes).

    The layer cross-correlates its input with a kernel of shape
    ``kernel_size + (input_channels, filters)``, adds a bias of shape
    ``(filters,)`` when ``use_bias`` and applies ``activation``.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of ``rank`` ints.
        padding: ``'valid'``, ``'same'`` (or ``'causal'`` for rank 1).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation: activation name or function (``None``: linear).
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializer names or objects.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizer names or objects, or ``None``.
        kernel_constraint, bias_constraint: constraint names or objects, or ``None``.
        **kwargs: base :class:`~polykeras.engine.Layer` arguments (``name``,
            ``input_shape``...).

    Example:
        >>> layer = _Conv(2, 8, 3, padding='same')   # what Conv2D(8, 3, padding='same') is
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        paddings = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, paddings=paddings, **kwargs)
        self.filters = self._positive_int(filters, "filters")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.kernel = None

    def _kernel_shape(self, input_dim):
        return self.kernel_size + (input_dim, self.filters)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self._kernel_shape(input_dim),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        super().build(input_shape)

    def call(self, inputs):
        self._check_fits(inputs)
        if self.rank == 1:
            outputs = K.conv1d(inputs, self.kernel, strides=self.strides[0],
                               padding=self.padding, data_format=self.data_format,
                               dilation_rate=self.dilation_rate[0])
        else:
            conv = K.conv2d if self.rank == 2 else K.conv3d
            outputs = conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                           data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        lengths = spatial_output_shape(self, input_shape, self._spatial_axes(),
                                       self.kernel_size, self.strides, self.dilation_rate)
        return self._assemble(input_shape, self.filters, lengths)

    def get_config(self):
        config = {
            "filters": self.filters,
            **self._window_config(),
            "activation": activations.serialize(self.activation),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            **self._bias_config(),
        }
        return {**super().get_config(), **config}


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


# --- separable and depthwise convolutions -----------------------------------------------------

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
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose
AtrousConv1D = AtrousConvolution1D
AtrousConv2D = AtrousConvolution2D
