"""Convolution and pooling: 1D/2D/3D, depthwise, separable, transposed, locally connected.

Kernels use the Keras/TensorFlow layout and cross-correlation: ``conv2d``
kernels are ``(kh, kw, in, out)``, depthwise kernels ``(kh, kw, in,
multiplier)``, transposed kernels ``(kh, kw, out, in)``. Every function
normalizes its static arguments before recording (``data_format`` resolved,
``strides`` / ``dilation_rate`` / ``pool_size`` as tuples, ``padding``
lowercased and validated) and computes the static output shape with the
TensorFlow rules: ``'valid'`` gives ``ceil((n - (k - 1) * d) / s)``,
``'same'`` gives ``ceil(n / s)``.

``separable_conv1d/2d``, ``local_conv1d/2d`` and ``conv1d``'s ``'causal'``
padding are written here over the primitives.
"""
import operator

import numpy as np

from polykeras.backend import graph
from polykeras.backend.ops import is_symbolic, register_op, static_dtype, static_shape
from polykeras.backend.ops import manipulation as kmanip
from polykeras.backend.ops import math as kmath
from polykeras.backend.ops import variables as kvars

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "separable_conv1d",
    "separable_conv2d",
    "depthwise_conv2d",
    "conv2d_transpose",
    "conv3d_transpose",
    "pool2d",
    "pool3d",
    "local_conv1d",
    "local_conv2d",
]


# --- argument normalization and shape rules ----------------------------------------------

def normalize_tuple(value, n, name):
    """An int or a sequence of ``n`` positive ints as a tuple of ``n`` ints."""
    try:
        values = (operator.index(value),) * n if not isinstance(value, (list, tuple)) else \
            tuple(operator.index(v) for v in value)
    except TypeError:
        values = None
    if values is None or len(values) != n or any(v < 1 for v in values):
        raise ValueError(f"`{name}` must be a positive int or a tuple of {n} positive ints. "
                         f"Received: {name}={value!r}")
    return values


def normalize_padding(padding, allowed=("valid", "same")):
    """``padding`` lowercased, checked against ``allowed``."""
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(f"`padding` must be one of {', '.join(map(repr, allowed))}. "
                         f"Received: padding={padding!r}")
    return value


def conv_output_length(length, kernel_size, padding, stride, dilation=1):
    """Output length of a convolution or pooling along one axis (``None`` if unknown).

    Raises:
        ValueError: a ``'valid'`` window is larger than the input.
    """
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    if kernel_size is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if length < effective:
        raise ValueError(f"The window (size {kernel_size}, dilation {dilation}) is larger than "
                         f"the input along a spatial axis with padding='valid'. "
                         f"Received: input length={length}")
    return (length - effective) // stride + 1


def _layout(ndim, data_format):
    """(channel axis, spatial axes) of a tensor of rank ``ndim``."""
    if data_format == "channels_first":
        return 1, list(range(2, ndim))
    return ndim - 1, list(range(1, ndim - 1))


def _check_rank(x, rank, fn, what="x", layout=""):
    shape = static_shape(x)
    if shape is None:
        shape = (None,) * rank
    elif len(shape) != rank:
        raise ValueError(f"{fn} expects {what} of rank {rank}{layout}. "
                         f"Received: {what} shape={shape}")
    return shape


def _assemble(x_shape, channel_axis, spatial_axes, batch, channels, spatial):
    out = [None] * len(x_shape)
    out[0] = batch
    out[channel_axis] = channels
    for axis, size in zip(spatial_axes, spatial):
        out[axis] = size
    return tuple(out)


def _check_match(fn, what, expected, got, x_shape, kernel_shape):
    if expected is not None and got is not None and expected != got:
        raise ValueError(f"{fn}: the input has {expected} channels but the kernel expects "
                         f"{got} {what}. Received: x shape={x_shape}, "
                         f"kernel shape={kernel_shape}")


