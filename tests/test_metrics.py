"""polykeras.metrics against NumPy formulas written here, on the active backend,
plus the Keras 2 rule that resolves ``"accuracy"``/``"acc"``/``"ce"``."""
import types

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import losses, metrics, plugins
from polykeras.hookspecs import hookimpl
from polykeras.utils.serialization import custom_object_scope

RTOL, ATOL = 1e-5, 1e-5
CLASSES = 6
BATCH = 12


def _one_hot(labels, classes=CLASSES):
    return np.eye(classes, dtype=np.float32)[np.asarray(labels).astype(np.int64)]


def _evaluate(fn, y_true, y_pred, true_dtype=None, **kwargs):
    return K.eval(fn(K.constant(y_true, dtype=true_dtype), K.constant(y_pred), **kwargs))


def _scores(rng, shape):
    return rng.uniform(0., 1., shape).astype(np.float32)


# --- NumPy references -------------------------------------------------------------------------

def ref_binary_accuracy(t, p):
    return np.mean(t == np.round(p), axis=-1)


def ref_categorical_accuracy(t, p):
    return (np.argmax(t, axis=-1) == np.argmax(p, axis=-1)).astype(np.float64)


def ref_sparse_categorical_accuracy(labels, p):
    labels = np.asarray(labels).reshape(p.shape[:-1])
    return (labels == np.argmax(p, axis=-1)).astype(np.float64)


