"""Training: compile (optimizers, losses, metrics, loss weights), fit on arrays
(lists, dicts, shuffling, validation, sample and class weights, temporal
weights, initial_epoch, History), evaluate / predict and the *_on_batch
methods, the learning phase, Keras 1 argument names, callbacks driven by real
models and the summary table. Numbers are checked against NumPy."""
import csv
import warnings

import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras import callbacks, losses, optimizers
from polykeras.layers import LSTM, Dense, Dropout
from polykeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def _fresh_names():
    K.clear_session()
    np.random.seed(1234)
    yield
    K.clear_session()


def rand(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype("float32")


def one_hot(labels, classes):
    return np.eye(classes, dtype="float32")[labels]


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    return 1. / (1. + np.exp(-x))


def categorical_ce(y, p):
    p = np.clip(p, K.epsilon(), 1. - K.epsilon())
    return -(y * np.log(p)).sum(axis=-1)


def binary_ce(y, p):
    p = np.clip(p, K.epsilon(), 1. - K.epsilon())
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=-1)


def linear_model(inputs=4, units=2, activation=None, optimizer="sgd", loss="mse", **compile_kw):
    model = Sequential([Dense(units, input_shape=(inputs,), activation=activation)])
    model.compile(optimizer, loss, **compile_kw)
    return model


def twin(model, optimizer):
    """A model of the same architecture and weights, compiled the same way."""
    other = keras.models.clone_model(model)
    other.set_weights(model.get_weights())
    other.compile(optimizer, model.loss)
    return other


def two_output_model():
    x = keras.Input(shape=(4,), name="x")
    h = Dense(5, activation="relu", name="hidden")(x)
    out_a = Dense(3, activation="softmax", name="out_a")(h)
    out_b = Dense(1, activation="sigmoid", name="out_b")(h)
    return Model(x, [out_a, out_b])


def two_output_data(n=10):
    rng = np.random.RandomState(3)
    return (rng.uniform(-1, 1, (n, 4)).astype("float32"),
            [one_hot(rng.randint(0, 3, n), 3), rng.randint(0, 2, (n, 1)).astype("float32")])


def mean_pred(y_true, y_pred):
    return K.mean(y_pred)


class BatchLogs(callbacks.Callback):
    """Records every batch's logs and the weights at each epoch end."""

    def on_train_begin(self, logs=None):
        self.batches, self.epochs, self.weights = [], [], []

    def on_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.weights.append(self.model.get_weights())


# --- compile ------------------------------------------------------------------------------

def test_optimizer_by_name_or_instance():
    model = linear_model(optimizer="rmsprop")
    assert isinstance(model.optimizer, optimizers.RMSprop)
    sgd = optimizers.SGD(lr=0.5)
    model.compile(sgd, "mse")
    assert model.optimizer is sgd


@pytest.mark.parametrize("loss", ["mse", "mean_squared_error", losses.mean_squared_error,
                                  lambda y_true, y_pred: K.mean(K.square(y_pred - y_true),
                                                                axis=-1),
                                  ["mse"], {"dense_1": "mse"}])
def test_loss_forms_give_the_same_numbers(loss):
    model = linear_model(loss=loss)
    x, y = rand(6, 4), rand(6, 2, seed=1)
    expected = ((model.predict(x) - y) ** 2).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert float(model.test_on_batch(x, y)) == pytest.approx(expected, rel=1e-5)


def test_metrics_list_with_a_user_function():
    model = linear_model(units=3, activation="softmax", loss="categorical_crossentropy",
                         metrics=["acc", "mae", mean_pred])
    assert model.metrics_names == ["loss", "acc", "mean_absolute_error", "mean_pred"]
    x, y = rand(8, 4), one_hot(np.arange(8) % 3, 3)
    p = model.predict(x)
    loss, acc, mae, mp = model.evaluate(x, y, batch_size=8, verbose=0)
    assert loss == pytest.approx(categorical_ce(y, p).mean(), rel=1e-5)
    assert acc == pytest.approx((p.argmax(-1) == y.argmax(-1)).mean())
    assert mae == pytest.approx(np.abs(p - y).mean(), rel=1e-5)
    assert mp == pytest.approx(p.mean(), rel=1e-5)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss", "mean_absolute_error", "mean_pred"]


