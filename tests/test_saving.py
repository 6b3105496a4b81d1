"""Saving and loading: the Keras 2 HDF5 layout, whole models and weight files,
by-name loading, shape-checked weights, safe mode, the kernel convention, and
the checkpoint callbacks on real models. Expected values come from NumPy
(forward passes written out here) or from the model that was saved."""
import json
import os
import warnings

import h5py
import numpy as np
import pytest

from polykeras import backend as K
from polykeras import callbacks
from polykeras.layers import Conv2D, Dense, Flatten, Input, Lambda
from polykeras.models import (Model, Sequential, load_model, model_from_json, model_from_yaml,
                              save_model)
from polykeras.saving import hdf5_attrs, load_weights


@pytest.fixture(autouse=True)
def _fresh_names():
    K.clear_session()
    yield
    K.clear_session()


def rand(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype("float32")


def mlp(name=None, hidden="hidden", out="out"):
    x = Input(shape=(4,), name="x")
    h = Dense(5, activation="tanh", name=hidden)(x)
    y = Dense(3, activation="softmax", name=out)(h)
    return Model(x, y, name=name)


def numpy_mlp(weights, x):
    k1, b1, k2, b2 = weights
    z = np.tanh(x @ k1 + b1) @ k2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


X = rand(6, 4)
Y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]


# --- the file layout ---------------------------------------------------------------------

def test_model_file_has_the_keras2_layout(tmp_path):
    model = mlp()
    model.compile("adam", "categorical_crossentropy", metrics=["acc"])
    model.train_on_batch(X, Y)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        for attr in ("keras_version", "backend", "model_config", "training_config"):
            assert attr in f.attrs
        assert hdf5_attrs.read_text(f, "backend") == K.backend()
        assert hdf5_attrs.read_text(f, "kernel_convention") == "cross_correlation"
        config = json.loads(hdf5_attrs.read_text(f, "model_config"))
        assert config["class_name"] == "Model"
        training = json.loads(hdf5_attrs.read_text(f, "training_config"))
        assert training["optimizer_config"]["class_name"] == "Adam"
        assert training["loss"] == "categorical_crossentropy"
        weights = f["model_weights"]
        assert hdf5_attrs.load_names(weights, "layer_names") == ["x", "hidden", "out"]
        assert hdf5_attrs.load_names(weights["hidden"], "weight_names") == \
            ["hidden/kernel:0", "hidden/bias:0"]
        np.testing.assert_array_equal(weights["hidden"]["hidden/kernel:0"][()],
                                      model.get_layer("hidden").get_weights()[0])
        assert hdf5_attrs.load_names(weights["x"], "weight_names") == []
        opt_names = hdf5_attrs.load_names(f["optimizer_weights"], "weight_names")
        assert len(opt_names) == 1 + 2 * 4
        assert int(f["optimizer_weights"][opt_names[0]][()]) == 1


def test_long_name_lists_are_split_into_chunks_and_read_back(tmp_path):
    names = [f"layer_{i:05d}_" + "x" * 120 for i in range(1200)]  # ~160 KB of names
    with h5py.File(tmp_path / "a.h5", "w") as f:
        hdf5_attrs.save_names(f, "layer_names", names)
        assert "layer_names" not in f.attrs
        chunks = sorted(k for k in f.attrs if k.startswith("layer_names"))
        assert len(chunks) >= 3 and "layer_names0" in chunks
        assert all(f.attrs[k].nbytes <= hdf5_attrs.HDF5_OBJECT_HEADER_LIMIT for k in chunks)
        assert hdf5_attrs.load_names(f, "layer_names") == names
        hdf5_attrs.save_names(f, "short", ["a", "bb"])
        assert hdf5_attrs.load_names(f, "short") == ["a", "bb"]


def test_names_stored_as_variable_length_strings_are_read(tmp_path):
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f.attrs["names"] = np.array(["dense", "dense_1"], dtype=h5py.string_dtype())
        assert hdf5_attrs.load_names(f, "names") == ["dense", "dense_1"]
        f.attrs["bad"] = np.arange(3)
        with pytest.raises(ValueError, match="'bad'.*should hold names"):
            hdf5_attrs.load_names(f, "bad")