def _conv(op, x, kernel, rank, strides, padding, data_format, dilation_rate, depthwise=False):
    data_format = kvars.normalize_data_format(data_format)
    padding = normalize_padding(padding)
    strides = normalize_tuple(strides, rank, "strides")
    dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
    layout = f" ({data_format})"
    x_shape = _check_rank(x, rank + 2, op, "x", layout)
    k_shape = _check_rank(kernel, rank + 2, op, "kernel")
    channel_axis, spatial_axes = _layout(rank + 2, data_format)
    in_channels = x_shape[channel_axis]
    _check_match(op, "input channels", in_channels, k_shape[-2], x_shape, k_shape)
    if depthwise:
        channels = in_channels if in_channels is not None else k_shape[-2]
        out_channels = None if channels is None or k_shape[-1] is None else channels * k_shape[-1]
    else:
        out_channels = k_shape[-1]
    spatial = [conv_output_length(x_shape[a], k, padding, s, d)
               for a, k, s, d in zip(spatial_axes, k_shape[:rank], strides, dilation_rate)]
    shape = _assemble(x_shape, channel_axis, spatial_axes, x_shape[0], out_channels, spatial)
    return graph.record(op, (x, kernel), {"strides": strides, "padding": padding,
                                          "data_format": data_format,
                                          "dilation_rate": dilation_rate},
                        shape=shape, dtype=static_dtype(x) or kvars.floatx())


# --- convolutions -----------------------------------------------------------------------------

@register_op
def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1D convolution (cross-correlation).

    Args:
        x: ``(batch, steps, channels)`` (``(batch, channels, steps)`` for
            channels_first).
        kernel: ``(kernel_size, in_channels, filters)``.
        strides: int stride.
        padding: ``'valid'``, ``'same'`` or ``'causal'`` (left padding by
            ``dilation_rate * (kernel_size - 1)``, then ``'valid'``: output
            step ``t`` sees only inputs up to ``t``).
        data_format: ``'channels_last'`` or ``'channels_first'``.
        dilation_rate: int dilation.

    Example:
        >>> K.int_shape(K.conv1d(K.placeholder((None, 10, 3)), K.zeros((3, 3, 8))))
        (None, 8, 8)
    """
    if isinstance(padding, str) and padding.lower() == "causal":
        data_format = kvars.normalize_data_format(data_format)
        dilation = normalize_tuple(dilation_rate, 1, "dilation_rate")[0]
        _check_rank(x, 3, "conv1d", "x", f" ({data_format})")
        k_shape = _check_rank(kernel, 3, "conv1d", "kernel")
        if k_shape[0] is None:
            raise ValueError(f"conv1d with padding='causal' needs a known kernel size. "
                             f"Received: kernel shape={k_shape}")
        left = dilation * (k_shape[0] - 1)
        time_axis = 2 if data_format == "channels_first" else 1
        widths = [(0, 0)] * 3
        widths[time_axis] = (left, 0)
        if left:
            x = kmanip._pad(x, tuple(widths))
        padding = "valid"
    return _conv("conv1d", x, kernel, 1, strides, padding, data_format, dilation_rate)


@register_op
def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2D convolution (cross-correlation).

    Args:
        x: ``(batch, rows, cols, channels)`` (channels after batch for
            channels_first).
        kernel: ``(kh, kw, in_channels, filters)``.
        strides, dilation_rate: ints or pairs.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> K.int_shape(K.conv2d(K.placeholder((None, 9, 9, 3)), K.zeros((3, 3, 3, 4)),
        ...                      strides=2, padding='same'))
        (None, 5, 5, 4)
    """
    return _conv("conv2d", x, kernel, 2, strides, padding, data_format, dilation_rate)


