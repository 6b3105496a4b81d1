"""SpatialDropout1D/2D/3D, Flatten(data_format), Reshape(-1), Permute, RepeatVector,
ActivityRegularization and Masking, against NumPy computations.

Runs on the active backend (``POLYKERAS_BACKEND=numpy|tensorflow|...``).
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import (LSTM, ActivityRegularization, Dense, Flatten, Masking, Permute,
                              RepeatVector, Reshape, SpatialDropout1D, SpatialDropout2D,
                              SpatialDropout3D)

ATOL = 1e-5
rng = np.random.default_rng(7)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _function(x, y):
    """``f(data, training)`` evaluating ``y`` for ``data`` fed to ``x`` in a learning phase."""
    fn = K.function([x, K.learning_phase()], [y])
    return lambda data, training=0: fn([data, training])[0]


def _roundtrip(layer):
    config = json.loads(json.dumps(layers.serialize(layer)))
    clone = layers.deserialize(config)
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    return clone


# --- SpatialDropout ---------------------------------------------------------------------------

@pytest.mark.parametrize("layer_class, kwargs, sample_shape, channel_axis", [
    (SpatialDropout1D, {}, (6, 5), 2),
    (SpatialDropout2D, dict(data_format="channels_last"), (3, 4, 5), 3),
    (SpatialDropout2D, dict(data_format="channels_first"), (5, 3, 4), 1),
    (SpatialDropout3D, dict(data_format="channels_last"), (2, 3, 2, 5), 4),
    (SpatialDropout3D, dict(data_format="channels_first"), (5, 2, 3, 2), 1),
])
def test_spatial_dropout_drops_whole_channels_in_training_only(layer_class, kwargs, sample_shape,
                                                               channel_axis):
    rate = 0.5
    layer = layer_class(rate, **kwargs)
    x = Input(shape=sample_shape)
    y = layer(x)
    assert y._keras_shape == (None,) + sample_shape
    run = _function(x, y)
    data = np.abs(_f32(8, *sample_shape)) + 0.1   # no zeros, so a zero means dropped
    np.testing.assert_array_equal(run(data, 0), data)
    out = run(data, 1)
    kept = out != 0
    np.testing.assert_allclose(out[kept], data[kept] / (1. - rate), rtol=1e-6)
    # every (sample, channel) slice is either entirely kept or entirely dropped
    other_axes = tuple(a for a in range(1, data.ndim) if a != channel_axis)
    per_channel = kept.mean(axis=other_axes)
    assert set(np.unique(per_channel)) <= {0., 1.}
    assert 0 < per_channel.sum() < per_channel.size   # 40 draws: some kept, some dropped
    clone = _roundtrip(layer)
    assert clone.rate == rate and getattr(clone, "data_format", None) == \
        getattr(layer, "data_format", None)


def test_spatial_dropout_rejects_bad_input():
    with pytest.raises(ValueError, match="spatial_dropout2d.*ndim=4.*ndim=3"):
        SpatialDropout2D(0.5, name="spatial_dropout2d_bad")(Input(shape=(4, 5)))
    with pytest.raises(ValueError, match="data_format"):
        SpatialDropout2D(0.5, data_format="channels_middle")
    with pytest.raises(ValueError, match="noise_shape"):
        SpatialDropout1D(0.5, noise_shape=(None, 1, 3))
    with pytest.raises(ValueError, match=r"SpatialDropout3D.*rate.*Received: rate=1.5"):
        SpatialDropout3D(1.5)


def test_spatial_dropout_in_a_sequential_model_trains():
    model = Sequential([SpatialDropout1D(0.3, input_shape=(4, 3)), Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(_f32(8, 4, 3), _f32(8, 1), epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.count_params() == 13


# --- Flatten and Reshape ----------------------------------------------------------------------

def test_flatten_channels_first_flattens_in_channels_last_order():
    data = _f32(2, 3, 4, 5)                          # (batch, channels, rows, cols)
    x = Input(shape=(3, 4, 5))
    y = Flatten(data_format="channels_first")(x)
    assert y._keras_shape == (None, 60)
    expected = np.transpose(data, (0, 2, 3, 1)).reshape(2, -1)
    np.testing.assert_array_equal(_function(x, y)(data), expected)
    # a Dense after it sees the same vector as after a channels_last Flatten
    x_last = Input(shape=(4, 5, 3))
    y_last = Flatten(data_format="channels_last")(x_last)
    np.testing.assert_array_equal(_function(x_last, y_last)(np.transpose(data, (0, 2, 3, 1))),
                                  expected)


def test_reshape_infers_minus_one_and_names_the_layer_on_errors():
    x = Input(shape=(3, 4))
    y = Reshape((-1, 2))(x)
    assert y._keras_shape == (None, 6, 2)
    data = _f32(2, 3, 4)
    np.testing.assert_array_equal(_function(x, y)(data), data.reshape(2, 6, 2))
    with pytest.raises(ValueError, match=r"Reshape 'two_unknowns'.*at most one -1.*\(-1, -1\)"):
        Reshape((-1, -1), name="two_unknowns")
    with pytest.raises(ValueError, match=r"Reshape 'odd'.*\(3, 4\).*12 values.*\(5, -1\)"):
        Reshape((5, -1), name="odd")(x)
    with pytest.raises(ValueError, match=r"Reshape 'wrong_size'.*\(3, 4\).*\(5, 2\)"):
        Reshape((5, 2), name="wrong_size")(x)


# --- Permute and RepeatVector ------------------------------------------------------------------

def test_permute_matches_numpy_transpose():
    layer = Permute((3, 1, 2))
    x = Input(shape=(2, 3, 4))
    y = layer(x)
    assert y._keras_shape == (None, 4, 2, 3) == layer.compute_output_shape((None, 2, 3, 4))
    data = _f32(2, 2, 3, 4)
    np.testing.assert_array_equal(_function(x, y)(data), np.transpose(data, (0, 3, 1, 2)))
    assert _roundtrip(layer).dims == (3, 1, 2)


@pytest.mark.parametrize("dims", [(0, 1), (1, 1), (1, 3), (), "12", (1.5, 2)])
def test_permute_rejects_non_permutations(dims):
    with pytest.raises(ValueError, match=r"Permute .*permutation of 1..n.*Received: dims="):
        Permute(dims)


def test_permute_rejects_wrong_rank_input():
    with pytest.raises(ValueError, match=r"permute_rank.*expected ndim=3, found ndim=4"):
        Permute((2, 1), name="permute_rank")(Input(shape=(2, 3, 4)))


def test_repeat_vector_matches_numpy_and_rejects_bad_arguments():
    layer = RepeatVector(3)
    x = Input(shape=(4,))
    y = layer(x)
    assert y._keras_shape == (None, 3, 4)
    data = _f32(2, 4)
    np.testing.assert_array_equal(_function(x, y)(data),
                                  np.broadcast_to(data[:, None, :], (2, 3, 4)))
    assert _roundtrip(layer).n == 3 and layer.count_params() == 0
    with pytest.raises(ValueError, match=r"RepeatVector .*`n`.*positive integer.*n=0"):
        RepeatVector(0)
    with pytest.raises(ValueError, match=r"repeat_rank.*expected ndim=2, found ndim=3"):
        RepeatVector(2, name="repeat_rank")(Input(shape=(3, 4)))


# --- ActivityRegularization --------------------------------------------------------------------

def test_activity_regularization_adds_its_penalty_to_the_loss():
    l1, l2 = 0.01, 0.03
    layer = ActivityRegularization(l1=l1, l2=l2, input_shape=(5,))
    model = Sequential([layer, Dense(1, kernel_initializer="zeros", bias_initializer="zeros")])
    model.compile("sgd", "mse")
    data = _f32(4, 5)
    target = np.zeros((4, 1), np.float32)
    loss = model.evaluate(data, target, batch_size=4, verbose=0)
    # prediction is 0 == target, so the loss is the penalty alone
    expected = l1 * np.abs(data).sum() + l2 * np.square(data).sum()
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert _roundtrip(layer).get_config()["l2"] == l2
    with pytest.raises(ValueError, match=r"ActivityRegularization .*`l1`.*>= 0.*l1=-1"):
        ActivityRegularization(l1=-1)


# --- Masking -------------------------------------------------------------------------------

def test_masking_zeroes_masked_steps_and_computes_the_mask():
    x = Input(shape=(4, 3))
    layer = Masking(mask_value=0.5)
    y = layer(x)
    data = _f32(2, 4, 3)
    data[0, 1] = 0.5
    data[1, 3] = 0.5
    data[1, 0, 0] = 0.5                                    # one feature only: not masked
    mask = layer.compute_mask(x)
    run = K.function([x], [y, K.cast(mask, "float32")])
    out, out_mask = run([data])
    expected_mask = np.any(data != 0.5, axis=-1)
    np.testing.assert_array_equal(out_mask, expected_mask.astype(np.float32))
    np.testing.assert_array_equal(out, data * expected_mask[..., None])
    assert y._keras_mask is not None
    assert _roundtrip(layer).mask_value == 0.5
    with pytest.raises(ValueError, match=r"Masking .*mask_value.*number"):
        Masking(mask_value="zero")


def test_masked_lstm_ignores_masked_steps():
    x = Input(shape=(None, 3))
    lstm = LSTM(4)
    model = Model(x, lstm(Masking(0.)(x)))
    data = _f32(2, 4, 3)
    padded = data.copy()
    padded[0, 1] = 0.          # a masked step in the middle of sample 0
    padded[1, 3] = 0.          # trailing padding of sample 1
    out = model.predict(padded)
    # the same LSTM on the sequences with the masked steps removed
    plain = Model(x, lstm(x))
    np.testing.assert_allclose(out[0], plain.predict(padded[:1, [0, 2, 3]])[0], atol=ATOL)
    np.testing.assert_allclose(out[1], plain.predict(padded[1:, :3])[0], atol=ATOL)
    # and masking does make a difference
    assert not np.allclose(out, plain.predict(padded), atol=1e-3)


def test_masking_propagates_through_mask_supporting_layers():
    x = Input(shape=(3, 2))
    masked = Masking(0.)(x)
    for layer in (SpatialDropout1D(0.2), ActivityRegularization(l1=0.1)):
        assert layer(masked)._keras_mask is not None
    with pytest.raises(TypeError, match="does not support masking"):
        Permute((2, 1))(masked)
