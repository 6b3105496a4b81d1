"""K.function semantics, updates, the learning phase, gradients, control flow and variables."""
import numpy as np
import pytest

from polykeras import backend as K

RNG = np.random.default_rng(2024)


def _normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# --- outputs and updates -----------------------------------------------------------------

def test_multiple_outputs():
    """One call returns every output, in order, as NumPy arrays."""
    x, y = K.placeholder(shape=(None, 3)), K.placeholder(shape=(None, 3))
    f = K.function([x, y], [x + y, x * y, K.sum(x, axis=1)])
    a, b = _normal(4, 3), _normal(4, 3)
    out = f([a, b])
    assert isinstance(out, list) and len(out) == 3
    for got, want in zip(out, [a + b, a * b, a.sum(axis=1)]):
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_inputs_change_between_calls():
    """Each call computes from the arrays it is given, any batch size."""
    x = K.placeholder(shape=(None, 2))
    f = K.function([x], [x * 2.])
    for n in (1, 5, 3):
        a = _normal(n, 2)
        np.testing.assert_allclose(f([a])[0], 2 * a)


def test_updates_swap_from_old_values():
    """All update values come from the state before the call: a swap works."""
    a, b = K.variable([1., 2.]), K.variable([3., 4.])
    f = K.function([], [a + 0., b + 0.], updates=[K.update(a, b), K.update(b, a)])
    out_a, out_b = f([])
    np.testing.assert_array_equal(out_a, [1., 2.])
    np.testing.assert_array_equal(out_b, [3., 4.])
    np.testing.assert_array_equal(K.get_value(a), [3., 4.])
    np.testing.assert_array_equal(K.get_value(b), [1., 2.])
    f([])
    np.testing.assert_array_equal(K.get_value(a), [1., 2.])


def test_outputs_read_state_before_updates():
    """Outputs see the old value; the update is applied after."""
    v = K.variable(1.)
    f = K.function([], [v * 10.], updates=[K.update_add(v, 1.)])
    assert float(f([])[0]) == 10.
    assert float(K.get_value(v)) == 2.
    assert float(f([])[0]) == 20.


def test_update_helpers():
    """update_add, update_sub, moving_average_update and plain (var, value) tuples."""
    x = K.placeholder(shape=(2,))
    u, s, m, t = (K.variable([1., 2.]), K.variable([1., 2.]), K.variable([1., 2.]),
                  K.variable([0., 0.]))
    f = K.function([x], [x], updates=[K.update_add(u, x), K.update_sub(s, x),
                                      K.moving_average_update(m, x, 0.9), (t, x * 3.)])
    f([np.array([10., 20.], np.float32)])
    np.testing.assert_allclose(K.get_value(u), [11., 22.])
    np.testing.assert_allclose(K.get_value(s), [-9., -18.])
    np.testing.assert_allclose(K.get_value(m), [1. * 0.9 + 10. * 0.1, 2. * 0.9 + 20. * 0.1],
                               rtol=1e-6)
    np.testing.assert_allclose(K.get_value(t), [30., 60.])


def test_variables_read_at_call_time():
    """A compiled function sees values assigned with set_value afterwards."""
    v = K.variable(np.ones((2, 2)))
    f = K.function([], [v * 2.])
    f([])
    K.set_value(v, np.full((2, 2), 3.))
    np.testing.assert_array_equal(f([])[0], np.full((2, 2), 6.))


def test_sgd_step_with_gradient_update():
    """A training step: gradient and update in one function."""
    x = K.placeholder(shape=(None, 2))
    w = K.variable([[1.], [-1.]])
    loss = K.mean(K.square(K.dot(x, w)))
    grad = K.gradients(loss, [w])[0]
    f = K.function([x], [loss], updates=[K.update_sub(w, 0.1 * grad)])
    a = np.array([[1., 2.], [3., 4.]], np.float32)
    w0 = K.get_value(w)
    g = 2 * a.T @ (a @ w0) / len(a)
    np.testing.assert_allclose(f([a])[0], np.mean((a @ w0) ** 2), rtol=1e-6)
    np.testing.assert_allclose(K.get_value(w), w0 - 0.1 * g, rtol=1e-5)


# --- learning phase ----------------------------------------------------------------------

def test_in_train_phase_defaults_to_test():
    """Without the learning phase among the inputs, the test branch runs."""
    x = K.placeholder(shape=(None, 2))
    y = K.in_train_phase(x * 2., x * 3.)
    a = _normal(3, 2)
    np.testing.assert_allclose(K.function([x], [y])([a])[0], 3 * a, rtol=1e-6)


