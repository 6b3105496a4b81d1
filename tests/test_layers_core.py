"""Core layers and Embedding against NumPy computations from the layers' own weights.

Runs on the active backend (``POLYKERAS_BACKEND=numpy|tensorflow|...``).
"""
import json
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import (Activation, Dense, Dropout, Embedding, Flatten, Lambda, Reshape,
                              SafeModeScope)

ATOL = 1e-5
rng = np.random.default_rng(0)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(inputs, outputs, values, training=None):
    """Evaluate ``outputs`` for ``values`` fed to ``inputs`` (learning phase fed if given)."""
    inputs = inputs if isinstance(inputs, list) else [inputs]
    values = values if isinstance(values, list) else [values]
    if training is not None:
        inputs, values = inputs + [K.learning_phase()], values + [training]
    fn = K.function(inputs, outputs if isinstance(outputs, list) else [outputs])
    result = fn(values)
    return result if isinstance(outputs, list) else result[0]


def _roundtrip(layer):
    """A new layer of the same class from the layer's config, through JSON."""
    config = json.loads(json.dumps(layers.serialize(layer)))
    return layers.deserialize(config)


# --- Dense ---------------------------------------------------------------------------------

def test_dense_matches_numpy_and_static_shape():
    x = Input(shape=(5,))
    layer = Dense(3, activation="relu")
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (5, 3) and bias.shape == (3,)
    layer.set_weights([kernel, _f32(3)])
    kernel, bias = layer.get_weights()
    data = _f32(4, 5)
    out = _run(x, y, data)
    np.testing.assert_allclose(out, np.maximum(data @ kernel + bias, 0.), atol=ATOL)
    assert y._keras_shape == (None, 3) and out.shape == (4, 3)
    assert layer.count_params() == 18


def test_dense_on_3d_input_dots_last_axis():
    x = Input(shape=(4, 6))
    layer = Dense(2, use_bias=False)
    y = layer(x)
    (kernel,) = layer.get_weights()
    data = _f32(3, 4, 6)
    out = _run(x, y, data)
    np.testing.assert_allclose(out, np.einsum("btd,du->btu", data, kernel), atol=ATOL)
    assert y._keras_shape == (None, 4, 2) == layer.compute_output_shape((None, 4, 6))


def test_dense_config_roundtrip_gives_same_outputs():
    layer = Dense(4, activation="tanh", kernel_initializer="he_normal",
                  kernel_regularizer="l2", bias_constraint="non_neg", name="dense_cfg")
    x = Input(shape=(3,))
    y = layer(x)
    clone = _roundtrip(layer)
    assert isinstance(clone, Dense) and clone.get_config() == layer.get_config()
    y2 = clone(x)
    clone.set_weights(layer.get_weights())
    data = _f32(2, 3)
    np.testing.assert_allclose(_run(x, y2, data), _run(x, y, data), atol=ATOL)
    config = layer.get_config()
    assert config["activation"] == "tanh" and config["units"] == 4
    assert config["kernel_regularizer"]["class_name"] == "L1L2"


def test_dense_keras1_arguments_and_input_dim():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = Dense(output_dim=7, init="zeros", input_dim=3)
    messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
    assert any("`output_dim`" in m for m in messages) and any("`init`" in m for m in messages)
    assert layer.units == 7 and layer.batch_input_shape == (None, 3)
    model = Sequential([layer])
    assert model.output_shape == (None, 7)
    np.testing.assert_array_equal(layer.get_weights()[0], np.zeros((3, 7)))
    with pytest.raises(TypeError, match="output_dim"):
        Dense(3, output_dim=4)


def test_dense_errors_name_layer_and_shapes():
    layer = Dense(2, name="dense_err")
    layer(Input(shape=(4,)))
    with pytest.raises(ValueError, match=r"dense_err.*axis -1.*4.*\(None, 5\)"):
        layer(Input(shape=(5,)))
    with pytest.raises(ValueError, match="min_ndim=2"):
        Dense(2)(Input(batch_shape=(3,)))
    with pytest.raises(ValueError, match="positive integer"):
        Dense(0)


