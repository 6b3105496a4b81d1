"""The Functional API: Input, layers called on tensors, Model(inputs, outputs),
multi-input / multi-output graphs, shared layers and nodes, models called like
layers, nested models, get_layer, static shape inference, configuration
round trips (dict, JSON, YAML) and clone_model."""
import json

import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras.backend import selection
from polykeras.engine.input_layer import InputLayer
from polykeras.layers import (LSTM, Activation, Add, Concatenate, Dense, Dropout, Embedding,
                              Flatten, Lambda, Reshape, concatenate)
from polykeras.models import (Model, Sequential, clone_model, model_from_config,
                              model_from_json, model_from_yaml)


@pytest.fixture(autouse=True)
def _fresh_names():
    K.clear_session()
    yield
    K.clear_session()


def rand(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype("float32")


def dense_np(x, layer, activation=None):
    kernel, bias = layer.get_weights()
    out = x @ kernel + bias
    return np.maximum(out, 0.) if activation == "relu" else out


def two_branch_model():
    """Keras 2 guide: main (token ids) + auxiliary inputs, main + auxiliary outputs."""
    main_input = keras.Input(shape=(6,), dtype="int32", name="main_input")
    x = Embedding(output_dim=4, input_dim=20, input_length=6)(main_input)
    lstm_out = LSTM(3)(x)
    aux_output = Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = keras.Input(shape=(2,), name="aux_input")
    x = concatenate([lstm_out, aux_input])
    x = Dense(5, activation="relu")(x)
    main_output = Dense(1, activation="sigmoid", name="main_output")(x)
    return Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])


def two_branch_data(n=8, seed=0):
    rng = np.random.RandomState(seed)
    return ([rng.randint(0, 20, (n, 6)).astype("int32"), rng.rand(n, 2).astype("float32")],
            [rng.randint(0, 2, (n, 1)).astype("float32"),
             rng.randint(0, 2, (n, 1)).astype("float32")])


# --- Input --------------------------------------------------------------------------------

def test_input_shape_dtype_and_name():
    x = keras.Input(shape=(3, 4))
    assert x._keras_shape == (None, 3, 4)
    assert K.int_shape(x) == (None, 3, 4)
    assert K.dtype(x) == K.floatx()
    layer, node_index, tensor_index = x._keras_history
    assert isinstance(layer, InputLayer) and (node_index, tensor_index) == (0, 0)
    assert layer.name == "input_1"

    y = keras.Input(batch_shape=(8, 5), dtype="int32", name="tokens")
    assert y._keras_shape == (8, 5)
    assert K.dtype(y) == "int32"
    assert y._keras_history[0].name == "tokens"
    assert Model(y, Embedding(10, 2)(y)).input_names == ["tokens"]


def test_input_needs_a_shape():
    with pytest.raises(ValueError, match="either a `shape` or a `batch_shape`"):
        keras.Input()


def test_layer_called_on_a_tensor_returns_a_keras_tensor():
    x = keras.Input(shape=(4,))
    layer = Dense(3)
    y = layer(x)
    assert K.is_tensor(y)
    assert y._keras_shape == (None, 3)
    assert y._keras_history == (layer, 0, 0)
    assert layer.built and [w.shape for w in layer.get_weights()] == [(4, 3), (3,)]


# --- Model(inputs, outputs) ---------------------------------------------------------------

def test_model_from_single_tensors():
    x = keras.Input(shape=(4,), name="x")
    hidden = Dense(5, activation="relu", name="hidden")
    out = Dense(2, name="out")
    y = out(hidden(x))
    model = Model(inputs=x, outputs=y)
    assert model.inputs == [x] and model.outputs == [y]
    assert [layer.name for layer in model.layers] == ["x", "hidden", "out"]
    assert isinstance(model.layers[0], InputLayer)
    assert model.input_names == ["x"] and model.output_names == ["out"]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    data = rand(7, 4)
    expected = dense_np(dense_np(data, hidden, "relu"), out)
    np.testing.assert_allclose(model.predict(data), expected, rtol=1e-5, atol=1e-6)


def test_model_keras1_argument_names_warn():
    x = keras.Input(shape=(4,))
    y = Dense(2)(x)
    with pytest.warns(DeprecationWarning) as record:
        model = Model(input=x, output=y)
    messages = [str(w.message) for w in record]
    assert any("use `inputs` instead" in m for m in messages)
    assert any("use `outputs` instead" in m for m in messages)
    assert model.inputs == [x] and model.outputs == [y]


