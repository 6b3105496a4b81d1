"""polykeras.losses against NumPy formulas written here, on the active backend.

Run on every backend (``POLYKERAS_BACKEND=numpy|tensorflow|...``): the
losses only compose ``K`` ops, so agreement here checks both the formulas and
the backend's execution of them.
"""
import types

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import losses, plugins
from polykeras.hookspecs import hookimpl
from polykeras.utils.serialization import custom_object_scope

RTOL, ATOL = 1e-5, 1e-5
CLASSES = 5


def _eps():
    return K.epsilon()


def _clip(x, low, high):
    """Clip to bounds rounded to float32 as the backend's are (``1 - 1e-7`` is
    ``1 - 2**-23`` there), keeping the float64 precision of ``x`` elsewhere."""
    low = -np.inf if low is None else float(np.float32(low))
    high = np.inf if high is None else float(np.float32(high))
    return np.clip(x, low, high)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def _one_hot(labels, classes=CLASSES):
    return np.eye(classes, dtype=np.float32)[np.asarray(labels).astype(np.int64)]


def _evaluate(fn, y_true, y_pred, true_dtype=None):
    return K.eval(fn(K.constant(y_true, dtype=true_dtype), K.constant(y_pred)))


# --- NumPy references (float64) -------------------------------------------------------------

def ref_mse(t, p):
    return np.mean((p - t) ** 2, axis=-1)


def ref_mae(t, p):
    return np.mean(np.abs(p - t), axis=-1)


def ref_mape(t, p):
    return 100. * np.mean(np.abs(t - p) / _clip(np.abs(t), _eps(), None), axis=-1)


def ref_msle(t, p):
    return np.mean((np.log1p(_clip(p, _eps(), None))
                    - np.log1p(_clip(t, _eps(), None))) ** 2, axis=-1)


def ref_squared_hinge(t, p):
    return np.mean(np.maximum(1. - t * p, 0.) ** 2, axis=-1)


def ref_hinge(t, p):
    return np.mean(np.maximum(1. - t * p, 0.), axis=-1)


def ref_categorical_hinge(t, p):
    positive = np.sum(t * p, axis=-1)
    negative = np.max((1. - t) * p, axis=-1)
    return np.maximum(negative - positive + 1., 0.)


def ref_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def ref_categorical_crossentropy(t, p):
    q = _clip(p / p.sum(axis=-1, keepdims=True), _eps(), 1. - _eps())
    return -np.sum(t * np.log(q), axis=-1)


def ref_sparse_categorical_crossentropy(labels, p):
    q = _clip(p, _eps(), 1. - _eps())
    q = q / q.sum(axis=-1, keepdims=True)
    labels = np.asarray(labels).astype(np.int64).reshape(q.shape[:-1])
    return -np.log(np.take_along_axis(q, labels[..., None], axis=-1)[..., 0])


def ref_binary_crossentropy(t, p):
    q = _clip(p, _eps(), 1. - _eps())
    return np.mean(-(t * np.log(q) + (1. - t) * np.log(1. - q)), axis=-1)


def ref_kld(t, p):
    t = _clip(t, _eps(), 1.)
    p = _clip(p, _eps(), 1.)
    return np.sum(t * np.log(t / p), axis=-1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + _eps()), axis=-1)


def ref_cosine_proximity(t, p):
    def unit(v):
        return v / np.sqrt(np.maximum(np.sum(v * v, axis=-1, keepdims=True), 1e-12))
    return -np.sum(unit(t) * unit(p), axis=-1)


# --- inputs ---------------------------------------------------------------------------------

def _real(rng, shape):
    return (rng.normal(size=shape).astype(np.float32),
            rng.normal(size=shape).astype(np.float32))


def _positive(rng, shape):
    return (rng.uniform(0.1, 3., shape).astype(np.float32),
            rng.uniform(0.1, 3., shape).astype(np.float32))


def _signs(rng, shape):
    return (rng.choice([-1., 1.], shape).astype(np.float32),
            rng.normal(size=shape).astype(np.float32))


def _one_hot_scores(rng, shape):
    return (_one_hot(rng.integers(0, shape[-1], shape[:-1]), shape[-1]),
            rng.normal(size=shape).astype(np.float32))


def _soft_probabilities(rng, shape):
    return _softmax(rng.normal(size=shape)), rng.uniform(0.05, 1., shape).astype(np.float32)


def _distributions(rng, shape):
    return _softmax(rng.normal(size=shape)), _softmax(rng.normal(size=shape))


def _bits_probabilities(rng, shape):
    return (rng.integers(0, 2, shape).astype(np.float32),
            rng.uniform(0.01, 0.99, shape).astype(np.float32))


