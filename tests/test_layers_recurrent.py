"""RNN / LSTM against an LSTM unrolled in NumPy with the Keras 2 gate order (i, f, c, o).

Covers masking (Embedding mask_zero), return_sequences / return_state,
go_backwards, initial_state (Keras and non-Keras tensors), stateful layers
and reset_states, dropout, configs and the Keras 1 argument names.
"""
import json
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import LSTM, RNN, Dense, Embedding, LSTMCell

ATOL = 1e-5
rng = np.random.default_rng(2)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(inputs, outputs, values, training=None):
    inputs, values = list(inputs), list(values)
    if training is not None:
        inputs, values = inputs + [K.learning_phase()], values + [training]
    return K.function(inputs, list(outputs))(values)


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0., 1.)


def numpy_lstm(x, weights, h0=None, c0=None, mask=None, go_backwards=False):
    """Keras 2 LSTM in float64: returns (outputs over iterations, h, c)."""
    kernel, recurrent, bias = [np.asarray(w, np.float64) for w in weights]
    units = recurrent.shape[0]
    batch, steps = x.shape[:2]
    h = np.zeros((batch, units)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((batch, units)) if c0 is None else np.asarray(c0, np.float64)
    previous, outputs = np.zeros((batch, units)), []
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f = hard_sigmoid(z[:, :units]), hard_sigmoid(z[:, units:2 * units])
        g, o = np.tanh(z[:, 2 * units:3 * units]), hard_sigmoid(z[:, 3 * units:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is not None:
            keep = mask[:, t][:, None]
            h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
            out = np.where(keep, h_new, previous)
        else:
            out = h_new
        h, c, previous = h_new, c_new, out
        outputs.append(out)
    return np.stack(outputs, axis=1), h, c


def _randomize(layer):
    layer.set_weights([_f32(*w.shape) * 0.5 for w in layer.get_weights()])
    return layer.get_weights()


def test_weight_layout_is_keras2():
    layer = LSTM(3)
    layer(Input(shape=(5, 4)))
    kernel, recurrent, bias = layer.get_weights()
    assert (kernel.shape, recurrent.shape, bias.shape) == ((4, 12), (3, 12), (12,))
    np.testing.assert_array_equal(bias, [0.] * 3 + [1.] * 3 + [0.] * 6)
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)
    assert layer.count_params() == 4 * 12 + 3 * 12 + 12
    assert [w.name.split("/")[-1] for w in layer.weights] == \
        ["kernel", "recurrent_kernel", "bias"]


@pytest.mark.parametrize("implementation", [1, 2])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_matches_numpy(implementation, go_backwards):
    x = Input(shape=(6, 4))
    layer = LSTM(5, return_sequences=True, return_state=True, go_backwards=go_backwards,
                 implementation=implementation)
    seq, h, c = layer(x)
    last = LSTM(5, go_backwards=go_backwards)
    y = last(x)
    weights = _randomize(layer)
    last.set_weights(weights)
    data = _f32(3, 6, 4)
    out_seq, out_h, out_c, out_last = _run([x], [seq, h, c, y], [data])
    ref_seq, ref_h, ref_c = numpy_lstm(data, weights, go_backwards=go_backwards)
    np.testing.assert_allclose(out_seq, ref_seq, atol=ATOL)
    np.testing.assert_allclose(out_h, ref_h, atol=ATOL)
    np.testing.assert_allclose(out_c, ref_c, atol=ATOL)
    np.testing.assert_allclose(out_last, ref_seq[:, -1], atol=ATOL)
    assert seq._keras_shape == (None, 6, 5) and h._keras_shape == c._keras_shape == (None, 5)
    assert y._keras_shape == (None, 5) and out_seq.shape == (3, 6, 5)


def test_lstm_without_bias_and_rnn_cell_equivalence():
    x = Input(shape=(4, 3))
    no_bias = LSTM(2, use_bias=False)
    y = no_bias(x)
    assert len(no_bias.weights) == 2
    kernel, recurrent = _randomize(no_bias)
    rnn = RNN(LSTMCell(2, use_bias=False))
    z = rnn(x)
    rnn.set_weights([kernel, recurrent])
    data = _f32(2, 4, 3)
    out_y, out_z = _run([x], [y, z], [data])
    ref, _, _ = numpy_lstm(data, [kernel, recurrent, np.zeros(8)])
    np.testing.assert_allclose(out_y, ref[:, -1], atol=ATOL)
    np.testing.assert_allclose(out_z, out_y, atol=ATOL)


def test_mask_from_embedding_skips_padding():
    ids = Input(shape=(5,))
    emb = Embedding(7, 3, mask_zero=True)
    lstm = LSTM(4, return_sequences=True)
    seq = lstm(emb(ids))
    last = LSTM(4)
    y = last(emb(ids))
    assert seq._keras_mask is not None and y._keras_mask is None
    weights = _randomize(lstm)
    last.set_weights(weights)
    data = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 5, 6], [1, 0, 2, 0, 3]], np.float32)
    out_seq, out_y, out_mask = _run([ids], [seq, y, seq._keras_mask], [data])
    vectors = emb.get_weights()[0][data.astype(int)]
    ref, ref_h, _ = numpy_lstm(vectors, weights, mask=data != 0)
    np.testing.assert_allclose(out_seq, ref, atol=ATOL)
    np.testing.assert_allclose(out_y, ref_h, atol=ATOL)
    np.testing.assert_array_equal(out_mask, data != 0)
    np.testing.assert_allclose(out_y[0], ref[0, 2], atol=ATOL)  # padding after the end


