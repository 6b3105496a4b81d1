"""Behaviour specific to the Theano/PyTensor backend.

Runs against the library named by ``POLYKERAS_BACKEND`` (``theano`` or
``pytensor``; default ``theano``) and assumes that library is importable:
it is meant for the theano and pytensor tox environments only.
"""
import os

import numpy as np
import pytest

import polykeras.backend as K

BACKEND = os.environ.get("POLYKERAS_BACKEND", "theano")
if BACKEND not in ("theano", "pytensor"):
    BACKEND = "theano"


@pytest.fixture(scope="module")
def backend():
    with K.use_backend(BACKEND) as instance:
        yield instance


@pytest.fixture(autouse=True)
def _active(backend):
    with K.use_backend(backend):
        yield


def test_backend_binds_its_library(backend):
    assert backend.name == BACKEND
    assert backend.th.__name__ == BACKEND
    assert backend.T.__name__ == f"{BACKEND}.tensor"
    assert backend.info()[0].startswith(BACKEND)


def test_compiled_function_is_cached_per_program(backend):
    x = K.placeholder(shape=(None, 3))
    f = K.function([x], [K.sum(x * 2., axis=1)])
    np.testing.assert_allclose(f([np.ones((2, 3))])[0], [6., 6.])
    compiled = backend.compile(f.program)
    assert f._compiled is compiled
    assert backend.compile(f.program) is compiled
    g = K.function([x], [K.sum(x * 2., axis=1)])
    g([np.ones((1, 3))])
    assert g._compiled is not compiled


def test_one_library_function_per_program(backend):
    x = K.placeholder(shape=(2,))
    f = K.function([x], [x + 1., x * 3.])
    f([np.zeros(2)])
    compiled = f._compiled.function
    assert type(compiled).__name__ == "Function" and hasattr(compiled, "maker")
    assert len(compiled.maker.fgraph.outputs) == 2


def test_inputs_broadcast_where_the_static_dim_is_one(backend):
    x = K.placeholder(shape=(1, None, 3))
    f = K.function([x], [x])
    f([np.zeros((1, 4, 3))])
    (symbolic,) = f._compiled.function.maker.fgraph.inputs
    assert tuple(symbolic.type.broadcastable) == (True, False, False)
    y = K.placeholder(shape=(None, 3))
    total = K.function([x, y], [x + y])([np.ones((1, 2, 3)), np.full((2, 3), 2.)])[0]
    np.testing.assert_allclose(total, np.full((1, 2, 3), 3.))


def test_python_scalars_keep_float32(backend):
    x = K.placeholder(shape=(2,))
    outs = K.function([x], [x + 1., 2. * x, x / 3., x ** 2, K.maximum(x, 0.5),
                            K.clip(x, 0., 1.)])([np.array([0.25, 4.], "float32")])
    assert [o.dtype for o in outs] == [np.float32] * 6
    np.testing.assert_allclose(outs[2], [0.25 / 3, 4. / 3], rtol=1e-6)


def test_variables_are_shared_variables(backend):
    v = K.variable(np.arange(3.))
    assert isinstance(v.native, backend.th.compile.SharedVariable)
    assert backend.read_variable(v.native) is v.native
    K.set_value(v, [5., 6., 7.])
    np.testing.assert_allclose(K.get_value(v), [5., 6., 7.])
    value = K.get_value(v)
    value[0] = 100.
    assert K.get_value(v)[0] == 5.


def test_updates_read_the_old_state_and_keep_the_dtype(backend):
    v = K.variable(np.ones((1, 2)))
    w = K.variable(np.zeros((1, 2)))
    count = K.variable(0, dtype="int32")
    f = K.function([], [v * 1.], updates=[K.update(v, v * 2.), K.update(w, v + 0.5),
                                          K.update_add(count, 1)])
    out = f([])[0]
    np.testing.assert_allclose(out, [[1., 1.]])
    np.testing.assert_allclose(K.get_value(v), [[2., 2.]])
    np.testing.assert_allclose(K.get_value(w), [[1.5, 1.5]])
    f([])
    assert K.get_value(count) == 2 and K.get_value(count).dtype == np.int32
    assert K.get_value(v).dtype == np.float32