# --- whole models ---------------------------------------------------------------------------

def test_save_and_load_model_restores_predictions_config_and_optimizer(tmp_path):
    model = mlp()
    model.compile("rmsprop", "categorical_crossentropy", metrics=["acc"])
    model.fit(X, Y, epochs=2, batch_size=3, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(X), numpy_mlp(model.get_weights(), X),
                               atol=1e-5)
    assert loaded.metrics_names == ["loss", "acc"]
    assert type(loaded.optimizer).__name__ == "RMSprop"
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(K.get_value(loaded.optimizer.lr)) == pytest.approx(0.001)


def test_sequential_and_nested_models_round_trip(tmp_path):
    inner = mlp(name="inner")
    outer_in = Input(shape=(4,))
    outer = Model(outer_in, Dense(2, name="head")(inner(outer_in)), name="outer")
    seq = Sequential([Dense(3, input_shape=(4,), name="d1"), Dense(2, name="d2")])
    for model in (outer, seq):
        path = str(tmp_path / f"{model.name}.h5")
        save_model(model, path, include_optimizer=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loaded = load_model(path, compile=False)
        assert type(loaded) is type(model)
        for a, b in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(loaded.predict(X), model.predict(X), atol=1e-6)


def test_model_without_training_config_loads_uncompiled_with_a_warning(tmp_path):
    model = mlp()
    model.save(str(tmp_path / "m.h5"))
    with pytest.warns(UserWarning, match="No training configuration"):
        loaded = load_model(str(tmp_path / "m.h5"))
    assert loaded.optimizer is None


def test_overwrite_false_refuses_to_replace_a_file(tmp_path):
    path = tmp_path / "m.h5"
    path.write_bytes(b"old")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        mlp().save(str(path), overwrite=False)
    assert path.read_bytes() == b"old"


def test_saving_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        mlp().save(str(tmp_path / "nope" / "m.h5"))


# --- weights files -------------------------------------------------------------------------

def test_save_weights_then_load_weights_topologically(tmp_path):
    source = mlp(hidden="a", out="b")
    target = mlp(hidden="c", out="d")  # other names: matched by position
    path = str(tmp_path / "w.h5")
    source.save_weights(path)
    target.load_weights(path)
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)
    with h5py.File(path, "r") as f:
        assert "model_config" not in f.attrs
    with pytest.raises(ValueError, match="holds only weights"):
        load_model(path)


def test_load_weights_reads_a_whole_model_file(tmp_path):
    source = mlp()
    source.save(str(tmp_path / "m.h5"))
    target = mlp()
    target.load_weights(str(tmp_path / "m.h5"))
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_by_name_fine_tuning_leaves_new_layers_untouched(tmp_path):
    base = mlp()
    path = str(tmp_path / "base.h5")
    base.save_weights(path)
    x = Input(shape=(4,), name="x")
    h = Dense(5, activation="tanh", name="hidden")(x)
    new_head = Dense(7, name="new_head")
    model = Model(x, new_head(h))
    head_before = new_head.get_weights()
    model.load_weights(path, by_name=True)
    np.testing.assert_array_equal(model.get_layer("hidden").get_weights()[0],
                                  base.get_layer("hidden").get_weights()[0])
    for a, b in zip(new_head.get_weights(), head_before):
        np.testing.assert_array_equal(a, b)


def test_mismatched_shapes_name_the_layer_and_both_shapes(tmp_path):
    mlp().save_weights(str(tmp_path / "w.h5"))
    x = Input(shape=(4,), name="x")
    other = Model(x, Dense(3, name="out")(Dense(6, name="hidden")(x)))
    with pytest.raises(ValueError, match=r"'hidden'.*\(4, 6\).*\(4, 5\)"):
        other.load_weights(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match=r"'hidden'.*\(4, 6\).*\(4, 5\)"):
        other.load_weights(str(tmp_path / "w.h5"), by_name=True)
    before = other.get_weights()
    with pytest.warns(UserWarning, match="Skipping loading of weights.*'hidden'"):
        other.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    for a, b in zip(other.get_weights(), before):  # both layers mismatch: unchanged
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="skip_mismatch=True only applies with by_name"):
        other.load_weights(str(tmp_path / "w.h5"), skip_mismatch=True)


