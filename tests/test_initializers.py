"""``polykeras.initializers``: constant values, statistics of the random ones
(fixed seeds, tolerances of several standard errors), Keras 2 fan counting
for dense and convolution kernels, seeding (per-seed reproducibility, the
global ``np.random`` stream), orthogonality, errors, configs and name
resolution.
"""
import json
import math

import numpy as np
import pytest

import polykeras.backend as K
from polykeras import initializers
from polykeras.utils.serialization import custom_object_scope

TRUNC_STD = 0.87962566103423978  # std of a unit normal truncated to [-2, 2]


def phi(z):
    """Standard normal CDF."""
    return 0.5 * (1. + math.erf(z / math.sqrt(2.)))


# --- constant initializers --------------------------------------------------------------

def test_zeros_ones_constant_values_and_default_dtype():
    for init, fill in [(initializers.Zeros(), 0.), (initializers.Ones(), 1.),
                       (initializers.Constant(-2.5), -2.5)]:
        value = init((3, 4))
        assert isinstance(value, np.ndarray)
        assert value.shape == (3, 4) and value.dtype == np.dtype(K.floatx())
        assert np.all(value == fill)


def test_dtype_argument_is_honoured():
    assert initializers.Zeros()((2,), dtype="float64").dtype == np.float64
    assert initializers.Ones()((2, 2), dtype="int32").dtype == np.int32
    assert initializers.RandomNormal(seed=1)((5,), dtype="float64").dtype == np.float64
    assert initializers.glorot_uniform(seed=1)((4, 5), dtype="float16").dtype == np.float16


def test_constant_broadcasts_array_values_and_reports_mismatches():
    np.testing.assert_array_equal(initializers.Constant([1., 2., 3.])((2, 3)),
                                  [[1., 2., 3.], [1., 2., 3.]])
    with pytest.raises(ValueError, match=r"cannot fill a weight of shape \(2, 4\)"):
        initializers.Constant([1., 2., 3.])((2, 4))


@pytest.mark.parametrize("shape", [(None, 3), (2, -1), (2.5,), "ab"])
def test_shapes_must_be_fully_known(shape):
    with pytest.raises(ValueError, match=r"fully known shape.*Received: shape="):
        initializers.Zeros()(shape)


def test_random_initializers_need_a_float_dtype():
    with pytest.raises(ValueError, match=r"floating-point dtype. Received: dtype='int32'"):
        initializers.RandomUniform()((3,), dtype="int32")


# --- random initializers: statistics ----------------------------------------------------

N = (250, 400)  # 100k draws: standard error of a mean is stddev / 316


def test_random_normal_statistics():
    w = initializers.RandomNormal(mean=1.5, stddev=0.3, seed=11)(N).astype("float64")
    assert abs(w.mean() - 1.5) < 4 * 0.3 / math.sqrt(w.size)
    assert w.std() == pytest.approx(0.3, rel=0.01)
    # Not truncated: about 4.55% of normal draws lie beyond 2 standard deviations.
    assert np.mean(np.abs(w - 1.5) > 0.6) == pytest.approx(2 * (1 - phi(2.)), abs=0.003)


def test_random_uniform_bounds_and_statistics():
    w = initializers.RandomUniform(minval=-0.5, maxval=1.5, seed=3)(N).astype("float64")
    assert w.min() >= -0.5 and w.max() <= 1.5
    assert w.min() < -0.49 and w.max() > 1.49
    assert abs(w.mean() - 0.5) < 4 * (2. / math.sqrt(12.)) / math.sqrt(w.size)
    assert w.var() == pytest.approx(4. / 12., rel=0.02)