def test_initial_state_keras_tensors_are_node_inputs():
    x, h0, c0 = Input(shape=(3, 2)), Input(shape=(4,)), Input(shape=(4,))
    layer = LSTM(4, return_sequences=True)
    y = layer(x, initial_state=[h0, c0])
    node = layer._inbound_nodes[-1]
    assert node.input_tensors == [x, h0, c0]
    weights = _randomize(layer)
    model = Model([x, h0, c0], y)
    data, dh, dc = _f32(2, 3, 2), _f32(2, 4), _f32(2, 4)
    ref, _, _ = numpy_lstm(data, weights, dh, dc)
    np.testing.assert_allclose(model.predict([data, dh, dc]), ref, atol=ATOL)
    clone = Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([data, dh, dc]), ref, atol=ATOL)
    with pytest.raises(ValueError, match=r"not compatible.*\[4, 4\].*\[3, 3\]"):
        LSTM(4)(x, initial_state=[Input(shape=(3,)), Input(shape=(3,))])


def test_initial_state_from_another_layer_and_non_keras_tensors():
    x = Input(shape=(3, 2))
    encoder = LSTM(4, return_state=True)
    _, h, c = encoder(x)
    decoder = LSTM(4)
    y = decoder(x, initial_state=[h, c])
    enc_w, dec_w = _randomize(encoder), _randomize(decoder)
    data = _f32(2, 3, 2)
    _, ref_h, ref_c = numpy_lstm(data, enc_w)
    ref, _, _ = numpy_lstm(data, dec_w, ref_h, ref_c)
    np.testing.assert_allclose(Model(x, y).predict(data), ref[:, -1], atol=ATOL)
    h_value, c_value = _f32(2, 4), _f32(2, 4)
    fixed = LSTM(4)
    z = fixed(x, initial_state=[K.constant(h_value), K.constant(c_value)])
    weights = _randomize(fixed)
    ref, _, _ = numpy_lstm(data, weights, h_value, c_value)
    np.testing.assert_allclose(_run([x], [z], [data])[0], ref[:, -1], atol=ATOL)
    with pytest.raises(ValueError, match="mix of Keras tensors"):
        LSTM(4)(x, initial_state=[h, K.constant(c_value)])


