"""RNN, SimpleRNN, GRU, LSTM and StackedRNNCells against step-by-step NumPy references.

The references are written here in float64 with the Keras 2 gate orders
(LSTM i, f, c, o; GRU z, r, h). Covers masking (Embedding mask_zero),
return_sequences / return_state, go_backwards, unroll, initial_state (Keras
and non-Keras tensors), constants, custom cells, stateful layers and
reset_states, dropout, configs, the Keras 1 argument names and, where
tf_keras is installed, identical outputs from identical weights.
"""
import json
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import (GRU, LSTM, RNN, Dense, Embedding, GRUCell, Layer, LSTMCell, SimpleRNN,
                              SimpleRNNCell, StackedRNNCells)

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


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def numpy_lstm(x, weights, h0=None, c0=None, mask=None, go_backwards=False, gate=hard_sigmoid):
    """Keras 2 LSTM in float64 (``gate``: the recurrent activation, applied per gate):
    returns (outputs over iterations, h, c)."""
    kernel, recurrent, bias = [np.asarray(w, np.float64) for w in weights]
    units = recurrent.shape[0]
    batch, steps = x.shape[:2]
    h = np.zeros((batch, units)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((batch, units)) if c0 is None else np.asarray(c0, np.float64)
    previous, outputs = np.zeros((batch, units)), []
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f = gate(z[:, :units]), gate(z[:, units:2 * units])
        g, o = np.tanh(z[:, 2 * units:3 * units]), gate(z[:, 3 * units:])
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
    assert isinstance(RNN([LSTMCell(2), LSTMCell(2)]).cell, layers.StackedRNNCells)


def test_keras2_import_paths_of_the_recurrent_module():
    # Keras 2 kept the cells and StackedRNNCells in keras.layers.recurrent; code importing
    # them from there gets the classes of polykeras.layers.recurrent_cells.
    from polykeras import plugins
    from polykeras.layers import recurrent, recurrent_cells
    for name in recurrent.__all__:
        assert getattr(recurrent, name) is getattr(layers, name)
        assert plugins.manager.registry("layers")[name] is getattr(layers, name)
    for name in recurrent_cells.__all__:
        assert getattr(recurrent_cells, name) is getattr(recurrent, name)
    stacked = StackedRNNCells([LSTMCell(2), GRUCell(3)])
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(stacked))))
    assert type(clone) is StackedRNNCells
    assert [type(cell) for cell in clone.cells] == [LSTMCell, GRUCell]


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


# --- SimpleRNN, GRU ----------------------------------------------------------------------------

