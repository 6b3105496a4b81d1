"""Sequential models: the constructor list, add / pop, the first layer's input
arguments, a model used as a layer, deferred building, predict_classes /
predict_proba and the Sequential config round trip."""
import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras.layers import Activation, Dense, Dropout, Flatten, InputLayer, Reshape
from polykeras.models import Model, Sequential, model_from_json


@pytest.fixture(autouse=True)
def _fresh_names():
    K.clear_session()
    yield
    K.clear_session()


def dense_forward(x, kernel, bias):
    return x @ kernel + bias


def relu(x):
    return np.maximum(x, 0.)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def data(n=6, d=5, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (n, d)).astype("float32")


# --- construction -------------------------------------------------------------------------

def test_constructor_list_builds_the_stack():
    model = Sequential([Dense(8, input_shape=(5,)), Activation("relu"), Dense(3),
                        Activation("softmax")])
    assert [type(layer).__name__ for layer in model.layers] == \
        ["Dense", "Activation", "Dense", "Activation"]
    assert model.built
    assert model.input_shape == (None, 5)
    assert model.output_shape == (None, 3)
    assert len(model.inputs) == 1 and len(model.outputs) == 1
    assert model.outputs[0] is model.layers[-1].output
    x = data()
    k1, b1, k2, b2 = model.get_weights()
    expected = softmax(dense_forward(relu(dense_forward(x, k1, b1)), k2, b2))
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


def test_add_equals_constructor_list_and_updates_shapes():
    model = Sequential()
    assert model.layers == []
    model.add(Dense(8, input_dim=5))
    assert model.output_shape == (None, 8)
    model.add(Activation("relu"))
    model.add(Dense(3))
    assert model.output_shape == (None, 3)
    assert len(model.layers) == 3
    assert len(model.weights) == 4
    x = data()
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(model.predict(x),
                               dense_forward(relu(dense_forward(x, k1, b1)), k2, b2),
                               rtol=1e-5, atol=1e-6)


def test_add_rejects_a_non_layer():
    model = Sequential()
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add(np.zeros(3))


@pytest.mark.parametrize("kwargs, batch_shape", [
    ({"input_shape": (5,)}, (None, 5)),
    ({"input_dim": 5}, (None, 5)),
    ({"batch_input_shape": (None, 5)}, (None, 5)),
    ({"batch_input_shape": (4, 5)}, (4, 5)),
    ({"input_shape": (5,), "batch_size": 4}, (4, 5)),
    ({"input_dim": 5, "batch_size": 4}, (4, 5)),
])
def test_first_layer_input_arguments_are_equivalent(kwargs, batch_shape):
    reference = Sequential([Dense(3, input_shape=(5,))])
    model = Sequential([Dense(3, **kwargs)])
    assert model.layers[0].batch_input_shape == batch_shape
    assert model.input_shape == batch_shape
    assert model.inputs[0]._keras_shape == batch_shape
    assert model.output_shape == batch_shape[:1] + (3,)
    model.set_weights(reference.get_weights())
    x = data(4)
    np.testing.assert_allclose(model.predict(x, batch_size=4), reference.predict(x),
                               rtol=1e-6)
    config = model.get_config()["layers"][0]["config"]
    assert tuple(config["batch_input_shape"]) == batch_shape


def test_input_shape_of_a_later_layer_is_ignored():
    model = Sequential([Dense(4, input_shape=(5,)), Dense(2, input_shape=(99,))])
    assert model.output_shape == (None, 2)
    assert len(model.layers) == 2


def test_explicit_input_layer_first():
    model = Sequential([InputLayer(input_shape=(5,), name="features"), Dense(3)])
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"]
    assert model.input_shape == (None, 5) and model.output_shape == (None, 3)
    assert model.input_names == ["features"]
    clone = model_from_json(model.to_json())
    assert clone.input_shape == (None, 5) and clone.input_names == ["features"]
    clone.set_weights(model.get_weights())
    x = data()
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


# --- pop ----------------------------------------------------------------------------------

def test_pop_removes_the_last_layer_and_rewires_outputs():
    model = Sequential([Dense(4, input_shape=(5,)), Dense(3), Dense(2)])
    model.pop()
    assert len(model.layers) == 2
    assert model.output_shape == (None, 3)
    assert model.outputs[0] is model.layers[-1].output
    assert len(model.layers[-1]._outbound_nodes) == 0
    assert len(model.weights) == 4
    model.compile("sgd", "mse")
    x = data()
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(model.predict(x),
                               dense_forward(dense_forward(x, k1, b1), k2, b2), rtol=1e-5,
                               atol=1e-6)
    model.fit(x, np.zeros((6, 3), "float32"), epochs=1, verbose=0)
    model.add(Dense(7))
    assert model.output_shape == (None, 7)
    assert model.predict(x).shape == (6, 7)


def test_pop_every_layer_then_empty_model_raises():
    model = Sequential([Dense(4, input_shape=(5,)), Dense(3)])
    model.pop()
    model.pop()
    assert model.layers == []
    assert not model.outputs
    assert not model.built
    with pytest.raises(AttributeError):
        model.output_shape
    with pytest.raises(TypeError, match="There are no layers in the model"):
        model.pop()