def test_layer_count_mismatch_is_reported(tmp_path):
    mlp().save_weights(str(tmp_path / "w.h5"))
    single = Sequential([Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="containing 2 layer.*model with 1 layer"):
        single.load_weights(str(tmp_path / "w.h5"))


def test_set_weights_errors_name_layer_and_shapes():
    model = mlp()
    layer = model.get_layer("hidden")
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(5, 4\).*'hidden'"):
        layer.set_weights([np.zeros((5, 4)), np.zeros(5)])
    with pytest.raises(ValueError, match="layer \"hidden\".*length 1.*expecting 2"):
        layer.set_weights([np.zeros((4, 5))])
    with pytest.raises(ValueError, match="expects 4 weight arrays. Received: 3"):
        model.set_weights(model.get_weights()[:3])


def test_weights_written_to_an_open_h5py_group(tmp_path):
    model = mlp()
    with h5py.File(tmp_path / "g.h5", "w") as f:
        save_model(model, f.create_group("inside"))
    with h5py.File(tmp_path / "g.h5", "r") as f:
        loaded = load_model(f["inside"], compile=False)
        target = mlp()
        load_weights(target, f["inside"])
    for a, b, c in zip(loaded.get_weights(), target.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)


# --- the kernel convention ------------------------------------------------------------------

def _convnet():
    return Sequential([Conv2D(2, (3, 2), input_shape=(5, 5, 1), name="conv"),
                       Flatten(name="flat"), Dense(1, name="dense")])


def test_keras_theano_files_have_their_kernels_flipped_and_others_never(tmp_path):
    model = _convnet()
    kernel = rand(3, 2, 1, 2, seed=3)
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    with h5py.File(path, "r+") as f:  # make it look like a Keras 2 file from Theano
        del f.attrs["kernel_convention"]
        del f.attrs["polykeras_version"]
        f.attrs["backend"] = b"theano"
        f["conv"]["conv/kernel:0"][...] = kernel
    target = _convnet()
    with pytest.warns(UserWarning, match="Theano.*flipped"):
        target.load_weights(path)
    np.testing.assert_array_equal(target.get_layer("conv").get_weights()[0],
                                  kernel[::-1, ::-1])
    np.testing.assert_array_equal(target.get_layer("dense").get_weights()[0],
                                  model.get_layer("dense").get_weights()[0])
    with h5py.File(path, "r+") as f:
        f.attrs["kernel_convention"] = b"cross_correlation"  # recorded: taken as is
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        target.load_weights(path)
    np.testing.assert_array_equal(target.get_layer("conv").get_weights()[0], kernel)
    with h5py.File(path, "r+") as f:
        f.attrs["kernel_convention"] = b"upside_down"
    with pytest.raises(ValueError, match="kernel_convention='upside_down'"):
        target.load_weights(path)


# --- safe mode --------------------------------------------------------------------------

def _lambda_model():
    x = Input(shape=(4,))
    return Model(x, Lambda(lambda t: t * 3.0 + 1.0, name="affine")(x))


def test_lambda_bytecode_is_refused_on_every_load_path_unless_safe_mode_false(tmp_path):
    model = _lambda_model()
    path = str(tmp_path / "lam.h5")
    model.save(path)
    for load in (lambda: load_model(path),
                 lambda: model_from_json(model.to_json()),
                 lambda: model_from_yaml(model.to_yaml()),
                 lambda: Model.from_config(model.get_config())):
        with pytest.raises(ValueError, match="safe_mode=False") as info:
            load()
        assert "arbitrary code" in str(info.value)
    for loaded in (load_model(path, safe_mode=False),
                   model_from_json(model.to_json(), safe_mode=False),
                   model_from_yaml(model.to_yaml(), safe_mode=False)):
        np.testing.assert_allclose(loaded.predict(X), X * 3.0 + 1.0, atol=1e-6)


# --- callbacks on real models -------------------------------------------------------------

def test_model_checkpoint_writes_loadable_files_in_both_modes(tmp_path):
    model = mlp()
    model.compile("sgd", "categorical_crossentropy")
    template = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.hdf5")
    best = str(tmp_path / "best.h5")
    history = model.fit(X, Y, epochs=3, batch_size=3, verbose=0, validation_data=(X, Y),
                        callbacks=[callbacks.ModelCheckpoint(template),
                                   callbacks.ModelCheckpoint(best, save_best_only=True,
                                                             save_weights_only=True)])
    val = history.history["val_loss"]
    names = sorted(os.listdir(tmp_path))
    expected = [f"weights.{e + 1:02d}-{v:.2f}.hdf5" for e, v in enumerate(val)]
    assert names == sorted(expected + ["best.h5"])
    last = load_model(str(tmp_path / expected[-1]))
    np.testing.assert_allclose(last.predict(X), model.predict(X), atol=1e-6)
    assert int(last.optimizer.get_weights()[0]) == 6
    target = mlp()
    target.load_weights(best)
    if val[-1] == min(val):  # the last epoch was the best: same weights as the model
        for a, b in zip(target.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_early_stopping_restores_the_best_weights_of_a_real_model():
    model = mlp()
    model.compile("sgd", "categorical_crossentropy")
    snapshots = []
    keep = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(
        (logs["val_loss"], model.get_weights())))
    # A large learning rate oscillates; the loss is watched on a shifted target.
    K.set_value(model.optimizer.lr, 5.0)
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                      restore_best_weights=True)
    model.fit(X, Y, epochs=30, batch_size=6, verbose=0, validation_data=(X, Y[::-1]),
              callbacks=[keep, stopper])
    assert stopper.stopped_epoch > 0
    best_loss, best_weights = min(snapshots, key=lambda item: item[0])
    for a, b in zip(model.get_weights(), best_weights):
        np.testing.assert_array_equal(a, b)


