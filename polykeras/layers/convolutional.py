"""Convolution layers: ``Conv1D`` and ``Conv2D`` over one rank-generic base.

The layers follow Keras 2: the kernel is stored as ``kernel_size +
(input_channels, filters)`` and the bias as ``(filters,)``, the operation is
a cross-correlation (``K.conv1d`` / ``K.conv2d``), and ``'same'`` padding
follows the TensorFlow rule (output length ``ceil(n / stride)``, the extra
padding on the right). Weights therefore load unchanged from Keras 2 files
and move between backends.

The module also holds the small shape helpers Keras 2 kept in
``keras.utils.conv_utils`` (:func:`normalize_tuple`,
:func:`normalize_padding`, :func:`conv_output_length`), which the pooling
layers share, and accepts the Keras 1 argument names (``nb_filter``,
``border_mode``, ``subsample``, ``dim_ordering``, ``Convolution2D(32, 3,
3)``...) with a ``DeprecationWarning``, as Keras 2 did.
"""
import functools
import numbers
import operator
import warnings

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.legacy import rename_arguments

__all__ = [
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
]


# --- shape helpers (Keras 2's conv_utils) -----------------------------------------------------

def normalize_tuple(value, n, name):
    """``value`` as a tuple of ``n`` positive ints.

    Args:
        value: an int (repeated ``n`` times) or a sequence of ``n`` ints.
        n: the length wanted (the number of spatial axes).
        name: the argument's name, for the error message.

    Returns:
        a tuple of ``n`` ints.

    Raises:
        ValueError: ``value`` is not an int or a sequence of ``n`` positive ints.

    Example:
        >>> normalize_tuple(3, 2, 'kernel_size'), normalize_tuple([1, 2], 2, 'strides')
        ((3, 3), (1, 2))
    """
    items = value if isinstance(value, (list, tuple)) else (value,) * n
    try:
        if any(isinstance(item, bool) for item in items):
            raise TypeError
        result = tuple(operator.index(item) for item in items)
    except TypeError:
        result = None
    if result is None or len(result) != n or any(item < 1 for item in result):
        raise ValueError(f"The `{name}` argument must be a positive int or a tuple of {n} "
                         f"positive ints. Received: {name}={value!r}")
    return result