def _counts_rates(rng, shape):
    return (rng.poisson(2., shape).astype(np.float32),
            rng.uniform(0.1, 4., shape).astype(np.float32))


CASES = [
    (losses.mean_squared_error, ref_mse, _real),
    (losses.mean_absolute_error, ref_mae, _real),
    (losses.mean_absolute_percentage_error, ref_mape, _real),
    (losses.mean_squared_logarithmic_error, ref_msle, _real),
    (losses.mean_squared_logarithmic_error, ref_msle, _positive),
    (losses.squared_hinge, ref_squared_hinge, _signs),
    (losses.hinge, ref_hinge, _signs),
    (losses.categorical_hinge, ref_categorical_hinge, _one_hot_scores),
    (losses.logcosh, ref_logcosh, _real),
    (losses.categorical_crossentropy, ref_categorical_crossentropy, _soft_probabilities),
    (losses.binary_crossentropy, ref_binary_crossentropy, _bits_probabilities),
    (losses.kullback_leibler_divergence, ref_kld, _distributions),
    (losses.poisson, ref_poisson, _counts_rates),
    (losses.cosine_proximity, ref_cosine_proximity, _real),
]
CASE_IDS = [f"{fn.__name__}-{make.__name__.strip('_')}" for fn, _, make in CASES]


@pytest.mark.parametrize("shape", [(8, CLASSES), (2, 3, CLASSES)], ids=["2d", "3d"])
@pytest.mark.parametrize(("loss", "reference", "make_inputs"), CASES, ids=CASE_IDS)
def test_loss_matches_numpy_formula(loss, reference, make_inputs, shape):
    rng = np.random.default_rng(20240611)
    y_true, y_pred = make_inputs(rng, shape)
    got = _evaluate(loss, y_true, y_pred)
    assert got.shape == shape[:-1]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, reference(y_true.astype(np.float64),
                                              y_pred.astype(np.float64)),
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("loss", "reference", "make_inputs"), CASES, ids=CASE_IDS)
def test_loss_static_shape_is_per_sample(loss, reference, make_inputs):
    for shape in [(None, CLASSES), (None, 3, CLASSES)]:
        out = loss(K.placeholder(shape), K.placeholder(shape))
        assert K.int_shape(out) == shape[:-1]


def _check_gradient(loss, reference, y_true, y_pred, true_dtype=None):
    """d sum(loss) / d y_pred from K.gradients against central differences of the
    float64 NumPy formula."""
    t = K.placeholder(y_true.shape, dtype=true_dtype)
    p = K.placeholder(y_pred.shape)
    gradient = K.gradients(K.sum(loss(t, p)), [p])[0]
    got = K.function([t, p], [gradient])([y_true, y_pred])[0]
    y_true, y_pred = y_true.astype(np.float64), y_pred.astype(np.float64)
    expected = np.zeros_like(y_pred)
    step = 1e-6
    for index in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += step
        down[index] -= step
        expected[index] = (reference(y_true, up).sum() - reference(y_true, down).sum()) / (2 * step)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize(("loss", "reference", "make_inputs"), CASES, ids=CASE_IDS)
def test_loss_gradient_matches_finite_differences(loss, reference, make_inputs):
    rng = np.random.default_rng(99)
    y_true, y_pred = make_inputs(rng, (3, 4))
    _check_gradient(loss, reference, y_true, y_pred)


def test_categorical_crossentropy_one_hot_targets():
    rng = np.random.default_rng(7)
    y_true = _one_hot(rng.integers(0, CLASSES, 10))
    y_pred = _softmax(rng.normal(size=(10, CLASSES)))
    got = _evaluate(losses.categorical_crossentropy, y_true, y_pred)
    expected = -np.log(y_pred.astype(np.float64)[np.arange(10), y_true.argmax(-1)])
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


# --- sparse labels ----------------------------------------------------------------------------

@pytest.mark.parametrize(("label_shape", "dtype"), [
    ((9,), "int32"), ((9, 1), "int32"), ((9, 1), "float32"), ((9,), "int64")])
def test_sparse_categorical_crossentropy_labels(label_shape, dtype):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, CLASSES, label_shape).astype(dtype)
    y_pred = _softmax(rng.normal(size=(9, CLASSES)))
    got = _evaluate(losses.sparse_categorical_crossentropy, labels, y_pred, true_dtype=dtype)
    assert got.shape == (9,)
    np.testing.assert_allclose(got, ref_sparse_categorical_crossentropy(labels, y_pred),
                               rtol=RTOL, atol=ATOL)
    dense = _evaluate(losses.categorical_crossentropy, _one_hot(labels.reshape(-1)), y_pred)
    np.testing.assert_allclose(got, dense, rtol=RTOL, atol=ATOL)


