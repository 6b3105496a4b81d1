"""Op specs: convolutions (plain, depthwise, separable, transposed, local) and pooling.

References are written channels_last with one loop over kernel taps (each tap
a strided slice of the padded input); TF padding semantics: ``same`` pads
``max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)`` cells, the
extra one at the end. Tolerance atol/rtol 1e-4: float32 sums of up to ~100
products, which backends may accumulate in any order (BLAS, Winograd, FFT).
"""
import itertools

import numpy as np

from polykeras import backend as K
from op_specs import case, In, spec
from op_specs_math import W, X

F = "conv"
TOL = dict(atol=1e-4, rtol=1e-4)


def _last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _back(y, data_format):
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def _tuple(v, n):
    return tuple(v) if isinstance(v, (list, tuple)) else (v,) * n


def _same_pads(size, k, s, d):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def _windows(x, ksize, strides, padding, dilation, pad_value=0.):
    """Yield ``(tap, window)``: for each kernel tap the (b, *out, c) input slice."""
    n = x.ndim - 2
    ksize, strides, dilation = _tuple(ksize, n), _tuple(strides, n), _tuple(dilation, n)
    if padding == "same":
        pads = [_same_pads(x.shape[1 + i], ksize[i], strides[i], dilation[i]) for i in range(n)]
    elif padding == "causal":
        pads = [((ksize[i] - 1) * dilation[i], 0) for i in range(n)]
    else:
        pads = [(0, 0)] * n
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=pad_value)
    outs = [(xp.shape[1 + i] - (ksize[i] - 1) * dilation[i] - 1) // strides[i] + 1
            for i in range(n)]
    for tap in itertools.product(*[range(k) for k in ksize]):
        index = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                      for t, d, s, o in zip(tap, dilation, strides, outs))
        yield tap, xp[(slice(None),) + index]


def conv_ref(x, kernel, strides=1, padding="valid", data_format="channels_last",
             dilation_rate=1):
    """N-d cross-correlation, kernel ``(*k, in, out)``."""
    x = _last(x, data_format)
    n = x.ndim - 2
    y = sum(np.tensordot(w, kernel[tap], axes=([-1], [0]))
            for tap, w in _windows(x, kernel.shape[:n], strides, padding, dilation_rate))
    return _back(y, data_format)


def depthwise_ref(x, kernel, strides=1, padding="valid", data_format="channels_last",
                  dilation_rate=1):
    """Depthwise cross-correlation, kernel ``(*k, in, multiplier)``."""
    x = _last(x, data_format)
    n = x.ndim - 2
    y = sum(w[..., :, None] * kernel[tap]
            for tap, w in _windows(x, kernel.shape[:n], strides, padding, dilation_rate))
    return _back(y.reshape(y.shape[:-2] + (-1,)), data_format)


def separable_ref(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                  data_format="channels_last", dilation_rate=1):
    """Depthwise then pointwise (1x1) cross-correlation."""
    y = _last(depthwise_ref(x, depthwise_kernel, strides, padding, data_format, dilation_rate),
              data_format)
    pointwise = pointwise_kernel.reshape(pointwise_kernel.shape[-2:])
    return _back(np.tensordot(y, pointwise, axes=([-1], [0])), data_format)


def conv_transpose_ref(x, kernel, output_shape, strides=1, padding="valid",
                       data_format="channels_last", dilation_rate=1):
    """Transposed convolution: the adjoint of ``conv_ref``; kernel ``(*k, out, in)``."""
    x = _last(x, data_format)
    n = x.ndim - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    ksize = kernel.shape[:n]
    out = tuple(output_shape[1:-1] if data_format != "channels_first" else output_shape[2:])
    before = [_same_pads(out[i], ksize[i], strides[i], dilation[i])[0] if padding == "same"
              else 0 for i in range(n)]
    full = [(x.shape[1 + i] - 1) * strides[i] + (ksize[i] - 1) * dilation[i] + 1
            for i in range(n)]
    size = [max(f, b + o) for f, b, o in zip(full, before, out)]
    y = np.zeros((x.shape[0], *size, kernel.shape[-2]))
    for tap in itertools.product(*[range(k) for k in ksize]):
        index = tuple(slice(t * d, t * d + (i - 1) * s + 1, s)
                      for t, d, s, i in zip(tap, dilation, strides, x.shape[1:-1]))
        y[(slice(None),) + index] += np.tensordot(x, kernel[tap], axes=([-1], [1]))
    crop = tuple(slice(b, b + o) for b, o in zip(before, out))
    return _back(y[(slice(None),) + crop], data_format)


