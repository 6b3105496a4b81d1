"""Theano/PyTensor backend: convolution and pooling.

Kernels use the Keras/TensorFlow layout and cross-correlation. Inputs are
moved to channels-last, ``'same'`` padding follows TensorFlow (the odd cell
goes at the end), and the op runs:

* on Theano, 1- to 3-D convolutions and pooling as the ops of
  :mod:`.theano_conv` (the NumPy backend's kernels); transposed
  convolutions through the ``nnet`` abstract convolution ops
  (``filter_flip=False``, kernel moved to ``(out, in, *k)``), with
  ``'same'`` padding applied explicitly;
* on PyTensor, pooling whose strides equal its pool size as one reduction
  over a reshape;
* everywhere else (PyTensor 3, which has neither; depthwise convolution),
  as a sum over kernel taps: each tap is one strided slice of
  the input contracted with that tap's ``(in, out)`` kernel matrix, which the
  library differentiates like any other graph.
"""
import itertools

import numpy as np


class ConvOps:
    """The conv primitives."""

    # --- layout helpers -----------------------------------------------------------

    def _to_last(self, x, data_format):
        x = self._tensor(x)
        if data_format == "channels_first":
            return x.dimshuffle([0] + list(range(2, x.ndim)) + [1])
        return x

    def _from_last(self, x, data_format):
        if data_format == "channels_first":
            return x.dimshuffle([0, x.ndim - 1] + list(range(1, x.ndim - 1)))
        return x

    def _spatial_pads(self, x, kernel_size, strides, dilation):
        """Symbolic ``(before, after)`` per spatial axis of channels-last ``x``
        for TensorFlow ``'same'`` padding."""
        T = self.T
        pads = []
        for i, (k, s, d) in enumerate(zip(kernel_size, strides, dilation)):
            length = x.shape[i + 1]
            out = (length + s - 1) // s
            total = T.maximum((out - 1) * s + (k - 1) * d + 1 - length, 0)
            pads.append((total // 2, total - total // 2))
        return pads

    def _pad_with(self, x, pads, value):
        """Channels-last ``x`` padded on its spatial axes with ``value``.

        Built by concatenation: ``set_subtensor`` with symbolic bounds sends
        Theano's graph optimizer into an endless loop once differentiated.
        """
        T = self.T
        fill = np.asarray(value, dtype=x.dtype)
        for i, (before, after) in enumerate(pads):
            axis = i + 1
            parts = []
            for size in (before, after):
                if isinstance(size, int) and size == 0:
                    parts.append(None)
                    continue
                shape = [x.shape[j] if j != axis else size for j in range(x.ndim)]
                parts.append(T.alloc(fill, *[T.cast(d, "int64") for d in shape]))
            pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
            if len(pieces) > 1:
                x = T.concatenate(pieces, axis=axis)
        return x

    def _taps(self, x, kernel_size, strides, dilation):
        """Yield ``(tap_index, slice_of_x)`` for a valid sliding window over the
        spatial axes of channels-last ``x``."""
        out_lengths = [(x.shape[i + 1] - (k - 1) * d - 1) // s + 1
                       for i, (k, s, d) in enumerate(zip(kernel_size, strides, dilation))]
        for tap in itertools.product(*[range(k) for k in kernel_size]):
            key = [slice(None)]
            for t, s, d, n in zip(tap, strides, dilation, out_lengths):
                key.append(slice(t * d, t * d + s * (n - 1) + 1, s))
            yield tap, x[tuple(key)]

    # --- convolutions -------------------------------------------------------------------

    def _conv(self, x, kernel, strides, padding, data_format, dilation_rate):
        """N-d cross-correlation with a ``(*k, in, out)`` kernel."""
        T = self.T
        x = self._to_last(x, data_format)
        kernel = self._tensor(kernel)
        nd = kernel.ndim - 2
        strides = tuple(strides) if strides else (1,) * nd
        dilation = tuple(dilation_rate) if dilation_rate else (1,) * nd
        if padding not in ("valid", "same"):
            raise ValueError(f"Expected padding 'valid' or 'same'. Received: padding={padding!r}")
        if self.lib.conv_ops is not None:
            out = self.lib.conv_ops.Conv(strides, padding, dilation)(x, kernel)
            return self._from_last(out, data_format)
        ksize = self._static_kernel_size(kernel, nd)
        if padding == "same":
            x = self._pad_with(x, self._spatial_pads(x, ksize, strides, dilation), 0)
        out = None
        for tap, window in self._taps(x, ksize, strides, dilation):
            term = T.tensordot(window, kernel[tap], axes=[[x.ndim - 1], [0]])
            out = term if out is None else out + term
        return self._from_last(out, data_format)

    def conv1d(self, x, kernel, strides=(1,), padding="valid", data_format="channels_last",
               dilation_rate=(1,)):
        """1-D cross-correlation; kernel ``(k, in, out)``."""
        return self._conv(x, kernel, strides, padding, data_format, dilation_rate)

    def conv2d(self, x, kernel, strides=(1, 1), padding="valid", data_format="channels_last",
               dilation_rate=(1, 1)):
        """2-D cross-correlation; kernel ``(kh, kw, in, out)``."""
        return self._conv(x, kernel, strides, padding, data_format, dilation_rate)

    def conv3d(self, x, kernel, strides=(1, 1, 1), padding="valid",
               data_format="channels_last", dilation_rate=(1, 1, 1)):
        """3-D cross-correlation; kernel ``(kd, kh, kw, in, out)``."""
        return self._conv(x, kernel, strides, padding, data_format, dilation_rate)

    def depthwise_conv2d(self, x, depthwise_kernel, strides=(1, 1), padding="valid",
                         data_format="channels_last", dilation_rate=(1, 1)):
        """Per-channel 2-D cross-correlation; kernel ``(kh, kw, in, multiplier)``,
        output channel ``c * multiplier + m``."""
        T = self.T
        x = self._to_last(x, data_format)
        kernel = self._tensor(depthwise_kernel)
        native = self.lib.abstract_conv is not None
        ksize = self._static_kernel_size(kernel, 2, required=not native)
        strides = tuple(strides)
        dilation = tuple(dilation_rate) if dilation_rate else (1, 1)
        if padding == "same":
            x = self._pad_with(x, self._spatial_pads(x, ksize, strides, dilation), 0)
        if native:
            out = self._native_depthwise(x.dimshuffle(0, 3, 1, 2), kernel, strides, dilation)
            return self._from_last(out.dimshuffle(0, 2, 3, 1), data_format)
        out = None
        for tap, window in self._taps(x, ksize, strides, dilation):
            term = window.dimshuffle(0, 1, 2, 3, "x") * kernel[tap].dimshuffle("x", "x", "x", 0, 1)
            out = term if out is None else out + term
        shape = [out.shape[0], out.shape[1], out.shape[2], out.shape[3] * out.shape[4]]
        out = T.reshape(out, T.stack(shape), ndim=4)
        return self._from_last(out, data_format)

    def _native_depthwise(self, xf, kernel, strides, dilation):
        """Depthwise conv of channels-first ``xf`` with Theano's abstract conv:
        a grouped conv (one group per channel) when the channel count is
        static, else a full conv with a block-diagonal kernel."""
        T = self.T
        conv2d = self.lib.abstract_conv.conv2d
        cin, mult = kernel.shape[2], kernel.shape[3]
        try:
            groups = int(self._static_kernel_size(kernel, 3)[2])
        except ValueError:
            groups = None
        if groups is not None:
            # filter c * multiplier + m reads input channel c
            kf = T.reshape(kernel.dimshuffle(2, 3, 0, 1),
                           T.stack([cin * mult, 1, kernel.shape[0], kernel.shape[1]]), ndim=4)
            return conv2d(xf, kf, border_mode="valid", subsample=strides, filter_flip=False,
                          filter_dilation=dilation, num_groups=groups)
        eye = T.eye(cin, dtype=kernel.dtype).dimshuffle(0, "x", 1, "x", "x")
        blocks = kernel.dimshuffle(2, 3, "x", 0, 1) * eye
        kf = T.reshape(blocks, T.stack([cin * mult, cin, kernel.shape[0], kernel.shape[1]]),
                       ndim=4)
        return conv2d(xf, kf, border_mode="valid", subsample=strides, filter_flip=False,
                      filter_dilation=dilation)

    def _static_kernel_size(self, kernel, nd, required=True):
        """The spatial kernel size as ints (symbolic sizes allowed if not ``required``)."""
        if hasattr(kernel, "get_value"):
            return list(kernel.get_value(borrow=True).shape[:nd])
        if isinstance(kernel, self.T.TensorConstant):
            return list(kernel.data.shape[:nd])
        shape = getattr(kernel.type, "shape", None)
        if shape is not None and all(s is not None for s in shape[:nd]):
            return list(shape[:nd])
        if not required:
            return [kernel.shape[i] for i in range(nd)]
        raise ValueError(f"The {self.name} backend needs convolution kernels of static "
                         f"spatial size. Received: {kernel}")

    def _conv_transpose(self, x, kernel, output_shape, strides, padding, data_format,
                        dilation_rate):
        """The gradient of a ``(*k, out, in)`` cross-correlation with respect to
        its input, of spatial size ``output_shape``."""
        T = self.T
        x = self._to_last(x, data_format)
        kernel = self._tensor(kernel)
        nd = kernel.ndim - 2
        native = self.lib.abstract_conv is not None and nd in (2, 3)
        ksize = self._static_kernel_size(kernel, nd, required=not native)
        strides = tuple(strides) if strides else (1,) * nd
        dilation = tuple(dilation_rate) if dilation_rate else (1,) * nd
        output_shape = list(output_shape)
        if data_format == "channels_first":
            spatial, channels = output_shape[2:], output_shape[1]
        else:
            spatial, channels = output_shape[1:-1], output_shape[-1]
        # Sizes unknown until run time (inputs with ``None`` spatial axes) stay symbolic.
        spatial = [int(s) if isinstance(s, (int, np.integer)) else s for s in spatial]
        both_int = lambda a, b: isinstance(a, int) and isinstance(b, int)  # noqa: E731
        maximum = lambda a, b: max(a, b) if both_int(a, b) else T.maximum(a, b)  # noqa: E731
        befores, buffer, in_lengths = [], [], []
        for length, k, s, d in zip(spatial, ksize, strides, dilation):
            extent = (k - 1) * d + 1
            if padding == "same":
                n = -(-length // s)
                before = maximum((n - 1) * s + extent - length, 0) // 2
            else:
                before, n = 0, (length - extent) // s + 1
            befores.append(before)
            in_lengths.append(n)
            buffer.append(maximum(before + length, (n - 1) * s + extent))
        if native:
            grad_inputs = (self.lib.abstract_conv.conv2d_grad_wrt_inputs if nd == 2 else
                           self.lib.abstract_conv.conv3d_grad_wrt_inputs)
            xf = x.dimshuffle([0, nd + 1] + list(range(1, nd + 1)))
            kf = kernel.dimshuffle([nd + 1, nd] + list(range(nd)))
            full = grad_inputs(xf, kf, input_shape=[None, int(channels)] + buffer,
                               border_mode="valid", subsample=strides, filter_flip=False,
                               filter_dilation=dilation)
            full = full.dimshuffle([0] + list(range(2, nd + 2)) + [1])
        else:
            full = T.zeros([x.shape[0]] + buffer + [int(channels)], dtype=x.dtype)
            for tap in itertools.product(*[range(k) for k in ksize]):
                key = [slice(None)]
                for t, s, d, n in zip(tap, strides, dilation, in_lengths):
                    key.append(slice(t * d, t * d + s * (n - 1) + 1, s))
                key.append(slice(None))
                term = T.tensordot(x, kernel[tap], axes=[[x.ndim - 1], [1]])
                full = T.inc_subtensor(full[tuple(key)], term)
        crop = (slice(None),) + tuple(slice(b, b + n) for b, n in zip(befores, spatial))
        return self._from_last(full[crop], data_format)

    def conv2d_transpose(self, x, kernel, output_shape, strides=(1, 1), padding="valid",
                         data_format="channels_last", dilation_rate=(1, 1)):
        """2-D transposed convolution; kernel ``(kh, kw, out, in)``."""
        return self._conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                                    dilation_rate)

    def conv3d_transpose(self, x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                         data_format="channels_last"):
        """3-D transposed convolution; kernel ``(kd, kh, kw, out, in)``."""
        return self._conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                                    (1, 1, 1))

    # --- pooling ----------------------------------------------------------------------------

    def _pool(self, x, pool_size, strides, padding, data_format, pool_mode):
        T = self.T
        if pool_mode not in ("max", "avg"):
            raise ValueError(f"Expected pool_mode 'max' or 'avg'. Received: {pool_mode!r}")
        x = self._to_last(x, data_format)
        nd = x.ndim - 2
        pool_size, strides = tuple(pool_size), tuple(strides)
        if padding not in ("same", "valid"):
            raise ValueError(f"Expected padding 'valid' or 'same'. Received: padding={padding!r}")
        if self.lib.conv_ops is not None:
            out = self.lib.conv_ops.Pool(pool_size, strides, padding, pool_mode)(x)
            return self._from_last(out, data_format)
        pads = (self._spatial_pads(x, pool_size, strides, (1,) * nd) if padding == "same"
                else [(0, 0)] * nd)
        if pool_mode == "max":
            info = np.finfo(x.dtype) if x.dtype.startswith("float") else np.iinfo(x.dtype)
            padded = self._pad_with(x, pads, info.min)
            return self._from_last(self._pool_reduce(padded, pool_size, strides, "max"),
                                   data_format)
        padded = self._pad_with(x, pads, 0)
        total = self._pool_reduce(padded, pool_size, strides, "sum")
        if padding == "valid":
            return self._from_last(total / np.prod(pool_size).astype(x.dtype), data_format)
        mask = T.ones([1] + [x.shape[i + 1] for i in range(nd)] + [1], dtype=x.dtype)
        counts = self._pool_reduce(self._pad_with(mask, pads, 0), pool_size, strides, "sum")
        return self._from_last(total / counts, data_format)

    def _pool_reduce(self, x, pool_size, strides, mode):
        """Max or sum over valid windows of channels-last ``x``."""
        T = self.T
        nd = len(pool_size)
        if pool_size == strides:
            return self._tiled_reduce(x, pool_size, mode)
        out = None
        for _, window in self._taps(x, pool_size, strides, (1,) * nd):
            if out is None:
                out = window
            else:
                out = T.maximum(out, window) if mode == "max" else out + window
        return out

    def _tiled_reduce(self, x, pool_size, mode):
        """Max or sum over windows that tile channels-last ``x`` (strides equal
        to the pool size): one reduction over the ``p`` axes of its
        ``(N, out1, p1, out2, p2, ..., C)`` reshape, with channels innermost."""
        nd = len(pool_size)
        outs = [x.shape[i + 1] // p for i, p in enumerate(pool_size)]
        cropped = x[(slice(None),) + tuple(slice(0, o * p) for o, p in zip(outs, pool_size))]
        shape = [x.shape[0]]
        for o, p in zip(outs, pool_size):
            shape += [o, p]
        tiles = cropped.reshape(shape + [x.shape[nd + 1]], ndim=2 * nd + 2)
        axes = tuple(2 + 2 * i for i in range(nd))
        return tiles.max(axis=axes) if mode == "max" else tiles.sum(axis=axes)

    def pool2d(self, x, pool_size, strides=(1, 1), padding="valid",
               data_format="channels_last", pool_mode="max"):
        """2-D max or average pooling (average ignores padded cells)."""
        return self._pool(x, pool_size, strides, padding, data_format, pool_mode)

    def pool3d(self, x, pool_size, strides=(1, 1, 1), padding="valid",
               data_format="channels_last", pool_mode="max"):
        """3-D max or average pooling (average ignores padded cells)."""
        return self._pool(x, pool_size, strides, padding, data_format, pool_mode)