def test_stateful_carries_states_across_batches_and_resets():
    layer = LSTM(3, stateful=True, return_sequences=True, batch_input_shape=(2, 4, 2))
    model = Sequential([layer])
    weights = _randomize(layer)
    first, second = _f32(2, 4, 2), _f32(2, 4, 2)
    out1, out2 = model.predict(first, batch_size=2), model.predict(second, batch_size=2)
    ref, h, c = numpy_lstm(np.concatenate([first, second], axis=1), weights)
    np.testing.assert_allclose(np.concatenate([out1, out2], axis=1), ref, atol=ATOL)
    np.testing.assert_allclose(K.get_value(layer.states[0]), h, atol=ATOL)
    np.testing.assert_allclose(K.get_value(layer.states[1]), c, atol=ATOL)
    model.reset_states()
    np.testing.assert_array_equal(K.get_value(layer.states[0]), np.zeros((2, 3)))
    np.testing.assert_allclose(model.predict(first, batch_size=2), ref[:, :4], atol=ATOL)
    h0, c0 = _f32(2, 3), _f32(2, 3)
    layer.reset_states([h0, c0])
    ref, _, _ = numpy_lstm(second, weights, h0, c0)
    np.testing.assert_allclose(model.predict(second, batch_size=2), ref, atol=ATOL)


def test_stateful_training_updates_states():
    model = Sequential([LSTM(3, stateful=True, batch_input_shape=(2, 4, 2)), Dense(1)])
    model.compile("sgd", "mse")
    model.train_on_batch(_f32(2, 4, 2), _f32(2, 1))
    assert np.abs(K.get_value(model.layers[0].states[0])).sum() > 0.


def test_stateful_errors():
    with pytest.raises(ValueError, match=r"lstm_nobatch.*batch size.*batch_shape"):
        LSTM(3, stateful=True, name="lstm_nobatch")(Input(shape=(4, 2)))
    layer = LSTM(3, stateful=True)
    layer(Input(batch_shape=(2, 4, 2)))
    with pytest.raises(ValueError, match=r"expected shape=\(2, 3\), found shape=\(3, 3\)"):
        layer.reset_states([np.zeros((3, 3)), np.zeros((3, 3))])
    with pytest.raises(ValueError, match="expects 2 state"):
        layer.reset_states(np.zeros((2, 3)))
    with pytest.raises(AttributeError, match="stateful"):
        LSTM(3).reset_states()


def test_dropout_masks_drawn_once_per_batch():
    units = 6
    layer = LSTM(units, dropout=0.5, return_sequences=True)
    x = Input(shape=(5, units))
    y = layer(x)
    kernel = np.zeros((units, 4 * units), np.float32)
    kernel[:, 2 * units:3 * units] = np.eye(units)
    bias = np.zeros(4 * units, np.float32)
    bias[:units], bias[units:2 * units], bias[3 * units:] = 10., -10., 10.  # i=1, f=0, o=1
    layer.set_weights([kernel, np.zeros((units, 4 * units), np.float32), bias])
    step = np.abs(_f32(8, 1, units)) + 0.5
    data = np.repeat(step, 5, axis=1)
    (test_out,) = _run([x], [y], [data], training=0)
    np.testing.assert_allclose(test_out, np.tanh(np.tanh(data)), atol=ATOL)
    (train_a,) = _run([x], [y], [data], training=1)
    (train_b,) = _run([x], [y], [data], training=1)
    np.testing.assert_allclose(train_a, np.broadcast_to(train_a[:, :1], train_a.shape), atol=ATOL)
    kept = train_a != 0.
    assert 0.2 < kept.mean() < 0.8
    np.testing.assert_allclose(train_a[kept], np.tanh(np.tanh(2. * data[kept])), atol=ATOL)
    assert (kept != (train_b != 0.)).any()


def test_recurrent_dropout_inactive_at_test_time():
    x = Input(shape=(4, 3))
    layer = LSTM(3, dropout=0.3, recurrent_dropout=0.3)
    y = layer(x)
    weights = _randomize(layer)
    data = _f32(2, 4, 3)
    ref, _, _ = numpy_lstm(data, weights)
    np.testing.assert_allclose(Model(x, y).predict(data), ref[:, -1], atol=ATOL)
    (train,) = _run([x], [y], [data], training=1)
    assert not np.allclose(train, ref[:, -1])


def test_lstm_trains_with_mask():
    model = Sequential([Embedding(10, 4, mask_zero=True, input_length=6), LSTM(5), Dense(1)])
    model.compile("adam", "mse")
    data = rng.integers(0, 10, (32, 6)).astype(np.float32)
    target = (data > 4).mean(axis=1, keepdims=True).astype(np.float32)
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(data, target, verbose=0) < before


