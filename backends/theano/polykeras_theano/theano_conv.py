"""Theano ops that run the NumPy backend's convolution and pooling kernels.

Theano's CPU convolution (``CorrMM`` and its two gradients) unrolls the
whole batch's patches at once and multiplies them without a tuned BLAS in
this environment; the NumPy backend's kernels gather cache-sized blocks and
share them out among the cores (:mod:`polykeras_numpy.parallel`). On the
MNIST convnet's training step the three ops below take about half the time
of Theano's. Pooling runs the NumPy kernels too (tiling windows reduce a
reshape with channels innermost; Theano's pooling ops want channels
first). Everything works channels-last with Keras ``(*k, in, out)``
kernels, so no layout shuffles surround the ops, in 1, 2 and 3 dimensions.

Only first derivatives are defined: differentiating a convolution's or a
pooling's gradient again raises Theano's "gradient not implemented" error.
"""
import numpy as np
import theano.tensor as T
from theano.gradient import grad_not_implemented
from theano.graph.basic import Apply
from theano.graph.op import Op

from polykeras_numpy.conv import (conv_channels_last, conv_channels_last_grads, pool_channels_last,
                                  pool_channels_last_grad)


class NumpyKernelOp(Op):
    """An op running a NumPy backend kernel; a function containing one runs
    with the cores held (:func:`polykeras_numpy.parallel.cores`)."""

    def grad(self, inputs, output_grads):
        return [grad_not_implemented(self, i, v) for i, v in enumerate(inputs)]


class _ConvOp(NumpyKernelOp):
    __props__ = ("strides", "padding", "dilation")

    def __init__(self, strides, padding, dilation):
        if padding not in ("valid", "same", "causal"):
            raise ValueError("Expected padding 'valid', 'same' or 'causal'. "
                             f"Received: padding={padding!r}")
        self.strides, self.padding, self.dilation = tuple(strides), padding, tuple(dilation)

    def _grads(self, inputs, wanted):
        x, kernel, g = inputs
        return conv_channels_last_grads(x, kernel, g, self.strides, self.padding,
                                        self.dilation, wanted)


class Conv(_ConvOp):
    """Cross-correlation of channels-last ``x`` with a ``(*k, in, out)`` kernel."""

    def make_node(self, x, kernel):
        x, kernel = T.as_tensor_variable(x), T.as_tensor_variable(kernel)
        if x.ndim != len(self.strides) + 2 or kernel.ndim != x.ndim:
            raise ValueError(f"Conv{len(self.strides)}D expects an input and a kernel of "
                             f"rank {len(self.strides) + 2}. Received: input rank {x.ndim}, "
                             f"kernel rank {kernel.ndim}")
        dtype = np.result_type(x.dtype, kernel.dtype).name
        broadcastable = (x.broadcastable[0],) + (False,) * (x.ndim - 2) + (
            kernel.broadcastable[-1],)
        return Apply(self, [x, kernel], [T.TensorType(dtype, broadcastable)()])

    def perform(self, node, inputs, outputs):
        x, kernel = inputs
        outputs[0][0] = conv_channels_last(x, kernel, self.strides, self.padding,
                                           self.dilation)

    def infer_shape(self, fgraph, node, shapes):
        x_shape, k_shape = shapes
        spatial = []
        for n, k, s, d in zip(x_shape[1:-1], k_shape[:-2], self.strides, self.dilation):
            if self.padding == "valid":
                spatial.append((n - (k - 1) * d - 1) // s + 1)
            elif self.padding == "same":
                spatial.append((n + s - 1) // s)
            else:
                spatial.append((n - 1) // s + 1)
        return [(x_shape[0],) + tuple(spatial) + (k_shape[-1],)]

    def grad(self, inputs, output_grads):
        x, kernel = inputs
        props = (self.strides, self.padding, self.dilation)
        return [ConvInputGrad(*props)(x, kernel, output_grads[0]),
                ConvKernelGrad(*props)(x, kernel, output_grads[0])]


class ConvInputGrad(_ConvOp):
    """Gradient of :class:`Conv` w.r.t. its input (``x`` gives only its shape)."""

    def make_node(self, x, kernel, g):
        x, kernel, g = (T.as_tensor_variable(v) for v in (x, kernel, g))
        return Apply(self, [x, kernel, g], [x.type()])

    def perform(self, node, inputs, outputs):
        dx, _ = self._grads(inputs, (True, False))
        outputs[0][0] = dx.astype(node.outputs[0].dtype, copy=False)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]


class ConvKernelGrad(_ConvOp):
    """Gradient of :class:`Conv` w.r.t. its kernel."""

    def make_node(self, x, kernel, g):
        x, kernel, g = (T.as_tensor_variable(v) for v in (x, kernel, g))
        return Apply(self, [x, kernel, g], [kernel.type()])

    def perform(self, node, inputs, outputs):
        _, dk = self._grads(inputs, (False, True))
        outputs[0][0] = dk.astype(node.outputs[0].dtype, copy=False)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]


class Pool(NumpyKernelOp):
    """``'max'`` or ``'avg'`` pooling of channels-last ``x``."""

    __props__ = ("pool_size", "strides", "padding", "mode")

    def __init__(self, pool_size, strides, padding, mode):
        if padding not in ("valid", "same") or mode not in ("max", "avg"):
            raise ValueError("Expected padding 'valid' or 'same' and mode 'max' or 'avg'. "
                             f"Received: padding={padding!r}, mode={mode!r}")
        self.pool_size, self.strides = tuple(pool_size), tuple(strides)
        self.padding, self.mode = padding, mode

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        if x.ndim != len(self.pool_size) + 2:
            raise ValueError(f"Pooling{len(self.pool_size)}D expects an input of rank "
                             f"{len(self.pool_size) + 2}. Received: input rank {x.ndim}")
        dtype = x.dtype if self.mode == "max" or x.dtype.startswith("float") else "float32"
        broadcastable = (x.broadcastable[0],) + (False,) * (x.ndim - 2) + (x.broadcastable[-1],)
        return Apply(self, [x], [T.TensorType(dtype, broadcastable)()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = pool_channels_last(inputs[0], self.pool_size, self.strides,
                                           self.padding, self.mode)

    def infer_shape(self, fgraph, node, shapes):
        (x_shape,) = shapes
        spatial = [(n - k) // s + 1 if self.padding == "valid" else (n + s - 1) // s
                   for n, k, s in zip(x_shape[1:-1], self.pool_size, self.strides)]
        return [(x_shape[0],) + tuple(spatial) + (x_shape[-1],)]

    def grad(self, inputs, output_grads):
        (x,) = inputs
        return [PoolGrad(self.pool_size, self.strides, self.padding, self.mode)(
            x, self(x), output_grads[0])]


class PoolGrad(Pool):
    """Gradient of :class:`Pool` w.r.t. its input, given its output."""

    def make_node(self, x, out, g):
        x, out, g = (T.as_tensor_variable(v) for v in (x, out, g))
        return Apply(self, [x, out, g], [x.type()])

    def perform(self, node, inputs, outputs):
        x, out, g = inputs
        dx = pool_channels_last_grad(x, out, g, self.pool_size, self.strides, self.padding,
                                     self.mode)
        outputs[0][0] = dx.astype(node.outputs[0].dtype, copy=False)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    grad = NumpyKernelOp.grad  # first derivatives only
