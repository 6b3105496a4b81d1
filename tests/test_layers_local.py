"""LocallyConnected1D and LocallyConnected2D against a direct NumPy computation.

The reference walks the output positions of a tiny input: position ``p``'s
window, flattened in the input's own layout (spatial offsets then channels
for channels_last, channels then offsets for channels_first), times
``kernel[p]``. The bias is Keras 2's: a channels_last ``(positions...,
filters)`` array, added to channels_first outputs reshaped to ``(filters,
positions...)`` (what ``K.bias_add`` does, and tf_keras too). Where tf_keras
is installed, the same layers with the same weights are compared with it.
"""
import itertools
import json
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import Dense, Flatten, LocallyConnected1D, LocallyConnected2D, deserialize

ATOL = 1e-4


def reference_local(x, kernel, bias, kernel_size, strides, data_format):
    rank = x.ndim - 2
    first = data_format == "channels_first"
    spatial = x.shape[2:] if first else x.shape[1:-1]
    outs = [(n - k) // s + 1 for n, k, s in zip(spatial, kernel_size, strides)]
    out = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for index, position in enumerate(itertools.product(*(range(n) for n in outs))):
        window = tuple(slice(p * s, p * s + k) for p, s, k in zip(position, strides, kernel_size))
        key = (slice(None), slice(None)) + window if first else (slice(None),) + window
        patch = x[key].reshape(len(x), -1).astype(np.float64)
        out[(slice(None),) + position] = patch @ kernel[index]
    if first:
        out = np.moveaxis(out, -1, 1)
        if bias is not None:
            out = out + bias.reshape((bias.shape[-1],) + bias.shape[:-1])
    elif bias is not None:
        out = out + bias
    assert out.ndim == rank + 2
    return out


def run_layer(layer, x, weights):
    inputs = Input(shape=x.shape[1:])
    outputs = layer(inputs)
    layer.set_weights(weights)
    result = Model(inputs, outputs).predict(x, batch_size=len(x))
    assert outputs._keras_shape == (None,) + result.shape[1:]
    assert layer.compute_output_shape(x.shape) == result.shape
    return result


def random_weights(layer, r):
    return [r.uniform(-1, 1, w.shape).astype("float32") for w in layer.get_weights()]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,use_bias", [(2, 1, True), (3, 2, False)])
def test_locally_connected1d_matches_numpy(data_format, kernel_size, strides, use_bias):
    r = np.random.RandomState(0)
    x = r.randn(2, 3, 7).astype("float32")
    if data_format == "channels_last":
        x = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    layer = LocallyConnected1D(4, kernel_size, strides=strides, data_format=data_format,
                               use_bias=use_bias, activation="tanh")
    layer(Input(shape=x.shape[1:]))
    weights = random_weights(layer, r)
    got = run_layer(layer, x, weights)
    bias = weights[1] if use_bias else None
    expected = np.tanh(reference_local(x, weights[0], bias, (kernel_size,), (strides,),
                                       data_format))
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides", [((2, 2), (1, 1)), ((3, 2), (2, 3))])
def test_locally_connected2d_matches_numpy(data_format, kernel_size, strides):
    r = np.random.RandomState(1)
    x = r.randn(2, 2, 5, 6).astype("float32")
    if data_format == "channels_last":
        x = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    layer = LocallyConnected2D(3, kernel_size, strides=strides, data_format=data_format)
    layer(Input(shape=x.shape[1:]))
    weights = random_weights(layer, r)
    got = run_layer(layer, x, weights)
    expected = reference_local(x, weights[0], weights[1], kernel_size, strides, data_format)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-4)


def test_weight_layout_and_param_count():
    layer = LocallyConnected2D(64, 3, data_format="channels_first")
    assert layer(Input(shape=(3, 32, 32)))._keras_shape == (None, 64, 30, 30)
    assert [K.int_shape(w) for w in layer.weights] == [(900, 27, 64), (30, 30, 64)]
    assert layer.count_params() == 30 * 30 * 3 * 3 * 3 * 64 + 30 * 30 * 64
    layer = LocallyConnected1D(5, 3, strides=2, use_bias=False)
    assert layer(Input(shape=(9, 2)))._keras_shape == (None, 4, 5)
    assert [K.int_shape(w) for w in layer.weights] == [(4, 6, 5)]
    unbuilt = LocallyConnected2D(4, (2, 3), strides=(2, 1))
    assert unbuilt.compute_output_shape((None, 7, 6, 3)) == (None, 3, 4, 4)
    assert unbuilt.compute_output_shape((None, None, 6, 3)) == (None, None, 4, 4)