def test_accuracy_spelling_is_kept():
    model = linear_model(units=3, activation="softmax", loss="categorical_crossentropy",
                         metrics=["accuracy"])
    history = model.fit(rand(4, 4), one_hot([0, 1, 2, 0], 3), epochs=1, verbose=0,
                        validation_split=0.5)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_multi_output_metrics_names_keras2_style():
    model = two_output_model()
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy"],
                  metrics=["acc"])
    assert model.metrics_names == ["loss", "out_a_loss", "out_b_loss", "out_a_acc",
                                   "out_b_acc"]
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy"],
                  metrics=["accuracy"])
    assert model.metrics_names == ["loss", "out_a_loss", "out_b_loss", "out_a_accuracy",
                                   "out_b_accuracy"]
    model.compile("sgd", {"out_a": "categorical_crossentropy", "out_b": "binary_crossentropy"},
                  metrics={"out_a": ["acc", mean_pred], "out_b": "mae"})
    assert model.metrics_names == ["loss", "out_a_loss", "out_b_loss", "out_a_acc",
                                   "out_a_mean_pred", "out_b_mean_absolute_error"]
    x, (ya, yb) = two_output_data()
    pa, pb = model.predict(x)
    results = dict(zip(model.metrics_names, model.evaluate(x, [ya, yb], batch_size=10,
                                                           verbose=0)))
    assert results["out_a_loss"] == pytest.approx(categorical_ce(ya, pa).mean(), rel=1e-5)
    assert results["out_b_loss"] == pytest.approx(binary_ce(yb, pb).mean(), rel=1e-5)
    assert results["out_a_acc"] == pytest.approx((pa.argmax(-1) == ya.argmax(-1)).mean())
    assert results["out_a_mean_pred"] == pytest.approx(pa.mean(), rel=1e-5)
    assert results["out_b_mean_absolute_error"] == pytest.approx(np.abs(pb - yb).mean(),
                                                                 rel=1e-5)
    assert results["loss"] == pytest.approx(results["out_a_loss"] + results["out_b_loss"],
                                            rel=1e-5)


@pytest.mark.parametrize("loss_weights", [[0.3, 2.], {"out_a": 0.3, "out_b": 2.}])
def test_loss_weights_give_the_weighted_sum(loss_weights):
    model = two_output_model()
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy"],
                  loss_weights=loss_weights)
    x, y = two_output_data()
    total, loss_a, loss_b = model.evaluate(x, y, batch_size=10, verbose=0)
    pa, pb = model.predict(x)
    assert loss_a == pytest.approx(categorical_ce(y[0], pa).mean(), rel=1e-5)
    assert loss_b == pytest.approx(binary_ce(y[1], pb).mean(), rel=1e-5)
    assert total == pytest.approx(0.3 * loss_a + 2. * loss_b, rel=1e-5)


def test_loss_dict_missing_an_output_warns_and_trains_the_rest():
    x = keras.Input(shape=(4,))
    hidden = Dense(3, name="hidden")(x)
    model = Model(x, [keras.layers.Activation("softmax", name="probs")(hidden),
                      keras.layers.Activation("relu", name="features")(hidden)])
    with pytest.warns(UserWarning, match="'features' missing from loss dictionary"):
        model.compile("sgd", {"probs": "categorical_crossentropy"})
    assert model.metrics_names == ["loss", "probs_loss"]
    data, (target, _) = two_output_data()
    history = model.fit(data, {"probs": target}, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "probs_loss"]


def test_output_left_out_of_the_loss_with_weights_of_its_own_is_an_error():
    model = two_output_model()
    with pytest.warns(UserWarning, match="'out_b' missing from loss dictionary"):
        model.compile("sgd", {"out_a": "categorical_crossentropy"})
    x, (ya, _) = two_output_data()
    with pytest.raises(ValueError, match="'out_b/kernel', 'out_b/bias'"):
        model.fit(x, {"out_a": ya}, epochs=1, verbose=0)


