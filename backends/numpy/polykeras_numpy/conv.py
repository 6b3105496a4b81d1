"""NumPy backend: convolutions, transposed convolutions and pooling.

Everything runs on a channels-last core (``channels_first`` inputs are
transposed in and out) over any number of spatial dimensions:

* forward convolution is blocked im2col: the patches of a strided, dilated
  ``sliding_window_view`` of the padded input are gathered a cache-sized
  block at a time (whole samples, or output rows of one large sample) and
  multiplied by the kernel in one BLAS GEMM per block; depthwise convolution
  is one ``einsum`` over the windows (optimized contraction path);
* the input gradient is, per block, one GEMM of the output gradient with the
  kernel followed by a scatter-add per kernel tap (a loop over the
  ``kh * kw`` taps, vectorised over batch, pixels and channels); with unit
  strides, one GEMM per tap added to a contiguous run of rows of the
  flattened input (no scatter: a fifth faster on the MNIST convnet's second
  layer); transposed convolutions *are* that input gradient;
* the kernel gradient sums, over the same blocks, one GEMM of the gathered
  patches with the output gradient.
* pooling and its gradient go sample by sample in the sense that each core
  takes a contiguous run of the batch's samples.

Kernels use the Keras/TensorFlow layouts and cross-correlation; ``'same'``
padding follows TensorFlow (the odd extra cell goes at the end), average
pooling ignores padded cells and max pooling routes its gradient to one
arg-max cell per window (the first in window order on ties).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from polykeras_numpy.autodiff import primitive, wants_grad
from polykeras_numpy.parallel import run_chunks

#: conv ops with no gradient rule (none: every op here is differentiable).
NON_DIFFERENTIABLE = ()

#: ops whose kernels share their blocks out among the cores (:mod:`.parallel`).
BLOCKED_OPS = ("conv1d", "conv2d", "conv3d", "conv2d_transpose", "conv3d_transpose")

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


def _unpad(xp, pads):
    """The inverse of :func:`_pad`: the unpadded part of a padded array (a view)."""
    return xp[(slice(None),) + tuple(slice(b, n - a) for (b, a), n in zip(pads, xp.shape[1:-1]))
              + (slice(None),)]


def _windows(xp, ksize, strides, dilation):
    """``(N, *out, C, *ksize)`` view of the windows of a padded channels-last array."""
    nsp = len(ksize)
    eff = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    w = sliding_window_view(xp, eff, axis=tuple(range(1, nsp + 1)))
    key = ((slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
           + tuple(slice(None, None, d) for d in dilation))
    return w[key]


def _tap_slices(tap, strides, dilation, outs, first=0):
    """Where kernel tap ``tap`` reads the padded input for ``outs`` output
    positions per axis, the first axis's starting at output position ``first``."""
    starts = (first,) + (0,) * (len(outs) - 1)
    return tuple(slice(t * d + s * f, t * d + s * (f + o - 1) + 1, s)
                 for t, s, d, o, f in zip(tap, strides, dilation, outs, starts))


def _scatter_taps(tap_values, padded_shape, ksize, strides, dilation, outs, pads, dtype):
    """Adjoint of :func:`_windows`: add each tap's ``(N, *out, C)`` values back.

    ``tap_values(tap)`` gives the contribution of kernel tap ``tap`` (a tuple
    of ints). Returns the unpadded ``(N, *in, C)`` gradient.
    """
    dxp = np.zeros(padded_shape, dtype=dtype)
    for tap in np.ndindex(*ksize):
        key = (slice(None),) + _tap_slices(tap, strides, dilation, outs) + (slice(None),)
        dxp[key] += tap_values(tap)
    return _unpad(dxp, pads)


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

#: Bytes of im2col patches gathered at a time. A block this size is still in
#: the processor's cache when its GEMM reads it: on the MNIST convnet's second
#: layer this is about twice as fast as gathering the whole batch first.
_BLOCK_BYTES = 2 << 20


def _patch_view(xp, ksize, strides, dilation):
    """``(N, *out, *k, C)`` view of the windows of a padded channels-last array
    (channels innermost: the row order of a ``(*k, C, O)`` kernel)."""
    return np.moveaxis(_windows(xp, ksize, strides, dilation), len(ksize) + 1, -1)