def test_cell_regularizer_losses_reach_model():
    x = Input(shape=(3, 2))
    model = Model(x, LSTM(2, kernel_regularizer="l2", recurrent_regularizer="l1")(x))
    assert len(model.losses) == 2


class CumulativeSum:
    """A minimal cell that is not a Layer: output = state = running sum of inputs."""
    state_size = 3

    def call(self, inputs, states):
        total = states[0] + inputs
        return total, [total]

    def get_config(self):
        return {}


def test_rnn_with_plain_cell_and_config():
    x = Input(shape=(4, 3))
    y = RNN(CumulativeSum(), return_sequences=True)(x)
    data = _f32(2, 4, 3)
    np.testing.assert_allclose(_run([x], [y], [data])[0], np.cumsum(data, axis=1), atol=ATOL)
    layer = RNN(LSTMCell(3, recurrent_activation="sigmoid"), return_sequences=True)
    layer(x)
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert isinstance(clone.cell, LSTMCell) and clone.return_sequences
    assert clone.cell.get_config()["recurrent_activation"] == "sigmoid"
    with pytest.raises(ValueError, match="call"):
        RNN(object())
    with pytest.raises(ValueError, match="state_size"):
        RNN(type("NoStateSize", (), {"call": lambda self, x, s: (x, s)})())
    with pytest.raises(ValueError, match="stacked cells"):
        RNN([LSTMCell(2), LSTMCell(2)])


KERAS2_LSTM_CONFIG_KEYS = {
    "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards",
    "stateful", "unroll", "units", "activation", "recurrent_activation", "use_bias",
    "kernel_initializer", "recurrent_initializer", "bias_initializer", "unit_forget_bias",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "implementation"}


def test_lstm_config_roundtrip_like_keras2():
    layer = LSTM(4, return_sequences=True, go_backwards=True, dropout=0.1,
                 recurrent_activation="sigmoid", kernel_constraint="max_norm")
    x = Input(shape=(3, 2))
    y = layer(x)
    config = layer.get_config()
    assert set(config) == KERAS2_LSTM_CONFIG_KEYS
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert clone.get_config() == config
    assert (clone.units, clone.dropout, clone.go_backwards) == (4, 0.1, True)
    z = clone(x)
    clone.set_weights(layer.get_weights())
    data = _f32(2, 3, 2)
    a, b = _run([x], [y, z], [data])
    np.testing.assert_allclose(a, b, atol=ATOL)
    batch_config = LSTM(2, batch_input_shape=(4, 3, 2)).get_config()
    assert batch_config["batch_input_shape"] == (4, 3, 2)


def test_keras1_arguments():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = LSTM(output_dim=4, inner_activation="sigmoid", consume_less="gpu",
                     dropout_W=0.2, input_dim=3, input_length=5, forget_bias_init="one")
    assert {str(w.message).split("`")[1] for w in caught
            if w.category is DeprecationWarning} >= {"output_dim", "inner_activation",
                                                     "consume_less", "dropout_W"}
    assert (layer.units, layer.implementation, layer.dropout) == (4, 2, 0.2)
    assert layer.recurrent_activation.__name__ == "sigmoid"
    assert layer.batch_input_shape == (None, 5, 3)


def test_input_rank_error_names_layer():
    with pytest.raises(ValueError, match=r"lstm_rank.*ndim=3.*ndim=2"):
        LSTM(2, name="lstm_rank")(Input(shape=(4,)))


def test_weights_interchangeable_with_keras2_reference():
    tf_keras = pytest.importorskip("tf_keras")
    data = _f32(2, 5, 3)
    reference = tf_keras.layers.LSTM(4, recurrent_activation="hard_sigmoid",
                                     return_sequences=True)
    expected = np.asarray(reference(data))
    x = Input(shape=(5, 3))
    layer = LSTM(4, return_sequences=True)
    y = layer(x)
    layer.set_weights(reference.get_weights())
    np.testing.assert_allclose(_run([x], [y], [data])[0], expected, atol=1e-5)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in reference.get_weights()]