def test_user_loss_decides_the_target_shape():
    def total_error(y_true, y_pred):  # targets: one column, outputs: three
        return K.square(K.sum(y_pred, axis=-1) - K.sum(y_true, axis=-1))
    model = linear_model(units=3, loss=total_error)
    x, y = rand(5, 4), rand(5, 1, seed=1)
    expected = ((model.predict(x).sum(-1) - y[:, 0]) ** 2).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    model.fit(x, y, epochs=1, verbose=0)


def test_sparse_categorical_targets_are_class_indices():
    model = linear_model(units=3, activation="softmax", loss="sparse_categorical_crossentropy",
                         metrics=["acc"])
    x, labels = rand(6, 4), np.array([0, 2, 1, 1, 0, 2])
    p = model.predict(x)
    loss, acc = model.evaluate(x, labels, verbose=0)
    assert loss == pytest.approx(categorical_ce(one_hot(labels, 3), p).mean(), rel=1e-5)
    assert acc == pytest.approx((p.argmax(-1) == labels).mean())
    with pytest.raises(ValueError, match=r"expected dense_1 to have shape \(None, 1\)"):
        model.evaluate(x, one_hot(labels, 3), verbose=0)


def test_regularization_losses_are_added_to_the_total():
    model = Sequential([Dense(2, input_shape=(4,),
                              kernel_regularizer=keras.regularizers.l2(0.1))])
    model.compile("sgd", "mse")
    x, y = rand(5, 4), rand(5, 2, seed=1)
    kernel = model.get_weights()[0]
    expected = ((model.predict(x) - y) ** 2).mean() + 0.1 * (kernel ** 2).sum()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


# --- fit: data forms, shuffle, validation -------------------------------------------------

def test_fit_with_arrays_lists_and_dicts_is_the_same_training():
    x, y = rand(8, 4), rand(8, 2, seed=1)
    reference = linear_model()
    weights = reference.get_weights()
    reference.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for as_dict in (False, True):
        model = linear_model()
        xs, ys = ({model.input_names[0]: x}, {model.output_names[0]: y}) if as_dict \
            else ([x], [y])
        model.set_weights(weights)
        model.fit(xs, ys, batch_size=4, epochs=2, shuffle=False, verbose=0)
        for got, expected in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def batch_contents(shuffle, batch_size, epochs=2, samples=12):
    """Which sample indices made each batch, read back through metrics on the targets."""
    def first_index(y_true, y_pred):
        return K.min(y_true)

    def last_index(y_true, y_pred):
        return K.max(y_true)
    model = linear_model(units=1, metrics=[first_index, last_index])
    x = rand(samples, 4)
    y = np.arange(samples, dtype="float32")[:, None]
    record = BatchLogs()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=shuffle, verbose=0,
              callbacks=[record])
    return [(int(b["first_index"]), int(b["last_index"])) for b in record.batches]


def test_shuffle_false_keeps_the_order():
    assert batch_contents(False, 1) == [(i, i) for i in range(12)] * 2


def test_shuffle_true_permutes_samples_each_epoch():
    batches = batch_contents(True, 1)
    first, second = [b[0] for b in batches[:12]], [b[0] for b in batches[12:]]
    assert sorted(first) == sorted(second) == list(range(12))
    assert first != list(range(12)) and first != second


def test_shuffle_batch_keeps_batches_contiguous():
    batches = batch_contents("batch", 3, epochs=3)
    assert all(last - first == 2 and first % 3 == 0 for first, last in batches)
    orders = [[b[0] for b in batches[i:i + 4]] for i in (0, 4, 8)]
    assert all(sorted(order) == [0, 3, 6, 9] for order in orders)
    assert any(order != [0, 3, 6, 9] for order in orders)


def test_validation_split_holds_out_the_last_samples():
    model = linear_model(optimizer=optimizers.SGD(lr=0.))
    x, y = rand(10, 4), rand(10, 2, seed=1)
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]
    expected_val = ((model.predict(x[8:]) - y[8:]) ** 2).mean()
    expected_train = ((model.predict(x[:8]) - y[:8]) ** 2).mean()
    np.testing.assert_allclose(history.history["val_loss"], [expected_val] * 2, rtol=1e-5)
    np.testing.assert_allclose(history.history["loss"], [expected_train] * 2, rtol=1e-5)