def pool_ref(x, pool_size, strides=None, padding="valid", data_format="channels_last",
             pool_mode="max"):
    """Max pooling, or average pooling that ignores padded cells."""
    x = _last(x, data_format)
    strides = strides or pool_size
    if pool_mode == "max":
        windows = [w for _, w in _windows(x, pool_size, strides, padding, 1, -np.inf)]
        return _back(np.max(windows, axis=0), data_format)
    total = sum(w for _, w in _windows(x, pool_size, strides, padding, 1))
    count = sum(w for _, w in _windows(np.ones_like(x), pool_size, strides, padding, 1))
    return _back(total / count, data_format)


def _conv(name):
    return lambda x, k, **kw: getattr(K, name)(x, k, **kw)


CL, CF = "channels_last", "channels_first"

spec("conv1d", _conv("conv1d"), conv_ref, [
    case("valid", X(2, 7, 3), W(3, 3, 4), data_format=CL),
    case("same_stride2", X(2, 7, 3), W(3, 3, 4), strides=2, padding="same", data_format=CL),
    case("causal_dilated", X(2, 7, 3), W(2, 3, 2), padding="causal", dilation_rate=2,
         data_format=CL),
    case("channels_first_same", X(2, 3, 7), W(3, 3, 2), padding="same", data_format=CF),
    case("dilated_valid", X(2, 8, 2), W(3, 2, 2), dilation_rate=2, data_format=CL),
], family=F, grad=True, **TOL)
spec("conv2d", _conv("conv2d"), conv_ref, [
    case("valid", X(2, 5, 5, 2), W(3, 3, 2, 3), data_format=CL),
    case("same", X(2, 5, 4, 2), W(3, 2, 2, 3), padding="same", data_format=CL),
    case("same_stride2", X(2, 5, 5, 2), W(3, 3, 2, 2), strides=(2, 2), padding="same",
         data_format=CL),
    case("same_stride2_even", X(2, 6, 6, 1), W(3, 3, 1, 2), strides=(2, 2), padding="same",
         data_format=CL),
    case("valid_stride21", X(2, 5, 5, 2), W(2, 2, 2, 2), strides=(2, 1), data_format=CL),
    case("dilated_same", X(2, 5, 5, 2), W(2, 2, 2, 2), padding="same", dilation_rate=(2, 2),
         data_format=CL),
    case("channels_first_same_stride2", X(2, 2, 6, 5), W(3, 3, 2, 3), strides=(2, 2),
         padding="same", data_format=CF),
    case("channels_first_valid", X(2, 3, 4, 4), W(2, 2, 3, 2), data_format=CF),
    case("variable_kernel", X(2, 4, 4, 2), In((2, 2, 2, 3), kind="variable"), data_format=CL),
], family=F, grad=True, **TOL)
spec("conv3d", _conv("conv3d"), conv_ref, [
    case("valid", X(2, 4, 3, 4, 2), W(2, 2, 2, 2, 3), data_format=CL),
    case("same_stride2_cf", X(2, 2, 4, 4, 3), W(3, 3, 2, 2, 2), strides=(2, 2, 2),
         padding="same", data_format=CF),
    case("dilated", X(2, 4, 4, 4, 1), W(2, 2, 2, 1, 2), dilation_rate=(2, 1, 2),
         data_format=CL),
], family=F, grad=True, **TOL)
spec("depthwise_conv2d", _conv("depthwise_conv2d"), depthwise_ref, [
    case("valid", X(2, 5, 5, 2), W(3, 3, 2, 2), data_format=CL),
    case("same_stride2", X(2, 5, 5, 3), W(3, 3, 3, 1), strides=(2, 2), padding="same",
         data_format=CL),
    case("channels_first", X(2, 2, 5, 4), W(2, 3, 2, 3), padding="same", data_format=CF),
    case("dilated_same", X(2, 5, 5, 2), W(2, 2, 2, 2), padding="same", dilation_rate=(2, 2),
         data_format=CL),
], family=F, grad=True, **TOL)
spec("separable_conv2d", lambda x, d, p, **kw: K.separable_conv2d(x, d, p, **kw),
     separable_ref, [
         case("valid", X(2, 5, 5, 2), W(3, 3, 2, 2), W(1, 1, 4, 3), data_format=CL),
         case("same_stride2_cf", X(2, 2, 5, 5), W(3, 3, 2, 1), W(1, 1, 2, 3), strides=(2, 2),
              padding="same", data_format=CF),
         case("dilated", X(2, 5, 5, 2), W(2, 2, 2, 1), W(1, 1, 2, 2), padding="same",
              dilation_rate=(2, 2), data_format=CL),
     ], family=F, grad=True, **TOL)