def test_update_with_a_broadcastable_value(backend):
    v = K.variable(np.zeros((1, 3)))
    x = K.placeholder(shape=(1, 3))
    K.function([x], [], updates=[K.update(v, x)])([np.ones((1, 3))])
    np.testing.assert_allclose(K.get_value(v), np.ones((1, 3)))


def test_gradients_use_the_library_and_zero_disconnected(backend):
    w = K.variable(np.array([1., 2., 3.]))
    unused = K.variable(np.ones((2, 2)))
    x = K.placeholder(shape=(None, 3))
    loss = K.sum(K.square(x * w), axis=1)
    grads = K.gradients(loss, [w, unused, x])
    gw, gu, gx = K.function([x], grads)([np.ones((2, 3))])
    np.testing.assert_allclose(gw, 2 * 2 * np.array([1., 2., 3.]))
    np.testing.assert_allclose(gu, np.zeros((2, 2)))
    np.testing.assert_allclose(gx, 2 * np.tile([1., 4., 9.], (2, 1)))


def test_random_draws_anew_and_seeds_replay(backend):
    def draws():
        f = K.function([], [K.random_uniform((4,), seed=7), K.random_normal((3,), seed=8)])
        return [f([]) for _ in range(2)]
    first, second = draws()
    assert not np.allclose(first[0], second[0])
    again = draws()
    for a, b in zip(first + second, again[0] + again[1]):
        np.testing.assert_allclose(a, b)


def test_rnn_random_ops_inside_scan_draw_anew(backend):
    x = K.placeholder(shape=(2, 3, 4))

    def step(x_t, states):
        noisy = x_t * K.random_uniform((2, 4), seed=1)
        return noisy, [states[0] + K.sum(noisy, axis=1, keepdims=True)]
    _, outputs, _ = K.rnn(step, x, [K.zeros_like(x[:, 0, :1])])
    f = K.function([x], [outputs])
    a, b = f([np.ones((2, 3, 4))])[0], f([np.ones((2, 3, 4))])[0]
    assert a.shape == (2, 3, 4)
    assert not np.allclose(a, b)


def test_scalar_switch_is_lazy_ifelse(backend):
    flag = K.placeholder(shape=(), dtype="bool")
    x = K.placeholder(shape=(2,))
    out = K.switch(flag, lambda: x * 2., lambda: K.log(x))
    f = K.function([flag, x], [out])
    np.testing.assert_allclose(f([True, np.array([1., 2.])])[0], [2., 4.])
    np.testing.assert_allclose(f([False, np.array([1., np.e])])[0], [0., 1.], atol=1e-6)
    ops = {type(node.op).__name__ for node in f._compiled.function.maker.fgraph.apply_nodes}
    assert "IfElse" in ops


def test_conv2d_matches_a_tap_loop_in_both_layouts(backend):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((2, 5, 6, 3)).astype("float32")
    kernel = rng.standard_normal((3, 2, 3, 4)).astype("float32")
    expected = np.zeros((2, 3, 5, 4), "float32")
    for i in range(3):
        for j in range(2):
            expected += np.tensordot(images[:, i:i + 3, j:j + 5], kernel[i, j], axes=[[3], [0]])
    x = K.placeholder(shape=(None, 5, 6, 3))
    k = K.variable(kernel)
    got = K.function([x], [K.conv2d(x, k, padding="valid")])([images])[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    xf = K.placeholder(shape=(None, 3, 5, 6))
    got = K.function([xf], [K.conv2d(xf, k, data_format="channels_first")])(
        [images.transpose(0, 3, 1, 2)])[0]
    np.testing.assert_allclose(got, expected.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-4)


def test_same_pooling_puts_extra_padding_at_the_end(backend):
    x = K.placeholder(shape=(1, 1, 4, 1))
    row = np.array([1., 2., 3., 4.], "float32").reshape(1, 1, 4, 1)
    avg = K.pool2d(x, (1, 3), strides=(1, 2), padding="same", pool_mode="avg")
    mx = K.pool2d(-x, (1, 3), strides=(1, 2), padding="same", pool_mode="max")
    got_avg, got_max = K.function([x], [avg, mx])([row])
    # windows [1 2 3] and [3 4 pad]: the average ignores the padded cell
    np.testing.assert_allclose(got_avg.ravel(), [2., 3.5])
    np.testing.assert_allclose(got_max.ravel(), [-1., -3.])