def test_multi_input_multi_output_model():
    model = two_branch_model()
    assert model.input_names == ["main_input", "aux_input"]
    assert model.output_names == ["main_output", "aux_output"]
    assert model.input_shape == [(None, 6), (None, 2)]
    assert model.output_shape == [(None, 1), (None, 1)]
    assert model.get_layer("embedding_1").output_shape == (None, 6, 4)
    assert model.get_layer("concatenate_1").output_shape == (None, 5)
    x, y = two_branch_data()
    main, aux = model.predict(x)
    assert main.shape == (8, 1) and aux.shape == (8, 1)
    assert np.all((main > 0) & (main < 1))
    same = model.predict({"aux_input": x[1], "main_input": x[0]})
    np.testing.assert_allclose(same[0], main, rtol=1e-6)
    model.compile("rmsprop", "binary_crossentropy", loss_weights=[1., 0.2])
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert sorted(history.history) == ["aux_output_loss", "loss", "main_output_loss"]
    model.compile(optimizer="rmsprop",
                  loss={"main_output": "binary_crossentropy",
                        "aux_output": "binary_crossentropy"},
                  loss_weights={"main_output": 1., "aux_output": 0.2})
    history = model.fit({"main_input": x[0], "aux_input": x[1]},
                        {"main_output": y[0], "aux_output": y[1]}, epochs=1, batch_size=4,
                        verbose=0)
    assert len(history.history["loss"]) == 1


def test_layer_names_given_with_name_are_used_and_must_be_unique():
    x = keras.Input(shape=(3,))
    y = Dense(2, name="my_dense")(x)
    assert Model(x, y).get_layer("my_dense").output_shape == (None, 2)
    z = Dense(2, name="my_dense")(y)
    with pytest.raises(ValueError, match="'my_dense' is used 2 times"):
        Model(x, z)


def test_default_names_count_per_class():
    x = keras.Input(shape=(3,))
    a, b, c = Dense(2), Dense(2), Activation("relu")
    assert (a.name, b.name, c.name) == ("dense_1", "dense_2", "activation_1")
    model = Model(x, c(b(a(x))))
    assert [layer.name for layer in model.layers] == ["input_1", "dense_1", "dense_2",
                                                      "activation_1"]


# --- shared layers and nodes --------------------------------------------------------------

def test_shared_layer_shares_its_weights():
    a = keras.Input(shape=(5, 3))
    b = keras.Input(shape=(5, 3))
    shared_lstm = LSTM(4)
    encoded_a = shared_lstm(a)
    encoded_b = shared_lstm(b)
    merged = concatenate([encoded_a, encoded_b], axis=-1)
    predictions = Dense(1, activation="sigmoid")(merged)
    model = Model(inputs=[a, b], outputs=predictions)
    assert len(model.trainable_weights) == len(shared_lstm.trainable_weights) + 2
    assert model.count_params() == shared_lstm.count_params() + 8 + 1
    encoder = Model([a, b], merged)
    seq = rand(4, 5, 3)
    out = encoder.predict([seq, seq])
    np.testing.assert_allclose(out[:, :4], out[:, 4:], rtol=1e-6)
    other = encoder.predict([seq, rand(4, 5, 3, seed=1)])
    np.testing.assert_allclose(other[:, :4], out[:, :4], rtol=1e-6)
    assert not np.allclose(other[:, 4:], out[:, 4:])


def test_single_node_layer_attributes():
    a = keras.Input(shape=(5, 3))
    lstm = LSTM(4)
    encoded = lstm(a)
    assert lstm.output is encoded
    assert lstm.input is a
    assert lstm.input_shape == (None, 5, 3)
    assert lstm.output_shape == (None, 4)
    assert lstm.get_output_at(0) is encoded
    assert lstm.get_input_at(0) is a


def test_multi_node_layer_output_is_ill_defined():
    a = keras.Input(shape=(5, 3))
    b = keras.Input(shape=(5, 3))
    lstm = LSTM(4)
    encoded_a = lstm(a)
    encoded_b = lstm(b)
    assert lstm.name == "lstm_1"
    with pytest.raises(AttributeError) as info:
        lstm.output
    assert str(info.value) == (
        'Layer lstm_1 has multiple inbound nodes, hence the notion of "layer output" is '
        "ill-defined. Use `get_output_at(node_index)` instead.")
    with pytest.raises(AttributeError, match="get_input_at"):
        lstm.input
    assert lstm.get_output_at(0) is encoded_a
    assert lstm.get_output_at(1) is encoded_b
    assert lstm.get_input_at(0) is a and lstm.get_input_at(1) is b
    assert lstm.get_output_at(-1) is encoded_b
    # Same shapes at every node: the shape properties stay defined.
    assert lstm.input_shape == (None, 5, 3)
    assert lstm.output_shape == (None, 4)
    with pytest.raises(ValueError, match="only 2 inbound nodes"):
        lstm.get_output_at(2)


