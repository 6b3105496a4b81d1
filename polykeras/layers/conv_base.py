"""What the convolution layers share: their base classes and the Keras 1 argument names.

:class:`_ConvBase` holds the windows, data format, bias and activation of
every convolution; :class:`_Conv` adds the ``kernel_size + (input_channels,
filters)`` kernel of the N-D convolutions. The converters below turn the
Keras 1 arguments that Keras 2 still accepted (``nb_filter``,
``Convolution2D(32, 3, 3)``, ``init`` of a separable convolution...) into
their Keras 2 form, with a ``DeprecationWarning``. The layers are in
:mod:`polykeras.layers.convolutional` and :mod:`polykeras.layers.separable`.
"""
import numbers

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.conv_utils import (
    normalize_padding,
    normalize_tuple,
    spatial_output_shape,
    warn_keras1,
)


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
