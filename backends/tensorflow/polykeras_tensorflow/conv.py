"""TensorFlow backend: convolutions and pooling.

Kernels keep the Keras/TensorFlow layout. TensorFlow's CPU kernels only take
channels-last data, so ``channels_first`` tensors are transposed around the
op unless a GPU is in use (``self._native_channels_first``). Two cases
TensorFlow refuses are computed another way: strides together with dilation
(and unequal depthwise strides) run at stride 1 on explicitly padded input
and are subsampled; dilated transposed convolutions use an explicitly
dilated kernel (zeros between the taps).
"""
from polykeras_tensorflow.common import shape_arg, tf, to_tensor

_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _to_last(n):
    return [0] + list(range(2, n + 2)) + [1]


def _to_first(n):
    return [0, n + 1] + list(range(1, n + 1))


def _spatial_axes(n, channels_first):
    return list(range(2, n + 2)) if channels_first else list(range(1, n + 1))


def _size(x, axis):
    static = x.shape[axis]
    return static if static is not None else tf.shape(x)[axis]


def pad_same(x, kernel_sizes, strides, dilation, axes, constant_values=0):
    """Pad ``x`` explicitly as TensorFlow's ``'same'`` padding would (extra at the end)."""
    paddings = [[0, 0] for _ in range(x.shape.rank)]
    for axis, k, s, d in zip(axes, kernel_sizes, strides, dilation):
        size = _size(x, axis)
        effective = (k - 1) * d + 1
        out = (size + s - 1) // s
        total = (out - 1) * s + effective - size
        total = max(total, 0) if isinstance(total, int) else tf.maximum(total, 0)
        paddings[axis] = [total // 2, total - total // 2]
    if all(isinstance(v, int) for pair in paddings for v in pair):
        return tf.pad(x, paddings, constant_values=constant_values)
    return tf.pad(x, tf.stack([tf.stack([tf.cast(v, tf.int32) for v in pair])
                               for pair in paddings]), constant_values=constant_values)


def subsample(x, strides, axes):
    """Every ``strides[i]``-th element along each spatial axis, starting at 0."""
    key = [slice(None)] * x.shape.rank
    for axis, s in zip(axes, strides):
        key[axis] = slice(None, None, s)
    return x[tuple(key)]


def dilate_kernel(kernel, dilation):
    """Insert ``d - 1`` zeros between the taps of each leading spatial axis."""
    for axis, d in enumerate(dilation):
        if d == 1:
            continue
        taps = _size(kernel, axis)
        stacked = tf.stack([kernel] + [tf.zeros_like(kernel)] * (d - 1), axis=axis + 1)
        shape = tf.shape(kernel)
        merged = tf.reshape(stacked, tf.concat([shape[:axis], [taps * d], shape[axis + 1:]], 0))
        key = [slice(None)] * kernel.shape.rank
        key[axis] = slice(0, (taps - 1) * d + 1)
        kernel = merged[tuple(key)]
    return kernel


def pool_by_taps(x, pool_size, strides, padding, pool_mode, axes):
    """Pooling as a loop over the window's taps (for dtypes TF's kernels lack).

    Padded cells never win a max and are left out of an average.
    """
    ones = tf.ones_like(x)
    if padding == "same":
        fill = x.dtype.min if pool_mode == "max" else 0
        x = pad_same(x, pool_size, strides, (1,) * len(axes), axes, fill)
        ones = pad_same(ones, pool_size, strides, (1,) * len(axes), axes)
    sizes = [_size(x, axis) for axis in axes]
    outs = [(size - k) // s + 1 for size, k, s in zip(sizes, pool_size, strides)]
    result = count = None
    for offsets in _taps(pool_size):
        key = [slice(None)] * x.shape.rank
        for axis, o, out, s in zip(axes, offsets, outs, strides):
            key[axis] = slice(o, o + (out - 1) * s + 1, s)
        window, valid = x[tuple(key)], ones[tuple(key)]
        if result is None:
            result, count = window, valid
        elif pool_mode == "max":
            result = tf.maximum(result, window)
        else:
            result, count = result + window, count + valid
    return result if pool_mode == "max" else result / count


def _taps(sizes):
    if not sizes:
        yield ()
        return
    for first in range(sizes[0]):
        for rest in _taps(sizes[1:]):
            yield (first,) + rest


def _kernel_sizes(kernel, n):
    sizes = kernel.shape.as_list()[:n]
    if any(s is None for s in sizes):
        raise ValueError(f"Convolution kernels need static spatial sizes. Received: "
                         f"kernel shape {kernel.shape}")
    return sizes


class ConvOps:
    """The convolution and pooling primitives."""

    _native_channels_first = False

    def _in_layout(self, x, data_format, n, call):
        """``call(x, channels_first)`` run in a layout the device supports."""
        x = to_tensor(x)
        if data_format == "channels_first" and not self._native_channels_first:
            return tf.transpose(call(tf.transpose(x, _to_last(n)), False), _to_first(n))
        return call(x, data_format == "channels_first")

    def _strided(self, op, x, kernel, strides, padding, dilation, channels_first, n,
                 must_split=False):
        """``op(x, strides, padding)`` with stride+dilation computed at stride 1."""
        strides, dilation = tuple(strides), tuple(dilation)
        if must_split or (max(strides) > 1 and max(dilation) > 1):
            axes = _spatial_axes(n, channels_first)
            if padding == "same":
                x = pad_same(x, _kernel_sizes(kernel, n), strides, dilation, axes)
            return subsample(op(x, (1,) * n, "VALID"), strides, axes)
        return op(x, strides, padding.upper())

    def _conv(self, x, kernel, strides, padding, data_format, dilation_rate, n):
        kernel = to_tensor(kernel, to_tensor(x).dtype)

        def call(x, channels_first):
            fmt = _FORMATS[n][channels_first]
            return self._strided(
                lambda x, s, p: tf.nn.convolution(x, kernel, strides=list(s), padding=p,
                                                  data_format=fmt, dilations=list(dilation_rate)),
                x, kernel, strides, padding, dilation_rate, channels_first, n)
        return self._in_layout(x, data_format, n, call)

    def conv1d(self, x, kernel, strides=(1,), padding="valid", data_format="channels_last",
               dilation_rate=(1,)):
        """1D cross-correlation; kernel ``(k, in, out)``."""
        return self._conv(x, kernel, strides, padding, data_format, dilation_rate, 1)

    def conv2d(self, x, kernel, strides=(1, 1), padding="valid", data_format="channels_last",
               dilation_rate=(1, 1)):
        """2D cross-correlation; kernel ``(kh, kw, in, out)``."""
        return self._conv(x, kernel, strides, padding, data_format, dilation_rate, 2)

    def conv3d(self, x, kernel, strides=(1, 1, 1), padding="valid",
               data_format="channels_last", dilation_rate=(1, 1, 1)):
        """3D cross-correlation; kernel ``(kd, kh, kw, in, out)``."""
        return self._conv(x, kernel, strides, padding, data_format, dilation_rate, 3)

    def depthwise_conv2d(self, x, depthwise_kernel, strides=(1, 1), padding="valid",
                         data_format="channels_last", dilation_rate=(1, 1)):
        """Per-channel 2D cross-correlation; kernel ``(kh, kw, in, multiplier)``."""
        kernel = to_tensor(depthwise_kernel, to_tensor(x).dtype)

        def call(x, channels_first):
            fmt = _FORMATS[2][channels_first]

            def op(x, s, p):
                full = [1, 1] + list(s) if channels_first else [1] + list(s) + [1]
                return tf.nn.depthwise_conv2d(x, kernel, strides=full, padding=p,
                                              data_format=fmt, dilations=list(dilation_rate))
            return self._strided(op, x, kernel, strides, padding, dilation_rate,
                                 channels_first, 2, must_split=strides[0] != strides[1])
        return self._in_layout(x, data_format, 2, call)

    def _conv_transpose(self, x, kernel, output_shape, strides, padding, data_format,
                        dilation_rate, n):
        x = to_tensor(x)
        kernel = to_tensor(kernel, x.dtype)
        if max(dilation_rate) > 1:
            kernel = dilate_kernel(kernel, dilation_rate)
        output_shape = list(output_shape)
        if output_shape[0] is None:
            output_shape[0] = tf.shape(x)[0]

        def call(x, channels_first):
            shape = output_shape
            if data_format == "channels_first" and not channels_first:
                shape = [shape[i] for i in _to_last(n)]
            fmt = _FORMATS[n][channels_first]
            full = [1, 1] + list(strides) if channels_first else [1] + list(strides) + [1]
            if n == 2:
                return tf.nn.conv2d_transpose(x, kernel, shape_arg(shape), full,
                                              padding.upper(), data_format=fmt)
            return tf.nn.conv3d_transpose(x, kernel, shape_arg(shape), full,
                                          padding.upper(), data_format=fmt)
        return self._in_layout(x, data_format, n, call)

    def conv2d_transpose(self, x, kernel, output_shape, strides=(1, 1), padding="valid",
                         data_format="channels_last", dilation_rate=(1, 1)):
        """Transposed 2D convolution; kernel ``(kh, kw, out, in)``."""
        return self._conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                                    dilation_rate, 2)

    def conv3d_transpose(self, x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                         data_format="channels_last"):
        """Transposed 3D convolution; kernel ``(kd, kh, kw, out, in)``."""
        return self._conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                                    (1, 1, 1), 3)

    def _pool(self, x, pool_size, strides, padding, data_format, pool_mode, n):
        if pool_mode not in ("max", "avg"):
            raise ValueError(f"pool_mode must be 'max' or 'avg'. Received: {pool_mode!r}")
        fn = tf.nn.max_pool if pool_mode == "max" else tf.nn.avg_pool

        def call(x, channels_first):
            if n == 3 and x.dtype == tf.float64:  # no float64 3D pooling kernels
                return pool_by_taps(x, pool_size, strides, padding, pool_mode,
                                    _spatial_axes(n, channels_first))
            return fn(x, ksize=list(pool_size), strides=list(strides),
                      padding=padding.upper(), data_format=_FORMATS[n][channels_first])
        return self._in_layout(x, data_format, n, call)

    def pool2d(self, x, pool_size, strides=(1, 1), padding="valid",
               data_format="channels_last", pool_mode="max"):
        """2D max or average pooling (average ignores padded cells)."""
        return self._pool(x, pool_size, strides, padding, data_format, pool_mode, 2)

    def pool3d(self, x, pool_size, strides=(1, 1, 1), padding="valid",
               data_format="channels_last", pool_mode="max"):
        """3D max or average pooling (average ignores padded cells)."""
        return self._pool(x, pool_size, strides, padding, data_format, pool_mode, 3)
