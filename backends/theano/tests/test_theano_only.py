"""The Theano-only parts of the backend: convolution and pooling ops on the
NumPy backend's kernels, and random draws from NumPy generators.

PyTensor runs neither (``conftest.py`` leaves this module out where Theano
is not installed).
"""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import polykeras.backend as K


@pytest.fixture(scope="module")
def backend():
    with K.use_backend("theano") as instance:
        yield instance


@pytest.fixture(autouse=True)
def _active(backend):
    with K.use_backend(backend):
        yield


def _ops(f):
    return [node.op for node in f._compiled.function.maker.fgraph.toposort()]


def test_random_draws_come_from_numpy_generators_in_their_dtype():
    from polykeras_theano.theano_random import GeneratorDraw
    u = K.random_uniform((1000, 3), -2., 3., dtype="float32", seed=5)
    n = K.random_normal((1000, 3), 1., 2., dtype="float64", seed=5)
    f = K.function([], [u, n])
    (uv, nv), (uv2, _) = f([]), f([])
    assert uv.dtype == np.float32 and nv.dtype == np.float64
    assert -2. <= uv.min() and uv.max() < 3. and not np.array_equal(uv, uv2)
    assert abs(nv.mean() - 1.) < 0.3 and abs(nv.std() - 2.) < 0.3
    draws = {op for op in _ops(f) if isinstance(op, GeneratorDraw)}
    assert draws == {GeneratorDraw("random", "float32"),
                     GeneratorDraw("standard_normal", "float64")}


@pytest.mark.parametrize("method, dtype, message", [
    ("beta", "float32", "Expected method 'random' or 'standard_normal'. Received: method='beta'"),
    ("random", "int32", "Expected dtype 'float32' or 'float64'. Received: dtype='int32'"),
])
def test_generator_draw_names_what_it_accepts(method, dtype, message):
    from polykeras_theano.theano_random import GeneratorDraw
    with pytest.raises(ValueError, match=message):
        GeneratorDraw(method, dtype)


def test_a_convnet_step_runs_numpy_kernel_ops_with_the_cores_held(monkeypatch):
    from polykeras_numpy import parallel
    from polykeras_theano import theano_conv
    seen = []
    kernel_grad = theano_conv.ConvKernelGrad.perform

    def spy(self, node, inputs, outputs):
        seen.append(parallel.workers())
        return kernel_grad(self, node, inputs, outputs)

    monkeypatch.setattr(theano_conv.ConvKernelGrad, "perform", spy)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    x = K.placeholder((None, 7, 7, 2))
    kernel = K.variable(np.random.default_rng(0).standard_normal((3, 3, 2, 4)))
    y = K.pool2d(K.conv2d(x, kernel), (2, 2), (2, 2))
    f = K.function([x], [y] + K.gradients(K.sum(y), [kernel, x]))
    with threadpool_limits(limits=2, user_api="blas"):
        f([np.ones((2, 7, 7, 2), np.float32)])
    kinds = {type(op) for op in _ops(f)}
    assert {theano_conv.Conv, theano_conv.ConvInputGrad, theano_conv.ConvKernelGrad,
            theano_conv.Pool, theano_conv.PoolGrad} <= kinds
    assert seen == [2]


def test_max_pooling_gradient_goes_to_the_first_maximum_of_a_window():
    x = K.placeholder((1, 2, 2, 1))
    y = K.pool2d(x, (2, 2), (2, 2))
    grad = K.function([x], K.gradients(K.sum(y), [x]))([np.ones((1, 2, 2, 1), np.float32)])[0]
    np.testing.assert_array_equal(grad.ravel(), [1., 0., 0., 0.])


def test_conv_output_shape_is_inferred_without_running_it():
    from polykeras_theano import theano_conv
    x = K.placeholder((None, 9, 8, 3))
    kernel = K.variable(np.ones((3, 2, 3, 5)))
    for padding, strides, expected in [("valid", (2, 1), (4, 4, 7, 5)),
                                       ("same", (2, 3), (4, 5, 3, 5))]:
        f = K.function([x], [K.shape(K.conv2d(x, kernel, strides=strides, padding=padding))])
        assert tuple(f([np.ones((4, 9, 8, 3), np.float32)])[0]) == expected
        assert not any(isinstance(op, theano_conv.Conv) for op in _ops(f))


def test_second_derivatives_of_a_convolution_are_refused_clearly():
    x = K.placeholder((None, 5, 5, 1))
    kernel = K.variable(np.ones((3, 3, 1, 1)))
    (dk,) = K.gradients(K.sum(K.square(K.conv2d(x, kernel))), [kernel])
    with pytest.raises(Exception, match="ConvKernelGrad"):
        K.function([x], K.gradients(K.sum(dk), [x]))([np.ones((1, 5, 5, 1), np.float32)])