def test_truncated_normal_redraws_instead_of_clipping():
    mean, stddev = -0.2, 0.5
    w = initializers.TruncatedNormal(mean=mean, stddev=stddev, seed=5)(N).astype("float64")
    z = (w - mean) / stddev
    assert np.all(np.abs(z) <= 2. + 1e-6)
    # Clipping would pile 4.6% of the values up at +-2; redrawing leaves the tails thin.
    edge = 2 * (phi(2.) - phi(1.99)) / (phi(2.) - phi(-2.))  # P(|z| > 1.99 | |z| <= 2)
    assert np.mean(np.abs(z) > 1.99) == pytest.approx(edge, abs=0.0005)
    assert abs(w.mean() - mean) < 4 * stddev / math.sqrt(w.size)
    assert w.std() == pytest.approx(stddev * TRUNC_STD, rel=0.01)
    inner = (phi(1.) - phi(-1.)) / (phi(2.) - phi(-2.))  # P(|z| < 1 | |z| <= 2)
    assert np.mean(np.abs(z) < 1.) == pytest.approx(inner, abs=0.005)


# --- seeding -----------------------------------------------------------------------------

SEEDED = [
    initializers.RandomNormal(seed=7),
    initializers.RandomUniform(seed=7),
    initializers.TruncatedNormal(seed=7),
    initializers.VarianceScaling(seed=7),
    initializers.VarianceScaling(distribution="uniform", seed=7),
    initializers.Orthogonal(seed=7),
]


@pytest.mark.parametrize("init", SEEDED, ids=lambda i: type(i).__name__)
def test_a_seed_fixes_the_values_without_touching_the_global_stream(init):
    state = np.random.get_state()
    first = init((6, 5))
    again = init((6, 5))
    fresh = type(init).from_config(init.get_config())((6, 5))
    assert np.random.get_state()[1].tolist() == state[1].tolist()
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, fresh)
    other = type(init).from_config({**init.get_config(), "seed": 8})((6, 5))
    assert not np.allclose(first, other)


def test_seeded_draws_are_numpy_randomstate_draws():
    # The contract that makes cross-backend conformance possible: a seeded draw is
    # RandomState(seed)'s, whatever the backend, and survives the trip to a variable.
    expected = np.random.RandomState(42).normal(0.5, 2., size=(3, 4)).astype("float32")
    value = initializers.RandomNormal(0.5, 2., seed=42)((3, 4))
    np.testing.assert_array_equal(value, expected)
    np.testing.assert_array_equal(K.get_value(K.variable(value)), expected)
    expected = np.random.RandomState(9).uniform(-1., 1., size=(5,)).astype("float32")
    np.testing.assert_array_equal(initializers.RandomUniform(-1., 1., seed=9)((5,)), expected)


def test_unseeded_initializers_follow_np_random_seed():
    inits = [initializers.RandomNormal(), initializers.TruncatedNormal(),
             initializers.glorot_uniform(), initializers.he_normal(),
             initializers.Orthogonal()]
    np.random.seed(123)
    first = [init((4, 3)) for init in inits]
    np.random.seed(123)
    second = [init((4, 3)) for init in inits]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], inits[0]((4, 3)))  # the stream moves on


def test_invalid_seed_is_rejected():
    with pytest.raises(ValueError, match=r"`seed` must be None or an int. Received: seed=1.5"):
        initializers.RandomNormal(seed=1.5)


# --- variance scaling ----------------------------------------------------------------------

FAN_CASES = [  # shape, (fan_in, fan_out) counted independently
    ((20, 30), (20, 30)),
    ((5, 8, 16), (5 * 8, 5 * 16)),               # Conv1D (width, in, out)
    ((3, 3, 8, 16), (9 * 8, 9 * 16)),            # Conv2D (rows, cols, in, out)
    ((2, 3, 3, 4, 6), (18 * 4, 18 * 6)),         # Conv3D
    ((10000,), (100., 100.)),                    # other ranks: sqrt(size)
    ((2, 2, 2, 2, 2, 40), (math.sqrt(1280), math.sqrt(1280))),
]


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("shape, fans", FAN_CASES)
def test_variance_scaling_uniform_limit_uses_keras_fans(shape, fans, mode):
    fan = {"fan_in": fans[0], "fan_out": fans[1], "fan_avg": (fans[0] + fans[1]) / 2}[mode]
    scale = 3.
    limit = math.sqrt(3. * scale / max(1., fan))
    w = initializers.VarianceScaling(scale, mode, "uniform", seed=2)(shape)
    assert w.shape == shape
    assert np.abs(w).max() <= limit * (1 + 1e-6)
    assert np.abs(w).max() > 0.98 * limit  # thousands of draws reach the edge


