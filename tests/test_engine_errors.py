"""Bad input gives clear errors: what was expected, what was received, and
which layer, input or argument it concerns."""
import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras.layers import LSTM, Dense
from polykeras.models import Model, Sequential
from polykeras.utils import Sequence


@pytest.fixture(autouse=True)
def _fresh_names():
    K.clear_session()
    yield
    K.clear_session()


def zeros(*shape):
    return np.zeros(shape, "float32")


def compiled(loss="mse", **kwargs):
    model = Sequential([Dense(2, input_shape=(4,))])
    model.compile("sgd", loss, **kwargs)
    return model


def two_inputs_two_outputs():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(3,), name="b")
    model = Model([a, b], [Dense(1, name="out1")(a), Dense(2, name="out2")(b)])
    model.compile("sgd", "mse")
    return model


# --- building -----------------------------------------------------------------------------

def test_layer_called_on_an_incompatible_shape_names_layer_and_shapes():
    dense = Dense(3)
    dense(keras.Input(shape=(4,)))
    with pytest.raises(ValueError) as info:
        dense(keras.Input(shape=(5,)))
    assert str(info.value) == ("Input 0 is incompatible with layer dense_1: expected axis -1 "
                               "of input shape to have value 4 but got shape (None, 5)")


def test_layer_called_on_the_wrong_rank():
    with pytest.raises(ValueError, match=r"Input 0 is incompatible with layer lstm_1: "
                                         r"expected ndim=3, found ndim=2"):
        LSTM(2)(keras.Input(shape=(4,)))