@register_op
def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3D convolution (cross-correlation).

    Args:
        x: ``(batch, d1, d2, d3, channels)`` (channels after batch for
            channels_first).
        kernel: ``(k1, k2, k3, in_channels, filters)``.
        strides, dilation_rate: ints or triples.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> K.int_shape(K.conv3d(K.placeholder((None, 4, 4, 4, 1)), K.zeros((2, 2, 2, 1, 3))))
        (None, 3, 3, 3, 3)
    """
    return _conv("conv3d", x, kernel, 3, strides, padding, data_format, dilation_rate)


@register_op
def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2D convolution: each input channel convolved with its own filters.

    Args:
        x: 4D input.
        depthwise_kernel: ``(kh, kw, in_channels, depth_multiplier)``.
        strides, dilation_rate: ints or pairs.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        a 4D tensor with ``in_channels * depth_multiplier`` channels (channel
        ``c * depth_multiplier + m`` comes from input channel ``c``).

    Example:
        >>> K.int_shape(K.depthwise_conv2d(K.placeholder((None, 5, 5, 3)),
        ...                                K.zeros((3, 3, 3, 2))))
        (None, 3, 3, 6)
    """
    return _conv("depthwise_conv2d", x, depthwise_kernel, 2, strides, padding, data_format,
                 dilation_rate, depthwise=True)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution.

    Args:
        x: 4D input.
        depthwise_kernel: ``(kh, kw, in_channels, depth_multiplier)``.
        pointwise_kernel: ``(1, 1, in_channels * depth_multiplier, filters)``.
        strides, dilation_rate: of the depthwise step.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> K.int_shape(K.separable_conv2d(K.placeholder((None, 5, 5, 3)),
        ...     K.zeros((3, 3, 3, 2)), K.zeros((1, 1, 6, 4))))
        (None, 3, 3, 4)
    """
    p_shape = _check_rank(pointwise_kernel, 4, "separable_conv2d", "pointwise_kernel")
    if tuple(p_shape[:2]) not in ((1, 1), (None, None)):
        raise ValueError("separable_conv2d expects a pointwise kernel of shape "
                         f"(1, 1, channels, filters). Received: shape={p_shape}")
    y = depthwise_conv2d(x, depthwise_kernel, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate)
    return conv2d(y, pointwise_kernel, strides=(1, 1), padding="valid",
                  data_format=data_format)


def _with_unit_axis(kernel):
    """``kernel`` with a leading axis of size 1, as a reshape to its full static shape
    when known, so that backends needing static kernel sizes (PyTensor) see them."""
    shape = static_shape(kernel)
    if shape is not None and all(d is not None for d in shape):
        return kmanip.reshape(kernel, [1] + list(shape))
    return kmanip.expand_dims(kernel, 0)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    """1D separable convolution (computed as a 2D one over a unit axis).

    Args:
        x: 3D input.
        depthwise_kernel: ``(kernel_size, in_channels, depth_multiplier)``.
        pointwise_kernel: ``(1, in_channels * depth_multiplier, filters)``.
        strides, dilation_rate: ints of the depthwise step.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> K.int_shape(K.separable_conv1d(K.placeholder((None, 10, 3)),
        ...     K.zeros((3, 3, 2)), K.zeros((1, 6, 4))))
        (None, 8, 4)
    """
    data_format = kvars.normalize_data_format(data_format)
    stride = normalize_tuple(strides, 1, "strides")[0]
    dilation = normalize_tuple(dilation_rate, 1, "dilation_rate")[0]
    _check_rank(x, 3, "separable_conv1d", "x", f" ({data_format})")
    _check_rank(depthwise_kernel, 3, "separable_conv1d", "depthwise_kernel")
    _check_rank(pointwise_kernel, 3, "separable_conv1d", "pointwise_kernel")
    unit_axis = 2 if data_format == "channels_first" else 1
    y = separable_conv2d(kmanip.expand_dims(x, unit_axis),
                         _with_unit_axis(depthwise_kernel),
                         _with_unit_axis(pointwise_kernel),
                         strides=(1, stride), padding=padding, data_format=data_format,
                         dilation_rate=(1, dilation))
    return kmanip.squeeze(y, unit_axis)


# --- transposed convolutions ------------------------------------------------------------------

def _normalize_output_shape(output_shape, ndim, fn):
    if is_symbolic(output_shape):
        shape = static_shape(output_shape)
        if shape is None or len(shape) != 1 or shape[0] is None:
            raise ValueError(f"{fn} needs `output_shape` with a known number of entries. "
                             f"Received: {output_shape!r}")
        output_shape = [output_shape[i] for i in range(shape[0])]
    entries = []
    for item in output_shape:
        if is_symbolic(item):
            entries.append(item)
        else:
            try:
                entries.append(operator.index(item))
            except TypeError:
                raise ValueError(f"{fn}: `output_shape` entries must be ints or scalar "
                                 f"tensors. Received: output_shape={output_shape!r}") from None
    if len(entries) != ndim:
        raise ValueError(f"{fn} expects an `output_shape` of {ndim} entries (batch, spatial "
                         f"dims and channels in the data_format layout). "
                         f"Received: output_shape={tuple(output_shape)!r}")
    return entries


def _conv_transpose(op, x, kernel, output_shape, rank, strides, padding, data_format,
                    dilation_rate):
    data_format = kvars.normalize_data_format(data_format)
    padding = normalize_padding(padding)
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    x_shape = _check_rank(x, rank + 2, op, "x", f" ({data_format})")
    k_shape = _check_rank(kernel, rank + 2, op, "kernel")
    entries = _normalize_output_shape(output_shape, rank + 2, op)
    static = tuple(e if isinstance(e, int) else None for e in entries)
    channel_axis, spatial_axes = _layout(rank + 2, data_format)
    _check_match(op, "input channels (its last axis)", x_shape[channel_axis], k_shape[-1],
                 x_shape, k_shape)
    if static[channel_axis] is not None and k_shape[-2] is not None \
            and static[channel_axis] != k_shape[-2]:
        raise ValueError(f"{op}: output_shape {static} asks for {static[channel_axis]} "
                         f"channels but the kernel of shape {k_shape} makes {k_shape[-2]}.")
    for axis, k, s, d in zip(spatial_axes, k_shape[:rank], strides, dilation):
        if static[axis] is None or x_shape[axis] is None:
            continue
        try:
            expected = conv_output_length(static[axis], k, padding, s, d)
        except ValueError:
            expected = None
        if expected != x_shape[axis]:
            raise ValueError(f"{op}: output_shape {static} is inconsistent with input shape "
                             f"{x_shape}, kernel shape {k_shape}, strides={strides} and "
                             f"padding={padding!r} (a convolution of the output would give "
                             f"{expected} instead of {x_shape[axis]} along axis {axis}).")
    shape = list(static)
    shape[0] = static[0] if static[0] is not None else x_shape[0]
    if shape[channel_axis] is None:
        shape[channel_axis] = k_shape[-2]
    kwargs = {"output_shape": entries, "strides": strides, "padding": padding,
              "data_format": data_format}
    if op == "conv2d_transpose":
        kwargs["dilation_rate"] = dilation
    return graph.record(op, (x, kernel), kwargs, shape=tuple(shape),
                        dtype=static_dtype(x) or kvars.floatx())


@register_op
def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Transposed 2D convolution (the gradient of ``conv2d`` with respect to its input).

    Args:
        x: 4D input.
        kernel: ``(kh, kw, filters, in_channels)``.
        output_shape: the output's full shape in the data_format layout, a
            list or tuple of ints whose batch entry may be a scalar tensor
            (``K.shape(x)[0]``), or a 1D int tensor.
        strides, dilation_rate: ints or pairs.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> x = K.placeholder((None, 4, 4, 3))
        >>> y = K.conv2d_transpose(x, K.zeros((3, 3, 8, 3)), (K.shape(x)[0], 8, 8, 8),
        ...                        strides=2, padding='same')
        >>> K.int_shape(y)
        (None, 8, 8, 8)
    """
    return _conv_transpose("conv2d_transpose", x, kernel, output_shape, 2, strides, padding,
                           data_format, dilation_rate)


