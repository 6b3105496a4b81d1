"""The compilation mode of Theano functions (Theano only, not PyTensor).

Theano's default mode, with these changes for a training step:

* Memory. Unless the user set Theano's ``allow_gc`` flag, the linker keeps
  each function's intermediate arrays between calls (``cvm_nogc``):
  freeing and reallocating them cost the MNIST convnet's step thousands of
  page faults, a fifth of its time, for memory the next call needs again.
  The price is that this memory stays allocated while the function lives.
* Sums over leading axes (the gradient of a bias added to a
  ``(batch, h, w, channels)`` tensor) become a product with a vector of
  ones, one BLAS ``gemv`` (:func:`leading_sum_as_gemv`). Theano's own
  reduction walks such a sum with a float64 accumulator, about five times
  slower; like NumPy and TensorFlow, the ``gemv`` accumulates in the
  tensor's float type.
* Matrix products (``Dot22``) run :func:`polykeras_numpy.parallel.matmul`
  (:class:`MatMul`): while a function with convolutions holds the cores
  (BLAS single-threaded), a large product is split in bands over them;
  otherwise it is NumPy's product, threaded by BLAS, as ``Dot22`` was.
* A product scaled by a scalar stays a product and a multiplication, which
  fusion folds into the elementwise op that follows. Theano's
  ``local_dot22_to_dot22scalar`` made ``lr * dot(x.T, d)`` a second product
  (``Dot22Scalar``) beside the ``dot(x.T, d)`` that an optimizer's other
  terms read: every weight gradient was computed twice.

A mode other than the plain ``Mode`` (``DebugMode``, ``NanGuardMode``,
profiling...) is left unchanged.
"""
import numpy as np
from polykeras_numpy.parallel import matmul
from theano import config, scalar
from theano import tensor as T
from theano.compile.mode import Mode, get_default_mode
from theano.gradient import grad_not_implemented
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.opt import in2out, local_optimizer
from theano.tensor.blas import Dot22
from theano.tensor.elemwise import CAReduce

# Position in Theano's optimizer sequence (``theano.compile.optdb``): after
# "uncanonicalize" (3), which would turn the product back into a sum.
_SUM_POSITION = 3.7


def training_mode():
    """Theano's default compilation mode with the changes of this module."""
    mode = get_default_mode()
    if type(mode) is not Mode:
        return mode
    if mode.provided_linker == "cvm" and type(config).allow_gc.is_default:
        mode = Mode(linker="cvm_nogc", optimizer=mode.provided_optimizer)
    return mode.excluding("local_dot22_to_dot22scalar").register(
        (in2out(leading_sum_as_gemv), _SUM_POSITION), (in2out(dot22_as_matmul), _SUM_POSITION))


@local_optimizer([CAReduce])
def leading_sum_as_gemv(fgraph, node):
    """A float sum over the leading axes of ``x`` -> ``ones @ x.reshape(rows, rest)``."""
    op = node.op
    if not isinstance(op, CAReduce) or not isinstance(op.scalar_op, scalar.Add):
        return None
    x, out = node.inputs[0], node.outputs[0]
    if op.axis is None or x.dtype not in ("float32", "float64") or out.dtype != x.dtype:
        return None
    leading = len(op.axis)
    if sorted(op.axis) != list(range(leading)) or leading == x.ndim:
        return None
    rows = T.prod(x.shape[:leading])
    ones = T.ones((rows,), dtype=x.dtype)
    total = T.dot(ones, x.reshape((rows, -1), ndim=2))
    total = total.reshape(x.shape[leading:], ndim=x.ndim - leading)
    return [T.patternbroadcast(total, out.broadcastable)]


class MatMul(Op):
    """The product of two matrices by :func:`polykeras_numpy.parallel.matmul`."""

    __props__ = ()

    def make_node(self, x, y):
        x, y = T.as_tensor_variable(x), T.as_tensor_variable(y)
        out = T.TensorType(np.result_type(x.dtype, y.dtype).name,
                           (x.broadcastable[0], y.broadcastable[1]))()
        return Apply(self, [x, y], [out])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = matmul(*inputs)

    def infer_shape(self, fgraph, node, shapes):
        return [(shapes[0][0], shapes[1][1])]

    def grad(self, inputs, output_grads):  # only met after differentiation
        return [grad_not_implemented(self, i, v) for i, v in enumerate(inputs)]


@local_optimizer([Dot22])
def dot22_as_matmul(fgraph, node):
    """``Dot22(x, y)`` -> ``MatMul(x, y)``."""
    if not isinstance(node.op, Dot22):
        return None
    return [MatMul()(*node.inputs)]
