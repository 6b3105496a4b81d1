"""Saving conformance: files round-trip on this backend and move between backends.

* A model saved and loaded on the active backend predicts the same and keeps
  its optimizer state; training resumed from a file after N epochs gives the
  same losses and weights as the uninterrupted run.
* The portability matrix: ``saved_models/<backend>/`` holds small models saved
  on each backend with that backend's predictions (written by
  ``saved_models/make_fixtures.py``); every one of them loads on the active
  backend and predicts the same (atol 1e-5). Together they cover Dense,
  BatchNormalization, Conv2D, SeparableConv2D, DepthwiseConv2D,
  Conv2DTranspose, Conv1D, Embedding, LSTM, GRU and SimpleRNN.
"""
import os

import h5py
import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras.models import load_model
from polykeras.saving import hdf5_attrs

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "saved_models")
BACKENDS = ("numpy", "tensorflow", "theano", "pytensor")
MODELS = ("conv", "dense", "recurrent")


def _mlp():
    x = keras.Input(shape=(5,))
    h = keras.layers.Dense(7, activation="tanh")(x)
    return keras.Model(x, keras.layers.Dense(3, activation="softmax")(h))


def _data():
    rng = np.random.RandomState(3)
    x = rng.uniform(-1, 1, (24, 5)).astype("float32")
    return x, np.eye(3, dtype="float32")[rng.randint(0, 3, 24)]


def test_round_trip_keeps_predictions_and_optimizer_state(tmp_path):
    x, y = _data()
    model = _mlp()
    model.compile(keras.optimizers.Adam(lr=0.01, decay=0.1), "categorical_crossentropy",
                  metrics=["acc"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.save(str(tmp_path / "m.h5"))
    loaded = load_model(str(tmp_path / "m.h5"))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_training_resumed_from_a_file_continues_exactly(tmp_path):
    x, y = _data()
    model = _mlp()
    model.compile(keras.optimizers.Adam(lr=0.01, decay=0.1), "categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    model.save(str(tmp_path / "after2.h5"))
    uninterrupted = model.fit(x, y, batch_size=8, epochs=5, initial_epoch=2, verbose=0,
                              shuffle=False).history["loss"]
    K.clear_session()
    resumed_model = load_model(str(tmp_path / "after2.h5"))
    resumed = resumed_model.fit(x, y, batch_size=8, epochs=5, initial_epoch=2, verbose=0,
                                shuffle=False).history["loss"]
    np.testing.assert_array_equal(resumed, uninterrupted)
    for a, b in zip(resumed_model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("saved_on", BACKENDS)
def test_files_saved_on_any_backend_load_here(saved_on, model_name):
    path = os.path.join(FIXTURES, saved_on, f"{model_name}.h5")
    if not os.path.exists(path):
        pytest.fail(f"Missing fixture {path}: run POLYKERAS_BACKEND={saved_on} python "
                    "conformance/saved_models/make_fixtures.py in that backend's env.")
    with h5py.File(path, "r") as f:
        assert hdf5_attrs.read_text(f, "backend") == saved_on
        assert hdf5_attrs.read_text(f, "kernel_convention") == "cross_correlation"
    expected = np.load(os.path.join(FIXTURES, saved_on, f"{model_name}.npz"))
    model = load_model(path, compile=False)
    np.testing.assert_allclose(model.predict(expected["x"]), expected["y"], atol=1e-5,
                               rtol=1e-5)