@pytest.mark.parametrize("mode, fan", [("fan_in", 200), ("fan_out", 500), ("fan_avg", 350)])
def test_variance_scaling_normal_has_the_promised_variance(mode, fan):
    scale = 2.
    w = initializers.VarianceScaling(scale, mode, "normal", seed=4)((200, 500))
    w = w.astype("float64")
    assert w.std() == pytest.approx(math.sqrt(scale / fan), rel=0.02)
    assert abs(w.mean()) < 4 * w.std() / math.sqrt(w.size)
    assert np.abs(w).max() <= 2. * math.sqrt(scale / fan) / TRUNC_STD * (1 + 1e-6)


def test_small_and_empty_shapes():
    assert initializers.VarianceScaling(1., "fan_in", "uniform", seed=0)((0, 4)).shape == (0, 4)
    w = initializers.VarianceScaling(1., "fan_out", "uniform", seed=0)((3000, 1))
    # fan_out = 1: limit sqrt(3)
    assert math.sqrt(3.) * 0.98 < np.abs(w).max() <= math.sqrt(3.)
    scalar = initializers.VarianceScaling(1., "fan_in", "normal", seed=0)(())
    assert scalar.shape == () and abs(float(scalar)) <= 2. / TRUNC_STD


def test_compute_fans_channels_first_kernels():
    assert initializers._compute_fans((16, 8, 3, 3), "channels_first") == (72, 144)
    assert initializers._compute_fans((3, 3, 8, 16)) == (72, 144)
    with pytest.raises(ValueError, match="Received: data_format='nhwc'"):
        initializers._compute_fans((3, 3, 8, 16), "nhwc")


NAMED = [  # function, scale, mode, distribution
    ("lecun_normal", 1., "fan_in", "normal"),
    ("lecun_uniform", 1., "fan_in", "uniform"),
    ("glorot_normal", 1., "fan_avg", "normal"),
    ("glorot_uniform", 1., "fan_avg", "uniform"),
    ("he_normal", 2., "fan_in", "normal"),
    ("he_uniform", 2., "fan_in", "uniform"),
]


@pytest.mark.parametrize("name, scale, mode, distribution", NAMED)
def test_named_schemes_are_variance_scaling(name, scale, mode, distribution):
    init = getattr(initializers, name)(seed=5)
    assert isinstance(init, initializers.VarianceScaling)
    assert init.get_config() == {"scale": scale, "mode": mode, "distribution": distribution,
                                 "seed": 5}
    from_name = initializers.get(name)
    assert isinstance(from_name, initializers.VarianceScaling) and from_name.seed is None


def test_glorot_uniform_limit_on_a_dense_kernel():
    w = initializers.glorot_uniform(seed=0)((64, 32))
    limit = math.sqrt(6. / (64 + 32))
    assert limit * 0.98 < np.abs(w).max() <= limit


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": -1.}, r"`scale` must be a positive float. Received: scale=-1.0"),
    ({"scale": 0}, r"Received: scale=0"),
    ({"mode": "fan_sum"}, (r"expected one of \('fan_in', 'fan_out', 'fan_avg'\). "
                          r"Received: mode='fan_sum'")),
    ({"distribution": "gaussian"}, r"Received: distribution='gaussian'"),
    ({"mode": None}, r"Received: mode=None"),
])
def test_variance_scaling_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        initializers.VarianceScaling(**kwargs)


def test_variance_scaling_normalizes_case():
    init = initializers.VarianceScaling(mode="FAN_AVG", distribution="Uniform")
    assert (init.mode, init.distribution) == ("fan_avg", "uniform")