def test_config_round_trip_and_keras1_names():
    layer = LocallyConnected2D(3, (2, 3), strides=2, data_format="channels_first",
                               activation="relu", kernel_regularizer="l2",
                               bias_constraint="non_neg")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["implementation"] == 1 and config["padding"] == "valid"
    assert config["kernel_size"] == [2, 3] and config["strides"] == [2, 2]
    rebuilt = deserialize({"class_name": "LocallyConnected2D", "config": config})
    assert json.loads(json.dumps(rebuilt.get_config())) == config
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old2d = LocallyConnected2D(4, 3, 2, subsample=(2, 1), border_mode="valid")
        old1d = LocallyConnected1D(nb_filter=4, filter_length=3, subsample_length=2,
                                   input_dim=2, input_length=6)
    assert all(w.category is DeprecationWarning and w.filename == __file__ for w in caught)
    assert (old2d.kernel_size, old2d.strides) == ((3, 2), (2, 1))
    assert (old1d.filters, old1d.kernel_size, old1d.strides) == (4, (3,), (2,))
    assert old1d.batch_input_shape == (None, 6, 2)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"LocallyConnected1D.*padding.*'same'"):
        LocallyConnected1D(2, 3, padding="same")
    with pytest.raises(ValueError, match=r"LocallyConnected2D.*implementation=2"):
        LocallyConnected2D(2, 3, implementation=2)
    with pytest.raises(ValueError, match=r"LocallyConnected2D.*filters"):
        LocallyConnected2D(0, 3)
    with pytest.raises(ValueError, match=r"'lc'.*spatial sizes are known.*\(None, None, 5, 1\)"):
        LocallyConnected2D(2, 3, name="lc")(Input(shape=(None, 5, 1)))
    with pytest.raises(ValueError, match=r"'lc1'.*does not fit.*\(None, 2, 3\)"):
        LocallyConnected1D(2, 3, name="lc1")(Input(shape=(2, 3)))
    with pytest.raises(ValueError, match="expected ndim=4"):
        LocallyConnected2D(2, 3)(Input(shape=(5, 5)))


def test_locally_connected_model_trains():
    r = np.random.RandomState(2)
    x = r.rand(16, 6, 6, 1).astype("float32")
    y = (x[:, :3, :3, 0].mean(axis=(1, 2)) > x[:, 3:, 3:, 0].mean(axis=(1, 2)))
    y = np.eye(2, dtype="float32")[y.astype(int)]
    model = Sequential([
        LocallyConnected2D(3, 3, activation="relu", input_shape=(6, 6, 1)),
        LocallyConnected2D(2, 2, strides=2),
        Flatten(),
        Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    first = model.evaluate(x, y, verbose=0)
    for _ in range(20):
        model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < first


@pytest.mark.parametrize("make,input_shape", [
    (lambda: LocallyConnected1D(3, 2, strides=2), (7, 2)),
    (lambda: LocallyConnected1D(3, 3, data_format="channels_first"), (2, 6)),
    (lambda: LocallyConnected2D(2, (2, 3), strides=(1, 2)), (4, 6, 2)),
    (lambda: LocallyConnected2D(2, 2, data_format="channels_first"), (3, 4, 3)),
])
def test_same_outputs_and_weights_as_tf_keras(make, input_shape):
    tf_keras = pytest.importorskip("tf_keras")
    r = np.random.RandomState(3)
    layer = make()
    layer(Input(shape=input_shape))
    weights = random_weights(layer, r)
    x = r.randn(2, *input_shape).astype("float32")
    ours = run_layer(layer, x, weights)
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    theirs = getattr(tf_keras.layers, type(layer).__name__).from_config(config)
    theirs.build((None,) + input_shape)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in weights]
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours, np.asarray(theirs(x)), atol=ATOL, rtol=1e-4)