def normalize_padding(value, allowed=("valid", "same")):
    """``value`` lowercased and checked against ``allowed``.

    Args:
        value: the padding mode given by the user.
        allowed: the modes the caller supports.

    Returns:
        the lowercased mode.

    Raises:
        ValueError: ``value`` is not one of ``allowed``.

    Example:
        >>> normalize_padding('SAME')
        'same'
    """
    mode = value.lower() if isinstance(value, str) else value
    if mode not in allowed:
        raise ValueError(f"The `padding` argument must be one of "
                         f"{', '.join(repr(a) for a in allowed)}. Received: padding={value!r}")
    return mode


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Length of a convolution's (or pooling's) output along one spatial axis.

    With ``window = (filter_size - 1) * dilation + 1``, the output has
    ``ceil(n / stride)`` steps for ``'same'`` and ``'causal'`` padding,
    ``ceil((n - window + 1) / stride)`` for ``'valid'`` and
    ``ceil((n + window - 1) / stride)`` for ``'full'``.

    Args:
        input_length: the input length ``n``, or ``None`` when unknown.
        filter_size: the kernel (or pool) size along that axis.
        padding: ``'same'``, ``'valid'``, ``'causal'`` or ``'full'``.
        stride: the stride along that axis.
        dilation: the dilation rate along that axis.

    Returns:
        the output length, ``None`` if ``input_length`` is ``None``; it is
        below 1 when a ``'valid'`` window does not fit in the input (callers
        report that).

    Example:
        >>> conv_output_length(9, 3, 'valid', 2), conv_output_length(9, 3, 'same', 2)
        (4, 5)
    """
    if input_length is None:
        return None
    window = (filter_size - 1) * dilation + 1
    if padding in ("same", "causal"):
        length = input_length
    elif padding == "valid":
        length = input_length - window + 1
    elif padding == "full":
        length = input_length + window - 1
    else:
        raise ValueError("conv_output_length: `padding` must be 'same', 'valid', 'causal' or "
                         f"'full'. Received: padding={padding!r}")
    return (length + stride - 1) // stride


def spatial_output_shape(layer, input_shape, spatial_axes, sizes, strides, dilations):
    """The output sizes along ``spatial_axes``; a window too large names ``layer``.

    Shared by the convolution and pooling layers.

    Raises:
        ValueError: a ``'valid'`` window is larger than the input.
    """
    lengths = []
    for axis, size, stride, dilation in zip(spatial_axes, sizes, strides, dilations):
        length = conv_output_length(input_shape[axis], size, layer.padding, stride, dilation)
        if length is not None and length < 1:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}): the window of size {size} "
                f"(dilation {dilation}) does not fit in the input along axis {axis} with "
                f"padding={layer.padding!r}; use smaller windows, padding='same' or a "
                f"larger input. Received: input_shape={tuple(input_shape)}")
        lengths.append(length)
    return lengths


# --- Keras 1 argument names -------------------------------------------------------------------

_DIM_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": None}

_KERAS1_CONV_ARGS = {
    "nb_filter": "filters",
    "border_mode": "padding",
    "dim_ordering": "data_format",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
}
_KERAS1_CONV1D_ARGS = {**_KERAS1_CONV_ARGS, "filter_length": "kernel_size",
                       "subsample_length": "strides"}
_KERAS1_CONV2D_ARGS = {**_KERAS1_CONV_ARGS, "subsample": "strides"}


def convert_dim_ordering(kwargs, where):
    """Replace a Keras 1 ``dim_ordering`` value ('tf', 'th') by its data_format, in place."""
    if "dim_ordering" in kwargs:
        value = kwargs["dim_ordering"]
        if value not in _DIM_ORDERING:
            raise ValueError(f"{where}: the Keras 1 argument `dim_ordering` must be 'tf', 'th' "
                             f"or 'default'. Received: dim_ordering={value!r}")
        kwargs["dim_ordering"] = _DIM_ORDERING[value]


def keras1_arguments(renames, convert=None):
    """Decorator for a layer's ``__init__``: accept Keras 1 argument names.

    Args:
        renames: mapping Keras 1 name -> Keras 2 name (values are kept,
            except ``dim_ordering``, translated to a data_format).
        convert: optional ``convert(args, kwargs, where) -> (args, kwargs)``
            for conversions that are not renames (positional ``nb_row,
            nb_col``, ``input_dim``).
    """
    def decorate(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            where = type(self).__name__
            if convert is not None:
                args, kwargs = convert(args, kwargs, where)
            convert_dim_ordering(kwargs, where)
            rename_arguments(kwargs, renames, where=where)
            init(self, *args, **kwargs)
        return wrapper
    return decorate


def _warn_keras1(where, old, new):
    warnings.warn(f"{where}: the argument `{old}` is deprecated; use `{new}` instead.",
                  DeprecationWarning, stacklevel=4)


def _conv1d_input_dim(args, kwargs, where):
    """``input_dim`` / ``input_length`` -> ``input_shape=(input_length, input_dim)``."""
    if "input_dim" in kwargs:
        kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        _warn_keras1(where, "input_dim", "input_shape")
    return args, kwargs


def _conv2d_kernel_pair(args, kwargs, where):
    """Keras 1's ``(nb_filter, nb_row, nb_col)`` -> ``(filters, (nb_row, nb_col))``."""
    args = list(args)
    if len(args) > 3:
        raise TypeError(f"{where} takes at most 3 positional arguments (filters, kernel_size, "
                        f"strides). Received: {len(args)} positional arguments {tuple(args)}")
    if len(args) == 3 and all(isinstance(a, int) for a in args[1:]):
        given = [key for key in ("padding", "strides", "data_format") if key in kwargs]
        if given:
            raise ValueError(
                f"{where}: three int positional arguments {tuple(args)} are read as Keras 1's "
                "(nb_filter, nb_row, nb_col), but Keras 2 arguments were also given "
                f"({', '.join(given)}). Pass `kernel_size` as a tuple and `strides` by "
                "keyword.")
        args = [args[0], (args[1], args[2])]
        _warn_keras1(where, "nb_row/nb_col", "kernel_size")
    elif len(args) == 2 and isinstance(args[1], int) and "nb_col" in kwargs:
        args = [args[0], (args[1], kwargs.pop("nb_col"))]
        _warn_keras1(where, "nb_row/nb_col", "kernel_size")
    elif len(args) < 2 and "nb_row" in kwargs and "nb_col" in kwargs:
        kwargs["kernel_size"] = (kwargs.pop("nb_row"), kwargs.pop("nb_col"))
        _warn_keras1(where, "nb_row/nb_col", "kernel_size")
    return tuple(args), kwargs


