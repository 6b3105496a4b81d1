"""TimeDistributed and Bidirectional against NumPy references (and tf_keras when installed).

Covers both TimeDistributed paths (``K.rnn`` with a fixed batch size, a
``(batch * time, ...)`` reshape otherwise), a whole model applied per frame
(the "video" example), masks, Bidirectional merge modes, return_state,
initial_state split forward/backward, weight order, configs and errors.
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import (GRU, LSTM, BatchNormalization, Bidirectional, Conv2D, Dense,
                              Dropout, Flatten, Masking, SimpleRNN, TimeDistributed)

ATOL = 1e-5
rng = np.random.default_rng(5)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(inputs, outputs, values, training=None):
    inputs, values = list(inputs), list(values)
    if training is not None:
        inputs, values = inputs + [K.learning_phase()], values + [training]
    return K.function(inputs, list(outputs))(values)


def numpy_simple_rnn(x, weights, h0=None, go_backwards=False):
    """SimpleRNN (tanh) in float64: (outputs in iteration order, last state)."""
    kernel, recurrent, bias = [np.asarray(w, np.float64) for w in weights]
    h = np.zeros((x.shape[0], recurrent.shape[0])) if h0 is None else np.asarray(h0, np.float64)
    outputs = []
    for t in (range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def _randomize(layer):
    layer.set_weights([_f32(*w.shape) * 0.5 for w in layer.get_weights()])
    return layer.get_weights()


# --- TimeDistributed ---------------------------------------------------------------------------

def test_time_distributed_dense_both_paths():
    dynamic, static = Input(shape=(4, 3)), Input(batch_shape=(2, 4, 3))
    layer = TimeDistributed(Dense(5, activation="tanh"))
    y_dynamic, y_static = layer(dynamic), layer(static)
    kernel, bias = _randomize(layer)
    assert (kernel.shape, bias.shape) == ((3, 5), (5,))
    assert y_dynamic._keras_shape == (None, 4, 5) and y_static._keras_shape == (2, 4, 5)
    data = _f32(2, 4, 3)
    expected = np.tanh(data @ kernel + bias)
    out_dynamic, out_static = _run([dynamic, static], [y_dynamic, y_static], [data, data])
    np.testing.assert_allclose(out_dynamic, expected, atol=ATOL)
    np.testing.assert_allclose(out_static, expected, atol=ATOL)


@pytest.mark.parametrize("batch", [None, 6])
def test_time_distributed_batch_normalization_updates_its_moving_averages(batch):
    # With a fixed batch size the K.rnn path cannot carry the moving-average
    # updates out of its loop, so both input kinds take the reshape path.
    layer = TimeDistributed(BatchNormalization(momentum=0.5), name="td_bn")
    x = Input(batch_shape=(batch, 4, 3))
    model = Model(x, layer(x))
    model.compile("sgd", "mse")
    data = _f32(6, 4, 3) * 2 + 3
    model.train_on_batch(data, data)
    moving_mean, moving_variance = K.batch_get_value(
        [layer.layer.moving_mean, layer.layer.moving_variance])
    frames = data.reshape(-1, 3).astype(np.float64)  # statistics over batch and time
    unbiased = frames.var(axis=0) * len(frames) / (len(frames) - 1.001)
    np.testing.assert_allclose(moving_mean, 0.5 * frames.mean(axis=0), rtol=1e-4)
    np.testing.assert_allclose(moving_variance, 0.5 + 0.5 * unbiased, rtol=1e-4)
    assert len(model.updates) == 2 and not layer.layer.get_updates_for(None)


def test_time_distributed_model_without_updates_keeps_the_per_step_path():
    # A nested model hands on its layers' (empty) update lists: that alone must
    # not send a fixed-batch input down the reshape path.
    frame_model = Sequential([Dense(3, input_shape=(4,)), Dense(2)])
    layer = TimeDistributed(frame_model)
    x = Input(batch_shape=(2, 5, 4))
    y = layer(x)
    assert not layer._input_map  # only the reshape path maps inner inputs
    data = _f32(2, 5, 4)
    per_frame = np.stack([frame_model.predict(data[:, t]) for t in range(5)], axis=1)
    np.testing.assert_allclose(_run([x], [y], [data])[0], per_frame, atol=ATOL)


def test_time_distributed_model_video_classifier_trains():
    frame_model = Sequential([Conv2D(2, (3, 3), activation="relu", input_shape=(6, 6, 1)),
                              Flatten(), Dense(3)])
    video = Input(shape=(4, 6, 6, 1))
    frames = TimeDistributed(frame_model)(video)
    assert frames._keras_shape == (None, 4, 3)
    model = Model(video, LSTM(2)(frames))
    assert model.count_params() == frame_model.count_params() + 4 * (3 * 2 + 2 * 2 + 2)
    model.compile("sgd", "mse")
    data, target = _f32(2, 4, 6, 6, 1), _f32(2, 2)
    weights = model.get_weights()
    model.train_on_batch(data, target)
    assert any(not np.allclose(a, b) for a, b in zip(weights, model.get_weights()))
    per_frame = np.stack([frame_model.predict(data[:, t]) for t in range(4)], axis=1)
    np.testing.assert_allclose(Model(video, frames).predict(data), per_frame, atol=ATOL)


def test_time_distributed_masks_and_learning_phase():
    x = Input(shape=(3, 4))
    masked = Masking(0.)(x)
    y = TimeDistributed(Dense(2))(masked)
    assert y._keras_mask is not None
    data = _f32(2, 3, 4)
    data[0, 1] = 0.
    np.testing.assert_array_equal(_run([x], [y._keras_mask], [data])[0],
                                  [[True, False, True], [True, True, True]])
    inner_mask = TimeDistributed(Masking(0.))(x)
    np.testing.assert_array_equal(_run([x], [inner_mask._keras_mask], [data])[0],
                                  [[True, False, True], [True, True, True]])
    dropped = TimeDistributed(Dropout(0.5))(x)
    test_out, = _run([x], [dropped], [data], training=0)
    train_out, = _run([x], [dropped], [data], training=1)
    np.testing.assert_allclose(test_out, data)
    assert (train_out == 0).any()


def test_time_distributed_config_regularizer_and_errors():
    layer = TimeDistributed(Dense(2, kernel_regularizer="l2"), name="td")
    x = Input(shape=(3, 4))
    layer(x)
    assert len(Model(x, layer.output).losses) == 1
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["layer"]["class_name"] == "Dense"
    clone = layers.deserialize(config)
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"td2.*3 dimensions.*\(None, 4\)"):
        TimeDistributed(Dense(2), name="td2")(Input(shape=(4,)))
    with pytest.raises(ValueError, match="Layer instance"):
        TimeDistributed("dense")


# --- Bidirectional -----------------------------------------------------------------------------

@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(merge_mode):
    x = Input(shape=(4, 3))
    layer = Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode=merge_mode)
    y = layer(x)
    weights = _randomize(layer)
    data = _f32(2, 4, 3)
    forward, _ = numpy_simple_rnn(data, weights[:3])
    backward, _ = numpy_simple_rnn(data, weights[3:], go_backwards=True)
    backward = backward[:, ::-1]
    expected = {"concat": np.concatenate([forward, backward], -1), "sum": forward + backward,
                "mul": forward * backward, "ave": (forward + backward) / 2,
                None: [forward, backward]}[merge_mode]
    outputs = _run([x], y if merge_mode is None else [y], [data])
    for out, ref in zip(outputs, expected if merge_mode is None else [expected]):
        np.testing.assert_allclose(out, ref, atol=ATOL)
    shapes = [t._keras_shape for t in (y if merge_mode is None else [y])]
    assert shapes == [o.shape[:0] + (None,) + o.shape[1:] for o in outputs]


def test_bidirectional_return_state_and_initial_state_split():
    x = Input(shape=(3, 2))
    states = [Input(shape=(4,)) for _ in range(4)]
    layer = Bidirectional(LSTM(4, return_state=True))
    y, fh, fc, bh, bc = layer(x, initial_state=states)
    assert layer._inbound_nodes[-1].input_tensors == [x] + states
    assert y._keras_shape == (None, 8) and fh._keras_shape == (None, 4)
    weights = _randomize(layer)
    model = Model([x] + states, [y, fh, bh])
    data, values = _f32(2, 3, 2), [_f32(2, 4) for _ in range(4)]
    out_y, out_fh, out_bh = model.predict([data] + values)
    reference = LSTM(4, return_state=True)
    ref_x = Input(shape=(3, 2))
    ref_out = reference(ref_x, initial_state=[Input(shape=(4,)), Input(shape=(4,))])
    reference_model = Model([ref_x] + reference._inbound_nodes[-1].input_tensors[1:], ref_out)
    reference.set_weights(weights[:3])
    ref_y, ref_h, _ = reference_model.predict([data] + values[:2])
    np.testing.assert_allclose(out_fh, ref_h, atol=ATOL)
    np.testing.assert_allclose(out_y[:, :4], ref_y, atol=ATOL)
    reversed_data = data[:, ::-1].copy()
    reference.set_weights(weights[3:])
    ref_by, ref_bh, _ = reference_model.predict([reversed_data] + values[2:])
    np.testing.assert_allclose(out_bh, ref_bh, atol=ATOL)
    np.testing.assert_allclose(out_y[:, 4:], ref_by, atol=ATOL)
    clone = Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([data] + values)[0], out_y, atol=ATOL)


def test_bidirectional_masking_weights_order_and_config():
    x = Input(shape=(4, 2))
    layer = Bidirectional(GRU(3, return_sequences=True), merge_mode="sum", name="bi")
    y = layer(Masking(0.)(x))
    assert [id(w) for w in layer.weights] == [
        id(w) for w in layer.forward_layer.weights + layer.backward_layer.weights]
    assert [w.shape for w in layer.get_weights()] == [(2, 9), (3, 9), (9,)] * 2
    assert layer.forward_layer.name == "forward_" + layer.layer.name
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    short = Input(shape=(3, 2))
    y_short = layer(short)
    data = _f32(2, 4, 2)
    data[0, 3] = 0.
    out, mask, out_short = _run([x, short], [y, y._keras_mask, y_short], [data, data[:, :3]])
    np.testing.assert_array_equal(mask, data.any(axis=-1))
    # Sample 0 ends at step 2: the masked step changes neither direction's earlier outputs.
    np.testing.assert_allclose(out[0, :3], out_short[0], atol=ATOL)
    assert not np.allclose(out[1, :3], out_short[1], atol=ATOL)
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["merge_mode"] == "sum"
    clone = layers.deserialize(config)
    z = clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_run([x], [z], [data])[0][1], out[1], atol=ATOL)
    weights = layer.get_weights()
    preset = Bidirectional(GRU(3), weights=weights)
    preset(x)
    for a, b in zip(preset.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_bidirectional_stateful_and_errors():
    layer = Bidirectional(LSTM(2, stateful=True), batch_input_shape=(2, 3, 2))
    model = Sequential([layer])
    data = _f32(2, 3, 2)
    first = model.predict(data, batch_size=2)
    second = model.predict(data, batch_size=2)
    assert not np.allclose(first, second)
    model.reset_states()
    np.testing.assert_allclose(model.predict(data, batch_size=2), first, atol=ATOL)
    with pytest.raises(ValueError, match=r"recurrent layer.*Dense"):
        Bidirectional(Dense(2))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_bidirectional_trains_in_a_model():
    model = Sequential([Bidirectional(LSTM(3), input_shape=(4, 2)), Dense(1)])
    model.compile("adam", "mse")
    data = _f32(16, 4, 2)
    target = data.sum(axis=(1, 2))[:, None]
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(data, target, verbose=0) < before


# --- against tf_keras --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["bidirectional_lstm", "bidirectional_gru_ave",
                                  "time_distributed"])
def test_wrappers_agree_with_keras2(kind):
    tf_keras = pytest.importorskip("tf_keras")
    kl = tf_keras.layers
    data = _f32(2, 4, 3)
    if kind == "bidirectional_lstm":
        reference = kl.Bidirectional(kl.LSTM(3, recurrent_activation="hard_sigmoid",
                                             return_sequences=True))
        layer = Bidirectional(LSTM(3, return_sequences=True))
    elif kind == "bidirectional_gru_ave":
        reference = kl.Bidirectional(kl.GRU(2, recurrent_activation="hard_sigmoid",
                                            reset_after=True), merge_mode="ave")
        layer = Bidirectional(GRU(2, reset_after=True), merge_mode="ave")
    else:
        reference = kl.TimeDistributed(kl.Dense(2, activation="relu"))
        layer = TimeDistributed(Dense(2, activation="relu"))
    reference(data)
    x = Input(shape=(4, 3))
    y = layer(x)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in reference.get_weights()]
    weights = _randomize(layer)
    reference.set_weights(weights)
    np.testing.assert_allclose(_run([x], [y], [data])[0], np.asarray(reference(data)),
                               atol=1e-5)