def test_dense_regularizer_losses_and_mask_passthrough():
    ids = Input(shape=(3,))
    emb = Embedding(5, 4, mask_zero=True)(ids)
    layer = Dense(2, kernel_regularizer="l2", activity_regularizer="l1")
    y = layer(emb)
    assert y._keras_mask is emb._keras_mask
    model = Model(ids, y)
    assert len(model.losses) == 2


# --- Activation, Dropout ---------------------------------------------------------------------

def test_activation_layer():
    x = Input(shape=(4,))
    y = Activation("softmax")(x)
    data = _f32(3, 4)
    e = np.exp(data - data.max(axis=1, keepdims=True))
    np.testing.assert_allclose(_run(x, y, data), e / e.sum(axis=1, keepdims=True), atol=ATOL)
    assert _roundtrip(Activation("relu")).get_config()["activation"] == "relu"


def test_dropout_only_active_in_training():
    x = Input(shape=(200,))
    y = Dropout(0.4, seed=1)(x)
    data = np.ones((50, 200), np.float32)
    np.testing.assert_array_equal(_run(x, y, data, training=0), data)
    out = _run(x, y, data, training=1)
    assert set(np.unique(out)) <= {0., np.float32(1 / 0.6)}
    assert 0.35 < np.mean(out == 0.) < 0.45
    model = Model(x, y)
    np.testing.assert_array_equal(model.predict(data), data)


def test_dropout_noise_shape_shares_mask_over_axis():
    x = Input(shape=(6, 40))
    y = Dropout(0.5, noise_shape=(None, 1, 40))(x)
    out = _run(x, y, np.ones((8, 6, 40), np.float32), training=1)
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1], out.shape))
    assert 0. < np.mean(out == 0.) < 1.


def test_dropout_config_and_legacy_p():
    with pytest.warns(DeprecationWarning, match="`p`"):
        layer = Dropout(p=0.3)
    assert layer.rate == 0.3
    clone = _roundtrip(Dropout(0.2, noise_shape=(None, 1), seed=3))
    assert (clone.rate, clone.noise_shape, clone.seed) == (0.2, (None, 1), 3)
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.5)


# --- Flatten, Reshape ------------------------------------------------------------------------

def test_flatten_shapes_and_values():
    x = Input(shape=(2, 3, 4))
    y = Flatten()(x)
    data = _f32(5, 2, 3, 4)
    out = _run(x, y, data)
    np.testing.assert_array_equal(out, data.reshape(5, -1))
    assert y._keras_shape == (None, 24) and out.shape == (5, 24)


def test_flatten_channels_first_moves_channels_last():
    x = Input(shape=(3, 2, 2))
    y = Flatten(data_format="channels_first")(x)
    data = _f32(2, 3, 2, 2)
    np.testing.assert_array_equal(_run(x, y, data),
                                  data.transpose(0, 2, 3, 1).reshape(2, -1))
    assert _roundtrip(Flatten(data_format="channels_first")).data_format == "channels_first"


def test_flatten_needs_known_shape():
    with pytest.raises(ValueError, match=r"flatten_unknown.*\(None, None, 3\)"):
        Flatten(name="flatten_unknown")(Input(shape=(None, 3)))


def test_reshape_infers_minus_one_and_keeps_batch():
    x = Input(shape=(12,))
    y = Reshape((-1, 3))(x)
    data = _f32(2, 12)
    out = _run(x, y, data)
    np.testing.assert_array_equal(out, data.reshape(2, 4, 3))
    assert y._keras_shape == (None, 4, 3) == (None,) + out.shape[1:]
    z = Reshape((2, 6))(Input(shape=(3, 4)))
    assert z._keras_shape == (None, 2, 6)


def test_reshape_with_unknown_input_dims():
    x = Input(shape=(None, 4))
    y = Reshape((-1, 2))(x)
    assert y._keras_shape == (None, None, 2)
    data = _f32(3, 5, 4)
    np.testing.assert_array_equal(_run(x, y, data), data.reshape(3, 10, 2))