def test_other_argument_errors():
    with pytest.raises(ValueError, match=r"Received: stddev=-0.1"):
        initializers.RandomNormal(stddev=-0.1)
    with pytest.raises(ValueError, match=r"minval <= maxval. Received: minval=1, maxval=0"):
        initializers.RandomUniform(1, 0)


# --- orthogonal and identity ----------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 3, 4, 8)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    gain = 1.7
    w = initializers.Orthogonal(gain=gain, seed=3)(shape)
    assert w.shape == shape
    m = w.reshape(-1, shape[-1]).astype("float64") / gain
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, np.eye(min(m.shape)), atol=1e-5)


def test_orthogonal_draws_are_not_biased_toward_a_sign():
    # Haar-distributed: the diagonal entries of many 3x3 draws average to zero.
    diag = np.array([np.diag(initializers.Orthogonal(seed=s)((3, 3))) for s in range(400)])
    assert np.all(np.abs(diag.mean(axis=0)) < 0.1)


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"rank 2 or more. Received: shape=\(5,\) of rank 1"):
        initializers.Orthogonal()((5,))


def test_identity_square_rectangular_and_errors():
    np.testing.assert_array_equal(initializers.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(initializers.Identity(gain=0.5)((2, 4)),
                                  [[0.5, 0, 0, 0], [0, 0.5, 0, 0]])
    assert initializers.Identity()((4, 2)).sum() == 2.
    with pytest.raises(ValueError, match=r"2D matrices. Received: shape=\(2, 2, 2\) of rank 3"):
        initializers.Identity()((2, 2, 2))


# --- use with variables -------------------------------------------------------------------

def test_layers_style_variable_creation_with_builtin_and_tensor_initializers():
    v = K.variable(initializers.Constant(0.25)((2, 3), "float32"))
    np.testing.assert_array_equal(K.get_value(v), np.full((2, 3), 0.25))

    def tensor_init(shape, dtype=None):  # a user initializer written with K ops
        return K.constant(2., shape=shape, dtype=dtype) * 3.

    v = K.variable(initializers.get(tensor_init)((2, 2), "float32"))
    np.testing.assert_array_equal(K.get_value(v), np.full((2, 2), 6.))


# --- configs and resolution ---------------------------------------------------------------

CONFIGURED = [
    initializers.Zeros(),
    initializers.Ones(),
    initializers.Constant(0.7),
    initializers.RandomNormal(0.1, 0.2, seed=1),
    initializers.RandomUniform(-0.3, 0.4, seed=2),
    initializers.TruncatedNormal(0.0, 0.3, seed=3),
    initializers.VarianceScaling(2.5, "fan_out", "uniform", seed=4),
    initializers.Orthogonal(1.3, seed=5),
    initializers.Identity(0.9),
]


@pytest.mark.parametrize("init", CONFIGURED, ids=lambda i: type(i).__name__)
def test_configs_round_trip_through_json(init):
    text = json.dumps(initializers.serialize(init))
    restored = initializers.deserialize(json.loads(text))
    assert type(restored) is type(init)
    assert restored.get_config() == init.get_config()
    np.testing.assert_array_equal(restored((4, 4)), init((4, 4)))


def test_constant_configs_of_numpy_values_are_json_friendly():
    init = initializers.Constant(np.array([1.5, 2.5], dtype="float32"))
    config = json.loads(json.dumps(initializers.serialize(init)))
    assert config["config"] == {"value": [1.5, 2.5]}
    np.testing.assert_array_equal(initializers.deserialize(config)((2, 2)), [[1.5, 2.5]] * 2)
    assert initializers.Constant(np.float64(0.5)).get_config() == {"value": 0.5}


def test_from_config_ignores_a_dtype_entry():
    init = initializers.Constant.from_config({"value": 3., "dtype": "float32"})
    assert init.get_config() == {"value": 3.}


@pytest.mark.parametrize("name, cls", [
    ("zeros", initializers.Zeros), ("Zeros", initializers.Zeros), ("zero", initializers.Zeros),
    ("ones", initializers.Ones), ("constant", initializers.Constant),
    ("random_normal", initializers.RandomNormal), ("normal", initializers.RandomNormal),
    ("random_uniform", initializers.RandomUniform), ("uniform", initializers.RandomUniform),
    ("truncated_normal", initializers.TruncatedNormal),
    ("orthogonal", initializers.Orthogonal), ("identity", initializers.Identity),
    ("VarianceScaling", initializers.VarianceScaling),
])
def test_get_by_name_gives_a_default_instance(name, cls):
    init = initializers.get(name)
    assert type(init) is cls
    assert init.get_config() == cls().get_config()


def test_lowercase_aliases_are_the_classes():
    assert initializers.zeros is initializers.Zeros
    assert initializers.ones is initializers.Ones
    assert initializers.constant is initializers.Constant
    assert initializers.random_normal is initializers.RandomNormal
    assert initializers.random_uniform is initializers.RandomUniform
    assert initializers.truncated_normal is initializers.TruncatedNormal
    assert initializers.orthogonal is initializers.Orthogonal
    assert initializers.identity is initializers.Identity


def test_get_passes_dicts_and_callables_and_rejects_the_rest():
    init = initializers.get({"class_name": "RandomUniform",
                             "config": {"minval": 0., "maxval": 1., "seed": 1}})
    assert isinstance(init, initializers.RandomUniform) and init.maxval == 1.

    def my_init(shape, dtype=None):
        return np.full(shape, 4., dtype=dtype or K.floatx())

    assert initializers.get(my_init) is my_init
    for bad in (None, 3, [1, 2]):
        with pytest.raises(ValueError, match=r"Could not interpret initializer identifier.*"
                                             r"Received: "):
            initializers.get(bad)


def test_custom_objects_and_scope():
    def my_init(shape, dtype=None):
        return np.full(shape, 4., dtype=dtype or K.floatx())

    class Spike(initializers.Initializer):
        def __init__(self, height=1.):
            self.height = height

        def __call__(self, shape, dtype=None):
            w = np.zeros(shape, dtype=dtype or K.floatx())
            w.flat[0] = self.height
            return w

        def get_config(self):
            return {"height": self.height}

    config = initializers.serialize(Spike(5.))
    assert config == {"class_name": "Spike", "config": {"height": 5.}}
    restored = initializers.deserialize(config, custom_objects={"Spike": Spike})
    np.testing.assert_array_equal(restored((3,)), [5., 0., 0.])
    assert initializers.serialize(my_init) == "my_init"
    with custom_object_scope({"my_init": my_init, "Spike": Spike}):
        # A custom function named in a config is the initializer itself, not a factory.
        assert initializers.get("my_init") is my_init
        assert isinstance(initializers.get("Spike"), Spike)
    with pytest.raises(ValueError, match=r"Unknown initializer: 'Spike'"):
        initializers.get("Spike")


def test_unknown_names_suggest_close_matches():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot_unifrom'. "
                                         r"Did you mean: glorot_uniform"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match=r"needs 'class_name' and 'config'"):
        initializers.deserialize({"config": {}})


PLUGIN = """
from polykeras import hookimpl
from polykeras.initializers import Initializer
import numpy as np

class Arange(Initializer):
    def __call__(self, shape, dtype=None):
        return np.arange(np.prod(shape), dtype=dtype or "float32").reshape(shape)

@hookimpl
def polykeras_register_initializers(register):
    register(Arange)
"""


def test_initializers_registered_by_a_plugin_resolve_by_name(install_distribution):
    install_distribution("arange-init", {"polykeras.plugins": {"arange": "arangemod"}},
                         {"arangemod": PLUGIN})
    init = initializers.get("Arange")
    np.testing.assert_array_equal(init((2, 2)), [[0., 1.], [2., 3.]])
    assert initializers.deserialize(initializers.serialize(init)).__class__ is type(init)


def test_module_exports_have_docstrings_with_examples():
    for name in initializers.__all__:
        doc = getattr(initializers, name).__doc__ or ""
        assert "Example:" in doc, name
