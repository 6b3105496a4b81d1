"""BatchNormalization against NumPy formulas: inference and training outputs, moving
statistics after ``fit``, freezing with ``trainable=False``, weights order, errors;
and (in the tensorflow environment) against tf_keras with identical weights.

Runs on the active backend (``POLYKERAS_BACKEND=numpy|tensorflow|...``).
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Sequential
from polykeras.layers import BatchNormalization, Dense, Masking

ATOL = 1e-5
rng = np.random.default_rng(3)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _bn_numpy(x, axis, mean, var, gamma=None, beta=None, epsilon=1e-3):
    """``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with vectors along ``axis``."""
    shape = [1] * x.ndim
    shape[axis] = -1
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def _batch_stats(x, axis):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    return x.mean(axis=axes), x.var(axis=axes), x.size // x.shape[axis]


def _random_weights(layer):
    """Distinct values for every weight (variances positive), set on the layer."""
    values = [np.abs(_f32(*w.shape)) + 0.5 if "variance" in w_name or "gamma" in w_name
              else _f32(*w.shape) for w, w_name in
              zip(layer.get_weights(), [v.name for v in layer.weights])]
    layer.set_weights(values)
    return values


@pytest.mark.parametrize("axis, sample_shape", [(-1, (4, 3)), (1, (3, 2, 2))])
def test_inference_and_training_outputs_match_numpy(axis, sample_shape):
    layer = BatchNormalization(axis=axis, epsilon=0.01)
    x = Input(shape=sample_shape)
    y = layer(x)
    assert y._keras_shape == (None,) + sample_shape
    gamma, beta, moving_mean, moving_var = _random_weights(layer)
    data = _f32(5, *sample_shape)
    fn = K.function([x, K.learning_phase()], [y])
    inference = fn([data, 0])[0]
    np.testing.assert_allclose(
        inference, _bn_numpy(data, axis, moving_mean, moving_var, gamma, beta, 0.01), atol=ATOL)
    mean, var, _ = _batch_stats(data, axis)
    training = fn([data, 1])[0]
    np.testing.assert_allclose(training, _bn_numpy(data, axis, mean, var, gamma, beta, 0.01),
                               atol=ATOL)
    # running the function does not update the moving statistics (no updates given)
    np.testing.assert_array_equal(layer.get_weights()[2], moving_mean)


def test_weights_order_names_and_counts():
    layer = BatchNormalization(axis=1)
    layer(Input(shape=(3, 4, 4)))
    assert [w.name.split("/")[-1].split(":")[0] for w in layer.weights] == \
        ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.shape for w in layer.get_weights()] == [(3,)] * 4
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    assert layer.count_params() == 12
    bare = BatchNormalization(center=False, scale=False)
    bare(Input(shape=(5,)))
    assert [w.name.split("/")[-1].split(":")[0] for w in bare.weights] == \
        ["moving_mean", "moving_variance"]
    assert bare.trainable_weights == [] and bare.count_params() == 10
    np.testing.assert_array_equal(bare.get_weights()[1], 1.)   # moving_variance starts at 1


def test_center_and_scale_off_normalize_only():
    layer = BatchNormalization(center=False, scale=False)
    x = Input(shape=(4,))
    y = layer(x)
    data = 3. * _f32(6, 4) + 2.
    out = K.function([x, K.learning_phase()], [y])([data, 1])[0]
    np.testing.assert_allclose(out.mean(axis=0), 0., atol=1e-5)
    np.testing.assert_allclose(out.var(axis=0), data.var(axis=0) / (data.var(axis=0) + 1e-3),
                               rtol=1e-4)


def test_fit_updates_moving_statistics_with_momentum():
    momentum, epsilon = 0.8, 1e-3
    layer = BatchNormalization(momentum=momentum, epsilon=epsilon, input_shape=(3,))
    model = Sequential([layer])
    model.compile("sgd", "mse")
    data = 2. * _f32(8, 3) + 1.
    model.fit(data, data, epochs=1, batch_size=4, shuffle=False, verbose=0)
    moving_mean, moving_var = np.zeros(3), np.ones(3)
    for batch in (data[:4], data[4:]):
        mean, var, n = _batch_stats(batch, -1)
        moving_mean = momentum * moving_mean + (1. - momentum) * mean
        moving_var = momentum * moving_var + (1. - momentum) * var * n / (n - 1. - epsilon)
    np.testing.assert_allclose(layer.get_weights()[2], moving_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[3], moving_var, rtol=1e-5, atol=1e-6)
    # evaluating and predicting leave them alone
    model.evaluate(data, data, batch_size=4, verbose=0)
    model.predict(data, batch_size=4)
    np.testing.assert_allclose(layer.get_weights()[2], moving_mean, rtol=1e-5, atol=1e-6)


def test_frozen_layer_keeps_its_weights_and_uses_batch_statistics_in_training():
    layer = BatchNormalization(input_shape=(3,))
    model = Sequential([layer, Dense(1)])
    layer.trainable = False
    assert layer.updates == [] and layer.trainable_weights == []
    model.compile("sgd", "mse")
    before = _random_weights(layer)
    data = 2. * _f32(8, 3) + 1.
    model.fit(data, _f32(8, 1), epochs=2, batch_size=4, verbose=0)
    for saved, now in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(now, saved)
    # Keras 2.2.4 semantics: the training phase still normalizes with the batch statistics
    fn = K.function([model.inputs[0], K.learning_phase()], [layer.output])
    gamma, beta, moving_mean, moving_var = before
    mean, var, _ = _batch_stats(data, -1)
    np.testing.assert_allclose(fn([data, 1])[0], _bn_numpy(data, -1, mean, var, gamma, beta),
                               atol=ATOL)
    np.testing.assert_allclose(fn([data, 0])[0],
                               _bn_numpy(data, -1, moving_mean, moving_var, gamma, beta),
                               atol=ATOL)


def test_called_with_training_false_always_uses_moving_statistics():
    layer = BatchNormalization()
    x = Input(shape=(3,))
    y = layer(x, training=False)
    gamma, beta, moving_mean, moving_var = _random_weights(layer)
    data = _f32(4, 3)
    out = K.function([x, K.learning_phase()], [y])([data, 1])[0]
    np.testing.assert_allclose(out, _bn_numpy(data, -1, moving_mean, moving_var, gamma, beta),
                               atol=ATOL)
    assert layer.updates == []


def test_regularizers_and_constraints_apply_to_gamma_and_beta():
    layer = BatchNormalization(gamma_regularizer="l2", beta_regularizer="l1",
                               gamma_constraint="non_neg", beta_constraint={
                                   "class_name": "MaxNorm", "config": {"max_value": 0.1}},
                               input_shape=(2,))
    model = Sequential([layer])
    assert len(model.losses) == 2
    model.compile("sgd", "mse")
    data = _f32(8, 2)
    model.fit(data, -10. * data + 5., epochs=3, batch_size=4, verbose=0)
    gamma, beta = layer.get_weights()[:2]
    assert np.all(gamma >= 0.) and np.linalg.norm(beta) <= 0.1 + 1e-6
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert clone.get_config() == layer.get_config()


def test_config_round_trip_gives_the_same_outputs():
    layer = BatchNormalization(axis=1, momentum=0.5, epsilon=0.1, center=False,
                               moving_variance_initializer="zeros", name="bn_cfg")
    x = Input(shape=(2, 3))
    y = layer(x)
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert clone.get_config() == layer.get_config()
    y2 = clone(x)
    _random_weights(layer)
    clone.set_weights(layer.get_weights())
    data = _f32(2, 2, 3)
    out, out2 = K.function([x], [y, y2])([data])
    np.testing.assert_allclose(out, out2, atol=ATOL)


def test_mask_passes_through():
    x = Input(shape=(3, 2))
    assert BatchNormalization()(Masking(0.)(x))._keras_mask is not None


@pytest.mark.parametrize("make, shape, message", [
    (lambda: BatchNormalization(axis=3, name="bn_axis"), (4, 2),
     r"BatchNormalization 'bn_axis': axis=3 .*rank 3.*input_shape=\(None, 4, 2\)"),
    (lambda: BatchNormalization(axis=0, name="bn_batch"), (4,), r"'bn_batch'.*batch axis"),
    (lambda: BatchNormalization(axis=1, name="bn_none"), (None, 2),
     r"'bn_none': axis 1 .*defined dimension.*\(None, None, 2\)"),
])
def test_bad_inputs_raise_clear_errors(make, shape, message):
    with pytest.raises(ValueError, match=message):
        make()(Input(shape=shape))


@pytest.mark.parametrize("kwargs, message", [
    (dict(axis=[1, 2]), r"`axis` to be an int.*axis=\[1, 2\]"),
    (dict(momentum=1.5), r"`momentum`.*in \[0, 1\].*momentum=1.5"),
    (dict(epsilon=0.), r"`epsilon`.*> 0.*epsilon=0.0"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BatchNormalization(**kwargs)


def test_input_with_a_different_channel_count_is_rejected():
    layer = BatchNormalization(name="bn_fixed")
    layer(Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"bn_fixed.*value 3"):
        layer(Input(shape=(4,)))


# --- against tf_keras (tensorflow environment) -----------------------------------------------

@pytest.mark.parametrize("axis, sample_shape", [(-1, (3, 4)), (1, (3, 2, 2))])
def test_matches_tf_keras_with_identical_weights(axis, sample_shape):
    tf_keras = pytest.importorskip("tf_keras")
    ours = BatchNormalization(axis=axis, epsilon=0.01)
    theirs = tf_keras.layers.BatchNormalization(axis=axis, epsilon=0.01)
    x = Input(shape=sample_shape)
    y = ours(x)
    theirs.build((None,) + sample_shape)
    assert [w.name.split("/")[-1].split(":")[0] for w in theirs.weights] == \
        [w.name.split("/")[-1].split(":")[0] for w in ours.weights]
    weights = _random_weights(ours)
    theirs.set_weights(weights)
    data = _f32(4, *sample_shape)
    fn = K.function([x, K.learning_phase()], [y])
    np.testing.assert_allclose(fn([data, 0])[0], theirs(data, training=False).numpy(),
                               atol=1e-4)
    np.testing.assert_allclose(fn([data, 1])[0], theirs(data, training=True).numpy(),
                               atol=1e-4)


def test_hdf5_files_move_both_ways_with_tf_keras(tmp_path):
    tf_keras = pytest.importorskip("tf_keras")
    from polykeras.models import load_model
    model = Sequential([Dense(3, input_dim=4), BatchNormalization(momentum=0.5)])
    model.compile("sgd", "mse")
    data = _f32(8, 4)
    model.fit(data, _f32(8, 3), epochs=2, batch_size=4, verbose=0)
    assert not np.allclose(model.layers[1].get_weights()[2], 0.)   # moving mean trained
    ours_path = str(tmp_path / "ours.h5")
    model.save(ours_path)
    theirs = tf_keras.models.load_model(ours_path, compile=False)
    np.testing.assert_allclose(theirs.predict(data, verbose=0), model.predict(data), atol=1e-5)
    theirs_path = str(tmp_path / "theirs.h5")
    theirs.save(theirs_path)
    again = load_model(theirs_path, compile=False)
    np.testing.assert_allclose(again.predict(data), model.predict(data), atol=1e-5)
