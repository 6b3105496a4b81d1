"""Shape and argument helpers shared by the convolution, pooling and locally connected layers.

Keras 2 kept these in ``keras.utils.conv_utils``: normalizing ``kernel_size``
/ ``strides`` / ``padding`` arguments, and the output length of a
convolution, pooling or transposed convolution along one axis. Everything
here is plain Python (no backend), so layers compute their output shapes
without touching a backend.

The module also holds the machinery the layers use to accept the Keras 1
argument names Keras 2 still took (``nb_filter``, ``border_mode``,
``subsample``, ``dim_ordering``...): :func:`keras1_arguments` wraps a layer's
``__init__`` and warns with a ``DeprecationWarning`` that points at the
caller.
"""
import functools
import operator
import warnings

from polykeras.utils.legacy import rename_arguments

__all__ = [
    "conv_output_length",
    "deconv_output_length",
    "keras1_arguments",
    "normalize_padding",
    "normalize_pairs",
    "normalize_tuple",
    "spatial_output_shape",
    "warn_keras1",
]


# --- argument normalization -------------------------------------------------------------------

def _ints(items, minimum):
    """``items`` as a tuple of ints >= ``minimum``, or ``None`` if they are not."""
    try:
        if any(isinstance(item, bool) for item in items):
            return None
        result = tuple(operator.index(item) for item in items)
    except TypeError:
        return None
    return result if all(item >= minimum for item in result) else None


def normalize_tuple(value, n, name, minimum=1):
    """``value`` as a tuple of ``n`` positive ints.

    Args:
        value: an int (repeated ``n`` times) or a sequence of ``n`` ints.
        n: the length wanted (the number of spatial axes).
        name: the argument's name, for the error message.
        minimum: the smallest value allowed (0 for an ``output_padding``).

    Returns:
        a tuple of ``n`` ints.

    Raises:
        ValueError: ``value`` is not an int or a sequence of ``n`` ints >= ``minimum``.

    Example:
        >>> normalize_tuple(3, 2, 'kernel_size'), normalize_tuple([1, 2], 2, 'strides')
        ((3, 3), (1, 2))
    """
    items = value if isinstance(value, (list, tuple)) else (value,) * n
    result = _ints(items, minimum)
    if result is None or len(result) != n:
        what = "positive int" if minimum == 1 else f"int >= {minimum}"
        raise ValueError(f"The `{name}` argument must be a {what} or a tuple of {n} "
                         f"{what}s. Received: {name}={value!r}")
    return result


def normalize_pairs(value, n, name):
    """A padding or cropping argument as ``n`` pairs ``(before, after)`` of ints >= 0.

    Args:
        value: an int (the same on both sides of every axis), a tuple of
            ``n`` ints (symmetric per axis) or a tuple of ``n`` pairs.
        n: the number of spatial axes.
        name: the argument's name, for the error message.

    Returns:
        a tuple of ``n`` pairs of ints.

    Raises:
        ValueError: ``value`` has another form or holds negative numbers.

    Example:
        >>> normalize_pairs(1, 2, 'padding'), normalize_pairs((1, (2, 0)), 2, 'padding')
        (((1, 1), (1, 1)), ((1, 1), (2, 0)))
    """
    items = value if isinstance(value, (list, tuple)) else (value,) * n
    pairs = []
    if len(items) == n:
        for item in items:
            pair = _ints(item if isinstance(item, (list, tuple)) else (item, item), 0)
            if pair is None or len(pair) != 2:
                break
            pairs.append(pair)
    if len(pairs) != n:
        raise ValueError(f"The `{name}` argument must be an int >= 0, a tuple of {n} ints "
                         f"(symmetric per axis) or a tuple of {n} pairs (before, after) of "
                         f"ints >= 0. Received: {name}={value!r}")
    return tuple(pairs)


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


# --- output lengths ---------------------------------------------------------------------------

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