def ref_in_top_k(p, labels, k):
    """1 where fewer than k scores beat the target's score (ties count as hits)."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    target = p[np.arange(len(labels)), labels]
    return (np.sum(p > target[:, None], axis=-1) < k).astype(np.float64)


# --- accuracies ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(BATCH, 4), (3, 4, 2), (BATCH, 1)], ids=str)
def test_binary_accuracy(shape):
    rng = np.random.default_rng(11)
    y_true = rng.integers(0, 2, shape).astype(np.float32)
    y_pred = _scores(rng, shape)
    got = _evaluate(metrics.binary_accuracy, y_true, y_pred)
    assert got.shape == shape[:-1] and got.dtype == np.float32
    np.testing.assert_allclose(got, ref_binary_accuracy(y_true, y_pred), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape", [(BATCH, CLASSES), (3, 4, CLASSES)], ids=str)
def test_categorical_accuracy(shape):
    rng = np.random.default_rng(12)
    y_true = _one_hot(rng.integers(0, CLASSES, shape[:-1]))
    y_pred = _scores(rng, shape)
    got = _evaluate(metrics.categorical_accuracy, y_true, y_pred)
    assert got.shape == shape[:-1] and got.dtype == np.float32
    expected = ref_categorical_accuracy(y_true, y_pred)
    assert 0 < expected.sum() < expected.size  # both hits and misses are exercised
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("label_shape", "dtype"), [
    ((BATCH,), "int32"), ((BATCH, 1), "int32"), ((BATCH, 1), "float32"), ((BATCH,), "float32"),
    ((BATCH,), "int64")], ids=str)
def test_sparse_categorical_accuracy(label_shape, dtype):
    rng = np.random.default_rng(13)
    y_pred = _scores(rng, (BATCH, CLASSES))
    labels = np.where(rng.uniform(size=BATCH) < 0.5, y_pred.argmax(-1),
                      rng.integers(0, CLASSES, BATCH)).reshape(label_shape).astype(dtype)
    got = _evaluate(metrics.sparse_categorical_accuracy, labels, y_pred, true_dtype=dtype)
    assert got.shape == (BATCH,) and got.dtype == np.float32
    expected = ref_sparse_categorical_accuracy(labels, y_pred)
    assert 0 < expected.sum() < expected.size
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    dense = _evaluate(metrics.categorical_accuracy, _one_hot(labels.reshape(-1)), y_pred)
    np.testing.assert_allclose(got, dense)


@pytest.mark.parametrize("label_shape", [(3, 4), (3, 4, 1)], ids=str)
def test_sparse_categorical_accuracy_sequences(label_shape):
    rng = np.random.default_rng(14)
    y_pred = _scores(rng, (3, 4, CLASSES))
    labels = rng.integers(0, CLASSES, label_shape).astype("int32")
    got = _evaluate(metrics.sparse_categorical_accuracy, labels, y_pred, true_dtype="int32")
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, ref_sparse_categorical_accuracy(labels, y_pred))


@pytest.mark.parametrize("k", [1, 2, 3, 5, CLASSES])
def test_top_k_categorical_accuracy(k):
    rng = np.random.default_rng(15)
    labels = rng.integers(0, CLASSES, BATCH)
    y_pred = _scores(rng, (BATCH, CLASSES))
    got = _evaluate(metrics.top_k_categorical_accuracy, _one_hot(labels), y_pred, k=k)
    assert got.shape == (BATCH,) and got.dtype == np.float32
    np.testing.assert_allclose(got, ref_in_top_k(y_pred, labels, k))


def test_top_k_defaults_to_five():
    rng = np.random.default_rng(16)
    labels = rng.integers(0, CLASSES, BATCH)
    y_pred = _scores(rng, (BATCH, CLASSES))
    expected = ref_in_top_k(y_pred, labels, 5)
    assert 0 < expected.sum() < BATCH
    np.testing.assert_allclose(
        _evaluate(metrics.top_k_categorical_accuracy, _one_hot(labels), y_pred), expected)
    np.testing.assert_allclose(
        _evaluate(metrics.sparse_top_k_categorical_accuracy, labels.astype("int32"), y_pred,
                  true_dtype="int32"), expected)


@pytest.mark.parametrize(("label_shape", "dtype"), [
    ((BATCH,), "int32"), ((BATCH, 1), "int32"), ((BATCH, 1), "float32"), ((BATCH,), "int64")],
    ids=str)
@pytest.mark.parametrize("k", [1, 3])
def test_sparse_top_k_categorical_accuracy(label_shape, dtype, k):
    rng = np.random.default_rng(17)
    labels = rng.integers(0, CLASSES, label_shape).astype(dtype)
    y_pred = _scores(rng, (BATCH, CLASSES))
    got = _evaluate(metrics.sparse_top_k_categorical_accuracy, labels, y_pred,
                    true_dtype=dtype, k=k)
    assert got.shape == (BATCH,) and got.dtype == np.float32
    np.testing.assert_allclose(got, ref_in_top_k(y_pred, labels, k))


def test_top_k_counts_ties_as_hits():
    y_pred = np.array([[0.5, 0.5, 0.1], [0.2, 0.2, 0.2]], np.float32)
    got = _evaluate(metrics.sparse_top_k_categorical_accuracy, np.array([1, 2], np.int32),
                    y_pred, true_dtype="int32", k=1)
    np.testing.assert_allclose(got, [1., 1.])


@pytest.mark.parametrize(("metric", "true_shape", "true_dtype"), [
    (metrics.binary_accuracy, (None, 3), None),
    (metrics.categorical_accuracy, (None, CLASSES), None),
    (metrics.sparse_categorical_accuracy, (None, 1), "int32"),
    (metrics.sparse_categorical_accuracy, (None,), "int32"),
    (metrics.top_k_categorical_accuracy, (None, CLASSES), None),
    (metrics.sparse_top_k_categorical_accuracy, (None, 1), "int32"),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_metric_static_shape_is_per_sample(metric, true_shape, true_dtype):
    pred_shape = (None, 3) if metric is metrics.binary_accuracy else (None, CLASSES)
    out = metric(K.placeholder(true_shape, dtype=true_dtype), K.placeholder(pred_shape))
    assert K.int_shape(out) == (None,)
    assert K.dtype(out) == K.floatx()


def test_metrics_through_k_function():
    rng = np.random.default_rng(18)
    labels = rng.integers(0, CLASSES, (BATCH, 1)).astype(np.float32)
    y_pred = _scores(rng, (BATCH, CLASSES))
    t, p = K.placeholder((None, 1)), K.placeholder((None, CLASSES))
    run = K.function([t, p], [metrics.sparse_categorical_accuracy(t, p),
                              metrics.sparse_top_k_categorical_accuracy(t, p, k=2)])
    accuracy, top2 = run([labels, y_pred])
    np.testing.assert_allclose(accuracy, ref_sparse_categorical_accuracy(labels, y_pred))
    np.testing.assert_allclose(top2, ref_in_top_k(y_pred, labels, 2))


# --- losses as metrics -------------------------------------------------------------------------

ACCURACY_NAMES = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                  "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"]


@pytest.mark.parametrize("name", sorted(losses.BUILTIN_LOSSES))
def test_every_loss_is_a_metric(name):
    loss = losses.BUILTIN_LOSSES[name]
    assert metrics.get(name) is loss
    assert getattr(metrics, name) is loss
    assert metrics.serialize(loss) == loss.__name__
    assert metrics.deserialize(loss.__name__) is loss


def test_loss_as_metric_computes_the_loss():
    rng = np.random.default_rng(19)
    y_true = _one_hot(rng.integers(0, CLASSES, BATCH))
    y_pred = _scores(rng, (BATCH, CLASSES)) + 0.01
    got = _evaluate(metrics.get("categorical_crossentropy"), y_true, y_pred)
    q = np.clip(y_pred / y_pred.sum(-1, keepdims=True), K.epsilon(), 1. - K.epsilon())
    np.testing.assert_allclose(got, -np.sum(y_true * np.log(q), -1), rtol=RTOL, atol=ATOL)
    got = _evaluate(metrics.get("mse"), y_true, y_pred)
    np.testing.assert_allclose(got, np.mean((y_pred - y_true) ** 2, -1), rtol=RTOL, atol=ATOL)


# --- names and (de)serialization ------------------------------------------------------------------

@pytest.mark.parametrize("name", ACCURACY_NAMES)
def test_get_serialize_deserialize_round_trip(name):
    fn = getattr(metrics, name)
    assert fn.__name__ == name
    assert metrics.get(name) is fn
    assert metrics.serialize(fn) == name
    assert metrics.deserialize(metrics.serialize(fn)) is fn
    assert metrics.get({"class_name": name, "config": {}}) is fn
    assert metrics.BUILTIN_METRICS[name] is fn


def test_get_passes_callables_through_and_rejects_other_types():
    def my_metric(y_true, y_pred):
        return K.mean(y_pred, axis=-1)
    assert metrics.get(my_metric) is my_metric
    with pytest.raises(ValueError, match=r"Expected a metric name.*Received: None"):
        metrics.get(None)
    with pytest.raises(ValueError, match=r"Received: 3\.5"):
        metrics.get(3.5)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError) as info:
        metrics.get("categorical_acuracy")
    message = str(info.value)
    assert "Unknown metric function: 'categorical_acuracy'" in message
    assert "Did you mean" in message and "categorical_accuracy" in message


@pytest.mark.parametrize("name", ["acc", "accuracy", "ce", "crossentropy"])
def test_loss_dependent_names_point_to_resolve_accuracy(name):
    with pytest.raises(ValueError, match="resolve_accuracy") as info:
        metrics.get(name)
    assert f"Received: metrics.get({name!r})" in str(info.value)


def test_custom_objects_and_scope():
    def my_metric(y_true, y_pred):
        return K.max(y_pred, axis=-1)
    assert metrics.deserialize("my_metric", custom_objects={"my_metric": my_metric}) \
        is my_metric
    with custom_object_scope({"my_metric": my_metric}):
        assert metrics.get("my_metric") is my_metric
    with pytest.raises(ValueError, match="Unknown metric function: 'my_metric'"):
        metrics.get("my_metric")
    # a custom object named like an engine-resolved name is honoured
    assert metrics.deserialize("acc", custom_objects={"acc": my_metric}) is my_metric


def test_metrics_registered_by_a_plugin_resolve(monkeypatch):
    def plugin_metric(y_true, y_pred):
        return K.mean(y_pred, axis=-1)

    module = types.ModuleType("polykeras_test_metric_plugin")

    @hookimpl
    def polykeras_register_metrics(register):
        register(plugin_metric, name="plugin_metric")
    module.polykeras_register_metrics = polykeras_register_metrics
    manager = plugins.PluginManager()
    monkeypatch.setattr(plugins, "manager", manager)
    manager.register_module(module, "test-metric-plugin")
    assert metrics.get("plugin_metric") is plugin_metric
    assert metrics.resolve_accuracy("plugin_metric") == (plugin_metric, "plugin_metric")


# --- resolve_accuracy: the Keras 2 rule ---------------------------------------------------------

@pytest.mark.parametrize(("loss", "shape", "expected"), [
    ("binary_crossentropy", (None, 1), "binary_accuracy"),
    ("binary_crossentropy", (None, 7), "binary_accuracy"),
    (losses.binary_crossentropy, (None, 7), "binary_accuracy"),
    ("mse", (None, 1), "binary_accuracy"),
    (None, (None, 1), "binary_accuracy"),
    ("categorical_crossentropy", (None, 10), "categorical_accuracy"),
    ("mse", (None, 10), "categorical_accuracy"),
    (None, None, "categorical_accuracy"),
    ("categorical_crossentropy", (None, None), "categorical_accuracy"),
    ("sparse_categorical_crossentropy", (None, 10), "sparse_categorical_accuracy"),
    (losses.sparse_categorical_crossentropy, [None, 5, 10], "sparse_categorical_accuracy"),
    ("sparse_categorical_crossentropy", (None, 1), "binary_accuracy"),  # binary test first
])
@pytest.mark.parametrize("spelling", ["acc", "accuracy"])
def test_resolve_accuracy(spelling, loss, shape, expected):
    fn, name = metrics.resolve_accuracy(spelling, loss, shape)
    assert fn is getattr(metrics, expected)
    assert name == spelling


@pytest.mark.parametrize(("loss", "shape", "expected"), [
    ("binary_crossentropy", (None, 3), "binary_crossentropy"),
    ("mae", (None, 1), "binary_crossentropy"),
    ("sparse_categorical_crossentropy", (None, 4), "sparse_categorical_crossentropy"),
    ("categorical_crossentropy", (None, 4), "categorical_crossentropy"),
])
@pytest.mark.parametrize("spelling", ["ce", "crossentropy"])
def test_resolve_crossentropy(spelling, loss, shape, expected):
    fn, name = metrics.resolve_accuracy(spelling, loss, shape)
    assert fn is getattr(losses, expected)
    assert name == spelling


def test_resolve_other_metrics_by_function_name():
    assert metrics.resolve_accuracy("mse", "mse", (None, 1)) == \
        (losses.mean_squared_error, "mean_squared_error")
    assert metrics.resolve_accuracy(metrics.top_k_categorical_accuracy, None, (None, 3)) == \
        (metrics.top_k_categorical_accuracy, "top_k_categorical_accuracy")

    def my_metric(y_true, y_pred):
        return y_pred
    my_metric.name = "shown"
    assert metrics.resolve_accuracy(my_metric, "mse", (None, 2)) == (my_metric, "shown")


def test_resolve_accuracy_errors():
    with pytest.raises(TypeError, match="Received: output_shape=3"):
        metrics.resolve_accuracy("acc", "mse", 3)
    with pytest.raises(ValueError, match="Unknown loss function"):
        metrics.resolve_accuracy("acc", "not_a_loss", (None, 3))
    with pytest.raises(ValueError, match="Unknown metric function"):
        metrics.resolve_accuracy("acuracy", "mse", (None, 3))
