"""The NumPy backend's tape autodiff: every VJP rule of the structure,
operator, math and manipulation primitives against central finite
differences (float64), through ``K.function`` / ``K.gradients`` on
placeholders; plus the non-differentiable ops, dtype rules and random ops.
"""
import numpy as np
import pytest

import polykeras.backend as K
from polykeras_numpy import core, manipulation, math as npmath, random as nprandom
from polykeras_numpy.autodiff import Tape, primitive, unbroadcast, wants_grad
from polykeras_numpy.backend import NumpyBackend

RNG = np.random.RandomState(1234)


@pytest.fixture(autouse=True)
def numpy_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYKERAS_HOME", str(tmp_path / "home"))
    with K.use_backend("numpy"):
        yield


def U(*shape, low=-1.0, high=1.0):
    """Uniform float64 test input."""
    return RNG.uniform(low, high, size=shape)


def away_from_ties(*shape):
    """Distinct values spaced at least 0.1 apart, shuffled."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.1 - n * 0.05 + 0.05).reshape(shape)


def placeholders(arrays):
    return [K.placeholder(shape=a.shape, dtype=str(a.dtype)) for a in arrays]


def check_gradients(build, arrays, rtol=1e-5, atol=1e-7, eps=1e-6):
    """Compare ``K.gradients`` of ``sum(build(*inputs) * w)`` with central differences."""
    inputs = placeholders(arrays)
    out = build(*inputs)
    weights = K.constant(RNG.uniform(0.5, 1.5, size=out.shape), dtype=out.dtype)
    loss = K.sum(out * weights)
    forward = K.function(inputs, loss)
    backward = K.function(inputs, K.gradients(loss, inputs))
    analytic = backward(arrays)
    for i, array in enumerate(arrays):
        numeric = np.zeros_like(array)
        for j in range(array.size):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[i].flat[j] += eps
            minus[i].flat[j] -= eps
            numeric.flat[j] = (forward(plus) - forward(minus)) / (2 * eps)
        assert analytic[i].shape == array.shape and analytic[i].dtype == array.dtype
        np.testing.assert_allclose(analytic[i], numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient w.r.t. input {i}")


# Each case: (op whose rule it checks, builder over K, float64 inputs).
CASES = [
    # structure and operators
    ("identity", lambda x: K.identity(x), [U(2, 3)]),
    ("cast", lambda x: K.cast(x, "float64"), [U(2, 3)]),
    ("add", lambda x, y: x + y, [U(2, 3), U(3)]),
    ("add", lambda x: 2.5 + x, [U(2, 3)]),
    ("subtract", lambda x, y: x - y, [U(2, 1), U(1, 4)]),
    ("subtract", lambda x: 1.0 - x, [U(3)]),
    ("multiply", lambda x, y: x * y, [U(2, 3, 4), U(3, 1)]),
    ("divide", lambda x, y: x / y, [U(2, 3), U(3, low=0.5, high=2.0)]),
    ("divide", lambda x: 3.0 / x, [U(4, low=0.5, high=2.0)]),
    ("floordiv", lambda x, y: x // y, [U(5, low=0.1, high=0.9) + np.arange(5.0),
                                       np.full(5, 1.0)]),
    ("mod", lambda x, y: x % y, [U(6, low=0.1, high=0.9) + np.arange(6.0) * 2,
                                 np.full(6, 2.0) + U(6, low=0.0, high=0.01)]),
    ("mod", lambda x: x % 1.5, [U(4, low=0.1, high=1.4) - 3.0]),
    ("negative", lambda x: -x, [U(2, 2)]),
    ("getitem", lambda x: x[1:, None, ::2], [U(3, 5)]),
    ("getitem", lambda x: x[..., 1], [U(2, 3, 4)]),
    ("getitem", lambda x: x[0, -1], [U(3, 4)]),
    # products
    ("dot", lambda x, y: K.dot(x, y), [U(2, 3), U(3, 4)]),
    ("dot", lambda x, y: K.dot(x, y), [U(2, 3, 4), U(5, 4, 2)]),
    ("dot", lambda x, y: K.dot(x, y), [U(2, 3, 4), U(4)]),
    ("dot", lambda x, y: K.dot(x, y), [U(3), U(3, 2)]),
    ("batch_dot", lambda x, y: K.batch_dot(x, y), [U(2, 3, 4), U(2, 4, 5)]),
    ("batch_dot", lambda x, y: K.batch_dot(x, y, axes=(1, 2)), [U(2, 4, 3), U(2, 5, 4)]),
    ("batch_dot", lambda x, y: K.batch_dot(x, y, axes=1), [U(3, 4), U(3, 4)]),
    ("batch_dot", lambda x, y: K.batch_dot(x, y, axes=(1, 2)), [U(2, 3), U(2, 4, 3)]),
    ("transpose", lambda x: K.transpose(x), [U(2, 3, 4)]),
    ("gather", lambda x: K.gather(x, [2, 0, 2, 1]), [U(4, 3)]),
    ("gather", lambda x: K.gather(x, np.array([[1, 1], [0, 3]])), [U(4, 2, 2)]),
    # reductions
    ("sum", lambda x: K.sum(x, axis=1), [U(2, 3, 4)]),
    ("sum", lambda x: K.sum(x, axis=[0, 2], keepdims=True), [U(2, 3, 4)]),
    ("mean", lambda x: K.mean(x, axis=-1), [U(2, 3)]),
    ("mean", lambda x: K.mean(x), [U(2, 3)]),
    ("max", lambda x: K.max(x, axis=0), [away_from_ties(3, 4)]),
    ("max", lambda x: K.max(x), [away_from_ties(3, 4)]),
    ("min", lambda x: K.min(x, axis=[1, 2], keepdims=True), [away_from_ties(2, 3, 2)]),
    ("prod", lambda x: K.prod(x, axis=1), [U(2, 4, 3)]),
    ("prod", lambda x: K.prod(x, axis=[0, 2], keepdims=True),
     [np.array([[[0.0, 0.5], [1.2, -0.7]], [[0.3, 0.0], [0.0, 2.0]]])]),
    ("prod", lambda x: K.prod(x), [np.array([[0.5, 0.0], [2.0, 0.0]])]),
    ("cumsum", lambda x: K.cumsum(x, axis=1), [U(2, 4)]),
    ("cumprod", lambda x: K.cumprod(x, axis=1), [U(3, 4)]),
    ("cumprod", lambda x: K.cumprod(x, axis=0),
     [np.array([[1.5, 0.0, 2.0], [0.0, 0.7, 0.0], [0.8, 1.1, 0.0], [-1.2, 0.0, 0.5]])]),
    # elementwise
    ("square", lambda x: K.square(x), [U(2, 3)]),
    ("abs", lambda x: K.abs(x), [U(5, low=0.1) * np.array([1, -1, 1, -1, 1])]),
    ("sqrt", lambda x: K.sqrt(x), [U(2, 3, low=0.2, high=2.0)]),
    ("sqrt", lambda x: K.sqrt(x), [np.array([-1.0, -0.5, 0.5, 2.0])]),
    ("exp", lambda x: K.exp(x), [U(2, 3)]),
    ("log", lambda x: K.log(x), [U(2, 3, low=0.2, high=3.0)]),
    ("round", lambda x: K.round(x), [np.array([-1.2, 0.3, 2.8, 4.4])]),
    ("sign", lambda x: K.sign(x), [np.array([-1.2, 0.3, 2.8])]),
    ("pow", lambda x: K.pow(x, 3), [U(2, 3)]),
    ("pow", lambda x: K.pow(x, 2.5), [U(4, low=0.2, high=2.0)]),
    ("pow", lambda x, a: K.pow(x, a), [U(2, 3, low=0.2, high=2.0), U(3, low=-2.0, high=2.0)]),
    ("clip", lambda x: K.clip(x, -0.5, 0.5), [np.array([-0.9, -0.3, 0.1, 0.4, 0.8])]),
    ("clip", lambda x: K.clip(x, 0.2, None), [np.array([-0.9, 0.3, 1.1])]),
    ("maximum", lambda x, y: K.maximum(x, y), [away_from_ties(2, 3), away_from_ties(3)]),
    ("maximum", lambda x: K.maximum(x, 0.07), [away_from_ties(6)]),
    ("minimum", lambda x, y: K.minimum(x, y), [away_from_ties(2, 3), away_from_ties(2, 1) + 0.03]),
    ("sin", lambda x: K.sin(x), [U(2, 3)]),
    ("cos", lambda x: K.cos(x), [U(2, 3)]),
    # manipulation
    ("concatenate", lambda x, y: K.concatenate([x, y, x], axis=1), [U(2, 3), U(2, 2)]),
    ("concatenate", lambda x, y: K.concatenate([x, y]), [U(2, 3), U(2, 1)]),
    ("stack", lambda x, y: K.stack([x, y, x], axis=1), [U(2, 3), U(2, 3)]),
    ("reshape", lambda x: K.reshape(x, (3, -1)), [U(2, 3, 2)]),
    ("permute_dimensions", lambda x: K.permute_dimensions(x, (2, 0, 1)), [U(2, 3, 4)]),
    ("repeat_elements", lambda x: K.repeat_elements(x, 3, axis=1), [U(2, 2, 2)]),
    ("tile", lambda x: K.tile(x, (2, 1, 3)), [U(2, 3, 1)]),
    ("expand_dims", lambda x: K.expand_dims(x, 1), [U(2, 3)]),
    ("squeeze", lambda x: K.squeeze(x, 1), [U(2, 1, 3)]),
    ("reverse", lambda x: K.reverse(x, [0, 2]), [U(2, 3, 2)]),
    ("reverse", lambda x: K.reverse(x, 1), [U(2, 3)]),
    ("pad", lambda x: K.temporal_padding(x, (1, 2)), [U(2, 3, 2)]),
    ("pad", lambda x: K.spatial_2d_padding(x, ((1, 0), (0, 2))), [U(1, 2, 2, 1)]),
]


@pytest.mark.parametrize("op, build, arrays", CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)])
def test_gradient_matches_finite_differences(op, build, arrays):
    check_gradients(build, arrays)


def _differentiable_ops(cls):
    return {name for name, member in vars(cls).items()
            if getattr(member, "vjp", None) is not None}


def test_every_rule_has_a_finite_difference_case():
    ops = (_differentiable_ops(core.CoreOps) | _differentiable_ops(npmath.MathOps)
           | _differentiable_ops(manipulation.ManipulationOps))
    untested = ops - {case[0] for case in CASES} - {"print_tensor"}
    assert not untested, f"rules without a finite-difference case: {sorted(untested)}"


@pytest.mark.parametrize("module, cls", [
    (core, core.CoreOps), (npmath, npmath.MathOps),
    (manipulation, manipulation.ManipulationOps), (nprandom, nprandom.RandomOps)])
def test_non_differentiable_ops_are_declared(module, cls):
    primitives = {name: member for name, member in vars(cls).items() if hasattr(member, "vjp")}
    declared = set(module.NON_DIFFERENTIABLE)
    assert declared <= set(primitives)
    assert {name for name, m in primitives.items() if m.vjp is None} == declared
    if cls is not core.CoreOps:
        public = {n for n, m in vars(cls).items() if callable(m) and not n.startswith("_")}
        assert public == set(primitives), "every op must be a primitive"


# --- exact gradients -------------------------------------------------------------------

def gradient_of(build, *arrays):
    inputs = placeholders(arrays)
    loss = K.sum(build(*inputs))
    return K.function(inputs, K.gradients(loss, inputs))(list(arrays))


def test_gradient_wrt_an_input_placeholder_used_twice():
    x = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    (dx,) = gradient_of(lambda p: p * p + 3.0 * p, x)
    np.testing.assert_allclose(dx, 2 * x + 3)
    assert dx.dtype == np.float32


def test_inputs_fed_the_same_array_get_separate_gradients():
    x, y = K.placeholder(shape=(2,)), K.placeholder(shape=(2,))
    loss = K.sum(x * 2.0 + y * 5.0)
    same = np.ones(2, dtype=np.float32)
    dx, dy = K.function([x, y], K.gradients(loss, [x, y]))([same, same])
    np.testing.assert_allclose(dx, [2.0, 2.0])
    np.testing.assert_allclose(dy, [5.0, 5.0])


def test_gradient_wrt_a_variable_and_an_unconnected_one():
    w, unused = K.variable([1.0, 2.0]), K.variable([[3.0]])
    dw, du = [K.eval(g) for g in K.gradients(K.sum(K.exp(w)), [w, unused])]
    np.testing.assert_allclose(dw, np.exp([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_array_equal(du, [[0.0]])


def test_rules_are_told_which_arguments_lead_to_a_requested_gradient():
    seen = []

    def rule(g, ans, x, y):
        seen.append((wants_grad(x), wants_grad(y)))
        return g * y, g * x

    class Ops:
        @primitive(rule)
        def mul(self, x, y):
            return x * y

    ops = Ops()
    data, weight, mask = U(3), U(3), U(3)
    with Tape() as tape:
        hidden = ops.mul(data, weight)  # the data needs no gradient
        out = ops.mul(hidden, mask)  # nor does the mask
        (dw,) = tape.gradients(out, [weight])
    assert seen == [(True, False), (False, True)]  # walked backwards
    np.testing.assert_allclose(dw, data * mask)
    assert wants_grad(data)  # outside a backward walk, any float array may


def test_gradient_flows_through_a_list_argument_to_a_requested_input():
    backend = NumpyBackend()
    a, b, w = U(2, 3), U(2, 3), U(4, 3)
    with Tape() as tape:
        joined = backend.concatenate([backend.multiply(a, 2.0), b], axis=0)
        (da, dw) = tape.gradients(backend.multiply(joined, w), [a, w])
    np.testing.assert_allclose(da, 2.0 * w[:2])
    np.testing.assert_allclose(dw, np.concatenate([2.0 * a, b]))


def test_a_variable_updated_to_a_fed_array_keeps_its_own_copy():
    v = K.variable(np.zeros(3))
    x = K.placeholder(shape=(3,))
    fed = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    K.function([x], [], updates=[(v, x)])([fed])
    fed[:] = -1.0
    np.testing.assert_array_equal(K.get_value(v), [1.0, 2.0, 3.0])
    K.function([x], [], updates=[(v, x * 2.0)])([fed])  # an op's fresh result
    np.testing.assert_array_equal(K.get_value(v), [-2.0, -2.0, -2.0])


def test_max_splits_the_gradient_among_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    (dx,) = gradient_of(lambda p: K.max(p, axis=1), x)
    np.testing.assert_allclose(dx, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_maximum_gives_ties_to_x():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    da, db = gradient_of(lambda x, y: K.maximum(x, y), a, b)
    np.testing.assert_array_equal(da, [1.0, 0.0])
    np.testing.assert_array_equal(db, [0.0, 1.0])


def test_prod_and_cumprod_gradients_with_zeros_are_finite():
    x = np.array([2.0, 0.0, 3.0, 0.0])
    (dprod,) = gradient_of(lambda p: K.prod(p), x)
    np.testing.assert_array_equal(dprod, [0.0, 0.0, 0.0, 0.0])
    x = np.array([2.0, 0.0, 3.0, 4.0])
    (dprod,) = gradient_of(lambda p: K.prod(p), x)
    np.testing.assert_array_equal(dprod, [0.0, 24.0, 0.0, 0.0])
    (dcum,) = gradient_of(lambda p: K.cumprod(p), x)
    # d/dx of [x0, x0 x1, x0 x1 x2, x0 x1 x2 x3] summed, at x1 = 0.
    np.testing.assert_array_equal(dcum, [1.0, 2 + 6 + 24, 0.0, 0.0])


def test_stop_gradient_and_zeros_like_block_gradients():
    x = np.array([1.0, 2.0])
    (dx,) = gradient_of(lambda p: K.stop_gradient(p) * p + K.ones_like(p) * p, x)
    np.testing.assert_array_equal(dx, x + 1)


def test_cast_gradient_is_cast_back():
    x = np.array([1.0, 2.0], dtype=np.float32)
    (dx,) = gradient_of(lambda p: K.cast(p, "float64") * 3.0, x)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, [3.0, 3.0])
    (dx,) = gradient_of(lambda p: K.cast(K.cast(p, "int32"), "float32") + p, x)
    np.testing.assert_array_equal(dx, [1.0, 1.0])


def test_print_tensor_prints_and_passes_the_gradient(capsys):
    x = np.array([1.5, 2.0])
    (dx,) = gradient_of(lambda p: K.print_tensor(p, message="value:") * 2.0, x)
    np.testing.assert_array_equal(dx, [2.0, 2.0])
    assert "value:" in capsys.readouterr().out


def test_random_ops_are_constants_for_gradients():
    x = K.placeholder(shape=(3, 4))
    noise = K.random_normal((3, 4), seed=3) + K.random_uniform(K.shape(x), seed=4)
    mask = K.random_binomial((3, 4), p=0.5)
    loss = K.sum(x * noise * mask + K.truncated_normal((3, 4)))
    dx, n, m = K.function([x], K.gradients(loss, [x]) + [noise, mask])([np.ones((3, 4))])
    np.testing.assert_allclose(dx, n * m, rtol=1e-6)


def test_unbroadcast_sums_broadcast_axes():
    g = np.ones((4, 2, 3))
    np.testing.assert_array_equal(unbroadcast(g, (2, 1)), np.full((2, 1), 12.0))
    np.testing.assert_array_equal(unbroadcast(g, ()), 24.0)


# --- forward semantics the rules rely on -------------------------------------------------

@pytest.fixture
def backend():
    return NumpyBackend()


def test_python_scalars_keep_the_tensor_dtype(backend):
    x = np.array([1.5, -2.5], dtype=np.float32)
    for result in (backend.add(x, 1.0), backend.subtract(2, x), backend.multiply(x, 0.1),
                   backend.divide(1.0, x), backend.mod(x, 1.5), backend.floordiv(x, 2.0),
                   backend.pow(x, 2), backend.maximum(x, 0.3), backend.clip(x, -1.0, 1.0),
                   backend.add(x, np.array(2.0, dtype=np.float32))):
        assert result.dtype == np.float32, result
    assert backend.add(x, np.array(2.0)).dtype == np.float64
    assert backend.divide(np.array([3], np.int32), np.array([2], np.int32)).dtype == np.float32
    assert backend.add(np.array([1], np.int32), 2).dtype == np.int32


def test_results_are_fresh_arrays(backend):
    x = np.ones((2, 3), dtype=np.float32)
    total = backend.sum(x)
    assert isinstance(total, np.ndarray) and total.shape == () and total.dtype == np.float32
    assert isinstance(backend.getitem(x, (0, 0)), np.ndarray)
    for result in (backend.identity(x), backend.reshape(x, [2, 3]), backend.cast(x, "float32"),
                   backend.squeeze(x[None], 0)):
        assert result is not x


def test_python_style_mod_floordiv_and_half_even_round(backend):
    x = np.array([-3.5, -1.0, 2.5, 7.0], dtype=np.float32)
    np.testing.assert_array_equal(backend.mod(x, 2.0), [0.5, 1.0, 0.5, 1.0])
    np.testing.assert_array_equal(backend.floordiv(x, 2.0), [-2.0, -1.0, 1.0, 3.0])
    np.testing.assert_array_equal(backend.mod(x, -2.0), [-1.5, -1.0, -1.5, -1.0])
    np.testing.assert_array_equal(backend.round(np.array([0.5, 1.5, 2.5, -0.5])),
                                  [0.0, 2.0, 2.0, -0.0])


def test_dot_and_batch_dot_shapes(backend):
    assert backend.dot(np.ones((2, 3, 4)), np.ones((5, 4, 6))).shape == (2, 3, 5, 6)
    out = backend.batch_dot(np.ones((32, 20, 1)), np.ones((32, 30, 20)), axes=(1, 2))
    assert out.shape == (32, 1, 30)
    np.testing.assert_array_equal(out, 20.0)
    assert backend.batch_dot(np.ones((4, 3)), np.ones((4, 3)), axes=1).shape == (4, 1)
    with pytest.raises(ValueError, match="Received: x.shape=\\(4, 3\\)"):
        backend.batch_dot(np.ones((4, 3)), np.ones((4, 2)), axes=1)


def test_shape_arange_and_gather(backend):
    shape = backend.shape(np.ones((2, 5)))
    assert shape.dtype == np.int32 and shape.tolist() == [2, 5]
    np.testing.assert_array_equal(backend.arange(1, 7, 2, dtype="float32"), [1.0, 3.0, 5.0])
    assert backend.arange(0, -3, 1).size == 0
    assert backend.reshape(np.arange(6.0), [np.int64(2), np.array(3)]).shape == (2, 3)
    np.testing.assert_array_equal(backend.gather(np.arange(4.0) * 2, np.array([3, 0])), [6, 0])
    assert backend.argmax(np.array([[1, 3, 3]]), axis=1).dtype == np.int64


# --- random ------------------------------------------------------------------------------

def test_seeded_random_ops_are_reproducible_and_draw_anew(backend):
    other = NumpyBackend()
    first = backend.random_normal([np.int64(3), 4], mean=1.0, stddev=2.0, dtype="float32",
                                  seed=7)
    assert first.shape == (3, 4) and first.dtype == np.float32
    second = backend.random_normal([3, 4], mean=1.0, stddev=2.0, dtype="float32", seed=7)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(
        other.random_normal([3, 4], mean=1.0, stddev=2.0, dtype="float32", seed=7), first)


def test_random_distributions_and_dtypes(backend):
    u = backend.random_uniform([20000], minval=-2.0, maxval=3.0, dtype="float64")
    assert u.dtype == np.float64 and u.min() >= -2.0 and u.max() < 3.0
    assert abs(u.mean() - 0.5) < 0.05
    b = backend.random_binomial([20000], p=0.3, dtype="float16")
    assert b.dtype == np.float16 and set(np.unique(b)) <= {0.0, 1.0}
    assert abs(b.mean() - 0.3) < 0.02
    t = backend.truncated_normal([20000], mean=5.0, stddev=0.5, dtype="float32", seed=1)
    assert t.dtype == np.float32 and np.all(np.abs(t - 5.0) <= 1.0 + 1e-6)
    assert abs(t.std() - 0.5 * 0.8796) < 0.02
    n = backend.random_normal([20000], dtype="float32")
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1.0) < 0.05
    i = backend.random_uniform([100], minval=0, maxval=5, dtype="int32")
    assert i.dtype == np.int32 and i.min() >= 0 and i.max() < 5


def test_compiled_random_function_draws_on_every_call():
    f = K.function([], [K.random_uniform((5,), seed=11)])
    assert not np.array_equal(f([])[0], f([])[0])


def test_only_outermost_primitive_calls_are_taped():
    from polykeras_numpy.autodiff import Tape, primitive

    class Ops(NumpyBackend):
        @primitive(lambda g, ans, x: (g * 3.0,))
        def triple(self, x):
            return self.multiply(x, 3.0)

    ops, x = Ops(), np.array([1.0, 2.0])
    with Tape() as tape:
        out = ops.triple(x)
        (dx,) = tape.gradients(ops.sum(out), [x])
    assert [entry[0] for entry in tape.entries] == ["triple", "sum"]
    np.testing.assert_array_equal(dx, [3.0, 3.0])