def test_validation_data_two_and_three_tuples():
    model = linear_model(optimizer=optimizers.SGD(lr=0.), metrics=["mae"])
    x, y = rand(6, 4), rand(6, 2, seed=1)
    xv, yv, wv = rand(4, 4, seed=2), rand(4, 2, seed=3), np.array([1., 0., 2., 1.], "float32")
    history = model.fit(x, y, epochs=1, validation_data=(xv, yv), verbose=0)
    assert sorted(history.history) == ["loss", "mean_absolute_error", "val_loss",
                                       "val_mean_absolute_error"]
    p = model.predict(xv)
    assert history.history["val_loss"][0] == pytest.approx(((p - yv) ** 2).mean(), rel=1e-5)
    history = model.fit(x, y, epochs=1, validation_data=(xv, yv, wv), verbose=0)
    per_sample = ((p - yv) ** 2).mean(axis=1)
    expected = (per_sample * wv).mean() / (wv != 0).mean()
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)


# --- sample and class weights -------------------------------------------------------------

def test_zero_sample_weight_is_training_on_the_other_half():
    x, y = rand(8, 4), rand(8, 2, seed=1)
    weighted = linear_model(optimizer=optimizers.SGD(lr=0.2))
    half = twin(weighted, optimizers.SGD(lr=0.2))
    sample_weight = np.array([1.] * 4 + [0.] * 4, "float32")
    h1 = weighted.fit(x, y, sample_weight=sample_weight, batch_size=8, epochs=3, verbose=0)
    h2 = half.fit(x[:4], y[:4], batch_size=4, epochs=3, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    for a, b in zip(weighted.get_weights(), half.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_sample_weight_scales_per_sample_losses():
    model = linear_model()
    x, y = rand(6, 4), rand(6, 2, seed=1)
    w = np.array([0.5, 2., 0., 1., 3., 1.], "float32")
    per_sample = ((model.predict(x) - y) ** 2).mean(axis=1)
    expected = (per_sample * w).mean() / (w != 0).mean()
    assert float(model.test_on_batch(x, y, sample_weight=w)) == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, sample_weight=w, batch_size=6, verbose=0) == \
        pytest.approx(expected, rel=1e-5)


def test_class_weight_zero_is_training_without_that_class():
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (8, 4)).astype("float32")
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    y = one_hot(labels, 2)
    model = linear_model(units=2, activation="softmax", loss="categorical_crossentropy",
                         optimizer=optimizers.SGD(lr=0.5))
    only_zeros = twin(model, optimizers.SGD(lr=0.5))
    model.fit(x, y, class_weight={0: 1., 1: 0.}, batch_size=8, epochs=3, verbose=0)
    only_zeros.fit(x[labels == 0], y[labels == 0], batch_size=4, epochs=3, verbose=0)
    for a, b in zip(model.get_weights(), only_zeros.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_class_weight_value_on_a_batch():
    model = linear_model(units=3, activation="softmax", loss="categorical_crossentropy",
                         optimizer=optimizers.SGD(lr=0.))
    x, labels = rand(6, 4), np.array([0, 1, 2, 2, 1, 0])
    y = one_hot(labels, 3)
    weights = {0: 2., 1: 0.5, 2: 1.}
    ce = categorical_ce(y, model.predict(x))
    expected = (ce * np.array([weights[c] for c in labels])).mean()
    assert float(model.train_on_batch(x, y, class_weight=weights)) == \
        pytest.approx(expected, rel=1e-5)


def test_class_weight_with_integer_binary_targets():
    model = linear_model(units=1, activation="sigmoid", loss="binary_crossentropy",
                         optimizer=optimizers.SGD(lr=0.))
    x, y = rand(4, 4), np.array([[0.], [1.], [1.], [0.]], "float32")
    ce = binary_ce(y, model.predict(x))
    expected = (ce * np.array([1., 3., 3., 1.])).mean()
    assert float(model.train_on_batch(x, y, class_weight={0: 1., 1: 3.})) == \
        pytest.approx(expected, rel=1e-5)


def test_temporal_sample_weights_on_a_sequence_output():
    x = keras.Input(shape=(5, 3))
    model = Model(x, LSTM(2, return_sequences=True)(x))
    model.compile(optimizers.SGD(lr=0.), "mse", sample_weight_mode="temporal")
    data, target = rand(4, 5, 3), rand(4, 5, 2, seed=1)
    weights = np.ones((4, 5), "float32")
    weights[:, 3:] = 0.
    weights[1] = 2.
    per_step = ((model.predict(data) - target) ** 2).mean(axis=-1)
    expected = (per_step * weights).mean() / (weights != 0).mean()
    assert float(model.test_on_batch(data, target, sample_weight=weights)) == \
        pytest.approx(expected, rel=1e-5)
    history = model.fit(data, target, sample_weight=weights, batch_size=4, epochs=1,
                        verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)


def test_masked_timesteps_do_not_count_in_the_loss():
    tokens = keras.Input(shape=(4,), dtype="int32")
    embedded = keras.layers.Embedding(5, 3, mask_zero=True)(tokens)
    model = Model(tokens, LSTM(2, return_sequences=True)(embedded))
    model.compile(optimizers.SGD(lr=0.), "mse")
    ids = np.array([[1, 2, 0, 0], [3, 1, 4, 0], [2, 2, 2, 2]], "int32")
    target = rand(3, 4, 2, seed=1)
    mask = (ids != 0).astype("float32")
    per_step = ((model.predict(ids) - target) ** 2).mean(axis=-1)
    expected = (per_step * mask / mask.mean()).mean()
    assert float(model.test_on_batch(ids, target)) == pytest.approx(expected, rel=1e-5)
    changed = target.copy()
    changed[0, 2:] += 100.  # values at masked steps do not matter
    assert float(model.test_on_batch(ids, changed)) == pytest.approx(expected, rel=1e-5)


def test_weighted_metrics_use_the_sample_weights():
    model = linear_model(metrics=["mae"], weighted_metrics=["mae"])
    assert model.metrics_names == ["loss", "mean_absolute_error",
                                   "weighted_mean_absolute_error"]
    x, y = rand(4, 4), rand(4, 2, seed=1)
    w = np.array([1., 0., 3., 0.], "float32")
    abs_err = np.abs(model.predict(x) - y).mean(axis=1)
    _, mae, weighted_mae = model.test_on_batch(x, y, sample_weight=w)
    assert mae == pytest.approx(abs_err.mean(), rel=1e-5)
    assert weighted_mae == pytest.approx((abs_err * w).mean() / 0.5, rel=1e-5)


# --- epochs and History -------------------------------------------------------------------

def test_initial_epoch_and_history():
    model = linear_model(units=3, activation="softmax", loss="categorical_crossentropy",
                         metrics=["acc"])
    record = BatchLogs()
    x, y = rand(8, 4), one_hot(np.arange(8) % 3, 3)
    history = model.fit(x, y, batch_size=4, epochs=5, initial_epoch=2, validation_split=0.25,
                        callbacks=[record], verbose=0)
    assert history is model.history
    assert history.epoch == [2, 3, 4]
    assert record.epochs == [2, 3, 4]
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert all(len(values) == 3 for values in history.history.values())
    assert history.params["epochs"] == 5
    assert history.params["samples"] == 6
    assert history.params["do_validation"] is True
    assert len(record.batches) == 3 * 2


def test_history_holds_python_floats_and_batch_methods_give_numpy_scalars():
    model = linear_model(units=3, activation="softmax", loss="categorical_crossentropy",
                         metrics=["acc"])
    x, y = rand(8, 4), one_hot(np.arange(8) % 3, 3)

    def batches():
        while True:
            yield x[:4], y[:4]

    fitted = model.fit(x, y, batch_size=4, epochs=1, validation_data=(x, y), verbose=0)
    generated = model.fit_generator(batches(), steps_per_epoch=2, epochs=1, verbose=0,
                                    validation_data=batches(), validation_steps=1)
    for history in (fitted, generated):
        assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
        assert all(type(v) is float for values in history.history.values() for v in values)
    for result in (model.train_on_batch(x, y), model.test_on_batch(x, y)):
        assert [type(v) for v in result] == [np.float32, np.float32]


def test_epoch_logs_are_sample_weighted_batch_averages():
    model = linear_model(optimizer=optimizers.SGD(lr=0.))
    x, y = rand(10, 4), rand(10, 2, seed=1)
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(((model.predict(x) - y) ** 2).mean(),
                                                       rel=1e-5)


# --- evaluate / predict / *_on_batch ------------------------------------------------------

def test_train_on_batch_is_one_sgd_step():
    model = linear_model(optimizer=optimizers.SGD(lr=0.1))
    x, y = rand(5, 4), rand(5, 2, seed=1)
    kernel, bias = model.get_weights()
    pred = x @ kernel + bias
    loss = float(model.train_on_batch(x, y))
    assert loss == pytest.approx(((pred - y) ** 2).mean(), rel=1e-5)
    grad_out = 2. * (pred - y) / pred.size
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * x.T @ grad_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_bias, bias - 0.1 * grad_out.sum(0), rtol=1e-5, atol=1e-6)


