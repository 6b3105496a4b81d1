"""GaussianNoise, GaussianDropout and AlphaDropout: the identity at inference, noise
with the documented statistics in training.

Runs on the active backend (``POLYKERAS_BACKEND=numpy|tensorflow|...``).
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Sequential
from polykeras.layers import AlphaDropout, Dense, GaussianDropout, GaussianNoise, Masking

rng = np.random.default_rng(5)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _function(x, y):
    fn = K.function([x, K.learning_phase()], [y])
    return lambda data, training: fn([data, training])[0]


def _roundtrip(layer):
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    return clone


def test_gaussian_noise_adds_noise_of_stddev_in_training_only():
    stddev = 0.7
    layer = GaussianNoise(stddev)
    x = Input(shape=(50, 40))
    run = _function(x, layer(x))
    data = _f32(4, 50, 40)                               # 8000 values
    np.testing.assert_array_equal(run(data, 0), data)
    noise = run(data, 1) - data
    assert abs(noise.mean()) < 0.05 and abs(noise.std() - stddev) < 0.03
    assert not np.allclose(run(data, 1) - data, noise)   # fresh noise at every run
    assert _roundtrip(layer).stddev == stddev


def test_gaussian_dropout_multiplies_by_unit_mean_noise():
    rate = 0.3
    layer = GaussianDropout(rate)
    x = Input(shape=(50, 40))
    run = _function(x, layer(x))
    data = np.abs(_f32(4, 50, 40)) + 0.5
    np.testing.assert_array_equal(run(data, 0), data)
    factor = run(data, 1) / data
    assert abs(factor.mean() - 1.) < 0.05
    assert abs(factor.std() - np.sqrt(rate / (1. - rate))) < 0.03
    assert _roundtrip(layer).rate == rate


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    rate = 0.2
    layer = AlphaDropout(rate, seed=2)
    x = Input(shape=(100, 50))
    run = _function(x, layer(x))
    data = _f32(4, 100, 50)                              # 20000 standard normal values
    np.testing.assert_array_equal(run(data, 0), data)
    out = run(data, 1)
    saturation = -SELU_ALPHA * SELU_SCALE
    a = ((1. - rate) * (1. + rate * saturation ** 2)) ** -0.5
    b = -a * saturation * rate
    dropped = np.isclose(out, a * saturation + b, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.02
    np.testing.assert_allclose(out[~dropped], a * data[~dropped] + b, atol=1e-5)
    assert abs(out.mean()) < 0.05 and abs(out.var() - 1.) < 0.05
    clone = _roundtrip(layer)
    assert clone.rate == rate and clone.seed == 2


def test_alpha_dropout_noise_shape_shares_the_draw_along_unit_axes():
    layer = AlphaDropout(0.5, noise_shape=(None, 1, 6))
    x = Input(shape=(5, 6))
    out = _function(x, layer(x))(_f32(8, 5, 6), 1)
    saturation = -SELU_ALPHA * SELU_SCALE
    a = (0.5 * (1. + 0.5 * saturation ** 2)) ** -0.5
    dropped = np.isclose(out, a * saturation - a * saturation * 0.5, atol=1e-6)
    assert np.all(dropped == dropped[:, :1, :])          # same for every step
    assert 0 < dropped.mean() < 1
    assert _roundtrip(layer).noise_shape == (None, 1, 6)


def test_noise_shape_that_does_not_broadcast_is_rejected():
    with pytest.raises(ValueError, match=r"AlphaDropout 'ad'.*noise_shape \(None, 3\).*"
                                         r"\(None, 5, 6\)"):
        AlphaDropout(0.5, noise_shape=(None, 3), name="ad")(Input(shape=(5, 6)))


@pytest.mark.parametrize("layer", [GaussianDropout(0.), GaussianDropout(1.), AlphaDropout(0.),
                                   AlphaDropout(1.)], ids=lambda layer: layer.name)
def test_rate_zero_or_one_is_the_identity(layer):
    x = Input(shape=(3,))
    data = _f32(2, 3)
    np.testing.assert_array_equal(_function(x, layer(x))(data, 1), data)


@pytest.mark.parametrize("make, message", [
    (lambda: GaussianNoise(-0.1), r"GaussianNoise .*`stddev`.*>= 0.*stddev=-0.1"),
    (lambda: GaussianNoise("big"), r"GaussianNoise .*`stddev`"),
    (lambda: GaussianDropout(1.2), r"GaussianDropout .*`rate`.*\[0, 1\].*rate=1.2"),
    (lambda: AlphaDropout(-0.5), r"AlphaDropout .*`rate`.*rate=-0.5"),
])
def test_bad_arguments_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_masks_pass_through():
    x = Input(shape=(3, 2))
    masked = Masking(0.)(x)
    for layer in (GaussianNoise(0.1), GaussianDropout(0.1), AlphaDropout(0.1)):
        assert layer(masked)._keras_mask is not None, layer.name


def test_models_train_and_predict_deterministically():
    model = Sequential([GaussianNoise(0.2, input_shape=(4,)), Dense(8, activation="selu"),
                        AlphaDropout(0.1), GaussianDropout(0.2), Dense(1)])
    model.compile("sgd", "mse")
    data, target = _f32(16, 4), _f32(16, 1)
    history = model.fit(data, target, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    np.testing.assert_array_equal(model.predict(data), model.predict(data))
