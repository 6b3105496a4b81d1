"""ConvLSTM2D against a NumPy ConvLSTM (convolution as a loop over kernel offsets).

Covers both data formats, strides, dilation, 'same'/'valid' padding,
return_sequences / return_state, go_backwards, stateful, dropout, configs,
errors and, where tf_keras is installed, identical outputs from identical
weights.
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import ConvLSTM2D, ConvLSTM2DCell

ATOL = 1e-5
rng = np.random.default_rng(7)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0., 1.)


def numpy_conv2d(x, kernel, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Channels-last cross-correlation in float64, one kernel offset at a time."""
    kh, kw = kernel.shape[:2]
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    if padding == "same":
        rows, cols = x.shape[1:3]
        out_r, out_c = -(-rows // strides[0]), -(-cols // strides[1])
        pad_r = max((out_r - 1) * strides[0] + eh - rows, 0)
        pad_c = max((out_c - 1) * strides[1] + ew - cols, 0)
        x = np.pad(x, ((0, 0), (pad_r // 2, pad_r - pad_r // 2),
                       (pad_c // 2, pad_c - pad_c // 2), (0, 0)))
    out_r = (x.shape[1] - eh) // strides[0] + 1
    out_c = (x.shape[2] - ew) // strides[1] + 1
    out = np.zeros((x.shape[0], out_r, out_c, kernel.shape[-1]))
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dilation[0], j * dilation[1]
            patch = x[:, r0:r0 + strides[0] * (out_r - 1) + 1:strides[0],
                      c0:c0 + strides[1] * (out_c - 1) + 1:strides[1]]
            out += patch @ kernel[i, j]
    return out


def numpy_conv_lstm(x, weights, strides=(1, 1), padding="valid", dilation=(1, 1),
                    go_backwards=False):
    """Channels-last ConvLSTM in float64: (outputs in iteration order, h, c)."""
    kernel, recurrent, bias = [np.asarray(w, np.float64) for w in weights]
    f = recurrent.shape[-1] // 4
    h = c = None
    outputs = []
    for t in (range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])):
        z = numpy_conv2d(x[:, t].astype(np.float64), kernel, strides, padding, dilation) + bias
        if h is None:
            h = c = np.zeros(z.shape[:3] + (f,))
        z = z + numpy_conv2d(h, recurrent, padding="same")
        i, fg = hard_sigmoid(z[..., :f]), hard_sigmoid(z[..., f:2 * f])
        c = fg * c + i * np.tanh(z[..., 2 * f:3 * f])
        h = hard_sigmoid(z[..., 3 * f:]) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def _randomize(layer):
    layer.set_weights([_f32(*w.shape) * 0.3 for w in layer.get_weights()])
    return layer.get_weights()


@pytest.mark.parametrize("config", [
    dict(padding="same"),
    dict(padding="valid", strides=(2, 1)),
    dict(padding="same", dilation_rate=(2, 2), go_backwards=True),
])
def test_conv_lstm_matches_numpy(config):
    x = Input(shape=(3, 5, 6, 2))
    layer = ConvLSTM2D(3, (3, 2), return_sequences=True, return_state=True, **config)
    seq, h, c = layer(x)
    weights = _randomize(layer)
    assert [w.shape for w in weights] == [(3, 2, 2, 12), (3, 2, 3, 12), (12,)]
    data = _f32(2, 3, 5, 6, 2)
    ref_seq, ref_h, ref_c = numpy_conv_lstm(
        data, weights, config.get("strides", (1, 1)), config["padding"],
        config.get("dilation_rate", (1, 1)), config.get("go_backwards", False))
    out_seq, out_h, out_c = K.function([x], [seq, h, c])([data])
    np.testing.assert_allclose(out_seq, ref_seq, atol=ATOL)
    np.testing.assert_allclose(out_h, ref_h, atol=ATOL)
    np.testing.assert_allclose(out_c, ref_c, atol=ATOL)
    assert seq._keras_shape == (None,) + out_seq.shape[1:]
    assert h._keras_shape == (None,) + out_h.shape[1:]


def test_channels_first_equals_channels_last():
    last_in, first_in = Input(shape=(2, 4, 4, 2)), Input(shape=(2, 2, 4, 4))
    last = ConvLSTM2D(2, 3, padding="same")
    first = ConvLSTM2D(2, 3, padding="same", data_format="channels_first")
    a, b = last(last_in), first(first_in)
    assert b._keras_shape == (None, 2, 4, 4)
    first.set_weights(_randomize(last))
    data = _f32(2, 2, 4, 4, 2)
    out_a, out_b = K.function([last_in, first_in], [a, b])(
        [data, data.transpose(0, 1, 4, 2, 3)])
    np.testing.assert_allclose(out_b, out_a.transpose(0, 3, 1, 2), atol=ATOL)


def test_stateful_dropout_and_training():
    layer = ConvLSTM2D(2, 2, stateful=True, batch_input_shape=(2, 2, 3, 3, 1),
                       dropout=0.3, recurrent_dropout=0.3)
    model = Sequential([layer])
    weights = _randomize(layer)
    data = _f32(2, 4, 3, 3, 1)
    first = model.predict(data[:, :2], batch_size=2)
    second = model.predict(data[:, 2:], batch_size=2)
    ref_seq, _, _ = numpy_conv_lstm(data, weights)
    np.testing.assert_allclose(first, ref_seq[:, 1], atol=ATOL)
    np.testing.assert_allclose(second, ref_seq[:, 3], atol=ATOL)
    assert K.get_value(layer.states[0]).shape == (2, 2, 2, 2)
    model.reset_states()
    np.testing.assert_allclose(model.predict(data[:, :2], batch_size=2), first, atol=ATOL)
    model.compile("sgd", "mse")
    model.reset_states()
    model.train_on_batch(data[:, :2], np.zeros((2, 2, 2, 2), np.float32))
    assert any(not np.allclose(a, b) for a, b in zip(weights, layer.get_weights()))


def test_config_roundtrip_and_errors():
    layer = ConvLSTM2D(2, (3, 3), strides=2, data_format="channels_first", dropout=0.1,
                       name="clstm")
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["kernel_size"] == [3, 3]
    clone = layers.deserialize(config)
    assert clone.get_config() == layer.get_config()
    assert isinstance(clone.cell, ConvLSTM2DCell)
    with pytest.raises(ValueError, match=r"clstm.*ndim=5.*ndim=4"):
        layer(Input(shape=(3, 4, 4)))
    with pytest.raises(ValueError, match=r"conv_big.*window.*\(None, 2, 2, 2, 1\)"):
        ConvLSTM2D(1, 3, name="conv_big")(Input(shape=(2, 2, 2, 1)))
    with pytest.raises(ValueError, match="data_format"):
        ConvLSTM2D(1, 3, data_format="channels_middle")
    with pytest.raises(ValueError, match="unroll"):
        ConvLSTM2D(1, 3, unroll=True)


def test_conv_lstm_agrees_with_keras2():
    tf_keras = pytest.importorskip("tf_keras")
    data = _f32(2, 3, 5, 5, 2)
    reference = tf_keras.layers.ConvLSTM2D(3, (2, 3), padding="same", return_sequences=True,
                                           recurrent_activation="hard_sigmoid")
    reference(data)
    x = Input(shape=(3, 5, 5, 2))
    layer = ConvLSTM2D(3, (2, 3), padding="same", return_sequences=True)
    y = layer(x)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in reference.get_weights()]
    reference.set_weights(_randomize(layer))
    np.testing.assert_allclose(Model(x, y).predict(data), np.asarray(reference(data)),
                               atol=1e-5)