def test_test_and_predict_on_batch_do_not_update():
    model = linear_model(metrics=["mae"])
    x, y = rand(5, 4), rand(5, 2, seed=1)
    before = model.get_weights()
    kernel, bias = before
    pred = model.predict_on_batch(x)
    np.testing.assert_allclose(pred, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    loss, mae = model.test_on_batch(x, y)
    assert loss == pytest.approx(((pred - y) ** 2).mean(), rel=1e-5)
    assert mae == pytest.approx(np.abs(pred - y).mean(), rel=1e-5)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_evaluate_and_predict_over_uneven_batches():
    model = linear_model(metrics=["mae"])
    x, y = rand(11, 4), rand(11, 2, seed=1)
    kernel, bias = model.get_weights()
    pred = x @ kernel + bias
    np.testing.assert_allclose(model.predict(x, batch_size=4), pred, rtol=1e-5, atol=1e-6)
    loss, mae = model.evaluate(x, y, batch_size=4, verbose=0)
    assert loss == pytest.approx(((pred - y) ** 2).mean(), rel=1e-5)
    assert mae == pytest.approx(np.abs(pred - y).mean(), rel=1e-5)


def test_multi_output_predict_and_train_on_batch_return_lists():
    model = two_output_model()
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy"])
    x, y = two_output_data()
    outs = model.predict_on_batch(x)
    assert isinstance(outs, list) and [o.shape for o in outs] == [(10, 3), (10, 1)]
    result = model.train_on_batch(x, y)
    assert len(result) == 3
    assert result[0] == pytest.approx(result[1] + result[2], rel=1e-5)


# --- learning phase -----------------------------------------------------------------------

def test_dropout_is_active_only_in_training():
    model = Sequential([Dense(16, input_shape=(4,)), Dropout(0.5), Dense(2)])
    model.compile(optimizers.SGD(lr=0.), "mse")
    x, y = rand(32, 4), rand(32, 2, seed=1)
    k1, b1, k2, b2 = model.get_weights()
    clean = (x @ k1 + b1) @ k2 + b2
    expected = ((clean - y) ** 2).mean()
    assert float(model.test_on_batch(x, y)) == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)
    train_losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    assert all(abs(loss - expected) > 1e-4 for loss in train_losses)
    assert len(set(train_losses)) > 1
    np.testing.assert_allclose(model.predict(x), clean, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))