@register_op
def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    """Transposed 3D convolution.

    Args:
        x: 5D input.
        kernel: ``(k1, k2, k3, filters, in_channels)``.
        output_shape: the output's full shape in the data_format layout (see
            :func:`conv2d_transpose`).
        strides: int or triple.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Example:
        >>> y = K.conv3d_transpose(K.placeholder((2, 2, 2, 2, 1)), K.zeros((2, 2, 2, 4, 1)),
        ...                        (2, 3, 3, 3, 4))
        >>> K.int_shape(y)
        (2, 3, 3, 3, 4)
    """
    return _conv_transpose("conv3d_transpose", x, kernel, output_shape, 3, strides, padding,
                           data_format, 1)


# --- pooling ------------------------------------------------------------------------------------

def _pool(op, x, rank, pool_size, strides, padding, data_format, pool_mode):
    data_format = kvars.normalize_data_format(data_format)
    padding = normalize_padding(padding)
    pool_size = normalize_tuple(pool_size, rank, "pool_size")
    strides = normalize_tuple(strides, rank, "strides")
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"`pool_mode` must be 'max' or 'avg'. Received: pool_mode={pool_mode!r}")
    x_shape = _check_rank(x, rank + 2, op, "x", f" ({data_format})")
    channel_axis, spatial_axes = _layout(rank + 2, data_format)
    spatial = [conv_output_length(x_shape[a], k, padding, s)
               for a, k, s in zip(spatial_axes, pool_size, strides)]
    shape = _assemble(x_shape, channel_axis, spatial_axes, x_shape[0], x_shape[channel_axis],
                      spatial)
    return graph.record(op, (x,), {"pool_size": pool_size, "strides": strides,
                                   "padding": padding, "data_format": data_format,
                                   "pool_mode": pool_mode},
                        shape=shape, dtype=static_dtype(x) or kvars.floatx())