# --- the layers -------------------------------------------------------------------------------

class _Conv(Layer):
    """Base of the N-D convolution layers (``rank`` spatial axes).

    The layer cross-correlates its input with a kernel of shape
    ``kernel_size + (input_channels, filters)``, adds a bias of shape
    ``(filters,)`` when ``use_bias`` and applies ``activation``.

    Args:
        rank: number of spatial axes (1 or 2).
        filters: number of output channels.
        kernel_size: int or tuple of ``rank`` ints.
        strides: int or tuple of ``rank`` ints.
        padding: ``'valid'``, ``'same'`` (or ``'causal'`` for rank 1).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        dilation_rate: int or tuple of ``rank`` ints.
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
        super().__init__(**kwargs)
        where = f"{type(self).__name__} layer {self.name!r}"
        self.rank = rank
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) \
                or filters < 1:
            raise ValueError(f"{where}: `filters` must be a positive int. "
                             f"Received: filters={filters!r}")
        self.filters = int(filters)
        try:
            self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
            self.strides = normalize_tuple(strides, rank, "strides")
            self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
            allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
            self.padding = normalize_padding(padding, allowed)
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.kernel = None
        self.bias = None

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channel_axis = self._channel_axis()
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects inputs of "
                             f"rank {self.rank + 2}. Received: input_shape={input_shape}")
        input_dim = input_shape[channel_axis]
        if input_dim is None:
            raise ValueError(
                f"The channel dimension of the inputs to layer {self.name!r} "
                f"({type(self).__name__}) must be defined: axis {channel_axis} for "
                f"data_format={self.data_format!r}. Found None. "
                f"Received: input_shape={input_shape}")
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (input_dim, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: input_dim})
        super().build(input_shape)

    def call(self, inputs):
        shape = K.int_shape(inputs)
        if shape is not None:
            self.compute_output_shape(shape)  # a window that does not fit names this layer
        conv = K.conv1d if self.rank == 1 else K.conv2d
        outputs = conv(inputs, self.kernel,
                       strides=self.strides if self.rank > 1 else self.strides[0],
                       padding=self.padding, data_format=self.data_format,
                       dilation_rate=(self.dilation_rate if self.rank > 1
                                      else self.dilation_rate[0]))
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial_axes = self._spatial_axes()
        lengths = spatial_output_shape(self, input_shape, spatial_axes, self.kernel_size,
                                       self.strides, self.dilation_rate)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + tuple(lengths)
        return (input_shape[0],) + tuple(lengths) + (self.filters,)

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


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

    @keras1_arguments(_KERAS1_CONV1D_ARGS, convert=_conv1d_input_dim)
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

    @keras1_arguments(_KERAS1_CONV2D_ARGS, convert=_conv2d_kernel_pair)
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


# Keras 2 aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