def test_verbose_modes_print_keras2_progress(capsys):
    model = linear_model(metrics=["mae"])
    x, y = rand(8, 4), rand(8, 2, seed=1)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, batch_size=4, epochs=2, verbose=2, validation_split=0.5)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert "- loss: " in lines[1] and "- val_mean_absolute_error: " in lines[1]
    model.fit(x, y, batch_size=4, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/1") and "8/8" in out


# --- Keras 1 argument names ---------------------------------------------------------------

def test_fit_nb_epoch_warns_and_works():
    model = linear_model()
    with pytest.warns(DeprecationWarning, match="use `epochs` instead"):
        history = model.fit(rand(4, 4), rand(4, 2), nb_epoch=3, verbose=0)
    assert history.epoch == [0, 1, 2]
    with pytest.raises(TypeError, match="not both"):
        model.fit(rand(4, 4), rand(4, 2), nb_epoch=3, epochs=2, verbose=0)


def test_dense_keras1_names():
    with pytest.warns(DeprecationWarning, match="`output_dim` is deprecated; use `units`"):
        layer = Dense(output_dim=3, input_dim=4)
    assert layer.units == 3
    # `input_dim` is still a Keras 2 argument (the Keras 2 guide uses it): no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        model = Sequential([Dense(3, input_dim=4)])
    assert model.input_shape == (None, 4)
    assert model.layers[0].get_config()["batch_input_shape"] == (None, 4)


# --- callbacks with real models -----------------------------------------------------------

def test_early_stopping_stops_training():
    model = linear_model(optimizer=optimizers.SGD(lr=0.))
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    x, y = rand(8, 4), rand(8, 2, seed=1)
    history = model.fit(x, y, epochs=20, validation_split=0.25, callbacks=[stopper],
                        verbose=0)
    assert history.epoch == [0, 1, 2]
    assert stopper.stopped_epoch == 2
    assert model.stop_training


def test_early_stopping_waits_while_improving():
    model = linear_model(optimizer=optimizers.SGD(lr=0.1))
    stopper = callbacks.EarlyStopping(monitor="loss", patience=0)
    x = rand(16, 4)
    y = x @ rand(4, 2, seed=5)
    history = model.fit(x, y, epochs=6, batch_size=16, callbacks=[stopper], verbose=0)
    assert history.epoch == list(range(6))
    assert stopper.stopped_epoch == 0


def test_reduce_lr_on_plateau_changes_the_optimizer_lr():
    model = linear_model(optimizer=optimizers.SGD(lr=0.1))
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                         min_delta=1e3)
    x, y = rand(8, 4), rand(8, 2, seed=1)
    history = model.fit(x, y, epochs=4, callbacks=[reduce], verbose=0)
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.0125)
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1, 0.05, 0.025], rtol=1e-6)
    # The compiled step reads the variable: a rate of 0 now means no update.
    K.set_value(model.optimizer.lr, 0.)
    before = model.get_weights()
    model.train_on_batch(x, y)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_learning_rate_scheduler_drives_the_updates():
    model = linear_model(optimizer=optimizers.SGD(lr=0.1))
    seen = []
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.05 if epoch == 0 else 0.)
    record = BatchLogs()
    spy = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(float(K.get_value(model.optimizer.lr))))
    start = model.get_weights()
    model.fit(rand(8, 4), rand(8, 2, seed=1), epochs=3, callbacks=[scheduler, record, spy],
              verbose=0)
    assert seen == pytest.approx([0.05, 0., 0.])
    assert not np.allclose(record.weights[0][0], start[0])
    np.testing.assert_array_equal(record.weights[0][0], record.weights[2][0])


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    model = linear_model(metrics=["mae"])
    path = tmp_path / "log.csv"
    history = model.fit(rand(8, 4), rand(8, 2, seed=1), epochs=3, validation_split=0.25,
                        callbacks=[callbacks.CSVLogger(str(path))], verbose=0)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "mean_absolute_error", "val_loss",
                             "val_mean_absolute_error"]
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2]
    np.testing.assert_allclose([float(row["val_loss"]) for row in rows],
                               history.history["val_loss"], rtol=1e-6)