def test_multi_node_layer_with_different_shapes():
    a = keras.Input(shape=(5, 3))
    b = keras.Input(shape=(7, 3))
    lstm = LSTM(4, return_sequences=True)
    lstm(a)
    lstm(b)
    assert lstm.get_input_shape_at(0) == (None, 5, 3)
    assert lstm.get_input_shape_at(1) == (None, 7, 3)
    assert lstm.get_output_shape_at(0) == (None, 5, 4)
    assert lstm.get_output_shape_at(1) == (None, 7, 4)
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        lstm.input_shape
    with pytest.raises(AttributeError, match="get_output_shape_at"):
        lstm.output_shape


def test_unconnected_layer_has_no_output():
    layer = Dense(2)
    with pytest.raises(AttributeError, match="dense_1 is not connected"):
        layer.output
    with pytest.raises(RuntimeError, match="never been called"):
        layer.get_output_at(0)


def test_merge_layer_node_records_all_inbound_layers():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    added = Add()([a, b])
    node = added._keras_history[0]._inbound_nodes[0]
    assert [layer.name for layer in node.inbound_layers] == ["a", "b"]
    assert node.input_shapes == [(None, 3), (None, 3)]
    assert node.output_shapes == [(None, 3)]
    model = Model([a, b], added)
    x1, x2 = rand(2, 3), rand(2, 3, seed=1)
    np.testing.assert_allclose(model.predict([x1, x2]), x1 + x2, rtol=1e-6)


# --- models called like layers, nested models ---------------------------------------------

def test_model_called_on_a_new_tensor_reuses_its_weights():
    x = keras.Input(shape=(4,))
    inner = Model(x, Dense(3, activation="relu")(Dense(5)(x)), name="inner")
    z = keras.Input(shape=(4,))
    y = inner(z)
    assert y._keras_shape == (None, 3)
    outer = Model(z, y)
    assert [layer.name for layer in outer.layers] == ["input_2", "inner"]
    assert [id(w) for w in outer.weights] == [id(w) for w in inner.weights]
    data = rand(6, 4)
    np.testing.assert_allclose(outer.predict(data), inner.predict(data), rtol=1e-6)
    outer.compile("sgd", "mse")
    outer.fit(data, np.ones((6, 3), "float32"), epochs=1, verbose=0)
    np.testing.assert_allclose(outer.predict(data), inner.predict(data), rtol=1e-6)
    assert len(inner._inbound_nodes) == 2


def test_model_with_two_outputs_called_on_new_tensors():
    a = keras.Input(shape=(3,))
    twin = Model(a, [Dense(2, name="d1")(a), Dense(4, name="d2")(a)])
    b = keras.Input(shape=(3,))
    outs = twin(b)
    assert isinstance(outs, list) and [o._keras_shape for o in outs] == [(None, 2), (None, 4)]
    model = Model(b, outs + [Add()([outs[0], outs[0]])])
    data = rand(5, 3)
    p1, p2, p3 = model.predict(data)
    r1, r2 = twin.predict(data)
    np.testing.assert_allclose(p1, r1, rtol=1e-6)
    np.testing.assert_allclose(p2, r2, rtol=1e-6)
    np.testing.assert_allclose(p3, 2 * r1, rtol=1e-6)


def test_nested_models_three_levels():
    x = keras.Input(shape=(4,))
    level1 = Model(x, Dense(3, name="core")(x), name="level1")
    y = keras.Input(shape=(4,))
    level2 = Model(y, Activation("relu")(level1(y)), name="level2")
    z = keras.Input(shape=(4,))
    level3 = Sequential([level2, Dense(2, name="head")], name="level3")
    top = Model(z, level3(z))
    assert top.output_shape == (None, 2)
    assert top.get_layer("level3").get_layer("level2").get_layer("level1") is level1
    assert len(top.weights) == 4
    data = rand(5, 4)
    expected = dense_np(dense_np(data, level1.get_layer("core"), "relu"),
                        level3.get_layer("head"))
    np.testing.assert_allclose(top.predict(data), expected, rtol=1e-5, atol=1e-6)
    lines = []
    top.summary(print_fn=lines.append)
    assert any(line.startswith("level3 (Sequential)") for line in lines)
    assert "Total params: 23" in lines
    clone = model_from_json(top.to_json())
    clone.set_weights(top.get_weights())
    np.testing.assert_allclose(clone.predict(data), top.predict(data), rtol=1e-5)