spec("separable_conv1d", lambda x, d, p, **kw: K.separable_conv1d(x, d, p, **kw),
     separable_ref, [
         case("valid", X(2, 7, 2), W(3, 2, 2), W(1, 4, 3), data_format=CL),
         case("same_stride2_cf", X(2, 2, 7), W(3, 2, 1), W(1, 2, 3), strides=2,
              padding="same", data_format=CF),
     ], family=F, grad=True, **TOL)
spec("conv2d_transpose",
     lambda x, k, output_shape, **kw: K.conv2d_transpose(x, k, output_shape, **kw),
     conv_transpose_ref, [
         case("same_stride2", X(2, 3, 3, 2), W(3, 3, 4, 2), output_shape=(2, 6, 6, 4),
              strides=(2, 2), padding="same", data_format=CL),
         case("same_stride2_odd", X(2, 3, 3, 2), W(3, 3, 3, 2), output_shape=(2, 5, 5, 3),
              strides=(2, 2), padding="same", data_format=CL),
         case("valid_stride2", X(2, 3, 2, 2), W(3, 2, 2, 2), output_shape=(2, 7, 4, 2),
              strides=(2, 2), padding="valid", data_format=CL),
         case("same_stride1", X(2, 3, 3, 2), W(2, 2, 3, 2), output_shape=(2, 3, 3, 3),
              padding="same", data_format=CL),
         case("channels_first", X(2, 2, 3, 3), W(3, 3, 3, 2), output_shape=(2, 3, 6, 6),
              strides=(2, 2), padding="same", data_format=CF),
         case("dilated", X(2, 3, 3, 2), W(2, 2, 2, 2), output_shape=(2, 6, 6, 2),
              padding="valid", dilation_rate=(3, 3), data_format=CL),
     ], family=F, grad=True, **TOL)
spec("conv2d_transpose",
     lambda x, k, output_shape, **kw: K.conv2d_transpose(
         x, k, [K.shape(x)[0]] + list(output_shape[1:]), **kw),
     conv_transpose_ref, [
         case("dynamic_batch", X(2, 3, 3, 2), W(3, 3, 4, 2), output_shape=(2, 6, 6, 4),
              strides=(2, 2), padding="same", data_format=CL),
     ], family=F, grad=True, **TOL)