def test_sparse_categorical_crossentropy_gradient():
    rng = np.random.default_rng(8)
    labels = rng.integers(0, CLASSES, (4, 1)).astype("int32")
    y_pred = rng.uniform(0.05, 1., (4, CLASSES)).astype(np.float32)
    _check_gradient(losses.sparse_categorical_crossentropy, ref_sparse_categorical_crossentropy,
                    labels, y_pred, true_dtype="int32")


def test_sparse_categorical_crossentropy_sequences():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, CLASSES, (2, 3)).astype("int32")
    y_pred = _softmax(rng.normal(size=(2, 3, CLASSES)))
    got = _evaluate(losses.sparse_categorical_crossentropy, labels, y_pred, true_dtype="int32")
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, ref_sparse_categorical_crossentropy(labels, y_pred),
                               rtol=RTOL, atol=ATOL)
    out = losses.sparse_categorical_crossentropy(K.placeholder((None, 3, 1), dtype="int32"),
                                                 K.placeholder((None, 3, CLASSES)))
    assert K.int_shape(out) == (None, 3)


# --- edge values: clipping by epsilon keeps the log-based losses finite ------------------------

EDGE_CASES = [
    (losses.mean_absolute_percentage_error, ref_mape,
     [[0., 0., 1.], [0., 2., -1.]], [[1., 0., 1.], [-3., 2., 0.]]),
    (losses.mean_squared_logarithmic_error, ref_msle,
     [[0., -1., 2.], [0., 0., 0.]], [[0., 1., -2.], [-1., 0., 5.]]),
    (losses.binary_crossentropy, ref_binary_crossentropy,
     [[1., 0., 1.], [0., 1., 0.]], [[0., 1., 1.], [0., 1., 1.]]),
    (losses.categorical_crossentropy, ref_categorical_crossentropy,
     [[1., 0., 0.], [0., 0., 1.]], [[0., 1., 0.], [0.5, 0.5, 0.]]),
    (losses.kullback_leibler_divergence, ref_kld,
     [[1., 0., 0.], [0., 0., 0.]], [[0., 0.5, 0.5], [0., 1., 0.]]),
    (losses.poisson, ref_poisson,
     [[3., 0., 1.], [0., 0., 0.]], [[0., 0., 1.], [0., 2., 0.]]),
    (losses.cosine_proximity, ref_cosine_proximity,
     [[0., 0., 0.], [1., 0., 0.]], [[1., 2., 3.], [0., 0., 0.]]),
    (losses.logcosh, ref_logcosh,
     [[0., 0., 0.], [50., -50., 0.]], [[0., 0., 0.], [-50., 50., 1e-3]]),
]


@pytest.mark.parametrize(("loss", "reference", "y_true", "y_pred"), EDGE_CASES,
                         ids=[case[0].__name__ for case in EDGE_CASES])
def test_loss_edge_values_stay_finite(loss, reference, y_true, y_pred):
    y_true = np.array(y_true, np.float32)
    y_pred = np.array(y_pred, np.float32)
    got = _evaluate(loss, y_true, y_pred)
    assert np.all(np.isfinite(got)), got
    np.testing.assert_allclose(got, reference(y_true.astype(np.float64),
                                              y_pred.astype(np.float64)),
                               rtol=RTOL, atol=ATOL)


def test_sparse_categorical_crossentropy_zero_probability_is_clipped():
    y_pred = np.array([[0., 1., 0.], [0.5, 0.5, 0.]], np.float32)
    labels = np.array([0, 2], np.int32)
    got = _evaluate(losses.sparse_categorical_crossentropy, labels, y_pred, true_dtype="int32")
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref_sparse_categorical_crossentropy(labels, y_pred),
                               rtol=RTOL, atol=ATOL)


def test_epsilon_is_read_when_the_loss_is_built():
    saved = K.epsilon()
    K.set_epsilon(1e-3)
    try:
        got = _evaluate(losses.poisson, np.array([[2.]], np.float32),
                        np.array([[0.]], np.float32))
    finally:
        K.set_epsilon(saved)
    np.testing.assert_allclose(got, [-2. * np.log(1e-3)], rtol=RTOL)


def test_numpy_arrays_are_accepted_as_inputs():
    y_true = np.array([[0., 2.]], np.float32)
    y_pred = np.array([[1., 2.]], np.float32)
    np.testing.assert_allclose(K.eval(losses.mse(y_true, y_pred)), [0.5])