def deconv_output_length(input_length, filter_size, padding, stride, output_padding=None,
                         dilation=1):
    """Length of a transposed convolution's output along one axis.

    Without ``output_padding`` the length is ``n * stride`` for ``'same'``
    and ``n * stride + max(window - stride, 0)`` for ``'valid'`` (``window =
    (filter_size - 1) * dilation + 1``). With it, the length is ``(n - 1) *
    stride + window - 2 * pad + output_padding``, where ``pad`` is ``window
    // 2`` for ``'same'`` and 0 for ``'valid'``.

    Args:
        input_length: the input length (an int, a scalar tensor, or ``None``).
        filter_size: the kernel size along that axis.
        padding: ``'same'`` or ``'valid'``.
        stride: the stride along that axis.
        output_padding: extra length on the far side, or ``None``.
        dilation: the dilation rate along that axis.

    Returns:
        the output length (``None`` if ``input_length`` is ``None``).

    Example:
        >>> deconv_output_length(4, 3, 'same', 2), deconv_output_length(4, 3, 'valid', 2)
        (8, 9)
    """
    if input_length is None:
        return None
    window = (filter_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "same":
            return input_length * stride
        return input_length * stride + max(window - stride, 0)
    pad = window // 2 if padding == "same" else 0
    return (input_length - 1) * stride + window - 2 * pad + output_padding


def spatial_output_shape(layer, input_shape, spatial_axes, sizes, strides, dilations):
    """The output sizes along ``spatial_axes``; a window too large names ``layer``.

    Shared by the convolution and pooling layers (``layer.padding`` is read).

    Returns:
        a list of output lengths (``None`` where the input's is unknown).

    Raises:
        ValueError: a ``'valid'`` window is larger than the input.

    Example:
        >>> spatial_output_shape(Conv2D(1, 3), (None, 9, 9, 1), [1, 2], (3, 3), (2, 2), (1, 1))
        [4, 4]
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


def convert_dim_ordering(kwargs, where):
    """Replace a Keras 1 ``dim_ordering`` value ('tf', 'th') by its data_format, in place."""
    if "dim_ordering" in kwargs:
        value = kwargs["dim_ordering"]
        if value not in _DIM_ORDERING:
            raise ValueError(f"{where}: the Keras 1 argument `dim_ordering` must be 'tf', 'th' "
                             f"or 'default'. Received: dim_ordering={value!r}")
        kwargs["dim_ordering"] = _DIM_ORDERING[value]


def warn_keras1(where, old, new, stacklevel=4):
    """Warn that the Keras 1 argument ``old`` of ``where`` is now ``new``.

    The default ``stacklevel`` suits a ``convert`` function of
    :func:`keras1_arguments`: the warning points at the layer's caller.
    """
    warnings.warn(f"{where}: the argument `{old}` is deprecated; use `{new}` instead.",
                  DeprecationWarning, stacklevel=stacklevel)


def keras1_arguments(renames, convert=None):
    """Decorator for a layer's ``__init__``: accept Keras 1 argument names.

    Args:
        renames: mapping Keras 1 name -> Keras 2 name (values are kept,
            except ``dim_ordering``, translated to a data_format).
        convert: optional ``convert(args, kwargs, where) -> (args, kwargs)``
            (or a tuple of them, applied in order) for conversions that are
            not renames (positional ``nb_row, nb_col``, ``input_dim``); each
            warns with :func:`warn_keras1`.

    Returns:
        the decorator.

    Example:
        >>> class Pool(Layer):
        ...     @keras1_arguments({"border_mode": "padding"})
        ...     def __init__(self, padding="valid", **kwargs): ...
    """
    converters = convert if isinstance(convert, tuple) else (convert,) if convert else ()

    def decorate(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            where = type(self).__name__
            for converter in converters:
                args, kwargs = converter(args, kwargs, where)
            convert_dim_ordering(kwargs, where)
            rename_arguments(kwargs, renames, where=where)
            init(self, *args, **kwargs)
        return wrapper
    return decorate