def test_get_layer_by_name_and_index():
    x = keras.Input(shape=(3,), name="x")
    model = Model(x, Dense(2, name="b")(Dense(4, name="a")(x)))
    assert model.get_layer("a").name == "a"
    assert model.get_layer(index=0).name == "x"
    assert model.get_layer(index=-1).name == "b"
    assert model.get_layer(name="a", index=2).name == "b"
    with pytest.raises(ValueError, match="No such layer: c"):
        model.get_layer("c")
    with pytest.raises(ValueError, match="only has 3 layers"):
        model.get_layer(index=3)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()


def test_intermediate_outputs_keras2_faq():
    model = Sequential([Dense(5, input_shape=(4,), activation="relu", name="hidden"),
                        Dropout(0.5), Dense(2, name="out")])
    assert model.input is model.layers[0].input
    assert model.output is model.layers[-1].output
    data = rand(6, 4)
    expected = dense_np(data, model.get_layer("hidden"), "relu")
    intermediate = Model(inputs=model.input, outputs=model.get_layer("hidden").output)
    np.testing.assert_allclose(intermediate.predict(data), expected, rtol=1e-5, atol=1e-6)
    get_hidden = K.function([model.layers[0].input], [model.layers[0].output])
    np.testing.assert_allclose(get_hidden([data])[0], expected, rtol=1e-5, atol=1e-6)
    get_dropped = K.function([model.layers[0].input, K.learning_phase()],
                             [model.layers[1].output])
    np.testing.assert_allclose(get_dropped([data, 0])[0], expected, rtol=1e-5, atol=1e-6)
    dropped = get_dropped([data, 1])[0]
    assert np.all((dropped == 0) | np.isclose(dropped, 2 * expected, rtol=1e-5, atol=1e-6))
    assert np.any((dropped == 0) & (expected > 0))


# --- static shapes ------------------------------------------------------------------------

def test_output_shapes_are_inferred_without_running_the_backend(monkeypatch):
    backend = selection.current()

    def refuse(program):
        raise AssertionError("a program was compiled while building a model")
    monkeypatch.setattr(backend, "compile", refuse)
    tokens = keras.Input(shape=(None,), dtype="int32")
    x = Embedding(30, 8)(tokens)
    x = LSTM(6, return_sequences=True)(x)
    assert x._keras_shape == (None, None, 6)
    x = Dense(4)(x)
    last = LSTM(5)(x)
    side = keras.Input(shape=(2, 3))
    flat = Flatten()(side)
    merged = Concatenate()([last, flat, Lambda(lambda t: t * 2)(flat)])
    out = Reshape((4, 4))(Dense(16)(Dropout(0.5)(merged)))
    model = Model([tokens, side], out)
    assert merged._keras_shape == (None, 17)
    assert model.output_shape == (None, 4, 4)
    assert model.compute_output_shape([(3, 9), (3, 2, 3)]) == (3, 4, 4)
    assert model.get_layer("lstm_1").output_shape == (None, None, 6)
    with pytest.raises(AssertionError, match="a program was compiled"):
        model.predict([np.ones((2, 3), "int32"), rand(2, 2, 3)])  # the patch is in force


# --- configuration round trips ------------------------------------------------------------

def shared_graph_model():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = Dense(4, activation="relu", name="shared")
    merged = Add(name="sum")([shared(a), shared(b)])
    out1 = Dense(2, activation="softmax", name="out1")(merged)
    out2 = Dense(1, name="out2")(Dropout(0.5)(shared(a)))
    return Model([a, b], [out1, out2], name="graph")


def assert_same_predictions(model, other, inputs):
    expected = model.predict(inputs)
    got = other.predict(inputs)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_get_config_is_the_keras2_graph_format():
    model = shared_graph_model()
    config = model.get_config()
    assert config["name"] == "graph"
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]
    layers = {layer["name"]: layer for layer in config["layers"]}
    assert layers["a"]["class_name"] == "InputLayer" and layers["a"]["inbound_nodes"] == []
    assert layers["shared"]["inbound_nodes"] == [[["a", 0, 0, {}]], [["b", 0, 0, {}]],
                                                 [["a", 0, 0, {}]]]
    assert layers["sum"]["inbound_nodes"] == [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]
    json.dumps(config)