def test_conv_and_pool_ops_name_what_they_expect(backend):
    from polykeras_theano import theano_conv
    x = backend.T.tensor3()
    with pytest.raises(ValueError, match="Conv2D expects an input and a kernel of rank 4. "
                                         "Received: input rank 3, kernel rank 4"):
        theano_conv.Conv((1, 1), "valid", (1, 1))(x, np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="Pooling2D expects an input of rank 4. "
                                         "Received: input rank 3"):
        theano_conv.Pool((2, 2), (2, 2), "valid", "max")(x)
    with pytest.raises(ValueError, match="Expected padding 'valid', 'same' or 'causal'. "
                                         "Received: padding='full'"):
        theano_conv.Conv((1, 1), "full", (1, 1))


def test_sums_over_leading_axes_are_products_with_ones():
    from theano.tensor.elemwise import CAReduce
    x = K.placeholder((None, 4, 5, 3))
    f = K.function([x], [K.sum(x, axis=[0, 1, 2]), K.sum(x, axis=0), K.sum(x, axis=[1, 2])])
    value = np.random.default_rng(0).standard_normal((6, 4, 5, 3)).astype(np.float32)
    leading, first, inner = f([value])
    np.testing.assert_allclose(leading, value.sum(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(first, value.sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(inner, value.sum(axis=(1, 2)), rtol=1e-5)
    nodes = f._compiled.function.maker.fgraph.toposort()
    sums = [node.op.axis for node in nodes
            if isinstance(node.op, CAReduce) and node.inputs[0].dtype == "float32"]
    assert sums == [(1, 2)]  # the inner sum is left to Theano


def test_matrix_products_run_as_matmul_ops():
    from polykeras_theano.theano_mode import MatMul
    from theano.tensor.blas import Dot22
    x = K.placeholder((None, 7))
    w = K.variable(np.random.default_rng(1).standard_normal((7, 3)))
    f = K.function([x], [K.dot(x, w)] + K.gradients(K.sum(K.dot(x, w)), [w]))
    value = np.random.default_rng(2).standard_normal((5, 7)).astype(np.float32)
    out, grad = f([value])
    np.testing.assert_allclose(out, value @ K.get_value(w), rtol=1e-5)
    np.testing.assert_allclose(grad, value.T @ np.ones((5, 3)), rtol=1e-5)
    kinds = [type(op) for op in _ops(f)]
    assert MatMul in kinds and Dot22 not in kinds


def test_a_gradient_scaled_by_the_learning_rate_is_computed_once():
    # Theano's own rewrite made lr * dot(x.T, d) a second product (Dot22Scalar)
    # beside the dot(x.T, d) that RMSprop's accumulator squares.
    from polykeras_theano.theano_mode import MatMul
    from theano.tensor.blas import Dot22Scalar
    x = K.placeholder((None, 7))
    w = K.variable(np.random.default_rng(1).standard_normal((7, 3)))
    lr = K.variable(0.5)
    g = K.gradients(K.sum(K.square(K.dot(x, w))), [w])[0]
    f = K.function([x], [w - lr * g / (K.sqrt(K.square(g)) + 1.)])
    value = np.random.default_rng(2).standard_normal((5, 7)).astype(np.float32)
    w_value = K.get_value(w)
    expected_g = 2 * value.T @ (value @ w_value)
    np.testing.assert_allclose(f([value])[0],
                               w_value - 0.5 * expected_g / (np.abs(expected_g) + 1.),
                               rtol=1e-5)
    kinds = [type(op) for op in _ops(f)]
    assert Dot22Scalar not in kinds
    assert kinds.count(MatMul) == 2  # forward x @ w, backward x.T @ d


def test_relu_and_its_gradient_compile_without_a_switch():
    # A switch whose condition the forward and backward passes share runs a
    # branch per element in Theano's C loop, ten times slower than a maximum.
    from theano import scalar
    x = K.placeholder((None, 5))
    y = K.relu(x)
    f = K.function([x], [y] + K.gradients(K.sum(y * K.constant(np.arange(5.))), [x]))
    value = np.float32([[-np.inf, -1., 0., 2., np.nan]])
    out, grad = f([value])
    np.testing.assert_array_equal(out, [[0., 0., 0., 2., np.nan]])
    np.testing.assert_array_equal(grad, [[0., 0., 0., 3., 0.]])  # none at the tie 0
    switches = [op for op in _ops(f) if isinstance(getattr(op, "scalar_op", None), scalar.Switch)]
    assert switches == []


def test_functions_keep_their_buffers_unless_the_user_sets_allow_gc(backend):
    from polykeras_theano.theano_mode import training_mode
    user_set = not type(backend.th.config).allow_gc.is_default
    assert training_mode().linker.allow_gc == (backend.th.config.allow_gc if user_set else False)
