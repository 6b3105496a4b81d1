"""How the NumPy backend runs a compiled program (polykeras_numpy.execution):
taped up to the last gradients op, and the untaped elementwise ops writing
into dead intermediate arrays without touching anything the caller, a
variable, a gradient or an output holds."""
import numpy as np
import pytest

import polykeras.backend as K
from polykeras.backend import graph
from polykeras_numpy import execution

RNG = np.random.default_rng(7)
IN_PLACE = dict(execution.IN_PLACE)  # the real table, before any test empties it


@pytest.fixture(autouse=True)
def numpy_backend():
    with K.use_backend("numpy"):
        yield


@pytest.fixture
def fresh_arrays_only(monkeypatch):
    """Every untaped op computes into a new array (the reference behaviour)."""
    monkeypatch.setattr(execution, "IN_PLACE", {})


def in_place_ops(inputs, outputs, updates=()):
    plan = execution.Plan(graph.Program(inputs, outputs, list(updates)))
    return [node.op for node, buffer in plan.steps if buffer is not None]


def rmsprop_step(w_value, x_value, lr=0.01, rho=0.9, eps=1e-7):
    """One RMSprop step as the optimizer writes it: (function, w, a)."""
    x = K.placeholder(shape=(4, 3))
    w = K.variable(w_value)
    a = K.variable(np.zeros_like(w_value))
    loss = K.sum(K.square(K.dot(x, w) - 1.))
    g = K.gradients(loss, [w])[0]
    new_a = rho * a + (1. - rho) * K.square(g)
    new_w = w - lr * g / (K.sqrt(new_a) + eps)
    return x, loss, [(a, new_a), (w, new_w)], w, a


def reference_rmsprop(w, x, steps, lr=0.01, rho=0.9, eps=1e-7):
    a = np.zeros_like(w)
    losses = []
    for _ in range(steps):
        r = x @ w - 1.
        losses.append(np.sum(r ** 2))
        g = 2 * x.T @ r
        a = rho * a + (1 - rho) * g ** 2
        w = w - lr * g / (np.sqrt(a) + eps)
    return losses, w, a


def test_the_optimizer_ops_after_the_gradients_run_untaped_and_in_place():
    x, loss, updates, _, _ = rmsprop_step(np.ones((3, 2), np.float32), None)
    plan = execution.Plan(graph.Program([x], [loss], updates))
    assert plan.taped[-1].op == "gradients"
    assert all(node.op != "gradients" for node, _ in plan.steps)
    # (1 - rho) * g**2 into g**2; + into rho * a; sqrt(new_a) + eps into the
    # root; lr * g / ... and w - ... into lr * g. new_a itself is kept: it is
    # both the accumulator's new value and the root's argument.
    assert sorted(in_place_ops([x], [loss], updates)) == sorted(
        ["multiply", "add", "add", "divide", "subtract"])


def test_an_in_place_rmsprop_step_equals_the_textbook_one():
    w0 = RNG.normal(size=(3, 2)).astype(np.float32)
    x_value = RNG.normal(size=(4, 3)).astype(np.float32)
    x, loss, updates, w, a = rmsprop_step(w0, x_value)
    step = K.function([x], [loss], updates=updates)
    fed = x_value.copy()
    held = []  # every value the variables had: none may change afterwards
    losses = []
    for _ in range(5):
        held.append((K.get_value(w), w.native.value))
        losses.append(step([fed])[0])
    expected_losses, expected_w, expected_a = reference_rmsprop(
        w0.astype(np.float64), x_value.astype(np.float64), 5)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-4)
    np.testing.assert_allclose(K.get_value(w), expected_w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(K.get_value(a), expected_a, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(fed, x_value)
    for copy, value in held:
        np.testing.assert_array_equal(value, copy)


def test_outputs_and_values_read_again_later_are_never_written_over():
    x = K.placeholder(shape=(2, 3))
    doubled = x * 2.
    shifted = doubled + 1.       # reads `doubled`, which is an output: fresh
    squared = K.square(shifted)  # last read of `shifted`: written into it
    total = squared + shifted    # ...but `shifted` is read again here
    assert in_place_ops([x], [doubled, total]) == ["add"]
    value = RNG.normal(size=(2, 3)).astype(np.float32)
    out_doubled, out_total = K.function([x], [doubled, total])([value])
    np.testing.assert_allclose(out_doubled, value * 2, rtol=1e-6)
    np.testing.assert_allclose(out_total, (value * 2 + 1) ** 2 + value * 2 + 1, rtol=1e-6)


def test_a_gradient_shared_by_two_variables_is_not_written_over():
    # d(sum(w1 + w2)) sends the same gradient array to both variables.
    w1, w2 = K.variable(np.ones(3)), K.variable(np.full(3, 2.))
    grads = K.gradients(K.sum(w1 + w2), [w1, w2])
    updates = [(w1, w1 - K.square(grads[0] + 1.)), (w2, w2 - (grads[1] + 2.) * 3.)]
    outputs = K.function([], [grads[0], grads[1]], updates=updates)([])
    np.testing.assert_array_equal(outputs[0], np.ones(3))
    np.testing.assert_array_equal(outputs[1], np.ones(3))
    np.testing.assert_allclose(K.get_value(w1), np.full(3, 1. - 4.))
    np.testing.assert_allclose(K.get_value(w2), np.full(3, 2. - 9.))


@pytest.mark.parametrize("make", [
    # a (3, 1) buffer cannot hold the (3, 4) result of broadcasting
    lambda x: K.square(x[:, :1]) + x,
    # a float32 buffer cannot hold a float64 result
    lambda x: K.square(x) + K.cast(x, "float64"),
    # an integer buffer is never written into: true division gives floats
    lambda x: K.cast(K.abs(x) * 10., "int32") * 2 / 3,
])
def test_results_that_do_not_fit_the_buffer_get_a_new_array(make, fresh_arrays_only):
    x = K.placeholder(shape=(3, 4))
    value = RNG.normal(size=(3, 4)).astype(np.float32)
    expected = K.function([x], [make(x)])([value])[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(execution, "IN_PLACE", IN_PLACE)
        result = make(x)
        assert in_place_ops([x], [result])  # planned, then refused at run time
        got = K.function([x], [result])([value])[0]
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_in_place_and_fresh_runs_agree_on_a_training_step(fresh_arrays_only):
    """The same model trained with and without buffer reuse: equal weights."""
    import polykeras as keras

    def train():
        np.random.seed(3)
        model = keras.models.Sequential([
            keras.layers.Dense(8, activation="relu", input_shape=(5,)),
            keras.layers.Dense(3, activation="softmax")])
        for optimizer in ("rmsprop", "adam", "adamax", "nadam", "adadelta", "adagrad"):
            model.compile(optimizer, "categorical_crossentropy")
            data = np.random.default_rng(0)
            x = data.normal(size=(32, 5)).astype(np.float32)
            y = np.eye(3, dtype=np.float32)[data.integers(0, 3, 32)]
            model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        return model.get_weights()

    fresh = train()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(execution, "IN_PLACE", IN_PLACE)
        reused = train()
    for a, b in zip(fresh, reused):
        np.testing.assert_array_equal(a, b)