def test_reshape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"reshape_bad.*\(3, 4\).*12.*\(5, 2\).*10"):
        Reshape((5, 2), name="reshape_bad")(Input(shape=(3, 4)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(-1, 4\)"):
        Reshape((-1, 4))(Input(shape=(2, 3)))
    with pytest.raises(ValueError, match="at most one -1"):
        Reshape((-1, -1))
    assert _roundtrip(Reshape((2, -1))).target_shape == (2, -1)


# --- Lambda ----------------------------------------------------------------------------------

def double_it(x):
    return x * 2.


def test_lambda_output_shapes():
    x = Input(shape=(4,))
    inferred = Lambda(lambda t: K.concatenate([t, -t]))(x)
    fixed = Lambda(lambda t: K.concatenate([t, -t]), output_shape=(8,))(x)
    by_function = Lambda(lambda t: t[:, :2], output_shape=lambda s: (s[0], 2))(x)
    assert inferred._keras_shape == fixed._keras_shape == (None, 8)
    assert by_function._keras_shape == (None, 2)
    data = _f32(3, 4)
    np.testing.assert_allclose(_run(x, inferred, data), np.concatenate([data, -data], 1))
    np.testing.assert_allclose(_run(x, by_function, data), data[:, :2])
    assert Lambda(lambda t: t[:, :1]).compute_output_shape((None, 5)) == (None, 1)


def test_lambda_arguments_and_mask():
    ids = Input(shape=(3,))
    emb = Embedding(4, 2, mask_zero=True)(ids)
    seen = {}

    def scale(t, factor, mask=None):
        seen["mask"] = mask
        return t * factor
    y = Lambda(scale, arguments={"factor": 3.}, mask=lambda inputs, mask: mask)(emb)
    assert seen["mask"] is emb._keras_mask and y._keras_mask is emb._keras_mask
    dropped = Lambda(lambda t: t)(emb)
    assert dropped._keras_mask is None
    data = np.array([[1, 2, 0]], np.float32)
    np.testing.assert_allclose(_run(ids, y, data), 3. * _run(ids, emb, data), atol=ATOL)


def test_lambda_named_function_roundtrip_is_safe():
    layer = Lambda(double_it, name="lambda_named")
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["function"] == "double_it"
    assert config["config"]["function_type"] == "function"
    with pytest.raises(ValueError, match="double_it.*custom_objects"):
        layers.deserialize(config)
    clone = layers.deserialize(config, custom_objects={"double_it": double_it})
    assert clone.function is double_it
    assert layers.deserialize(layers.serialize(Lambda(K.square))).function is K.square


def test_lambda_bytecode_needs_safe_mode_false():
    offset = 1.5
    layer = Lambda(lambda t: t + offset, output_shape=lambda s: s, name="lambda_code")
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["function_type"] == "lambda"
    with pytest.raises(ValueError, match=r"lambda_code.*bytecode.*safe_mode=False"):
        layers.deserialize(config)
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(config["config"])
    clone = Lambda.from_config(config["config"], safe_mode=False)
    x = Input(shape=(2,))
    data = _f32(1, 2)
    np.testing.assert_allclose(_run(x, clone(x), data), data + 1.5, atol=ATOL)
    with SafeModeScope(False):
        assert isinstance(layers.deserialize(config), Lambda)
    assert isinstance(layers.deserialize(config, safe_mode=False), Lambda)
    with pytest.raises(ValueError, match="safe_mode"):
        layers.deserialize(config)


def test_lambda_bytecode_sees_backend_as_k():
    layer = Lambda(lambda t: K.sum(t, axis=1, keepdims=True))
    clone = layers.deserialize(layers.serialize(layer), safe_mode=False)
    x = Input(shape=(3,))
    data = _f32(2, 3)
    np.testing.assert_allclose(_run(x, clone(x), data), data.sum(1, keepdims=True), atol=ATOL)


def test_lambda_ndarray_arguments_roundtrip():
    layer = Lambda(K.dot, arguments={"y": np.eye(2, dtype=np.float32)}, output_shape=(2,))
    config = json.loads(json.dumps(layers.serialize(layer)))
    clone = layers.deserialize(config)
    np.testing.assert_array_equal(clone.arguments["y"], np.eye(2))


# --- Embedding -------------------------------------------------------------------------------

def test_embedding_lookup_mask_and_shapes():
    ids = Input(shape=(4,))
    layer = Embedding(6, 3, mask_zero=True)
    y = layer(ids)
    (table,) = layer.get_weights()
    data = np.array([[1, 5, 0, 0], [2, 0, 3, 4]], np.float32)
    out, mask = _run(ids, [y, y._keras_mask], data)
    np.testing.assert_allclose(out, table[data.astype(int)], atol=0)
    np.testing.assert_array_equal(mask, data != 0)
    assert y._keras_shape == (None, 4, 3)
    plain = Embedding(6, 3)(Input(shape=(4,), dtype="int32"))
    assert plain._keras_mask is None


def test_embedding_input_length_declares_input():
    layer = Embedding(10, 2, input_length=5)
    assert layer.batch_input_shape == (None, 5)
    assert Embedding(10, 2).batch_input_shape == (None, None)
    model = Sequential([layer, Flatten(), Dense(1)])
    assert model.output_shape == (None, 1)
    assert model.predict(np.ones((3, 5))).shape == (3, 1)
    with pytest.raises(ValueError, match=r"input_length is 5.*\(None, 6\)"):
        Embedding(10, 2, input_length=5)(Input(shape=(6,)))


def test_embedding_config_roundtrip_and_legacy():
    layer = Embedding(7, 3, mask_zero=True, input_length=2, embeddings_regularizer="l1")
    clone = _roundtrip(layer)
    assert clone.get_config() == layer.get_config()
    assert clone.mask_zero and clone.input_length == 2
    with pytest.warns(DeprecationWarning, match="init"):
        Embedding(7, 3, init="zeros")


# --- static shapes, serialization --------------------------------------------------------------

@pytest.mark.parametrize("make, shape", [
    (lambda: Dense(3), (4, 5)),
    (lambda: Dense(3), (2, 4, 5)),
    (lambda: Flatten(), (2, 3, 4)),
    (lambda: Reshape((-1,)), (2, 3, 4)),
    (lambda: Reshape((3, 1, 4)), (2, 12)),
    (lambda: Activation("relu"), (2, 3)),
    (lambda: Dropout(0.5), (2, 3)),
    (lambda: Embedding(5, 3), (2, 4)),
    (lambda: Lambda(lambda t: K.expand_dims(t, 1)), (2, 3)),
])
def test_static_shapes_equal_computed_shapes(make, shape):
    layer = make()
    x = Input(batch_shape=(None,) + shape[1:])
    y = layer(x)
    data = np.abs(_f32(*shape)).round()
    out = _run(x, y, data)
    assert y._keras_shape == layer.compute_output_shape(x._keras_shape)
    assert y._keras_shape == (None,) + out.shape[1:]
    assert K.int_shape(y)[1:] == out.shape[1:]


def test_model_config_roundtrip_rebuilds_graph():
    x = Input(shape=(6,))
    h = Dense(4, activation="relu")(x)
    h = Reshape((2, 2))(Dropout(0.1)(h))
    y = Dense(1)(Flatten()(h))
    model = Model(x, y)
    config = json.loads(json.dumps(model.get_config()))
    clone = Model.from_config(config)
    clone.set_weights(model.get_weights())
    data = _f32(3, 6)
    np.testing.assert_allclose(clone.predict(data), model.predict(data), atol=ATOL)
    seq = Sequential([Dense(3, input_shape=(2,)), Activation("tanh")])
    seq_clone = layers.deserialize(layers.serialize(seq))
    assert isinstance(seq_clone, Sequential) and seq_clone.output_shape == (None, 3)


def test_deserialize_unknown_class_suggests_names():
    with pytest.raises(ValueError, match="Unknown layer: 'Dence'.*Dense"):
        layers.deserialize({"class_name": "Dence", "config": {}})


def test_layers_exports():
    for name in ("Input", "InputLayer", "InputSpec", "Layer", "Dense", "LSTM", "concatenate"):
        assert hasattr(layers, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Dense(2, input_dim=3)
