"""HDF5 files move both ways between polykeras and Keras 2 itself (tf_keras 2.x).

Each architecture is built in both frameworks from the same description; one
side gets random weights (BatchNormalization statistics included), saves with
``model.save``, and the other side loads the file and must predict the same
(atol 1e-5). Runs in the tensorflow env, where tf_keras is installed.
"""
import warnings

import numpy as np
import pytest

tk = pytest.importorskip("tf_keras")

import polykeras as pk  # noqa: E402
from polykeras import layers as pl  # noqa: E402
from polykeras.models import load_model  # noqa: E402

RNG = np.random.RandomState(7)


def _mlp(k, layers):
    return k.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                         layers.Dropout(0.25), layers.Dense(3, activation="softmax")])


def _convnet(k, layers):
    return k.Sequential([layers.Conv2D(4, (3, 3), padding="same", activation="relu",
                                       input_shape=(8, 8, 2)),
                         layers.MaxPooling2D((2, 2)),
                         layers.Conv2D(3, (2, 2), strides=(2, 2)),
                         layers.Flatten(), layers.Dense(2, activation="softmax")])


def _lstm(k, layers):
    return k.Sequential([layers.Embedding(12, 4, input_length=5),
                         layers.LSTM(6, return_sequences=True),
                         layers.LSTM(3), layers.Dense(1, activation="sigmoid")])


def _batchnorm(k, layers):
    return k.Sequential([layers.Dense(5, input_shape=(4,)), layers.BatchNormalization(),
                         layers.Activation("relu"), layers.Dense(2)])