def numpy_simple_rnn(x, weights, h0=None, go_backwards=False):
    kernel, recurrent, bias = [np.asarray(w, np.float64) for w in weights]
    h = np.zeros((x.shape[0], recurrent.shape[0])) if h0 is None else np.asarray(h0, np.float64)
    outputs = []
    for t in (range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def numpy_gru(x, weights, reset_after, h0=None, gate=hard_sigmoid):
    kernel, recurrent, bias = [np.asarray(w, np.float64) for w in weights]
    units = recurrent.shape[0]
    in_bias, rec_bias = (bias[0], bias[1]) if reset_after else (bias, np.zeros(3 * units))
    h = np.zeros((x.shape[0], units)) if h0 is None else np.asarray(h0, np.float64)
    outputs = []
    for t in range(x.shape[1]):
        xz = x[:, t] @ kernel + in_bias
        hz = h @ recurrent[:, :2 * units] + rec_bias[:2 * units]
        z = gate(xz[:, :units] + hz[:, :units])
        r = gate(xz[:, units:2 * units] + hz[:, units:])
        if reset_after:
            candidate = r * (h @ recurrent[:, 2 * units:] + rec_bias[2 * units:])
        else:
            candidate = (r * h) @ recurrent[:, 2 * units:]
        hh = np.tanh(xz[:, 2 * units:] + candidate)
        h = z * h + (1. - z) * hh
        outputs.append(h)
    return np.stack(outputs, axis=1), h


@pytest.mark.parametrize("go_backwards", [False, True])
def test_simple_rnn_matches_numpy(go_backwards):
    x, h0 = Input(shape=(5, 3)), Input(shape=(4,))
    layer = SimpleRNN(4, return_sequences=True, return_state=True, go_backwards=go_backwards)
    seq, h = layer(x, initial_state=h0)
    weights = _randomize(layer)
    assert [w.shape for w in weights] == [(3, 4), (4, 4), (4,)]
    data, h_value = _f32(2, 5, 3), _f32(2, 4)
    out_seq, out_h = _run([x, h0], [seq, h], [data, h_value])
    ref_seq, ref_h = numpy_simple_rnn(data, weights, h_value, go_backwards)
    np.testing.assert_allclose(out_seq, ref_seq, atol=ATOL)
    np.testing.assert_allclose(out_h, ref_h, atol=ATOL)


@pytest.mark.parametrize("reset_after,implementation", [(False, 1), (True, 2)])
def test_gru_matches_numpy(reset_after, implementation):
    x = Input(shape=(4, 3))
    layer = GRU(5, reset_after=reset_after, implementation=implementation,
                return_sequences=True)
    y = layer(x)
    weights = _randomize(layer)
    assert weights[2].shape == ((2, 15) if reset_after else (15,))
    assert [w.shape for w in weights[:2]] == [(3, 15), (5, 15)]
    data = _f32(3, 4, 3)
    ref, _ = numpy_gru(data, weights, reset_after)
    np.testing.assert_allclose(_run([x], [y], [data])[0], ref, atol=ATOL)


@pytest.mark.parametrize("name,gate", [("softmax", softmax),
                                       ("sigmoid", lambda x: 1 / (1 + np.exp(-x)))])
def test_recurrent_activation_applies_to_each_gate_alone(name, gate):
    # Elementwise activations run once over all the gates; softmax must still see one gate.
    x = Input(shape=(4, 3))
    lstm = LSTM(5, recurrent_activation=name, return_sequences=True)
    gru = GRU(5, recurrent_activation=name, return_sequences=True)
    y_lstm, y_gru = lstm(x), gru(x)
    lstm_weights, gru_weights = _randomize(lstm), _randomize(gru)
    data = _f32(3, 4, 3)
    out_lstm, out_gru = _run([x], [y_lstm, y_gru], [data])
    np.testing.assert_allclose(out_lstm, numpy_lstm(data, lstm_weights, gate=gate)[0],
                               atol=ATOL)
    np.testing.assert_allclose(out_gru, numpy_gru(data, gru_weights, False, gate=gate)[0],
                               atol=ATOL)


def test_hoisted_input_projection_gives_the_per_step_values():
    # A cell that hoists_projection (ConvLSTM2D's) has its input half computed for the whole
    # sequence before the loop; the dense cells project each step inside it.
    x = Input(shape=(5, 3))
    hoisting_cell = LSTMCell(4, dropout=0.3)
    hoisting_cell.hoists_projection = True
    per_step = RNN(LSTMCell(4, dropout=0.3), return_sequences=True, go_backwards=True)
    hoisted = RNN(hoisting_cell, return_sequences=True, go_backwards=True)
    a, b = per_step(x), hoisted(x)
    hoisted.set_weights(_randomize(per_step))
    out_a, out_b = _run([x], [a, b], [_f32(2, 5, 3)], training=0)
    np.testing.assert_allclose(out_b, out_a, atol=ATOL)


def test_unroll_gives_the_loop_values():
    x = Input(shape=(3, 2))
    looped, unrolled = GRU(3, return_sequences=True), GRU(3, return_sequences=True, unroll=True)
    a, b = looped(x), unrolled(x)
    unrolled.set_weights(_randomize(looped))
    data = _f32(2, 3, 2)
    out_a, out_b = _run([x], [a, b], [data])
    np.testing.assert_allclose(out_b, out_a, atol=ATOL)
    with pytest.raises(ValueError, match=r"rnn_unroll.*unroll"):
        SimpleRNN(2, unroll=True, name="rnn_unroll")(Input(shape=(None, 2)))


def test_dropout_per_gate_masks_shared_over_time_gru():
    x = Input(shape=(6, 4))
    layer = GRU(3, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    y = layer(x)
    weights = _randomize(layer)
    data = _f32(4, 6, 4)
    ref, _ = numpy_gru(data, weights, False)
    (test_out,) = _run([x], [y], [data], training=0)
    np.testing.assert_allclose(test_out, ref, atol=ATOL)
    (train_out,) = _run([x], [y], [data], training=1)
    assert train_out.shape == ref.shape and not np.allclose(train_out, ref)


# --- stacked cells and custom cells ------------------------------------------------------------

def test_stacked_cells_match_stacked_layers_and_keras2_state_order():
    x = Input(shape=(4, 3))
    stacked = RNN([LSTMCell(4), SimpleRNNCell(2)], return_state=True)
    y, *states = stacked(x)
    assert stacked.cell.state_size == (2, 4, 4)
    assert [s._keras_shape for s in states] == [(None, 2), (None, 4), (None, 4)]
    weights = stacked.get_weights()
    assert [w.shape for w in weights] == [(3, 16), (4, 16), (16,), (4, 2), (2, 2), (2,)]
    weights = _randomize(stacked)
    data = _f32(2, 4, 3)
    lstm_seq, h1, c1 = numpy_lstm(data, weights[:3])
    rnn_seq, h2 = numpy_simple_rnn(lstm_seq, weights[3:])
    out_y, out_h2, out_h1, out_c1 = _run([x], [y] + states, [data])
    np.testing.assert_allclose(out_y, rnn_seq[:, -1], atol=ATOL)
    for out, ref in [(out_h2, h2), (out_h1, h1), (out_c1, c1)]:
        np.testing.assert_allclose(out, ref, atol=ATOL)
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(stacked))))
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "SimpleRNNCell"]
    with pytest.raises(ValueError, match="at least one cell"):
        StackedRNNCells([])