def test_pop_on_a_deferred_model():
    model = Sequential([Dense(4), Dense(3)])
    model.pop()
    assert [layer.units for layer in model.layers] == [4]
    assert model.predict(data()).shape == (6, 4)


# --- a model as a layer -------------------------------------------------------------------

def test_sequential_added_as_a_layer_shares_its_weights():
    inner = Sequential([Dense(4, input_shape=(5,), activation="relu")])
    outer = Sequential()
    outer.add(inner)
    outer.add(Dense(2))
    assert outer.input_shape == (None, 5)
    assert outer.output_shape == (None, 2)
    assert outer.layers[0] is inner
    assert {id(w) for w in inner.weights} <= {id(w) for w in outer.weights}
    assert outer.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    x = data()
    k1, b1 = inner.get_weights()
    k2, b2 = outer.layers[1].get_weights()
    np.testing.assert_allclose(outer.predict(x),
                               dense_forward(relu(dense_forward(x, k1, b1)), k2, b2),
                               rtol=1e-5, atol=1e-6)
    before = inner.get_weights()[0].copy()
    outer.compile("sgd", "mse")
    outer.fit(x, np.ones((6, 2), "float32"), epochs=1, verbose=0)
    assert not np.allclose(inner.get_weights()[0], before)


def test_functional_model_added_in_the_middle():
    x = keras.Input(shape=(4,))
    block = Model(x, Dense(3, activation="relu")(x), name="block")
    model = Sequential([Dense(4, input_shape=(5,)), block, Dense(2)])
    assert model.output_shape == (None, 2)
    assert model.get_layer("block") is block
    assert len(model.weights) == 6
    assert model.predict(data()).shape == (6, 2)


# --- deferred build -----------------------------------------------------------------------

def test_deferred_model_is_built_by_build():
    model = Sequential([Dense(4), Dense(2)])
    assert not model.built
    assert model.weights == []
    model.build((None, 5))
    assert model.built
    assert model.input_shape == (None, 5)
    assert model.output_shape == (None, 2)
    assert [w.shape for w in model.get_weights()] == [(5, 4), (4,), (4, 2), (2,)]
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 34" in lines


def test_deferred_model_is_built_by_predict():
    model = Sequential()
    model.add(Dense(4, activation="relu"))
    model.add(Dense(2))
    x = data(d=3)
    out = model.predict(x)
    assert model.built and model.input_shape == (None, 3)
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(out, dense_forward(relu(dense_forward(x, k1, b1)), k2, b2),
                               rtol=1e-5, atol=1e-6)


def test_deferred_model_is_built_by_fit_after_compile():
    model = Sequential([Dense(4), Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(data(d=3), np.zeros((6, 1), "float32"), epochs=2, verbose=0)
    assert model.input_shape == (None, 3)
    assert len(history.history["loss"]) == 2


def test_summary_of_an_unbuilt_model_says_so():
    model = Sequential([Dense(4)])
    with pytest.raises(ValueError, match="has not yet been built"):
        model.summary()


def test_reshape_and_flatten_in_a_stack():
    model = Sequential([Reshape((2, 3), input_shape=(6,)), Dense(4), Flatten()])
    assert model.layers[1].output_shape == (None, 2, 4)
    assert model.output_shape == (None, 8)
    x = data(d=6)
    kernel, bias = model.layers[1].get_weights()
    expected = (x.reshape(6, 2, 3) @ kernel + bias).reshape(6, 8)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


# --- predict_classes / predict_proba ------------------------------------------------------

def test_predict_classes_and_proba_multiclass():
    model = Sequential([Dense(3, input_shape=(5,), activation="softmax")])
    x = data(10)
    proba = model.predict_proba(x, verbose=0)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(proba, softmax(dense_forward(x, kernel, bias)), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(model.predict_classes(x, verbose=0),
                                  proba.argmax(axis=-1))


def test_predict_classes_binary_thresholds_at_half():
    model = Sequential([Dense(1, input_shape=(2,), activation="sigmoid")])
    model.set_weights([np.array([[1.], [0.]], "float32"), np.zeros(1, "float32")])
    x = np.array([[-2., 0.], [3., 1.], [0.5, 9.]], "float32")
    np.testing.assert_array_equal(model.predict_classes(x).ravel(), [0, 1, 1])


def test_predict_proba_warns_outside_zero_one():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.set_weights([np.array([[10.], [0.]], "float32"), np.zeros(1, "float32")])
    with pytest.warns(UserWarning, match="invalid probability values"):
        model.predict_proba(np.array([[1., 0.]], "float32"))


# --- config round trip --------------------------------------------------------------------

def test_sequential_config_round_trip_gives_the_same_predictions():
    model = Sequential([Dense(4, input_shape=(5,), activation="relu"), Dropout(0.3),
                        Dense(2, activation="softmax")])
    config = model.get_config()
    clone = Sequential.from_config(config)
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.input_shape == (None, 5)
    clone.set_weights(model.get_weights())
    x = data()
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_deferred_sequential_config_keeps_the_build_shape():
    model = Sequential([Dense(4), Dense(2)])
    model.build((None, 3))
    clone = Sequential.from_config(model.get_config())
    assert clone.built and clone.input_shape == (None, 3)
    clone.set_weights(model.get_weights())
    x = data(d=3)
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