def nan_loss(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1) * float("nan")


def test_terminate_on_nan_stops_cleanly():
    model = linear_model(loss=nan_loss)
    record = BatchLogs()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # NaN arithmetic stays quiet
        history = model.fit(rand(8, 4), rand(8, 2), batch_size=2, epochs=5, verbose=0,
                            callbacks=[callbacks.TerminateOnNaN(), record])
    assert len(record.batches) == 1
    assert history.epoch == [0]
    assert np.isnan(history.history["loss"][0])
    assert model.stop_training


def test_without_terminate_on_nan_training_runs_on():
    model = linear_model(loss=nan_loss)
    history = model.fit(rand(8, 4), rand(8, 2), batch_size=4, epochs=2, verbose=0)
    assert history.epoch == [0, 1]


def test_callback_sees_the_model_and_params():
    seen = {}

    class Spy(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["model"] = self.model
            seen["params"] = dict(self.params)
    model = linear_model(metrics=["mae"])
    model.fit(rand(8, 4), rand(8, 2), batch_size=4, epochs=2, validation_split=0.5,
              callbacks=[Spy()], verbose=0)
    assert seen["model"] is model
    assert seen["params"]["batch_size"] == 4
    assert seen["params"]["metrics"] == ["loss", "mean_absolute_error", "val_loss",
                                         "val_mean_absolute_error"]


# --- summary ------------------------------------------------------------------------------

MNIST_MLP_SUMMARY = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense_1 (Dense)              (None, 512)               401920
_________________________________________________________________
dropout_1 (Dropout)          (None, 512)               0
_________________________________________________________________
dense_2 (Dense)              (None, 512)               262656
_________________________________________________________________
dropout_2 (Dropout)          (None, 512)               0
_________________________________________________________________
dense_3 (Dense)              (None, 10)                5130
=================================================================
Total params: 669,706
Trainable params: 669,706
Non-trainable params: 0
_________________________________________________________________"""


def mnist_mlp():
    return Sequential([Dense(512, activation="relu", input_shape=(784,)), Dropout(0.2),
                       Dense(512, activation="relu"), Dropout(0.2),
                       Dense(10, activation="softmax")])


def test_summary_of_the_mnist_mlp():
    lines = []
    mnist_mlp().summary(print_fn=lines.append)
    assert [line.rstrip() for line in lines] == MNIST_MLP_SUMMARY.splitlines()
    assert len(lines[1]) == 65


def test_summary_prints_by_default(capsys):
    mnist_mlp().summary()
    assert capsys.readouterr().out.splitlines()[-4] == "Total params: 669,706"


def test_summary_and_training_with_a_frozen_layer():
    model = mnist_mlp()
    model.layers[0].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 669,706" in lines
    assert "Trainable params: 267,786" in lines
    assert "Non-trainable params: 401,920" in lines
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    model.compile("sgd", "categorical_crossentropy")
    frozen = model.layers[0].get_weights()
    head = model.layers[-1].get_weights()[0]
    model.fit(rand(8, 784), one_hot(np.arange(8) % 10, 10), epochs=1, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head, model.layers[-1].get_weights()[0])


def test_frozen_nested_model_is_not_trained():
    x = keras.Input(shape=(4,))
    base = Model(x, Dense(3, activation="relu")(x), name="base")
    base.trainable = False
    model = Sequential([base, Dense(1, name="head")])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    lines = []
    model.summary(print_fn=lines.append)
    assert "Trainable params: 4" in lines and "Non-trainable params: 15" in lines
    model.compile("sgd", "mse")
    frozen = base.get_weights()
    head = model.get_layer("head").get_weights()[0]
    model.fit(rand(8, 4), rand(8, 1, seed=1), epochs=2, verbose=0)
    for a, b in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head, model.get_layer("head").get_weights()[0])


def test_functional_summary_has_connected_to():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = Dense(2, name="shared")
    out = keras.layers.add([shared(a), shared(b)], name="sum")
    lines = []
    Model([a, b], out).summary(print_fn=lines.append)
    header = lines[1]
    assert header.split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Connected",
                              "to"]
    assert len(lines[0]) == 98
    shared_row = next(line for line in lines if line.startswith("shared (Dense)"))
    assert shared_row.split()[-1] == "a[0][0]"
    assert "b[0][0]" in lines[lines.index(shared_row) + 1]
    sum_row = next(line for line in lines if line.startswith("sum (Add)"))
    assert sum_row.split()[-1] == "shared[0][0]"
    assert lines[lines.index(sum_row) + 1].strip() == "shared[1][0]"
    assert "Total params: 8" in lines