@register_op
def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2D max or average pooling.

    Args:
        x: 4D input.
        pool_size, strides: ints or pairs.
        padding: ``'valid'`` or ``'same'`` (padded cells are ignored by
            average pooling).
        data_format: ``'channels_last'`` or ``'channels_first'``.
        pool_mode: ``'max'`` or ``'avg'``.

    Example:
        >>> K.int_shape(K.pool2d(K.placeholder((None, 7, 7, 3)), (2, 2), strides=(2, 2)))
        (None, 3, 3, 3)
    """
    return _pool("pool2d", x, 2, pool_size, strides, padding, data_format, pool_mode)


@register_op
def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3D max or average pooling.

    Args:
        x: 5D input.
        pool_size, strides: ints or triples.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.
        pool_mode: ``'max'`` or ``'avg'``.

    Example:
        >>> K.int_shape(K.pool3d(K.placeholder((None, 4, 4, 4, 2)), (2, 2, 2), (2, 2, 2),
        ...                      pool_mode='avg'))
        (None, 2, 2, 2, 2)
    """
    return _pool("pool3d", x, 3, pool_size, strides, padding, data_format, pool_mode)


# --- locally connected (unshared weights) ------------------------------------------------------

def _window_patches(fn, inputs, x_shape, spatial_axes, kernel_size, strides, output_shape,
                    feature_dim, data_format):
    """Every window of ``inputs`` as ``(positions, batch, feature_dim)``, in one gather.

    A static table holds, for each output position, the flat spatial index of
    each of its window's cells; the spatial axes are flattened to one axis
    put first, gathered by that table, then each window is flattened in the
    input's layout (window cells then channels for channels_last, channels
    then window cells for channels_first), as Keras 2 lays out the kernel.
    """
    spatial = [x_shape[axis] for axis in spatial_axes]
    if any(n is None for n in spatial):
        raise ValueError(f"{fn} needs inputs with known spatial sizes. "
                         f"Received: inputs shape={x_shape}")
    rank = len(spatial)
    starts = np.stack(np.meshgrid(*(np.arange(n) * s for n, s in zip(output_shape, strides)),
                                  indexing="ij"), axis=-1).reshape(-1, 1, rank)
    offsets = np.stack(np.meshgrid(*(np.arange(k) for k in kernel_size), indexing="ij"),
                       axis=-1).reshape(1, -1, rank)
    cells = starts + offsets
    table = np.ravel_multi_index(tuple(cells[..., i] for i in range(rank)), spatial)
    size = int(np.prod(spatial))
    positions, window = table.shape
    channels = feature_dim // window
    if data_format == "channels_first":
        flat = kmanip.permute_dimensions(kmanip.reshape(inputs, [-1, channels, size]), (2, 0, 1))
        pattern = (0, 2, 3, 1)
    else:
        flat = kmanip.permute_dimensions(kmanip.reshape(inputs, [-1, size, channels]), (1, 0, 2))
        pattern = (0, 2, 1, 3)
    gathered = kmath.gather(flat, table.reshape(-1).astype("int32"))
    gathered = kmanip.reshape(gathered, [positions, window, -1, channels])
    return kmanip.reshape(kmanip.permute_dimensions(gathered, pattern),
                          [positions, -1, feature_dim])