def _two_in_two_out(k, layers):
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(3,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    merged = layers.Concatenate(name="merged")([shared(a), layers.Dense(5, name="side")(b)])
    out1 = layers.Dense(2, activation="softmax", name="out1")(merged)
    out2 = layers.Dense(1, name="out2")(layers.Dense(3, activation="relu", name="h")(merged))
    return k.Model(inputs=[a, b], outputs=[out1, out2])


ARCHITECTURES = {"mlp": (_mlp, lambda n: RNG.rand(n, 6)),
                 "convnet": (_convnet, lambda n: RNG.rand(n, 8, 8, 2)),
                 "lstm": (_lstm, lambda n: RNG.randint(0, 12, size=(n, 5))),
                 "batchnorm": (_batchnorm, lambda n: RNG.rand(n, 4)),
                 "two_in_two_out": (_two_in_two_out,
                                    lambda n: [RNG.rand(n, 4), RNG.rand(n, 3)])}


def _layers_of(k):
    return k.layers if k is tk else pl


def _randomize(model):
    """Random weights, layer by layer; BatchNormalization variances positive."""
    for layer in model.layers:
        values = []
        for weight in layer.weights:
            shape = tuple(int(d) for d in weight.shape)
            low, high = (0.5, 1.5) if "variance" in weight.name else (-0.6, 0.6)
            values.append(RNG.uniform(low, high, size=shape).astype("float32"))
        if values:
            layer.set_weights(values)


def _compile(model, multi):
    loss = ["categorical_crossentropy", "mse"] if multi else "mse"
    model.compile(optimizer="adam", loss=loss)


def _as_list(y):
    return y if isinstance(y, list) else [y]


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_tf_keras_file_loads_in_polykeras(name, tmp_path):
    build, data = ARCHITECTURES[name]
    reference = build(tk, tk.layers)
    _randomize(reference)
    _compile(reference, name == "two_in_two_out")
    path = str(tmp_path / f"{name}.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.save(path)
    x = data(7)
    x = [a.astype("float32") for a in x] if isinstance(x, list) else x.astype("float32")
    expected = _as_list(reference.predict(x, verbose=0))
    model = load_model(path)
    got = _as_list(model.predict(x))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5)
    assert model.optimizer is not None and type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_polykeras_file_loads_in_tf_keras(name, tmp_path):
    build, data = ARCHITECTURES[name]
    model = build(pk, pl)
    _randomize(model)
    _compile(model, name == "two_in_two_out")
    path = str(tmp_path / f"{name}.h5")
    model.save(path)
    x = data(7)
    x = [a.astype("float32") for a in x] if isinstance(x, list) else x.astype("float32")
    expected = _as_list(model.predict(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = tk.models.load_model(path)
    got = _as_list(loaded.predict(x, verbose=0))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5)


def _dense_stack(k, layers):
    """No dropout: training steps are deterministic, so they can be compared."""
    return k.Sequential([layers.Dense(8, activation="tanh", input_shape=(6,)),
                         layers.Dense(3, activation="softmax")])


def _train_step_data():
    return RNG.rand(16, 6).astype("float32"), np.eye(3)[RNG.randint(0, 3, 16)]


def test_tf_keras_adam_state_is_mapped_into_polykeras(tmp_path):
    """tf_keras names Adam slots per variable ("Adam/m/dense/kernel:0"); polykeras
    gets them in its own order (iterations, all m, all v) with the same values."""
    reference = _dense_stack(tk, tk.layers)
    reference.compile(optimizer=tk.optimizers.Adam(learning_rate=0.01), loss="mse")
    x, y = _train_step_data()
    reference.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "adam.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.save(path)
    model = load_model(path)
    state = model.optimizer.get_weights()
    assert int(state[0]) == 4  # two epochs of two batches
    names = [v.name for v in reference.trainable_weights]
    slots = {v.name: v.numpy() for v in reference.optimizer.variables}
    n = len(names)
    for i, var_name in enumerate(names):
        np.testing.assert_allclose(state[1 + i], slots[f"Adam/m/{var_name}"], rtol=1e-6)
        np.testing.assert_allclose(state[1 + n + i], slots[f"Adam/v/{var_name}"], rtol=1e-6)
    assert float(pk.backend.get_value(model.optimizer.lr)) == pytest.approx(0.01)


def _saved_tf_keras(optimizer, path):
    reference = _dense_stack(tk, tk.layers)
    reference.compile(optimizer=optimizer, loss="mse")
    x, y = _train_step_data()
    reference.fit(x, y, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.save(path)
    return reference, x


def test_tf_keras_rmsprop_state_is_mapped_into_polykeras(tmp_path):
    reference, x = _saved_tf_keras(tk.optimizers.RMSprop(learning_rate=0.01),
                                   str(tmp_path / "rms.h5"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "fresh optimizer state" warning
        model = load_model(str(tmp_path / "rms.h5"))
    state = model.optimizer.get_weights()
    assert int(state[0]) == 1
    velocity = {v.name: v.numpy() for v in reference.optimizer.variables}
    for i, weight in enumerate(reference.trainable_weights):
        np.testing.assert_allclose(state[1 + i], velocity[f"RMSprop/velocity/{weight.name}"],
                                   rtol=1e-6)


def test_unmappable_tf_keras_optimizer_state_warns_and_loads_weights(tmp_path):
    reference, x = _saved_tf_keras(tk.optimizers.Nadam(), str(tmp_path / "nadam.h5"))
    with pytest.warns(UserWarning, match="Nadam .*no mapping.*fresh state"):
        model = load_model(str(tmp_path / "nadam.h5"))
    np.testing.assert_allclose(model.predict(x), reference.predict(x, verbose=0), atol=1e-5)
    assert int(model.optimizer.get_weights()[0]) == 0


def test_centered_rmsprop_is_refused_with_a_clear_error(tmp_path):
    reference = _mlp(tk, tk.layers)
    reference.compile(optimizer=tk.optimizers.RMSprop(centered=True), loss="mse")
    path = str(tmp_path / "centered.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.save(path)
    with pytest.raises(ValueError, match="centered=True"):
        load_model(path)
    loaded = load_model(path, compile=False)  # the architecture and weights still load
    assert loaded.optimizer is None


def test_polykeras_adam_state_loads_in_tf_keras(tmp_path):
    model = _dense_stack(pk, pl)
    model.compile(optimizer=pk.optimizers.Adam(lr=0.01), loss="mse")
    x, y = _train_step_data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "pk_adam.h5")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = tk.models.load_model(path)
    ours = model.optimizer.get_weights()
    theirs = [np.asarray(v) for v in loaded.optimizer.get_weights()]
    assert len(theirs) == len(ours)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a, dtype="float64"), np.asarray(b, "float64"),
                                   rtol=1e-6)
    # Both continue training from the same state: one more step, same weights.
    model.train_on_batch(x[:8], y[:8])
    loaded.train_on_batch(x[:8], y[:8])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_weights_files_move_both_ways(tmp_path):
    ours = _convnet(pk, pl)
    theirs = _convnet(tk, tk.layers)
    _randomize(theirs)
    path = str(tmp_path / "w.h5")
    theirs.save_weights(path)
    ours.load_weights(path)
    x = RNG.rand(3, 8, 8, 2).astype("float32")
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), atol=1e-5)
    _randomize(ours)
    ours.save_weights(path)
    theirs.load_weights(path)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), atol=1e-5)