def _blocks(shape, itemsize):
    """``(batch slice, first-output-axis slice)`` blocks of a ``(N, *out, ...)`` array.

    A block holds whole samples when one sample fits in :data:`_BLOCK_BYTES`,
    else a run of output rows of one sample; either way it is a contiguous
    part of any C-ordered ``(N, *out, ...)`` array.
    """
    n, out1 = shape[:2]
    line = int(np.prod(shape[2:])) * itemsize  # one step along the first output axis
    if out1 * line <= _BLOCK_BYTES:
        step = max(1, _BLOCK_BYTES // (out1 * line))
        return [(slice(i, min(i + step, n)), slice(0, out1)) for i in range(0, n, step)]
    step = max(1, _BLOCK_BYTES // line)
    return [(slice(i, i + 1), slice(r, min(r + step, out1)))
            for i in range(n) for r in range(0, out1, step)]


class _Patches:
    """The blocks of a patch view, each copied as a ``(rows, K)`` matrix into
    a caller's reused buffer (one per thread)."""

    def __init__(self, view, nsp):
        self.view, self.nsp = view, nsp
        self.blocks = _blocks(view.shape, view.itemsize)
        self.largest = max(self.view[key].size for key in self.blocks)

    def buffer(self):
        return np.empty(self.largest, dtype=self.view.dtype)

    def gather(self, key, buffer):
        block = self.view[key]
        patches = buffer[:block.size].reshape(block.shape)
        np.copyto(patches, block)
        return patches.reshape(-1, int(np.prod(block.shape[self.nsp + 1:])))


def _conv_forward(x, kernel, strides, dilation, pads):
    """Blocked im2col: gather a cache-sized block of patches, one GEMM, next
    block; the blocks are shared out among the cores."""
    nsp = x.ndim - 2
    patches = _Patches(_patch_view(_pad(x, pads), kernel.shape[:nsp], strides, dilation), nsp)
    kmat = kernel.reshape(-1, kernel.shape[-1])
    out = np.empty(patches.view.shape[:nsp + 1] + kmat.shape[1:],
                   dtype=np.result_type(x.dtype, kernel.dtype))

    def run(blocks):
        buffer = patches.buffer()
        for key in blocks:
            np.matmul(patches.gather(key, buffer), kmat,
                      out=out[key].reshape(-1, kmat.shape[1]))

    run_chunks(run, patches.blocks)
    return out


def _conv_input_grad(g, kernel, in_shape, strides, dilation, pads):
    """Gradient of :func:`_conv_forward` w.r.t. its ``(N, *in, C)`` input.

    Per block of output positions: one GEMM of the output gradient with the
    kernel gives every tap's ``(rows, C)`` contribution, added back tap by
    tap. Blocks of one sample overlap in the input, so they stay on one core.
    Unit strides take :func:`_shifted_input_grad` instead.
    """
    if all(s == 1 for s in strides):
        return _shifted_input_grad(g, kernel, in_shape, dilation, pads)
    nsp = g.ndim - 2
    ksize = kernel.shape[:nsp]
    kmat_t = kernel.reshape(-1, kernel.shape[-1]).T
    outs = g.shape[1:-1]
    dxp = np.zeros(_padded_shape(in_shape, pads), dtype=np.result_type(g.dtype, kernel.dtype))
    taps_c = int(np.prod(kernel.shape[:-1]))
    lead = (slice(None),) * (nsp + 1)

    def run(blocks):
        for batch, rows in blocks:
            cols = (g[batch, rows].reshape(-1, g.shape[-1]) @ kmat_t).reshape(
                g[batch, rows].shape[:-1] + kernel.shape[:-1])  # (n, r, *out[1:], *k, C)
            for tap in np.ndindex(*ksize):
                key = (batch,) + _tap_slices(tap, strides, dilation, (rows.stop - rows.start,)
                                             + tuple(outs[1:]), first=rows.start) + (slice(None),)
                dxp[key] += cols[lead + tap]

    run_chunks(run, _blocks(g.shape[:-1] + (taps_c,), dxp.itemsize),
               group=lambda block: block[0].start)
    return _unpad(dxp, pads)


#: Rows of the flattened input gradient computed at a time by
#: :func:`_shifted_input_grad` (with their output-gradient rows, they stay in
#: the processor's cache between the taps).
_SHIFT_ROWS = 2048


def _shifted_input_grad(g, kernel, in_shape, dilation, pads):
    """Unit-stride gradient of :func:`_conv_forward` w.r.t. its input, without
    a scatter.

    With each sample's padded input flattened to rows of channels, and the
    output gradient placed on the same grid (zeros where no output is), kernel
    tap ``t`` adds ``g_rows @ kernel[t].T`` to the rows a fixed offset further
    on. So per run of rows and per tap: one GEMM into a buffer, added to a
    contiguous run of the gradient. Runs of several whole samples (or of rows
    of one large sample) go to one core each: the rows they add to are theirs.
    """
    nsp = g.ndim - 2
    ksize, grid = kernel.shape[:nsp], _padded_shape(in_shape, pads)[1:-1]
    pitches = [int(np.prod(grid[i + 1:])) for i in range(nsp)]
    size = int(np.prod(grid))
    span = sum((o - 1) * p for o, p in zip(g.shape[1:-1], pitches)) + 1  # a sample's rows of g
    dtype = np.result_type(g.dtype, kernel.dtype)
    taps = [(sum(t * d * p for t, d, p in zip(tap, dilation, pitches)),
             np.ascontiguousarray(kernel[tap].T, dtype)) for tap in np.ndindex(*ksize)]
    dx = np.zeros((g.shape[0] * size, in_shape[-1]), dtype)
    per_run = max(1, _SHIFT_ROWS // size)  # samples per run
    placed = (slice(None),) + tuple(slice(0, o) for o in g.shape[1:-1])

    def run(samples):
        grads = np.zeros((per_run,) + tuple(grid) + g.shape[-1:], dtype)
        product = np.empty((min(_SHIFT_ROWS, per_run * size), in_shape[-1]), dtype)
        for first in samples:
            count = min(per_run, g.shape[0] - first)
            grads[:count][placed] = g[first:first + count]
            rows = grads.reshape(-1, g.shape[-1])[:(count - 1) * size + span]
            base = first * size
            for start in range(0, len(rows), len(product)):
                block = rows[start:start + len(product)]
                out = product[:len(block)]
                for offset, tap_kernel in taps:
                    np.matmul(block, tap_kernel, out=out)
                    dx[base + start + offset:base + start + offset + len(block)] += out

    run_chunks(run, range(0, g.shape[0], per_run))
    return _unpad(dx.reshape(_padded_shape(in_shape, pads)), pads)


def _conv_kernel_grad(x, g, ksize, strides, dilation, pads):
    """Gradient of :func:`_conv_forward` w.r.t. its ``(*k, C, O)`` kernel:
    each core sums the GEMMs of its blocks, then the partial sums are added."""
    nsp = x.ndim - 2
    patches = _Patches(_patch_view(_pad(x, pads), ksize, strides, dilation), nsp)
    dtype = np.result_type(x.dtype, g.dtype)

    def run(blocks):
        buffer = patches.buffer()
        dk = np.zeros((int(np.prod(patches.view.shape[nsp + 1:])), g.shape[-1]), dtype=dtype)
        for key in blocks:
            dk += patches.gather(key, buffer).T @ g[key].reshape(-1, g.shape[-1])
        return dk

    dk = sum(run_chunks(run, patches.blocks))
    return dk.reshape(tuple(ksize) + (x.shape[-1], g.shape[-1]))


def conv_channels_last(x, kernel, strides, padding, dilation):
    """Cross-correlation of a channels-last ``(N, *in, C)`` array with a
    ``(*k, C, O)`` kernel; ``padding`` is ``'valid'``, ``'same'`` or
    ``'causal'``. The public face of this module's blocked kernels, which the
    Theano backend runs as ops of its own."""
    pads, _ = _geometry(x.shape[1:-1], kernel.shape[:-2], strides, dilation, padding)
    return _conv_forward(x, kernel, strides, dilation, pads)


def conv_channels_last_grads(x, kernel, g, strides, padding, dilation, wanted=(True, True)):
    """Gradients of :func:`conv_channels_last` w.r.t. ``x`` and ``kernel``
    (``None`` where ``wanted`` says no) for the output gradient ``g``."""
    pads, _ = _geometry(x.shape[1:-1], kernel.shape[:-2], strides, dilation, padding)
    dx = _conv_input_grad(g, kernel, x.shape, strides, dilation, pads) if wanted[0] else None
    dk = (_conv_kernel_grad(x, g, kernel.shape[:-2], strides, dilation, pads)
          if wanted[1] else None)
    return dx, dk


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
    xl, kernel, strides, dilation, _ = _conv_setup(
        x, kernel, strides, padding, data_format, dilation_rate, nsp, op)
    return _from_last(conv_channels_last(xl, kernel, strides, padding, dilation), data_format)


def _conv_vjp(g, ans, x, kernel, strides=1, padding="valid", data_format="channels_last",
              dilation_rate=1):
    nsp = np.ndim(x) - 2
    xl, kernel, strides, dilation, _ = _conv_setup(
        x, kernel, strides, padding, data_format, dilation_rate, nsp, "conv")
    dx, dk = conv_channels_last_grads(xl, kernel, _to_last(g, data_format), strides, padding,
                                      dilation, wanted=(wants_grad(x), wants_grad(kernel)))
    if dx is not None:
        dx = _from_last(dx, data_format).astype(x.dtype, copy=False)
    if dk is not None:
        dk = dk.astype(kernel.dtype, copy=False)
    return dx, dk


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
    return xl, _tuple(pool_size, nsp, "pool_size"), _tuple(strides, nsp, "strides")


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _reduce_windows(ufunc, xp, pool_size, strides, out):
    """Reduce each pooling window of ``xp`` with ``ufunc`` (``np.maximum`` or
    ``np.add``) into ``out``, tap by tap: one ufunc call per window tap over
    an ``(N, *out, C)`` view whose channels are innermost. Reducing the
    window axes of the views instead took twice as long (the MNIST convnet's
    max pooling: 3.5 against 2.0 ms on one core)."""
    w = _windows(xp, pool_size, strides, (1,) * len(pool_size))  # (N, *out, C, *pool)
    taps = [w[(Ellipsis,) + tap] for tap in np.ndindex(*pool_size)]
    if len(taps) == 1:
        np.copyto(out, taps[0])
    else:
        ufunc(taps[0], taps[1], out=out)
    for tap in taps[2:]:
        ufunc(out, tap, out=out)


def _window_counts(in_sizes, pool_size, strides, pads, outs, dtype):
    """Number of real (unpadded) cells of every window, shape ``(*out, 1)``."""
    count = np.ones((), dtype=dtype)
    for axis, (n, k, s, (before, _), o) in enumerate(
            zip(in_sizes, pool_size, strides, pads, outs)):
        start = np.arange(o) * s - before
        per_dim = (np.minimum(start + k, n) - np.maximum(start, 0)).astype(dtype)
        count = np.multiply.outer(count, per_dim)
    return count[..., None]


def _over_samples(shape, dtype, fill):
    """A new ``(N, ...)`` array of ``shape`` whose samples ``fill(batch, out)``
    writes (``out`` is the array's ``[batch]`` part), a contiguous run of
    samples per core."""
    result = np.empty(shape, dtype=dtype)
    if not shape[0]:
        return result

    def run(samples):
        batch = slice(samples[0], samples[-1] + 1)
        fill(batch, result[batch])

    run_chunks(run, range(shape[0]))
    return result


def pool_channels_last(x, pool_size, strides, padding, mode):
    """``'max'`` or ``'avg'`` pooling of a channels-last ``(N, *in, C)`` array
    (``padding`` ``'valid'`` or ``'same'``; the average ignores padded cells).
    Public for the Theano backend, which runs it as an op of its own."""
    nsp = x.ndim - 2
    pads, outs = _geometry(x.shape[1:-1], pool_size, strides, (1,) * nsp, padding)
    dtype = x.dtype if mode == "max" or x.dtype.kind == "f" else np.dtype(np.float32)
    if mode == "max":
        def fill(batch, out):
            _reduce_windows(np.maximum, _pad(x[batch], pads, _lowest(x.dtype)), pool_size,
                            strides, out)
    else:
        counts = _window_counts(x.shape[1:-1], pool_size, strides, pads, outs, dtype)

        def fill(batch, out):
            _reduce_windows(np.add, _pad(x[batch].astype(dtype, copy=False), pads), pool_size,
                            strides, out)
            np.divide(out, counts, out=out)
    return _over_samples((x.shape[0], *outs, x.shape[-1]), dtype, fill)


def pool_channels_last_grad(x, out, g, pool_size, strides, padding, mode):
    """Gradient of :func:`pool_channels_last` w.r.t. ``x``, for its result
    ``out`` and the output gradient ``g``: a max window's goes to its first
    maximum in window order."""
    nsp = x.ndim - 2
    pads, outs = _geometry(x.shape[1:-1], pool_size, strides, (1,) * nsp, padding)
    unit = (1,) * nsp
    if mode == "avg":
        counts = _window_counts(x.shape[1:-1], pool_size, strides, pads, outs, g.dtype)

        def fill(batch, dx):
            share = g[batch] / counts
            dx[...] = _scatter_taps(lambda tap: share, _padded_shape(dx.shape, pads), pool_size,
                                    strides, unit, outs, pads, g.dtype)
    elif pool_size == strides:
        def fill(batch, dx):
            _tiled_max_grad(_pad(x[batch], pads, _lowest(x.dtype)), out[batch], g[batch],
                            pool_size, outs, pads, dx)
    else:
        def fill(batch, dx):
            w = _windows(_pad(x[batch], pads, _lowest(x.dtype)), pool_size, strides, unit)
            first = _first_maxima(w, out[batch])
            dx[...] = _scatter_taps(lambda tap: first(tap) * g[batch],
                                    _padded_shape(dx.shape, pads), pool_size, strides, unit,
                                    outs, pads, g.dtype)
    return _over_samples(x.shape, g.dtype, fill)


def _first_maxima(w, best):
    """``first(tap)``: where tap ``tap`` of the windows ``w`` (a ``(N, *out,
    C, *pool)`` view) holds its window's first maximum ``best``, for taps
    asked in window order. One comparison per tap over a channels-innermost
    view, instead of an arg-max over the windows' trailing axes."""
    taken = np.zeros(best.shape, dtype=bool)

    def first(tap):
        hit = w[(Ellipsis,) + tap] == best
        np.greater(hit, taken, out=hit)  # a maximum, and no earlier one
        np.logical_or(taken, hit, out=taken)
        return hit

    return first


def _pool(x, pool_size, strides, padding, data_format, pool_mode, op):
    nsp = np.ndim(x) - 2
    xl, pool_size, strides = _pool_setup(
        x, pool_size, strides, padding, data_format, pool_mode, nsp, op)
    out = pool_channels_last(xl, pool_size, strides, padding, pool_mode)
    return _from_last(out, data_format)


def _pool_vjp(g, ans, x, pool_size=None, strides=None, padding="valid",
              data_format="channels_last", pool_mode="max"):
    nsp = np.ndim(x) - 2
    xl, pool_size, strides = _pool_setup(
        x, pool_size, strides, padding, data_format, pool_mode, nsp, "pool")
    dx = pool_channels_last_grad(xl, _to_last(ans, data_format), _to_last(g, data_format),
                                 pool_size, strides, padding, pool_mode)
    return (_from_last(dx, data_format).astype(x.dtype, copy=False),)


def _tiled_max_grad(xp, best, g, pool_size, outs, pads, dx):
    """Max pooling's input gradient when the windows tile the input (strides
    equal to the pool size), written into ``dx``: each window's gradient goes
    to its first maximum in window order. The taps do not overlap, so each
    one's share is written in place, with no scatter-add."""
    unit = (1,) * len(pool_size)
    first = _first_maxima(_windows(xp, pool_size, pool_size, unit), best)
    exact = xp.shape == dx.shape and all(  # no padding, no cells left over
        o * p == n for o, p, n in zip(outs, pool_size, xp.shape[1:-1]))
    dxp = dx if exact else np.zeros(xp.shape, dtype=dx.dtype)
    for tap in np.ndindex(*pool_size):
        key = (slice(None),) + _tap_slices(tap, pool_size, unit, outs) + (slice(None),)
        np.multiply(first(tap), g, out=dxp[key])
    if not exact:
        dx[...] = _unpad(dxp, pads)


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