def test_from_config_rebuilds_the_graph_with_shared_layers():
    model = shared_graph_model()
    clone = Model.from_config(model.get_config())
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert len(clone.get_layer("shared")._inbound_nodes) == 3
    assert len(clone.weights) == len(model.weights)
    clone.set_weights(model.get_weights())
    assert_same_predictions(model, clone, [rand(4, 3), rand(4, 3, seed=1)])


def test_json_round_trip():
    model = shared_graph_model()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Model"
    clone = model_from_json(text)
    assert isinstance(clone, Model)
    clone.set_weights(model.get_weights())
    assert_same_predictions(model, clone, [rand(4, 3), rand(4, 3, seed=1)])
    assert clone.to_json() == text


def test_yaml_round_trip():
    model = two_branch_model()
    clone = model_from_yaml(model.to_yaml())
    assert clone.input_names == model.input_names
    assert clone.output_names == model.output_names
    clone.set_weights(model.get_weights())
    x, _ = two_branch_data()
    assert_same_predictions(model, clone, x)


def test_sequential_json_round_trip():
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)])
    clone = model_from_json(model.to_json())
    assert isinstance(clone, Sequential)
    clone.set_weights(model.get_weights())
    data = rand(4, 3)
    np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-6)


def test_nested_model_config_round_trip():
    x = keras.Input(shape=(4,))
    inner = Model(x, Dense(3, name="core")(x), name="inner")
    y = keras.Input(shape=(4,))
    model = Model(y, Dense(2, name="head")(inner(y)), name="outer")
    config = model.get_config()
    head = next(layer for layer in config["layers"] if layer["name"] == "head")
    # Keras 2 numbering: node 0 of a nested model is its own graph.
    assert head["inbound_nodes"] == [[["inner", 1, 0, {}]]]
    clone = model_from_config({"class_name": "Model", "config": config})
    assert isinstance(clone.get_layer("inner"), Model)
    clone.set_weights(model.get_weights())
    data = rand(3, 4)
    np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-5)


def test_model_from_json_rejects_garbage():
    with pytest.raises(ValueError, match="could not be parsed"):
        model_from_json("{not json")


# --- clone_model --------------------------------------------------------------------------

def test_clone_functional_model_has_new_layers_and_the_same_graph():
    model = shared_graph_model()
    clone = clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert not {id(layer) for layer in clone.layers} & {id(layer) for layer in model.layers}
    assert not {id(w) for w in clone.weights} & {id(w) for w in model.weights}
    assert len(clone.weights) == len(model.weights)
    assert not np.allclose(clone.get_layer("shared").get_weights()[0],
                           model.get_layer("shared").get_weights()[0])
    clone.set_weights(model.get_weights())
    assert_same_predictions(model, clone, [rand(4, 3), rand(4, 3, seed=1)])


def test_clone_on_given_input_tensors():
    model = shared_graph_model()
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    clone = clone_model(model, input_tensors=[a, b])
    assert clone.inputs == [a, b]
    clone.set_weights(model.get_weights())
    assert_same_predictions(model, clone, [rand(4, 3), rand(4, 3, seed=1)])


def test_clone_sequential_model():
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)])
    clone = clone_model(model)
    assert isinstance(clone, Sequential)
    assert clone.layers[0] is not model.layers[0]
    clone.set_weights(model.get_weights())
    data = rand(5, 3)
    np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-6)
    on_tensor = clone_model(model, input_tensors=keras.Input(shape=(3,)))
    assert on_tensor.output_shape == (None, 2)


class _Scale(keras.layers.Layer):
    """Multiplies its input by a call argument."""

    def call(self, inputs, factor=1.0):
        return inputs * K.constant(np.asarray(factor, dtype="float32"))


def test_config_leaves_out_call_arguments_it_cannot_hold():
    x = keras.Input(shape=(3,))
    plain = _Scale(name="plain")(x, factor=2.0)
    arrayed = _Scale(name="arrayed")(plain, factor=np.full(3, 0.5, dtype="float32"))
    model = Model(x, arrayed)
    with pytest.warns(UserWarning, match=r"Layer 'arrayed' was called with argument "
                                         r"factor=ndarray"):
        config = model.get_config()
    nodes = {layer["name"]: layer["inbound_nodes"][0][0] for layer in config["layers"]
             if layer["inbound_nodes"]}
    assert nodes["plain"][3] == {"factor": 2.0}
    assert nodes["arrayed"][3] == {}
    json.dumps(config)
    rebuilt = Model.from_config(config, custom_objects={"_Scale": _Scale})
    data = np.ones((1, 3), dtype="float32")
    np.testing.assert_allclose(rebuilt.predict(data), 2 * data)
    np.testing.assert_allclose(model.predict(data), data)
