"""``polykeras.activations``: values against NumPy formulas, softmax axes and
errors, gradients that stay finite, and name resolution (get / serialize /
deserialize, custom objects, plugins, close-match suggestions).

Runs on the active backend; every activation of a test is computed in one
``K.function`` call so the TensorFlow and Theano runs stay fast.
"""
import re

import numpy as np
import pytest

import polykeras.backend as K
from polykeras import activations
from polykeras.utils.serialization import custom_object_scope

# Inputs covering both signs, zero, the hard_sigmoid kinks (+-2.5) and large magnitudes.
X = np.concatenate([np.linspace(-5., 5., 21), [-30., -12., 12., 30.]]).astype("float32")
X = X.reshape(5, 5)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def run(build, *arrays):
    """Outputs of ``build(*placeholders)`` (a list of tensors) fed with ``arrays``."""
    placeholders = [K.placeholder(shape=a.shape, dtype=str(a.dtype)) for a in arrays]
    outputs = build(*placeholders)
    return K.function(placeholders, list(outputs))(list(arrays))


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.)))


def np_softmax(x, axis):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


REFERENCES = {
    "elu": lambda x: np_elu(x),
    "selu": lambda x: SELU_SCALE * np_elu(x, SELU_ALPHA),
    "softplus": lambda x: np.logaddexp(0., x),
    "softsign": lambda x: x / (1. + np.abs(x)),
    "relu": lambda x: np.maximum(x, 0.),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1. / (1. + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0., 1.),
    "exponential": np.exp,
    "linear": lambda x: x,
    "softmax": lambda x: np_softmax(x, -1),
}


def test_every_activation_matches_its_numpy_formula():
    names = sorted(REFERENCES)
    got = run(lambda x: [activations.get(name)(x) for name in names], X)
    x64 = X.astype("float64")
    for name, value in zip(names, got):
        assert value.shape == X.shape, name
        assert value.dtype == np.float32, name
        np.testing.assert_allclose(value, REFERENCES[name](x64), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_elu_alpha_scales_the_negative_part(alpha):
    (got,) = run(lambda x: [activations.elu(x, alpha=alpha)], X)
    np.testing.assert_allclose(got, np_elu(X.astype("float64"), alpha), rtol=1e-5, atol=1e-6)
    assert got.min() == pytest.approx(-alpha, rel=1e-5)  # exp(-30) - 1 == -1 in float32


RELU_CASES = [  # alpha, max_value, threshold
    (0., None, 0.),
    (0.3, None, 0.),
    (0., 6., 0.),
    (0.2, 4., 0.),
    (0., None, 2.),
    (0.1, None, 1.5),
    (0.1, 3., 1.),
]


@pytest.mark.parametrize("alpha, max_value, threshold", RELU_CASES)
def test_relu_options_follow_the_keras_2_definition(alpha, max_value, threshold):
    (got,) = run(lambda x: [activations.relu(x, alpha=alpha, max_value=max_value,
                                             threshold=threshold)], X)
    x = X.astype("float64")
    cap = np.inf if max_value is None else max_value
    # max_value at or above the cap, x between threshold and cap, alpha * (x - threshold) below.
    expected = np.where(x >= cap, cap, np.where(x > threshold, x, alpha * (x - threshold)))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_selu_self_normalizes_standard_normal_inputs():
    # The SELU constants are chosen so that N(0, 1) inputs give outputs of mean 0,
    # variance 1: an independent check of both constants.
    z = np.random.RandomState(0).standard_normal(200_000).astype("float32")
    (out,) = run(lambda x: [activations.selu(x)], z)
    assert abs(out.mean()) < 0.01
    assert abs(out.var() - 1.) < 0.01
    assert out.min() > -SELU_SCALE * SELU_ALPHA


@pytest.mark.parametrize("shape, axis", [
    ((4, 6), -1),
    ((4, 6), 0),
    ((2, 3, 5), 1),
    ((2, 3, 5), (1, 2)),
    ((2, 3, 4, 5), -1),
])
def test_softmax_normalizes_along_the_requested_axis(shape, axis):
    x = np.random.RandomState(1).uniform(-4., 4., size=shape).astype("float32")
    (got,) = run(lambda t: [activations.softmax(t, axis=axis)], x)
    expected = np_softmax(x.astype("float64"), axis)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got.sum(axis=axis), 1., rtol=1e-5)


def test_softmax_is_stable_for_huge_logits():
    x = np.array([[1000., 1000., -1000.], [-1e4, 0., 1e4]], dtype="float32")
    (got,) = run(lambda t: [activations.softmax(t)], x)
    np.testing.assert_allclose(got, [[0.5, 0.5, 0.], [0., 0., 1.]], atol=1e-7)