class MinimalRNNCell(Layer):
    """The Keras 2 documentation's custom cell, with a state of two tensors and a constant."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]

    def build(self, input_shape):
        step_shape, _ = input_shape
        self.kernel = self.add_weight("kernel", (step_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units))
        self.built = True

    def call(self, inputs, states, constants=None):
        h = K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel) + constants[0]
        return h, [h, states[1] + K.tile(inputs[:, :1], [1, self.units])]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_layer_cell_with_list_state_size_and_constants():
    x, const = Input(shape=(3, 2)), Input(shape=(4,))
    layer = RNN(MinimalRNNCell(4), return_state=True)
    y, h, acc = layer(x, constants=const)
    assert layer._inbound_nodes[-1].input_tensors == [x, const]
    kernel, recurrent = layer.get_weights()
    model = Model([x, const], [y, h, acc])
    data, c_value = _f32(2, 3, 2), _f32(2, 4)
    ref = np.zeros((2, 4))
    for t in range(3):
        ref = data[:, t] @ kernel + ref @ recurrent + c_value
    out_y, _, out_acc = model.predict([data, c_value])
    np.testing.assert_allclose(out_y, ref, atol=ATOL)
    np.testing.assert_allclose(out_acc, np.repeat(data[:, :, :1].sum(1), 4, axis=1), atol=ATOL)
    config = json.loads(json.dumps(model.get_config()))
    clone = Model.from_config(config, custom_objects={"MinimalRNNCell": MinimalRNNCell})
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([data, c_value])[0], out_y, atol=ATOL)
    with pytest.raises(ValueError, match="does not support constants"):
        LSTM(2)(x, constants=const)


# --- stateful stacked LSTM (the Keras 2 guide example) -----------------------------------------

def test_stateful_stacked_lstm_example():
    batch, steps, dim = 4, 3, 2
    model = Sequential([
        LSTM(4, return_sequences=True, stateful=True, batch_input_shape=(batch, steps, dim)),
        LSTM(4, return_sequences=True, stateful=True),
        LSTM(3, stateful=True),
        Dense(2, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    x = _f32(batch * 2, steps, dim)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, batch * 2)]
    model.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0)
    first = model.layers[0]
    assert np.abs(K.get_value(first.states[0])).sum() > 0.
    model.reset_states()
    fresh = model.predict(x[:batch], batch_size=batch)
    again = model.predict(x[:batch], batch_size=batch)  # states carried over
    model.reset_states()
    np.testing.assert_allclose(model.predict(x[:batch], batch_size=batch), fresh, atol=ATOL)
    assert not np.allclose(again, fresh)


# --- Keras 1 names, configs and errors ---------------------------------------------------------

def test_keras1_arguments_gru_simple_rnn():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gru = GRU(output_dim=3, dropout_U=0.1, consume_less="mem", W_regularizer="l2")
    assert {str(w.message).split("`")[1] for w in caught} == {
        "output_dim", "dropout_U", "consume_less", "W_regularizer"}
    assert (gru.units, gru.recurrent_dropout, gru.implementation) == (3, 0.1, 1)
    assert gru.kernel_regularizer is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnn = SimpleRNN(2, consume_less="gpu", inner_init="zeros")
    assert all(w.category is DeprecationWarning for w in caught) and len(caught) == 3
    assert "implementation" not in rnn.get_config()
    assert rnn.get_config()["recurrent_initializer"]["class_name"] == "Zeros"
    with pytest.raises(ValueError, match=r"GRU.*implementation.*3"):
        GRU(2, implementation=3)


@pytest.mark.parametrize("layer_class,extra", [(SimpleRNN, {}), (GRU, {"reset_after": True})])
def test_config_roundtrip(layer_class, extra):
    layer = layer_class(3, return_sequences=True, dropout=0.2, **extra)
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert "cell" not in config["config"]
    clone = layers.deserialize(config)
    assert clone.get_config() == layer.get_config()
    assert isinstance(clone.cell, SimpleRNNCell if layer_class is SimpleRNN else GRUCell)


def _keras2_reference(make_reference, layer, data):
    reference = make_reference()
    expected = np.asarray(reference(data))
    x = Input(shape=data.shape[1:])
    y = layer(x)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in reference.get_weights()]
    layer.set_weights([_f32(*w.shape) * 0.5 for w in reference.get_weights()])
    reference.set_weights(layer.get_weights())
    expected = np.asarray(reference(data))
    np.testing.assert_allclose(_run([x], [y], [data])[0], expected, atol=1e-5)


@pytest.mark.parametrize("kind", ["simple", "gru", "gru_reset_after", "lstm_backwards"])
def test_simple_rnn_gru_lstm_agree_with_keras2(kind):
    tf_keras = pytest.importorskip("tf_keras")
    data = _f32(2, 5, 3)
    kl = tf_keras.layers
    cases = {
        "simple": (lambda: kl.SimpleRNN(4, return_sequences=True),
                   SimpleRNN(4, return_sequences=True)),
        "gru": (lambda: kl.GRU(4, recurrent_activation="hard_sigmoid", reset_after=False,
                               return_sequences=True), GRU(4, return_sequences=True)),
        "gru_reset_after": (lambda: kl.GRU(4, recurrent_activation="hard_sigmoid",
                                           reset_after=True),
                            GRU(4, reset_after=True, implementation=2)),
        "lstm_backwards": (lambda: kl.LSTM(4, recurrent_activation="hard_sigmoid",
                                           go_backwards=True, return_sequences=True),
                           LSTM(4, go_backwards=True, return_sequences=True)),
    }
    make_reference, layer = cases[kind]
    _keras2_reference(make_reference, layer, data)