# --- optimizer configs from later Keras 2 releases ------------------------------------------

TF_KERAS_ADAM = {"name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                 "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                 "ema_overwrite_frequency": None, "jit_compile": False,
                 "is_legacy_optimizer": False, "learning_rate": 0.0025, "beta_1": 0.8,
                 "beta_2": 0.99, "epsilon": 1e-07, "amsgrad": True}


def test_optimizers_accept_tf_keras_configs():
    from polykeras import optimizers
    adam = optimizers.deserialize({"class_name": "Adam",
                                   "config": TF_KERAS_ADAM})
    assert float(K.get_value(adam.lr)) == pytest.approx(0.0025)
    assert float(K.get_value(adam.beta_1)) == pytest.approx(0.8)
    assert adam.amsgrad is True and not hasattr(adam, "clipnorm")
    rms = optimizers.RMSprop.from_config({"name": "RMSprop", "learning_rate": 0.1, "rho": 0.8,
                                          "momentum": 0.0, "epsilon": 1e-7, "centered": False})
    assert float(K.get_value(rms.rho)) == pytest.approx(0.8)


@pytest.mark.parametrize("key, value", [("weight_decay", 0.01), ("use_ema", True),
                                        ("global_clipnorm", 1.0)])
def test_tf_keras_optimizer_features_polykeras_lacks_are_named(key, value):
    from polykeras import optimizers
    with pytest.raises(ValueError, match=f"Adam was saved with {key}={value!r}"):
        optimizers.Adam.from_config(dict(TF_KERAS_ADAM, **{key: value}))
    with pytest.raises(ValueError, match="RMSprop was saved with centered=True"):
        optimizers.RMSprop.from_config({"learning_rate": 0.1, "centered": True})
    schedule = {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1}}
    with pytest.raises(ValueError, match="learning-rate schedule.*ExponentialDecay"):
        optimizers.SGD.from_config({"learning_rate": schedule})