def test_sequential_add_of_an_incompatible_layer():
    model = Sequential([Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="layer lstm_1: expected ndim=3, found ndim=2"):
        model.add(LSTM(2))
    assert len(model.layers) == 1
    assert model.output_shape == (None, 3)


def test_sequential_layers_need_a_single_output():
    x = keras.Input(shape=(4,))
    two_heads = Model(x, [Dense(1)(x), Dense(2)(x)], name="two_heads")
    model = Sequential([Dense(4, input_shape=(3,))])
    with pytest.raises(ValueError, match="should have a single output tensor. Layer two_heads "
                                         "has 2 outputs"):
        model.add(two_heads)
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")


def test_layer_called_on_a_numpy_array():
    with pytest.raises(ValueError, match="Layer dense_1 was called with an input that isn't a "
                                         "symbolic tensor"):
        Dense(2)(np.zeros((2, 3)))


def test_model_inputs_must_come_from_input():
    x = keras.Input(shape=(3,))
    hidden = Dense(2)(x)
    with pytest.raises(ValueError, match="must come from `Input`.*dense_1"):
        Model(hidden, Dense(1)(hidden))
    with pytest.raises(ValueError, match="must be tensors returned by a Keras layer"):
        Model(x, np.zeros(3))


def test_graph_disconnected():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    out = keras.layers.add([Dense(2)(a), Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected: cannot obtain value for tensor "
                                         ".* at layer 'b'"):
        Model(a, out)


def test_model_needs_outputs():
    with pytest.raises(ValueError, match="Model needs `inputs` and `outputs`"):
        Model(keras.Input(shape=(3,)))


def test_set_weights_with_the_wrong_count_or_shape():
    model = compiled()
    with pytest.raises(ValueError, match="expects 2 weight arrays. Received: 1"):
        model.set_weights([zeros(4, 2)])
    with pytest.raises(ValueError, match=r"Layer weight shape \(4, 2\) not compatible with "
                                         r"provided weight shape \(2, 4\)"):
        model.set_weights([zeros(2, 4), zeros(2)])


# --- compile ------------------------------------------------------------------------------

def test_fit_before_compile():
    model = Sequential([Dense(2, input_shape=(4,))])
    for call in (lambda: model.fit(zeros(4, 4), zeros(4, 2), verbose=0),
                 lambda: model.evaluate(zeros(4, 4), zeros(4, 2), verbose=0),
                 lambda: model.train_on_batch(zeros(4, 4), zeros(4, 2)),
                 lambda: model.fit_generator(iter([(zeros(4, 4), zeros(4, 2))]),
                                             steps_per_epoch=1, verbose=0)):
        with pytest.raises(RuntimeError, match="You must compile your model before"):
            call()
    assert model.predict(zeros(3, 4)).shape == (3, 2)  # predicting needs no compile


@pytest.mark.parametrize("kwargs, message", [
    ({"optimizer": "adamm"}, "Unknown optimizer: 'adamm'. Did you mean: adam"),
    ({"loss": "mean_squard_error"},
     "Unknown loss function: 'mean_squard_error'. Did you mean: mean_squared_error"),
    ({"metrics": ["mean_absolut_error"]},
     "Unknown metric function: 'mean_absolut_error'. Did you mean: mean_absolute_error"),
])
def test_unknown_names_suggest_close_matches(kwargs, message):
    model = Sequential([Dense(2, input_shape=(4,))])
    arguments = {"optimizer": "sgd", "loss": "mse", **kwargs}
    with pytest.raises(ValueError, match=message):
        model.compile(**arguments)


def test_per_output_arguments_must_match_the_outputs():
    model = two_inputs_two_outputs()
    with pytest.raises(ValueError, match=r"Unknown entries in loss dictionary: \['out3'\]. "
                                         r"Only expected the following keys: \['out1', 'out2'\]"):
        model.compile("sgd", {"out1": "mse", "out2": "mse", "out3": "mse"})
    with pytest.raises(ValueError, match="When passing a list as loss, it should have one "
                                         "entry per model output. The model has 2 output"):
        model.compile("sgd", ["mse"])
    with pytest.raises(ValueError, match=r"Unknown entries in loss_weights dictionary: "
                                         r"\['out9'\]"):
        model.compile("sgd", "mse", loss_weights={"out9": 1.})
    with pytest.raises(ValueError, match="sample_weight_mode must be None or 'temporal'"):
        model.compile("sgd", "mse", sample_weight_mode="spatial")


def test_compile_rejects_unknown_keywords():
    model = Sequential([Dense(2, input_shape=(4,))])
    with pytest.raises(TypeError, match=r"Invalid keyword argument\(s\) to compile: "
                                        r"\['metric'\]"):
        model.compile("sgd", "mse", metric=["mae"])


# --- data ---------------------------------------------------------------------------------

def test_wrong_number_of_input_arrays():
    model = two_inputs_two_outputs()
    y = [zeros(4, 1), zeros(4, 2)]
    with pytest.raises(ValueError, match=r"Expected to see 2 array\(s\), but instead got the "
                                         r"following list of 1 arrays: \[\(4, 4\)\]"):
        model.fit([zeros(4, 4)], y, verbose=0)
    with pytest.raises(ValueError, match=r"the model expects 2 arrays \(\['a', 'b'\]\), but "
                                         r"received a single array of shape \(4, 4\)"):
        model.fit(zeros(4, 4), y, verbose=0)
    with pytest.raises(ValueError, match=r"Error when checking model target: .*Expected to see "
                                         r"2 array\(s\)"):
        model.fit([zeros(4, 4), zeros(4, 3)], [zeros(4, 1)], verbose=0)
    with pytest.raises(ValueError, match="Expected to see 1 array"):
        compiled().predict([zeros(2, 4), zeros(2, 4)])


def test_arrays_with_different_sample_counts():
    model = two_inputs_two_outputs()
    with pytest.raises(ValueError, match=r"All input arrays \(x\) should have the same number "
                                         r"of samples. Got array shapes: \[\(4, 4\), \(3, 3\)\]"):
        model.fit([zeros(4, 4), zeros(3, 3)], [zeros(4, 1), zeros(4, 2)], verbose=0)
    with pytest.raises(ValueError, match="Input arrays should have the same number of samples "
                                         "as target arrays. Found 4 input samples and 5 target "
                                         "samples"):
        model.fit([zeros(4, 4), zeros(4, 3)], [zeros(5, 1), zeros(5, 2)], verbose=0)
    with pytest.raises(ValueError, match=r"Found a sample_weight with shape \(3,\). Expected a "
                                         r"shape compatible with the targets' \(4, 2\)"):
        compiled().fit(zeros(4, 4), zeros(4, 2), sample_weight=np.ones(3), verbose=0)


def test_dict_keys_that_match_no_name():
    model = two_inputs_two_outputs()
    y = {"out1": zeros(4, 1), "out2": zeros(4, 2)}
    with pytest.raises(ValueError, match=r"Error when checking model input: no data provided "
                                         r"for names \['c'\] that match no model input name. "
                                         r"Expected names: \['a', 'b'\]"):
        model.fit({"a": zeros(4, 4), "b": zeros(4, 3), "c": zeros(4, 1)}, y, verbose=0)
    with pytest.raises(ValueError, match=r"no data provided for \['b'\]. Need data for each "
                                         r"key in: \['a', 'b'\]"):
        model.fit({"a": zeros(4, 4)}, y, verbose=0)
    with pytest.raises(ValueError, match=r"Error when checking model target: no data provided "
                                         r"for names \['out_1'\] that match no model target"):
        model.fit({"a": zeros(4, 4), "b": zeros(4, 3)},
                  {"out_1": zeros(4, 1), "out2": zeros(4, 2)}, verbose=0)


def test_arrays_of_the_wrong_shape():
    model = compiled()
    with pytest.raises(ValueError, match=r"Error when checking input: expected dense_1_input "
                                         r"to have shape \(None, 4\) but got array with shape "
                                         r"\(3, 5\)"):
        model.predict(zeros(3, 5))
    with pytest.raises(ValueError, match=r"expected dense_1 to have shape \(None, 2\) but got "
                                         r"array with shape \(3, 3\)"):
        model.fit(zeros(3, 4), zeros(3, 3), verbose=0)
    with pytest.raises(ValueError, match=r"expected dense_1_input to have 2 dimensions, but got "
                                         r"array with shape \(3, 4, 1\)"):
        model.predict(zeros(3, 4, 1))


def test_integer_targets_with_categorical_crossentropy():
    model = Sequential([Dense(3, input_shape=(4,), activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="expects targets to be binary matrices.*"
                                         "to_categorical"):
        model.fit(zeros(4, 4), np.array([0, 1, 2, 1]), verbose=0)


def test_sample_weight_rank_must_match_the_mode():
    model = compiled()
    with pytest.raises(ValueError, match="compile with sample_weight_mode='temporal'"):
        model.fit(zeros(4, 4), zeros(4, 2), sample_weight=np.ones((4, 2)), verbose=0)
    x = keras.Input(shape=(3, 4))
    temporal = Model(x, Dense(2)(x))
    temporal.compile("sgd", "mse", sample_weight_mode="temporal")
    with pytest.raises(ValueError, match="you should pass a 2D sample_weight array"):
        temporal.fit(zeros(4, 3, 4), zeros(4, 3, 2), sample_weight=np.ones(4), verbose=0)


def test_class_weight_must_cover_the_classes():
    model = Sequential([Dense(3, input_shape=(4,), activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    with pytest.raises(ValueError, match=r"The classes \[2\] exist in the data but not in "
                                         r"class_weight"):
        model.fit(zeros(4, 4), y, class_weight={0: 1., 1: 1.}, verbose=0)


def test_validation_data_of_the_wrong_length():
    model = compiled()
    with pytest.raises(ValueError, match="it must contain 2 .* or 3 .* items. Received 1 items"):
        model.fit(zeros(4, 4), zeros(4, 2), validation_data=(zeros(2, 4),), verbose=0)


# --- generators given to the array methods ------------------------------------------------

def batches():
    while True:
        yield zeros(2, 4), zeros(2, 2)


class Batches(Sequence):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return zeros(2, 4), zeros(2, 2)


def test_fit_with_a_generator_points_to_fit_generator():
    model = compiled()
    with pytest.raises(ValueError, match=r"fit\(\) takes arrays; to train from a generator or a "
                                         r"Sequence use fit_generator\(\)"):
        model.fit(batches(), verbose=0)
    with pytest.raises(ValueError, match="use fit_generator"):
        model.fit(Batches(), verbose=0)


def test_validation_split_with_a_generator():
    model = compiled()
    with pytest.raises(ValueError, match="validation_split is not supported with generators "
                                         "either: pass validation_data"):
        model.fit(batches(), validation_split=0.2, verbose=0)
    with pytest.raises(TypeError, match="validation_split"):
        model.fit_generator(batches(), steps_per_epoch=1, validation_split=0.2, verbose=0)