def test_learning_phase_fed_as_input():
    """The learning phase fed as an input picks the branch per call."""
    x = K.placeholder(shape=(None, 2))
    y = K.in_train_phase(lambda: x * 2., lambda: x * 3.)
    z = K.in_test_phase(x * 2., x * 3.)
    f = K.function([x, K.learning_phase()], [y, z])
    a = _normal(3, 2)
    train_y, train_z = f([a, 1])
    test_y, test_z = f([a, 0])
    np.testing.assert_allclose(train_y, 2 * a, rtol=1e-6)
    np.testing.assert_allclose(train_z, 3 * a, rtol=1e-6)
    np.testing.assert_allclose(test_y, 3 * a, rtol=1e-6)
    np.testing.assert_allclose(test_z, 2 * a, rtol=1e-6)


def test_set_learning_phase_fixes_branch():
    """After set_learning_phase(1) expressions are built in the training branch."""
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    x = K.placeholder(shape=(None, 2))
    y = K.in_train_phase(x * 2., x * 3.)
    a = _normal(3, 2)
    np.testing.assert_allclose(K.function([x], [y])([a])[0], 2 * a, rtol=1e-6)
    with pytest.raises(ValueError):
        K.set_learning_phase(2)


def test_in_train_phase_dropout_identity_in_test():
    """Dropout behind in_train_phase is the identity in the test phase."""
    x = K.placeholder(shape=(None, 20))
    y = K.in_train_phase(K.dropout(x, 0.5), x)
    f = K.function([x, K.learning_phase()], [y])
    a = np.ones((10, 20), np.float32)
    np.testing.assert_array_equal(f([a, 0])[0], a)
    assert (f([a, 1])[0] == 0).any()


# --- gradients ---------------------------------------------------------------------------

def test_gradients_wrt_variables_and_inputs():
    """Gradients of a scalar w.r.t. a variable, an input placeholder and an unused variable."""
    x = K.placeholder(shape=(None, 3))
    w, unused = K.variable(_normal(3, 2)), K.variable(_normal(4))
    loss = K.sum(K.square(K.dot(x, w)))
    gw, gx, gu = K.gradients(loss, [w, x, unused])
    assert K.int_shape(gw) == (3, 2) and K.int_shape(gu) == (4,)
    a = _normal(5, 3)
    vw, vx, vu = K.function([x], [gw, gx, gu])([a])
    w0 = K.get_value(w)
    np.testing.assert_allclose(vw, 2 * a.T @ (a @ w0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(vx, 2 * (a @ w0) @ w0.T, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(vu, np.zeros(4))


def test_gradients_of_non_scalar_sum():
    """A non-scalar loss is summed."""
    w = K.variable([1., 2., 3.])
    g = K.function([], K.gradients(w * w, [w]))([])[0]
    np.testing.assert_allclose(g, [2., 4., 6.])


def test_relu_gradient_is_zero_at_zero():
    """The rectifier passes no gradient at 0, on every backend (as TensorFlow's relu):
    an all-zero input patch convolved with a zero bias gives exact zeros."""
    x = K.placeholder(shape=(5,))
    y = K.relu(x)
    a = np.array([-1., 0., 0.5, 2., -0.], dtype=np.float32)
    value, grad = K.function([x], [y, K.gradients(K.sum(y * 3.), [x])[0]])([a])
    np.testing.assert_array_equal(value, [0., 0., 0.5, 2., 0.])
    np.testing.assert_array_equal(grad, [0., 0., 3., 3., 0.])


def test_stop_gradient_blocks():
    """stop_gradient(w) * w differentiates as w; a list input gives a list."""
    w = K.variable([1., -2., 3.])
    g = K.function([], K.gradients(K.sum(K.stop_gradient(w) * w), [w]))([])[0]
    np.testing.assert_allclose(g, [1., -2., 3.])
    stopped = K.stop_gradient([w, w * 2.])
    assert isinstance(stopped, list) and len(stopped) == 2
    g = K.function([], K.gradients(K.sum(stopped[1]) + K.sum(w), [w]))([])[0]
    np.testing.assert_allclose(g, [1., 1., 1.])


def test_second_function_on_same_graph():
    """Two functions may share one expression; gradients don't disturb forward values."""
    x = K.placeholder(shape=(None, 2))
    y = K.sum(K.exp(x))
    (g,) = K.gradients(y, [x])
    a = _normal(3, 2)
    np.testing.assert_allclose(K.function([x], [y])([a])[0], np.exp(a).sum(), rtol=1e-5)
    v, gv = K.function([x], [y, g])([a])
    np.testing.assert_allclose(v, np.exp(a).sum(), rtol=1e-5)
    np.testing.assert_allclose(gv, np.exp(a), rtol=1e-5)