def _local_conv(fn, inputs, kernel, kernel_size, strides, output_shape, data_format):
    rank = len(output_shape)
    x_shape = _check_rank(inputs, rank + 2, fn, "inputs", f" ({data_format})")
    k_shape = _check_rank(kernel, 3, fn, "kernel")
    channel_axis, spatial_axes = _layout(rank + 2, data_format)
    positions = 1
    for n in output_shape:
        positions *= n
    if k_shape[0] is not None and k_shape[0] != positions:
        raise ValueError(f"{fn}: the kernel of shape {k_shape} has {k_shape[0]} output "
                         f"positions but output_shape {tuple(output_shape)} has {positions}.")
    if k_shape[2] is None:
        raise ValueError(f"{fn} needs a kernel with a known number of filters. "
                         f"Received: kernel shape={k_shape}")
    feature_dim = k_shape[1]
    in_channels = x_shape[channel_axis]
    window = 1
    for k in kernel_size:
        window *= k
    if feature_dim is not None and in_channels is not None and feature_dim != window * in_channels:
        raise ValueError(f"{fn}: the kernel of shape {k_shape} expects {feature_dim} features "
                         f"per position but a {tuple(kernel_size)} window over inputs of shape "
                         f"{x_shape} gives {window * in_channels}.")
    if feature_dim is None:
        if in_channels is None:
            raise ValueError(f"{fn} needs a known kernel feature size. "
                             f"Received: kernel shape={k_shape}")
        feature_dim = window * in_channels
    for axis, n, k, s in zip(spatial_axes, output_shape, kernel_size, strides):
        if x_shape[axis] is not None and (x_shape[axis] - k) // s + 1 != n:
            raise ValueError(f"{fn}: output_shape {tuple(output_shape)} does not match inputs "
                             f"of shape {x_shape} with kernel_size={tuple(kernel_size)} and "
                             f"strides={tuple(strides)} ('valid' windows).")
    patches = _window_patches(fn, inputs, x_shape, spatial_axes, kernel_size, strides,
                              output_shape, feature_dim, data_format)
    # (positions, batch, features) x (positions, features, filters) -> (positions, batch, filters)
    output = kmath.batch_dot(patches, kernel)
    output = kmanip.reshape(output, list(output_shape) + [-1, k_shape[2]])
    if data_format == "channels_first":
        pattern = (rank, rank + 1) + tuple(range(rank))
    else:
        pattern = (rank,) + tuple(range(rank)) + (rank + 1,)
    return kmanip.permute_dimensions(output, pattern)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """1D convolution with a separate kernel at every output step (locally connected).

    Args:
        inputs: ``(batch, steps, input_dim)``.
        kernel: ``(output_length, kernel_size * input_dim, filters)``.
        kernel_size: a tuple of one int.
        strides: a tuple of one int.
        data_format: validated but, as in Keras 2.2.4, the input is always
            laid out ``(batch, steps, input_dim)``.

    Returns:
        ``(batch, output_length, filters)``.

    Example:
        >>> K.int_shape(K.local_conv1d(K.placeholder((None, 5, 2)), K.zeros((4, 4, 3)),
        ...                            (2,), (1,)))
        (None, 4, 3)
    """
    kvars.normalize_data_format(data_format)
    kernel_size = normalize_tuple(kernel_size, 1, "kernel_size")
    strides = normalize_tuple(strides, 1, "strides")
    k_shape = _check_rank(kernel, 3, "local_conv1d", "kernel")
    if k_shape[0] is None:
        raise ValueError(f"local_conv1d needs a kernel with a known output length. "
                         f"Received: kernel shape={k_shape}")
    return _local_conv("local_conv1d", inputs, kernel, kernel_size, strides, (k_shape[0],),
                       "channels_last")


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """2D convolution with a separate kernel at every output position (locally connected).

    Args:
        inputs: 4D input (``data_format`` layout).
        kernel: ``(out_rows * out_cols, kh * kw * in_channels, filters)``.
        kernel_size, strides: pairs of ints.
        output_shape: ``(out_rows, out_cols)``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, out_rows, out_cols, filters)`` (channels after batch for
        channels_first).

    Example:
        >>> K.int_shape(K.local_conv2d(K.placeholder((None, 4, 4, 1)), K.zeros((9, 4, 2)),
        ...                            (2, 2), (1, 1), (3, 3)))
        (None, 3, 3, 2)
    """
    data_format = kvars.normalize_data_format(data_format)
    kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
    strides = normalize_tuple(strides, 2, "strides")
    output_shape = normalize_tuple(output_shape, 2, "output_shape")
    return _local_conv("local_conv2d", inputs, kernel, kernel_size, strides, output_shape,
                       data_format)