@pytest.mark.parametrize("shape", [(3,), ()])
def test_softmax_refuses_tensors_without_a_batch_axis(shape):
    with pytest.raises(ValueError, match=rf"rank 2 or more.*Received: ndim={len(shape)}"):
        activations.softmax(K.placeholder(shape=shape))


def test_activation_gradients_are_finite_and_correct_at_extremes():
    v = K.variable(np.array([-80., -1., 0.5, 80.]))
    names = ["elu", "selu", "softplus", "sigmoid", "tanh", "softsign"]
    grads = K.function([], [K.gradients(K.sum(activations.get(n)(v)), [v])[0]
                            for n in names])([])
    got = dict(zip(names, grads))
    x = np.array([-80., -1., 0.5, 80.])
    expected = {
        "elu": np.where(x > 0, 1., np.exp(x)),
        "selu": SELU_SCALE * np.where(x > 0, 1., SELU_ALPHA * np.exp(x)),
        "softplus": 1. / (1. + np.exp(-x)),
        "sigmoid": np.exp(-x) / (1. + np.exp(-x)) ** 2,
        "tanh": 1. - np.tanh(x) ** 2,
        "softsign": 1. / (1. + np.abs(x)) ** 2,
    }
    for name in names:
        assert np.all(np.isfinite(got[name])), name
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, atol=1e-7,
                                   err_msg=name)


def test_linear_returns_its_input_unchanged():
    x = K.placeholder(shape=(None, 3))
    assert activations.linear(x) is x
    assert activations.get(None) is activations.linear


# --- resolution ------------------------------------------------------------------------

BUILTINS = ["softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
            "hard_sigmoid", "exponential", "linear"]


@pytest.mark.parametrize("name", BUILTINS)
def test_builtins_round_trip_through_their_names(name):
    fn = getattr(activations, name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn
    assert activations.get(name) is fn


def test_get_returns_callables_as_they_are():
    def swish(x):
        return x * K.sigmoid(x)

    assert activations.get(swish) is swish
    assert activations.get(np.tanh) is np.tanh


@pytest.mark.parametrize("bad", [5, 2.5, ["relu"], ("tanh",)])
def test_get_rejects_what_is_not_an_activation(bad):
    with pytest.raises(ValueError, match=r"Could not interpret activation.*Received: "
                                         + re.escape(repr(bad))):
        activations.get(bad)


def test_unknown_names_suggest_close_matches():
    with pytest.raises(ValueError, match=r"Unknown activation function: 'rleu'.*Did you mean"
                                         r".*relu"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="custom_objects"):
        activations.deserialize("no_such_thing_at_all")


def test_custom_objects_resolve_first_and_serialize_by_name():
    def scaled_tanh(x):
        return 1.7159 * K.tanh(2. / 3. * x)

    assert activations.serialize(scaled_tanh) == "scaled_tanh"
    assert activations.deserialize("scaled_tanh",
                                   custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh
    # Caller-supplied objects win over the built-ins of the same name.
    assert activations.deserialize("relu", custom_objects={"relu": scaled_tanh}) is scaled_tanh
    with custom_object_scope({"scaled_tanh": scaled_tanh}):
        assert activations.get("scaled_tanh") is scaled_tanh
    with pytest.raises(ValueError, match="scaled_tanh"):
        activations.get("scaled_tanh")
    (got,) = run(lambda x: [activations.get(scaled_tanh)(x)], X[:1])
    np.testing.assert_allclose(got, 1.7159 * np.tanh(2. / 3. * X[:1]), rtol=1e-5)


PLUGIN = """
from polykeras import hookimpl
import polykeras.backend as K

def mish_like(x):
    return x * K.tanh(K.softplus(x))

@hookimpl
def polykeras_register_activations(register):
    register(mish_like)
"""


def test_activations_registered_by_a_plugin_resolve_by_name(install_distribution):
    install_distribution("mish-activation", {"polykeras.plugins": {"mish": "mishmod"}},
                         {"mishmod": PLUGIN})
    fn = activations.get("mish_like")
    assert fn.__name__ == "mish_like" and activations.serialize(fn) == "mish_like"
    (got,) = run(lambda x: [fn(x)], X[:1])
    x = X[:1].astype("float64")
    np.testing.assert_allclose(got, x * np.tanh(np.logaddexp(0., x)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Did you mean.*mish_like"):
        activations.get("mish_lik")


def test_module_exports_and_docstrings():
    for name in activations.__all__:
        obj = getattr(activations, name)
        doc = obj.__doc__ or ""
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name
