"""NumPy backend: convolutions, transposed convolutions and pooling.

Everything runs on a channels-last core (``channels_first`` inputs are
transposed in and out) over any number of spatial dimensions:

* forward convolution is im2col: a strided, dilated
  ``sliding_window_view`` of the padded input contracted with the kernel by
  one ``tensordot`` (one BLAS GEMM); depthwise convolution is one ``einsum``
  over the same windows (optimized contraction path);
* the input gradient is one GEMM of the output gradient with the kernel
  followed by a scatter-add per kernel tap (a loop over the ``kh * kw``
  taps, vectorised over batch, pixels and channels); transposed
  convolutions *are* that input gradient;
* the kernel gradient is one GEMM of the windows with the output gradient.

Kernels use the Keras/TensorFlow layouts and cross-correlation; ``'same'``
padding follows TensorFlow (the odd extra cell goes at the end), average
pooling ignores padded cells and max pooling routes its gradient to one
arg-max cell per window (the first in window order on ties).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from polykeras_numpy.autodiff import primitive

#: conv ops with no gradient rule (none: every op here is differentiable).
NON_DIFFERENTIABLE = ()

_PADDINGS = ("valid", "same", "causal")


# ---------------------------------------------------------------------------
# geometry and layout helpers
# ---------------------------------------------------------------------------

def _tuple(value, n, name):
    if np.ndim(value) == 0:
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"{name} must have {n} entries. Received: {name}={value}")
    return value


def _geometry(in_sizes, ksize, strides, dilation, padding):
    """Pads ``[(before, after)]`` and output sizes of a window op, per spatial dim."""
    if padding not in _PADDINGS:
        raise ValueError(f"padding must be one of {_PADDINGS}. Received: padding={padding!r}")
    pads, outs = [], []
    for n, k, s, d in zip(in_sizes, ksize, strides, dilation):
        eff = (k - 1) * d + 1
        if padding == "valid":
            before = after = 0
            out = (n - eff) // s + 1
        elif padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + eff - n, 0)
            before, after = total // 2, total - total // 2
        else:  # causal: everything at the start
            before, after = eff - 1, 0
            out = (n - 1) // s + 1
        if out <= 0:
            raise ValueError(
                f"The window (size {k}, dilation {d}) is larger than the input "
                f"(size {n}) with padding={padding!r}. Received: input spatial "
                f"shape={tuple(in_sizes)}, window={tuple(ksize)}")
        pads.append((before, after))
        outs.append(out)
    return pads, outs


def _pad(x, pads, value=0):
    if not any(b or a for b, a in pads):
        return x
    return np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=value)


def _windows(xp, ksize, strides, dilation):
    """``(N, *out, C, *ksize)`` view of the windows of a padded channels-last array."""
    nsp = len(ksize)
    eff = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    w = sliding_window_view(xp, eff, axis=tuple(range(1, nsp + 1)))
    key = ((slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
           + tuple(slice(None, None, d) for d in dilation))
    return w[key]


def _tap_slices(tap, strides, dilation, outs):
    return tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                 for t, s, d, o in zip(tap, strides, dilation, outs))


def _scatter_taps(tap_values, padded_shape, ksize, strides, dilation, outs, pads, dtype):
    """Adjoint of :func:`_windows`: add each tap's ``(N, *out, C)`` values back.

    ``tap_values(tap)`` gives the contribution of kernel tap ``tap`` (a tuple
    of ints). Returns the unpadded ``(N, *in, C)`` gradient.
    """
    dxp = np.zeros(padded_shape, dtype=dtype)
    for tap in np.ndindex(*ksize):
        key = (slice(None),) + _tap_slices(tap, strides, dilation, outs) + (slice(None),)
        dxp[key] += tap_values(tap)
    crop = (slice(None),) + tuple(slice(b, n - a) for (b, a), n in
                                  zip(pads, padded_shape[1:-1])) + (slice(None),)
    return dxp[crop]


def _padded_shape(shape, pads):
    return ((shape[0],) + tuple(n + b + a for n, (b, a) in zip(shape[1:-1], pads))
            + (shape[-1],))


def _check_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("data_format must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")


def _to_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _from_last(x, data_format):
    return np.ascontiguousarray(np.moveaxis(x, -1, 1)) if data_format == "channels_first" else x


def _check_input(x, nsp, op, kernel=None):
    x = np.asarray(x)
    if x.ndim != nsp + 2:
        raise ValueError(f"{op} expects an input of rank {nsp + 2}. Received: shape={x.shape}")
    if kernel is not None:
        kernel = np.asarray(kernel)
        if kernel.ndim != nsp + 2:
            raise ValueError(f"{op} expects a kernel of rank {nsp + 2}. "
                             f"Received: kernel shape={kernel.shape}")
    return x, kernel


# ---------------------------------------------------------------------------
# channels-last cores (explicit pads)
# ---------------------------------------------------------------------------

def _conv_forward(x, kernel, strides, dilation, pads):
    nsp = x.ndim - 2
    ksize = kernel.shape[:nsp]
    w = _windows(_pad(x, pads), ksize, strides, dilation)
    # contract (C, *k) of the windows with (C, *k) of the kernel
    return np.tensordot(w, kernel, axes=(list(range(nsp + 1, 2 * nsp + 2)),
                                         [nsp] + list(range(nsp))))


def _conv_input_grad(g, kernel, in_shape, strides, dilation, pads):
    """Gradient of :func:`_conv_forward` w.r.t. its ``(N, *in, C)`` input."""
    nsp = g.ndim - 2
    ksize = kernel.shape[:nsp]
    cols = np.tensordot(g, kernel, axes=([nsp + 1], [nsp + 1]))  # (N, *out, *k, C)
    outs = g.shape[1:-1]
    lead = (slice(None),) * (nsp + 1)
    return _scatter_taps(lambda tap: cols[lead + tap], _padded_shape(in_shape, pads), ksize,
                         strides, dilation, outs, pads, cols.dtype)


def _conv_kernel_grad(x, g, ksize, strides, dilation, pads):
    """Gradient of :func:`_conv_forward` w.r.t. its ``(*k, C, O)`` kernel."""
    nsp = x.ndim - 2
    w = _windows(_pad(x, pads), ksize, strides, dilation)
    dk = np.tensordot(w, g, axes=(list(range(nsp + 1)), list(range(nsp + 1))))  # (C, *k, O)
    return np.moveaxis(dk, 0, nsp)


def _depthwise_subscripts(nsp):
    """einsum letters: batch, output positions, channel, taps, multiplier."""
    out, taps = "opqr"[:nsp], "ijkl"[:nsp]
    return f"n{out}c{taps}", f"{taps}cm", f"n{out}cm", f"n{out}{taps}c"


def _depthwise_forward(x, kernel, strides, dilation, pads):
    nsp = x.ndim - 2
    windows, kern, out, _ = _depthwise_subscripts(nsp)
    w = _windows(_pad(x, pads), kernel.shape[:nsp], strides, dilation)  # (N, *out, C, *k)
    y = np.einsum(f"{windows},{kern}->{out}", w, kernel, optimize=True)
    return y.reshape(y.shape[:-2] + (-1,))


def _depthwise_grads(x, kernel, g, strides, dilation, pads):
    nsp = x.ndim - 2
    ksize = kernel.shape[:nsp]
    windows, kern, out, cols = _depthwise_subscripts(nsp)
    g = g.reshape(g.shape[:-1] + kernel.shape[-2:])  # (N, *out, C, M)
    w = _windows(_pad(x, pads), ksize, strides, dilation)
    dk = np.einsum(f"{windows},{out}->{kern}", w, g, optimize=True)
    dcols = np.einsum(f"{out},{kern}->{cols}", g, kernel, optimize=True)  # (N, *out, *k, C)
    lead = (slice(None),) * (nsp + 1)
    dx = _scatter_taps(lambda tap: dcols[lead + tap], _padded_shape(x.shape, pads), ksize,
                       strides, dilation, g.shape[1:nsp + 1], pads, dcols.dtype)
    return dx, dk


# ---------------------------------------------------------------------------
# convolution primitives (all spatial ranks share these)
# ---------------------------------------------------------------------------

def _conv_setup(x, kernel, strides, padding, data_format, dilation_rate, nsp, op):
    _check_format(data_format)
    x, kernel = _check_input(x, nsp, op, kernel)
    xl = _to_last(x, data_format)
    if xl.shape[-1] != kernel.shape[nsp]:
        raise ValueError(f"{op}: the kernel's input channels ({kernel.shape[nsp]}) must match "
                         f"the input's channels ({xl.shape[-1]}). Received: input "
                         f"shape={x.shape}, kernel shape={kernel.shape}, "
                         f"data_format={data_format!r}")
    strides = _tuple(strides, nsp, "strides")
    dilation = _tuple(dilation_rate, nsp, "dilation_rate")
    pads, _ = _geometry(xl.shape[1:-1], kernel.shape[:nsp], strides, dilation, padding)
    return xl, kernel, strides, dilation, pads


def _conv(x, kernel, strides, padding, data_format, dilation_rate, op):
    nsp = np.ndim(x) - 2
    xl, kernel, strides, dilation, pads = _conv_setup(
        x, kernel, strides, padding, data_format, dilation_rate, nsp, op)
    return _from_last(_conv_forward(xl, kernel, strides, dilation, pads), data_format)


def _conv_vjp(g, ans, x, kernel, strides=1, padding="valid", data_format="channels_last",
              dilation_rate=1):
    nsp = np.ndim(x) - 2
    xl, kernel, strides, dilation, pads = _conv_setup(
        x, kernel, strides, padding, data_format, dilation_rate, nsp, "conv")
    gl = _to_last(g, data_format)
    dx = _conv_input_grad(gl, kernel, xl.shape, strides, dilation, pads)
    dk = _conv_kernel_grad(xl, gl, kernel.shape[:nsp], strides, dilation, pads)
    return (_from_last(dx, data_format).astype(x.dtype, copy=False),
            dk.astype(kernel.dtype, copy=False))


def _depthwise_vjp(g, ans, x, depthwise_kernel, strides=(1, 1), padding="valid",
                   data_format="channels_last", dilation_rate=(1, 1)):
    xl, kernel, strides, dilation, pads = _conv_setup(
        x, depthwise_kernel, strides, padding, data_format, dilation_rate, 2,
        "depthwise_conv2d")
    dx, dk = _depthwise_grads(xl, kernel, _to_last(g, data_format), strides, dilation, pads)
    return (_from_last(dx, data_format).astype(x.dtype, copy=False),
            dk.astype(kernel.dtype, copy=False))


def _transpose_setup(x, kernel, output_shape, strides, padding, data_format, dilation_rate,
                     nsp, op):
    """Normalise a transposed conv to the forward conv whose input gradient it is."""
    _check_format(data_format)
    x, kernel = _check_input(x, nsp, op, kernel)
    xl = _to_last(x, data_format)
    if xl.shape[-1] != kernel.shape[-1]:
        raise ValueError(f"{op}: the kernel's last axis ({kernel.shape[-1]}) must match the "
                         f"input's channels ({xl.shape[-1]}). Received: input shape={x.shape}, "
                         f"kernel shape={kernel.shape}, data_format={data_format!r}")
    shape = [int(np.asarray(d)) if d is not None else -1 for d in output_shape]
    if len(shape) != nsp + 2:
        raise ValueError(f"{op} expects an output_shape of {nsp + 2} entries. "
                         f"Received: output_shape={list(output_shape)}")
    if data_format == "channels_first":
        shape = shape[:1] + shape[2:] + shape[1:2]
    if shape[-1] == -1:
        shape[-1] = kernel.shape[nsp]
    if shape[-1] != kernel.shape[nsp]:
        raise ValueError(f"{op}: output_shape's channels ({shape[-1]}) must match the "
                         f"kernel's axis {nsp} ({kernel.shape[nsp]}). Received: "
                         f"output_shape={list(output_shape)}, kernel shape={kernel.shape}")
    target = (xl.shape[0],) + tuple(shape[1:])
    strides = _tuple(strides, nsp, "strides")
    dilation = _tuple(dilation_rate, nsp, "dilation_rate")
    pads, outs = _geometry(target[1:-1], kernel.shape[:nsp], strides, dilation, padding)
    if tuple(outs) != tuple(xl.shape[1:-1]):
        raise ValueError(
            f"{op}: an output of spatial shape {tuple(target[1:-1])} convolved with "
            f"strides={strides}, padding={padding!r} gives spatial shape {tuple(outs)}, "
            f"not the input's {tuple(xl.shape[1:-1])}. Received: "
            f"output_shape={list(output_shape)}, input shape={x.shape}")
    return xl, kernel, target, strides, dilation, pads


def _conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate, op):
    nsp = np.ndim(x) - 2
    xl, kernel, target, strides, dilation, pads = _transpose_setup(
        x, kernel, output_shape, strides, padding, data_format, dilation_rate, nsp, op)
    out = _conv_input_grad(xl, kernel, target, strides, dilation, pads)
    return _from_last(out, data_format)


def _conv_transpose_vjp(g, ans, x, kernel, output_shape=None, strides=1, padding="valid",
                        data_format="channels_last", dilation_rate=1):
    nsp = np.ndim(x) - 2
    if output_shape is None:
        output_shape = ans.shape
    xl, kernel, target, strides, dilation, pads = _transpose_setup(
        x, kernel, output_shape, strides, padding, data_format, dilation_rate, nsp,
        "conv_transpose")
    gl = _to_last(g, data_format)
    dx = _conv_forward(gl, kernel, strides, dilation, pads)
    dk = _conv_kernel_grad(gl, xl, kernel.shape[:nsp], strides, dilation, pads)
    return (_from_last(dx, data_format).astype(x.dtype, copy=False),
            dk.astype(kernel.dtype, copy=False))


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------

def _pool_setup(x, pool_size, strides, padding, data_format, pool_mode, nsp, op):
    _check_format(data_format)
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"pool_mode must be 'max' or 'avg'. Received: pool_mode={pool_mode!r}")
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'. "
                         f"Received: padding={padding!r}")
    x, _ = _check_input(x, nsp, op)
    xl = _to_last(x, data_format)
    pool_size = _tuple(pool_size, nsp, "pool_size")
    strides = _tuple(strides, nsp, "strides")
    pads, outs = _geometry(xl.shape[1:-1], pool_size, strides, (1,) * nsp, padding)
    return xl, pool_size, strides, pads, outs


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _window_counts(in_sizes, pool_size, strides, pads, outs, dtype):
    """Number of real (unpadded) cells of every window, shape ``(*out, 1)``."""
    count = np.ones((), dtype=dtype)
    for axis, (n, k, s, (before, _), o) in enumerate(
            zip(in_sizes, pool_size, strides, pads, outs)):
        start = np.arange(o) * s - before
        per_dim = (np.minimum(start + k, n) - np.maximum(start, 0)).astype(dtype)
        count = np.multiply.outer(count, per_dim)
    return count[..., None]


def _pool(x, pool_size, strides, padding, data_format, pool_mode, op):
    nsp = np.ndim(x) - 2
    xl, pool_size, strides, pads, outs = _pool_setup(
        x, pool_size, strides, padding, data_format, pool_mode, nsp, op)
    window_axes = tuple(range(nsp + 2, 2 * nsp + 2))
    if pool_mode == "max":
        w = _windows(_pad(xl, pads, _lowest(xl.dtype)), pool_size, strides, (1,) * nsp)
        out = w.max(axis=window_axes)
    else:
        if xl.dtype.kind != "f":
            xl = xl.astype(np.float32)
        w = _windows(_pad(xl, pads), pool_size, strides, (1,) * nsp)
        out = w.sum(axis=window_axes) / _window_counts(xl.shape[1:-1], pool_size, strides,
                                                       pads, outs, xl.dtype)
    return _from_last(out.astype(xl.dtype, copy=False), data_format)


def _pool_vjp(g, ans, x, pool_size=None, strides=None, padding="valid",
              data_format="channels_last", pool_mode="max"):
    nsp = np.ndim(x) - 2
    xl, pool_size, strides, pads, outs = _pool_setup(
        x, pool_size, strides, padding, data_format, pool_mode, nsp, "pool")
    gl = _to_last(g, data_format)
    unit = (1,) * nsp
    padded = _padded_shape(xl.shape, pads)
    if pool_mode == "avg":
        share = gl / _window_counts(xl.shape[1:-1], pool_size, strides, pads, outs, gl.dtype)
        dx = _scatter_taps(lambda tap: share, padded, pool_size, strides, unit, outs, pads,
                           gl.dtype)
    else:
        w = _windows(_pad(xl, pads, _lowest(xl.dtype)), pool_size, strides, unit)
        winner = w.reshape(w.shape[:nsp + 2] + (-1,)).argmax(axis=-1)  # (N, *out, C)
        flat = {tap: i for i, tap in enumerate(np.ndindex(*pool_size))}
        dx = _scatter_taps(lambda tap: np.where(winner == flat[tap], gl, 0), padded, pool_size,
                           strides, unit, outs, pads, gl.dtype)
    return (_from_last(dx, data_format).astype(x.dtype, copy=False),)


# ---------------------------------------------------------------------------
# the backend mixin
# ---------------------------------------------------------------------------

class ConvOps:
    """The conv and pooling primitives.

    Example:
        >>> b = NumpyBackend()
        >>> x = np.ones((1, 5, 5, 2), np.float32); k = np.ones((3, 3, 2, 4), np.float32)
        >>> b.conv2d(x, k, strides=(2, 2), padding="same").shape
        (1, 3, 3, 4)
    """

    @primitive(_conv_vjp)
    def conv1d(self, x, kernel, strides=(1,), padding="valid", data_format="channels_last",
               dilation_rate=(1,)):
        """1D convolution (cross-correlation) of ``(N, steps, C)`` by a ``(k, C, O)`` kernel.

        Args:
            x: input, ``(N, steps, C)`` (``(N, C, steps)`` for channels_first).
            kernel: ``(k, C, O)``.
            strides, dilation_rate: 1-tuples (or ints).
            padding: ``'valid'``, ``'same'`` or ``'causal'``.
            data_format: ``'channels_last'`` or ``'channels_first'``.

        Returns:
            ``(N, out_steps, O)`` in the input's data format.
        """
        return _conv(x, kernel, strides, padding, data_format, dilation_rate, "conv1d")

    @primitive(_conv_vjp)
    def conv2d(self, x, kernel, strides=(1, 1), padding="valid", data_format="channels_last",
               dilation_rate=(1, 1)):
        """2D convolution (cross-correlation) by a ``(kh, kw, C, O)`` kernel.

        Args:
            x: ``(N, H, W, C)`` or ``(N, C, H, W)`` for channels_first.
            kernel: ``(kh, kw, C, O)``.
            strides, dilation_rate: pairs of ints.
            padding: ``'valid'`` or ``'same'`` (TensorFlow's: extra cell at the end).
            data_format: ``'channels_last'`` or ``'channels_first'``.

        Returns:
            the convolved tensor in the input's data format.
        """
        return _conv(x, kernel, strides, padding, data_format, dilation_rate, "conv2d")

    @primitive(_conv_vjp)
    def conv3d(self, x, kernel, strides=(1, 1, 1), padding="valid",
               data_format="channels_last", dilation_rate=(1, 1, 1)):
        """3D convolution of ``(N, D, H, W, C)`` by a ``(kd, kh, kw, C, O)`` kernel.

        Arguments as :meth:`conv2d`, with triples.
        """
        return _conv(x, kernel, strides, padding, data_format, dilation_rate, "conv3d")

    @primitive(_depthwise_vjp)
    def depthwise_conv2d(self, x, depthwise_kernel, strides=(1, 1), padding="valid",
                         data_format="channels_last", dilation_rate=(1, 1)):
        """Depthwise 2D convolution by a ``(kh, kw, C, multiplier)`` kernel.

        Output channel ``c * multiplier + m`` is input channel ``c`` convolved
        with ``depthwise_kernel[:, :, c, m]`` (TensorFlow's order).

        Returns:
            ``(N, H', W', C * multiplier)`` in the input's data format.
        """
        xl, kernel, strides, dilation, pads = _conv_setup(
            x, depthwise_kernel, strides, padding, data_format, dilation_rate, 2,
            "depthwise_conv2d")
        return _from_last(_depthwise_forward(xl, kernel, strides, dilation, pads), data_format)

    @primitive(_conv_transpose_vjp)
    def conv2d_transpose(self, x, kernel, output_shape=None, strides=(1, 1), padding="valid",
                         data_format="channels_last", dilation_rate=(1, 1)):
        """Transposed 2D convolution: the gradient of :meth:`conv2d` w.r.t. its input.

        Args:
            x: ``(N, H, W, I)`` (channels_first: ``(N, I, H, W)``).
            kernel: ``(kh, kw, O, I)``.
            output_shape: the full output shape in ``data_format`` (a list;
                entries may be NumPy int scalars; the batch entry is taken
                from ``x``). A conv2d of that shape with the same strides and
                padding must give ``x``'s spatial shape.
            strides, padding, data_format, dilation_rate: as :meth:`conv2d`.

        Returns:
            an array of ``output_shape``.
        """
        return _conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                               dilation_rate, "conv2d_transpose")

    @primitive(_conv_transpose_vjp)
    def conv3d_transpose(self, x, kernel, output_shape=None, strides=(1, 1, 1),
                         padding="valid", data_format="channels_last", dilation_rate=(1, 1, 1)):
        """Transposed 3D convolution with a ``(kd, kh, kw, O, I)`` kernel.

        Arguments as :meth:`conv2d_transpose`, with triples.
        """
        return _conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                               dilation_rate, "conv3d_transpose")

    @primitive(_pool_vjp)
    def pool2d(self, x, pool_size=(2, 2), strides=(1, 1), padding="valid",
               data_format="channels_last", pool_mode="max"):
        """2D max or average pooling.

        Args:
            x: ``(N, H, W, C)`` or ``(N, C, H, W)``.
            pool_size, strides: pairs of ints.
            padding: ``'valid'`` or ``'same'``; average pooling divides by the
                number of real (unpadded) cells of each window.
            data_format: ``'channels_last'`` or ``'channels_first'``.
            pool_mode: ``'max'`` or ``'avg'``.

        Returns:
            the pooled tensor in the input's data format.
        """
        return _pool(x, pool_size, strides, padding, data_format, pool_mode, "pool2d")

    @primitive(_pool_vjp)
    def pool3d(self, x, pool_size=(2, 2, 2), strides=(1, 1, 1), padding="valid",
               data_format="channels_last", pool_mode="max"):
        """3D max or average pooling; arguments as :meth:`pool2d`, with triples."""
        return _pool(x, pool_size, strides, padding, data_format, pool_mode, "pool3d")