spec("conv3d_transpose",
     lambda x, k, output_shape, **kw: K.conv3d_transpose(x, k, output_shape, **kw),
     conv_transpose_ref, [
         case("same_stride2", X(2, 2, 2, 2, 2), W(2, 2, 2, 3, 2),
              output_shape=(2, 4, 4, 4, 3), strides=(2, 2, 2), padding="same",
              data_format=CL),
         case("valid_stride1_cf", X(2, 2, 2, 3, 2), W(2, 2, 2, 2, 2),
              output_shape=(2, 2, 3, 4, 3), padding="valid", data_format=CF),
     ], family=F, grad=True, **TOL)
spec("pool2d", lambda x, pool_size, **kw: K.pool2d(x, pool_size, **kw), pool_ref, [
    case("max_valid", X(2, 5, 5, 2), pool_size=(2, 2), strides=(2, 2), data_format=CL),
    case("avg_same", X(2, 5, 5, 2), pool_size=(3, 3), strides=(2, 2), padding="same",
         data_format=CL, pool_mode="avg"),
    case("max_same_stride1", X(2, 4, 5, 2), pool_size=(2, 2), strides=(1, 1),
         padding="same", data_format=CL),
    case("avg_valid_cf", X(2, 2, 5, 4), pool_size=(2, 2), strides=(1, 1),
         data_format=CF, pool_mode="avg"),
    case("max_same_cf", X(2, 2, 5, 5), pool_size=(3, 2), strides=(2, 2), padding="same",
         data_format=CF),
], family=F, grad=True, **TOL)
spec("pool3d", lambda x, pool_size, **kw: K.pool3d(x, pool_size, **kw), pool_ref, [
    case("max_valid", X(2, 4, 4, 4, 2), pool_size=(2, 2, 2), strides=(2, 2, 2),
         data_format=CL),
    case("avg_same_cf", X(2, 2, 3, 4, 3), pool_size=(2, 3, 2), strides=(2, 2, 2),
         padding="same", data_format=CF, pool_mode="avg"),
], family=F, grad=True, **TOL)


def local_conv1d_ref(x, kernel, kernel_size, strides, data_format=None):
    """Unshared-weight 1D convolution, kernel ``(out_len, k * in, filters)``."""
    k, s = kernel_size[0], strides[0]
    return np.stack([x[:, i * s:i * s + k, :].reshape(len(x), -1) @ kernel[i]
                     for i in range(kernel.shape[0])], axis=1)


def local_conv2d_ref(x, kernel, kernel_size, strides, output_shape, data_format=None):
    """Unshared-weight 2D convolution; patches flatten as (kh, kw, in) channels_last,
    (in, kh, kw) channels_first, as Keras 2 does."""
    (kh, kw), (sh, sw), (oh, ow) = kernel_size, strides, output_shape
    rows = []
    for i in range(oh):
        cols = []
        for j in range(ow):
            if data_format == CF:
                patch = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            else:
                patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            cols.append(patch.reshape(len(x), -1) @ kernel[i * ow + j])
        rows.append(np.stack(cols, axis=1))
    y = np.stack(rows, axis=1)
    return np.moveaxis(y, -1, 1) if data_format == CF else y


spec("local_conv1d", lambda x, k, **kw: K.local_conv1d(x, k, **kw), local_conv1d_ref, [
    case("stride1", X(2, 6, 3), W(4, 9, 2), kernel_size=(3,), strides=(1,), data_format=CL),
    case("stride2", X(2, 6, 2), W(2, 6, 3), kernel_size=(3,), strides=(2,), data_format=CL),
], family=F, grad=True, **TOL)
spec("local_conv2d", lambda x, k, **kw: K.local_conv2d(x, k, **kw), local_conv2d_ref, [
    case("channels_last", X(2, 4, 4, 2), W(9, 8, 3), kernel_size=(2, 2), strides=(1, 1),
         output_shape=(3, 3), data_format=CL),
    case("channels_first_stride2", X(2, 2, 5, 4), W(4, 12, 2), kernel_size=(3, 2),
         strides=(2, 2), output_shape=(2, 2), data_format=CF),
], family=F, grad=True, **TOL)