def test_results_are_the_same_through_k_function():
    rng = np.random.default_rng(5)
    y_true, y_pred = _real(rng, (4, CLASSES))
    t, p = K.placeholder((None, CLASSES)), K.placeholder((None, CLASSES))
    run = K.function([t, p], [losses.mse(t, p), losses.logcosh(t, p)])
    got_mse, got_logcosh = run([y_true, y_pred])
    np.testing.assert_allclose(got_mse, ref_mse(y_true, y_pred), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_logcosh, ref_logcosh(y_true, y_pred), rtol=RTOL, atol=ATOL)


# --- names, aliases, (de)serialization -------------------------------------------------------

ALIASES = {
    "mse": "mean_squared_error", "MSE": "mean_squared_error",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
    "kld": "kullback_leibler_divergence", "KLD": "kullback_leibler_divergence",
    "cosine": "cosine_proximity",
}
CANONICAL = sorted({fn.__name__ for fn, _, _ in CASES} | {"sparse_categorical_crossentropy"})


@pytest.mark.parametrize(("alias", "name"), sorted(ALIASES.items()))
def test_aliases(alias, name):
    target = getattr(losses, name)
    assert getattr(losses, alias) is target
    assert losses.get(alias) is target
    assert losses.serialize(losses.get(alias)) == name


def test_builtin_table_lists_every_loss_and_alias():
    assert set(losses.BUILTIN_LOSSES) == set(CANONICAL) | set(ALIASES)
    assert len(CANONICAL) == 14


@pytest.mark.parametrize("name", CANONICAL)
def test_get_serialize_deserialize_round_trip(name):
    fn = getattr(losses, name)
    assert fn.__name__ == name
    assert losses.get(name) is fn
    assert losses.serialize(fn) == name
    assert losses.deserialize(losses.serialize(fn)) is fn
    assert losses.deserialize({"class_name": name, "config": {}}) is fn
    assert losses.get({"class_name": name, "config": {}}) is fn


def test_get_passes_callables_and_none_through():
    def my_loss(y_true, y_pred):
        return K.mean(y_pred - y_true, axis=-1)
    assert losses.get(my_loss) is my_loss
    assert losses.get(None) is None


def test_get_rejects_other_types():
    with pytest.raises(ValueError, match=r"Expected a loss name.*Received: 42"):
        losses.get(42)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError) as info:
        losses.get("mean_squared_eror")
    message = str(info.value)
    assert "Unknown loss function: 'mean_squared_eror'" in message
    assert "Did you mean" in message and "mean_squared_error" in message
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        losses.deserialize("categorical_crossentropi")


def test_custom_objects_and_scope():
    def my_loss(y_true, y_pred):
        return K.sum(y_pred - y_true, axis=-1)
    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss
    with custom_object_scope({"my_loss": my_loss}):
        assert losses.get("my_loss") is my_loss
    with pytest.raises(ValueError, match="Unknown loss function: 'my_loss'"):
        losses.get("my_loss")
    # custom objects win over the built-ins
    assert losses.deserialize("mse", custom_objects={"mse": my_loss}) is my_loss


class ScaledMSE:
    """A loss object with a config, as a user might write one."""

    def __init__(self, scale=1.):
        self.scale = scale
        self.__name__ = "scaled_mse"

    def __call__(self, y_true, y_pred):
        return self.scale * losses.mse(y_true, y_pred)

    def get_config(self):
        return {"scale": self.scale}


def test_loss_objects_round_trip_through_their_config():
    config = losses.serialize(ScaledMSE(3.))
    assert config == {"class_name": "ScaledMSE", "config": {"scale": 3.}}
    rebuilt = losses.deserialize(config, custom_objects={"ScaledMSE": ScaledMSE})
    assert isinstance(rebuilt, ScaledMSE) and rebuilt.scale == 3.
    got = _evaluate(rebuilt, np.zeros((1, 2), np.float32), np.ones((1, 2), np.float32))
    np.testing.assert_allclose(got, [3.])
    default = losses.deserialize({"class_name": "ScaledMSE", "config": {}},
                                 custom_objects={"ScaledMSE": ScaledMSE})
    assert isinstance(default, ScaledMSE) and default.scale == 1.


def test_losses_registered_by_a_plugin_resolve(monkeypatch):
    def plugin_loss(y_true, y_pred):
        return K.mean(K.abs(y_pred - y_true), axis=-1)

    module = types.ModuleType("polykeras_test_loss_plugin")

    @hookimpl
    def polykeras_register_losses(register):
        register(plugin_loss)
    module.polykeras_register_losses = polykeras_register_losses
    manager = plugins.PluginManager()
    monkeypatch.setattr(plugins, "manager", manager)
    manager.register_module(module, "test-loss-plugin")
    assert losses.get("plugin_loss") is plugin_loss
    with pytest.raises(ValueError, match="Did you mean: plugin_loss"):
        losses.get("plugin_los")
