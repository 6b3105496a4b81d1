"""Convolution and pooling layers, checked against direct NumPy computations.

The references below loop over output positions on tiny inputs (padding by
the TensorFlow rule, causal padding on the left, padded cells ignored by
pooling), so they share no code with the layers or the backends. Every case
also checks the static shapes (``_keras_shape``, ``K.int_shape`` and
``compute_output_shape``) against the shape actually computed.
"""
import itertools
import json
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import constraints, initializers, regularizers
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import convolutional, pooling
from polykeras.layers.convolutional import (
    Conv1D,
    Conv2D,
    Convolution1D,
    Convolution2D,
    conv_output_length,
    normalize_tuple,
)
from polykeras.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)

FORMATS = ["channels_last", "channels_first"]
ATOL = 1e-4


# --- NumPy references (channels_last) ---------------------------------------------------------

def _pads(n, window, stride, padding):
    """(left, right) padding of one axis by the TensorFlow rules."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return window - 1, 0
    out = -(-n // stride)
    total = max((out - 1) * stride + window - n, 0)
    return total // 2, total - total // 2


def _windows(x, sizes, strides, dilations, padding, fill):
    """Yield (output position, window of x) for a channels_last ``x``."""
    rank = x.ndim - 2
    spans = [(k - 1) * d + 1 for k, d in zip(sizes, dilations)]
    pads = [(0, 0)] + [_pads(x.shape[1 + i], spans[i], strides[i], padding)
                       for i in range(rank)] + [(0, 0)]
    xp = np.pad(x.astype(np.float64), pads, constant_values=fill)
    out_sizes = [(xp.shape[1 + i] - spans[i]) // strides[i] + 1 for i in range(rank)]
    for position in itertools.product(*(range(n) for n in out_sizes)):
        index = tuple(slice(p * s, p * s + span, d)
                      for p, s, span, d in zip(position, strides, spans, dilations))
        yield out_sizes, position, xp[(slice(None),) + index]


def reference_conv(x, kernel, bias, strides, padding, dilations):
    rank = x.ndim - 2
    out = None
    for out_sizes, position, window in _windows(x, kernel.shape[:rank], strides, dilations,
                                                padding, 0.0):
        if out is None:
            out = np.zeros((x.shape[0], *out_sizes, kernel.shape[-1]))
        out[(slice(None),) + position] = np.tensordot(window, kernel, axes=rank + 1)
    return out + bias


def reference_pool(x, pool_size, strides, padding, mode):
    rank = x.ndim - 2
    reduce = np.nanmax if mode == "max" else np.nanmean
    out = None
    for out_sizes, position, window in _windows(x, pool_size, strides, (1,) * rank, padding,
                                                np.nan):
        if out is None:
            out = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
        out[(slice(None),) + position] = reduce(window, axis=tuple(range(1, rank + 1)))
    return out


def to_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def to_format(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def run_layer(layer, x, weights=None):
    """Apply ``layer`` in a one-layer model; check the static shapes; return the output."""
    inputs = Input(shape=x.shape[1:])
    outputs = layer(inputs)
    if weights is not None:
        layer.set_weights(weights)
    result = Model(inputs, outputs).predict(x, batch_size=len(x))
    expected_static = (None,) + result.shape[1:]
    assert outputs._keras_shape == expected_static
    assert K.int_shape(outputs) == expected_static
    assert layer.compute_output_shape(x.shape) == result.shape
    assert layer.output_shape == expected_static
    return result


def rng():
    return np.random.RandomState(1234)


# --- helpers ----------------------------------------------------------------------------------

def test_normalize_tuple_and_output_length():
    assert normalize_tuple(3, 2, "kernel_size") == (3, 3)
    assert normalize_tuple([1, 2], 2, "strides") == (1, 2)
    assert normalize_tuple(np.int64(2), 1, "strides") == (2,)
    for bad in (0, (1, 2, 3), "3", 1.5, True, (2, -1)):
        with pytest.raises(ValueError, match="kernel_size"):
            normalize_tuple(bad, 2, "kernel_size")
    assert conv_output_length(None, 3, "valid", 1) is None
    assert conv_output_length(9, 3, "valid", 2) == 4
    assert conv_output_length(9, 3, "same", 2) == 5
    assert conv_output_length(9, 3, "causal", 1, dilation=4) == 9
    assert conv_output_length(9, 3, "full", 1) == 11
    assert conv_output_length(9, 3, "valid", 1, dilation=3) == 3
    with pytest.raises(ValueError, match="padding"):
        conv_output_length(9, 3, "reflect", 1)


# --- convolution values -----------------------------------------------------------------------

CONV2D_CASES = [  # strides, padding, dilation_rate
    ((1, 1), "valid", (1, 1)),
    ((2, 2), "same", (1, 1)),
    ((2, 1), "valid", (1, 1)),
    ((1, 1), "same", (2, 2)),
    ((1, 1), "valid", (2, 1)),
    ((2, 2), "same", (2, 2)),
    ((3, 2), "same", (1, 1)),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("strides,padding,dilation", CONV2D_CASES)
def test_conv2d_matches_numpy(data_format, strides, padding, dilation):
    r = rng()
    x_last = r.randn(2, 7, 8, 3).astype("float32")
    kernel = r.randn(3, 2, 3, 4).astype("float32")
    bias = r.randn(4).astype("float32")
    layer = Conv2D(4, (3, 2), strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation)
    got = run_layer(layer, to_format(x_last, data_format), [kernel, bias])
    expected = reference_conv(x_last, kernel, bias, strides, padding, dilation)
    np.testing.assert_allclose(got, to_format(expected, data_format), atol=ATOL, rtol=1e-4)


CONV1D_CASES = [  # strides, padding, dilation_rate
    (1, "valid", 1),
    (2, "same", 1),
    (1, "causal", 2),
    (2, "causal", 1),
    (1, "same", 3),
    (3, "valid", 2),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("strides,padding,dilation", CONV1D_CASES)
def test_conv1d_matches_numpy(data_format, strides, padding, dilation):
    r = rng()
    x_last = r.randn(2, 10, 3).astype("float32")
    kernel = r.randn(3, 3, 5).astype("float32")
    bias = r.randn(5).astype("float32")
    layer = Conv1D(5, 3, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation)
    got = run_layer(layer, to_format(x_last, data_format), [kernel, bias])
    expected = reference_conv(x_last, kernel, bias, (strides,), padding, (dilation,))
    np.testing.assert_allclose(got, to_format(expected, data_format), atol=ATOL, rtol=1e-4)


def test_causal_conv1d_does_not_see_the_future():
    r = rng()
    x = r.randn(1, 12, 2).astype("float32")
    layer = Conv1D(3, 3, padding="causal", dilation_rate=2)
    before = run_layer(layer, x)
    changed = x.copy()
    changed[:, 7:] += 10.0
    after = run_layer(layer, changed)
    np.testing.assert_allclose(before[:, :7], after[:, :7], atol=ATOL)
    assert not np.allclose(before[:, 7:], after[:, 7:])


def test_conv_activation_no_bias_and_weight_layout():
    r = rng()
    x = r.randn(2, 5, 5, 2).astype("float32")
    layer = Conv2D(3, 2, activation="relu", use_bias=False, name="feat")
    kernel = r.randn(2, 2, 2, 3).astype("float32")
    got = run_layer(layer, x, [kernel])
    assert [K.int_shape(w) for w in layer.weights] == [(2, 2, 2, 3)]
    expected = np.maximum(reference_conv(x, kernel, 0.0, (1, 1), "valid", (1, 1)), 0)
    np.testing.assert_allclose(got, expected, atol=ATOL)
    conv1d = Conv1D(6, 4)
    conv1d(Input(shape=(9, 5)))
    assert [K.int_shape(w) for w in conv1d.weights] == [(4, 5, 6), (6,)]
    assert conv1d.count_params() == 4 * 5 * 6 + 6


def test_unknown_spatial_dims_and_fixed_batch():
    r = rng()
    inputs = Input(shape=(None, None, 2))
    layer = Conv2D(3, 3, strides=2, padding="same")
    outputs = layer(inputs)
    assert outputs._keras_shape == (None, None, None, 3)
    model = Model(inputs, outputs)
    kernel, bias = layer.get_weights()
    for rows, cols in [(5, 7), (8, 4)]:
        x = r.randn(2, rows, cols, 2).astype("float32")
        expected = reference_conv(x, kernel, bias, (2, 2), "same", (1, 1))
        np.testing.assert_allclose(model.predict(x), expected, atol=ATOL, rtol=1e-4)
    fixed = Input(batch_shape=(4, 6, 6, 1))
    assert MaxPooling2D()(Conv2D(2, 3)(fixed))._keras_shape == (4, 2, 2, 2)


# --- pooling values ---------------------------------------------------------------------------

POOL2D_CASES = [  # pool_size, strides, padding
    ((2, 2), None, "valid"),
    ((3, 3), (2, 2), "same"),
    ((3, 2), (1, 2), "valid"),
    ((2, 3), (2, 2), "same"),
]


@pytest.mark.parametrize("layer_class,mode", [(MaxPooling2D, "max"), (AveragePooling2D, "avg")])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("pool_size,strides,padding", POOL2D_CASES)
def test_pool2d_matches_numpy(layer_class, mode, data_format, pool_size, strides, padding):
    x_last = rng().randn(2, 7, 6, 3).astype("float32")
    layer = layer_class(pool_size, strides=strides, padding=padding, data_format=data_format)
    got = run_layer(layer, to_format(x_last, data_format))
    expected = reference_pool(x_last, pool_size, strides or pool_size, padding, mode)
    np.testing.assert_allclose(got, to_format(expected, data_format), atol=ATOL, rtol=1e-5)


POOL1D_CASES = [(2, None, "valid"), (3, 2, "same"), (3, 1, "valid"), (4, 3, "same")]


@pytest.mark.parametrize("layer_class,mode", [(MaxPooling1D, "max"), (AveragePooling1D, "avg")])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("pool_size,strides,padding", POOL1D_CASES)
def test_pool1d_matches_numpy(layer_class, mode, data_format, pool_size, strides, padding):
    x_last = rng().randn(2, 9, 3).astype("float32")
    layer = layer_class(pool_size, strides=strides, padding=padding, data_format=data_format)
    got = run_layer(layer, to_format(x_last, data_format))
    expected = reference_pool(x_last, (pool_size,), (strides or pool_size,), padding, mode)
    np.testing.assert_allclose(got, to_format(expected, data_format), atol=ATOL, rtol=1e-5)


@pytest.mark.parametrize("layer_class,reduce,rank", [
    (GlobalMaxPooling1D, np.max, 1), (GlobalAveragePooling1D, np.mean, 1),
    (GlobalMaxPooling2D, np.max, 2), (GlobalAveragePooling2D, np.mean, 2)])
@pytest.mark.parametrize("data_format", FORMATS)
def test_global_pooling_matches_numpy(layer_class, reduce, rank, data_format):
    x_last = rng().randn(2, *([5, 4][:rank]), 3).astype("float32")
    got = run_layer(layer_class(data_format=data_format), to_format(x_last, data_format))
    expected = reduce(x_last, axis=tuple(range(1, rank + 1)))
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-5)


@pytest.mark.parametrize("data_format", FORMATS)
def test_global_average_pooling1d_mask(data_format):
    r = rng()
    x_last = r.randn(3, 5, 2).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=bool)
    layer = GlobalAveragePooling1D(data_format=data_format)
    inputs = K.placeholder(shape=(None,) + to_format(x_last, data_format).shape[1:])
    mask_input = K.placeholder(shape=(None, 5), dtype="bool")
    outputs = layer.call(inputs, mask=mask_input)
    assert layer.supports_masking and layer.compute_mask(inputs, mask_input) is None
    got = K.function([inputs, mask_input], [outputs])([to_format(x_last, data_format), mask])[0]
    expected = [x_last[i][mask[i]].mean(axis=0) for i in range(3)]
    np.testing.assert_allclose(got, np.stack(expected), atol=ATOL, rtol=1e-5)


# --- errors -----------------------------------------------------------------------------------

def test_undefined_channel_dimension_names_the_layer():
    with pytest.raises(ValueError, match=r"channel dimension.*'probe'.*\(None, 6, 6, None\)"):
        Conv2D(2, 3, name="probe")(Input(shape=(6, 6, None)))
    with pytest.raises(ValueError, match=r"channel dimension.*axis 1.*channels_first"):
        Conv1D(2, 3, data_format="channels_first")(Input(shape=(None, 6)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"Conv2D.*padding.*'causal'"):
        Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"padding.*'full'"):
        Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match=r"MaxPooling2D.*padding.*'causal'"):
        MaxPooling2D(padding="causal")
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="strides"):
        Conv1D(2, 3, strides=0)
    with pytest.raises(ValueError, match="filters"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match="pool_size"):
        AveragePooling1D(pool_size=(2, 2))
    with pytest.raises(ValueError, match="data_format"):
        Conv2D(2, 3, data_format="channels_middle")
    with pytest.raises(ValueError, match="data_format"):
        GlobalMaxPooling2D(data_format="NHWC")


def test_window_larger_than_input_and_wrong_rank():
    with pytest.raises(ValueError, match=r"'big'.*does not fit.*\(None, 4, 4, 1\)"):
        Conv2D(2, 5, name="big")(Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match=r"size 3 \(dilation 3\) does not fit"):
        Conv1D(2, 3, dilation_rate=3)(Input(shape=(6, 1)))
    with pytest.raises(ValueError, match="does not fit"):
        MaxPooling1D(4)(Input(shape=(3, 2)))
    assert Conv2D(2, 5, padding="same")(Input(shape=(4, 4, 1)))._keras_shape == (None, 4, 4, 2)
    with pytest.raises(ValueError, match="expected ndim=4"):
        Conv2D(2, 3)(Input(shape=(6, 1)))
    with pytest.raises(ValueError, match="expected ndim=3"):
        GlobalAveragePooling1D()(Input(shape=(6, 6, 1)))
    layer = Conv2D(2, 3)
    layer(Input(shape=(6, 6, 3)))
    with pytest.raises(ValueError, match="expected axis -1"):
        layer(Input(shape=(6, 6, 4)))


# --- configs ----------------------------------------------------------------------------------

CONV_KEYS = {"name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
             "data_format", "dilation_rate", "activation", "use_bias", "kernel_initializer",
             "bias_initializer", "kernel_regularizer", "bias_regularizer",
             "activity_regularizer", "kernel_constraint", "bias_constraint"}
POOL_KEYS = {"name", "trainable", "dtype", "pool_size", "padding", "strides", "data_format"}
GLOBAL_KEYS = {"name", "trainable", "dtype", "data_format"}


def _json_round_trip(config):
    return json.loads(json.dumps(config))


def _as_lists(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("make,keys", [
    (lambda: Conv2D(8, (3, 2), strides=(2, 1), padding="same", data_format="channels_first",
                    dilation_rate=1, activation="relu", use_bias=False,
                    kernel_initializer="he_normal", bias_initializer="ones",
                    kernel_regularizer=regularizers.l2(0.01),
                    bias_regularizer=regularizers.l1(0.02),
                    activity_regularizer="l1_l2",
                    kernel_constraint=constraints.max_norm(2.0),
                    bias_constraint="non_neg", name="c2"), CONV_KEYS),
    (lambda: Conv1D(4, 5, padding="causal", dilation_rate=2, activation="tanh",
                    kernel_initializer=initializers.RandomNormal(stddev=0.1, seed=3),
                    input_shape=(20, 3)), CONV_KEYS | {"batch_input_shape"}),
    (lambda: Convolution2D(2, 3), CONV_KEYS),
    (lambda: MaxPooling2D((3, 3), strides=(1, 2), padding="same"), POOL_KEYS),
    (lambda: AveragePooling2D(data_format="channels_first"), POOL_KEYS),
    (lambda: pooling.MaxPool1D(3, padding="same", data_format="channels_first"), POOL_KEYS),
    (lambda: pooling.AvgPool1D(), POOL_KEYS),
    (lambda: GlobalMaxPooling1D(data_format="channels_first"), GLOBAL_KEYS),
    (lambda: pooling.GlobalAvgPool1D(), GLOBAL_KEYS),
    (lambda: pooling.GlobalMaxPool2D(), GLOBAL_KEYS),
    (lambda: GlobalAveragePooling2D(data_format="channels_first"), GLOBAL_KEYS),
])
def test_config_round_trip(make, keys):
    layer = make()
    config = layer.get_config()
    assert set(config) == keys
    rebuilt = type(layer).from_config(_json_round_trip(config))
    assert _as_lists(rebuilt.get_config()) == _as_lists(config)
    assert type(rebuilt) is type(layer)


def test_config_values_are_keras2():
    config = Conv2D(8, 3, activation=None, data_format="channels_last").get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["dilation_rate"] == (1, 1) and config["activation"] == "linear"
    assert config["kernel_initializer"]["class_name"] == "VarianceScaling"
    assert config["bias_initializer"] == {"class_name": "Zeros", "config": {}}
    assert config["kernel_regularizer"] is None and config["kernel_constraint"] is None
    assert MaxPooling1D(3).get_config()["strides"] == (3,)
    assert MaxPooling2D().get_config()["pool_size"] == (2, 2)
    assert Conv1D(2, 3).get_config()["data_format"] == "channels_last"
    assert Conv2D(2, 3).get_config()["data_format"] == K.image_data_format()


def test_aliases():
    assert Convolution1D is Conv1D and Convolution2D is Conv2D
    assert pooling.MaxPool2D is MaxPooling2D and pooling.AvgPool2D is AveragePooling2D
    assert pooling.MaxPool1D is MaxPooling1D and pooling.AvgPool1D is AveragePooling1D
    assert pooling.GlobalMaxPool1D is GlobalMaxPooling1D
    assert pooling.GlobalAvgPool1D is GlobalAveragePooling1D
    assert pooling.GlobalMaxPool2D is GlobalMaxPooling2D
    assert pooling.GlobalAvgPool2D is GlobalAveragePooling2D
    for module in (convolutional, pooling):
        for name in module.__all__:
            assert getattr(module, name).__doc__, name


def keras1(make):
    """``make()``, with the Keras 1 names it warned about (warnings must point at the caller)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    assert caught and all(w.category is DeprecationWarning and w.filename == __file__
                          for w in caught)
    return result, {str(w.message).split("`")[1] for w in caught}


def test_keras1_argument_names():
    layer, names = keras1(lambda: Convolution2D(
        8, 3, 3, border_mode="same", subsample=(2, 2), dim_ordering="th", init="he_uniform",
        W_regularizer="l2", bias=False))
    assert names == {"nb_row/nb_col", "border_mode", "subsample", "dim_ordering", "init",
                     "W_regularizer", "bias"}
    config = layer.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (2, 2)
    assert config["padding"] == "same" and config["data_format"] == "channels_first"
    assert config["use_bias"] is False and config["kernel_regularizer"] is not None
    assert keras1(lambda: Conv2D(4, 5, nb_col=2))[0].kernel_size == (5, 2)
    assert keras1(lambda: Conv2D(4, nb_row=1, nb_col=2))[0].kernel_size == (1, 2)
    layer, names = keras1(lambda: Convolution1D(nb_filter=4, filter_length=3,
                                                subsample_length=2, input_dim=5,
                                                input_length=10))
    assert names == {"nb_filter", "filter_length", "subsample_length", "input_dim"}
    assert layer.batch_input_shape == (None, 10, 5) and layer.strides == (2,)
    pool, _ = keras1(lambda: MaxPooling1D(pool_length=3, stride=1, border_mode="same"))
    assert (pool.pool_size, pool.strides, pool.padding) == ((3,), (1,), "same")
    assert keras1(lambda: MaxPooling2D(dim_ordering="tf"))[0].data_format == "channels_last"
    assert keras1(lambda: GlobalAveragePooling2D(dim_ordering="th"))[0].data_format == \
        "channels_first"
    with pytest.raises(ValueError, match="strides"):
        Conv2D(4, 3, 3, strides=2)
    with pytest.raises(ValueError, match="dim_ordering"):
        Conv2D(4, 3, dim_ordering="nhwc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Conv2D(4, 3, (2, 2)).strides == (2, 2)  # Keras 2 positional strides


# --- models -----------------------------------------------------------------------------------

def _bars(count, seed=0):
    """Images with one horizontal (class 0) or vertical (class 1) bar, and one-hot labels."""
    r = np.random.RandomState(seed)
    x = 0.1 * r.rand(count, 8, 8, 1).astype("float32")
    labels = r.randint(0, 2, count)
    for i, label in enumerate(labels):
        where = r.randint(1, 7)
        if label == 0:
            x[i, where, 1:7, 0] = 1.0
        else:
            x[i, 1:7, where, 0] = 1.0
    return x, np.eye(2, dtype="float32")[labels]


def test_small_convnet_trains_with_global_pooling():
    x, y = _bars(32)
    model = Sequential([
        Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
        Conv2D(4, 3, activation="relu"),
        MaxPooling2D(),
        Conv2D(2, 1),
        GlobalAveragePooling2D(),
    ])
    assert model.output_shape == (None, 2)
    model.compile(optimizer="adam", loss="mse")
    first = model.evaluate(x, y, verbose=0)
    for _ in range(15):
        model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < first


def test_convnet_with_dense_head_trains():
    from polykeras.layers import Dense, Flatten
    x, y = _bars(32, seed=1)
    inputs = Input(shape=(8, 8, 1))
    h = Conv2D(4, 3, activation="relu")(inputs)
    h = Conv2D(4, 3, activation="relu")(h)
    h = MaxPooling2D()(h)
    outputs = Dense(2, activation="softmax")(Flatten()(h))
    model = Model(inputs, outputs)
    assert model.output_shape == (None, 2)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    first = model.evaluate(x, y, verbose=0)
    for _ in range(10):
        model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < first


def test_model_config_round_trip_keeps_outputs():
    model = Sequential([
        Conv2D(3, 3, padding="same", input_shape=(6, 6, 2), name="c"),
        MaxPooling2D(strides=1, name="p"),
        GlobalAveragePooling2D(name="g"),
    ])
    objects = {cls.__name__: cls for cls in (Conv2D, MaxPooling2D, GlobalAveragePooling2D)}
    config = _json_round_trip(model.get_config())
    clone = Sequential.from_config(config, custom_objects=objects)
    clone.set_weights(model.get_weights())
    x = rng().randn(3, 6, 6, 2).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), atol=ATOL)
    assert [layer.name for layer in clone.layers] == ["c", "p", "g"]


def test_conv_regularizers_add_losses():
    layer = Conv2D(2, 3, kernel_regularizer=regularizers.l2(0.5),
                   activity_regularizer=regularizers.l1(0.1))
    layer(Input(shape=(5, 5, 1)))
    assert len(layer.losses) == 2
    kernel = layer.get_weights()[0]
    penalty = K.eval(layer.losses[0])
    np.testing.assert_allclose(penalty, 0.5 * np.sum(kernel ** 2), rtol=1e-5)


# --- Keras 2 (tf_keras) interchange, where tf_keras is installed ------------------------------

@pytest.mark.parametrize("make", [
    lambda: Conv2D(3, (3, 2), strides=(2, 1), padding="same", activation="relu"),
    lambda: Conv2D(3, 3, dilation_rate=2),
    lambda: Conv1D(4, 3, padding="causal", dilation_rate=2),
    lambda: MaxPooling2D(3, strides=2, padding="same"),
    lambda: AveragePooling2D(3, strides=2, padding="same"),
    lambda: AveragePooling1D(3, strides=2, padding="same"),
    lambda: GlobalMaxPooling1D(),
])
def test_same_outputs_and_weights_as_tf_keras(make):
    tf_keras = pytest.importorskip("tf_keras")
    layer = make()
    rank = 1 if type(layer).__name__.endswith("1D") else 2
    x = rng().randn(2, *([9, 8][:rank]), 2).astype("float32")
    ours = run_layer(layer, x)
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    theirs_layer = getattr(tf_keras.layers, type(layer).__name__).from_config(config)
    theirs_layer.build(x.shape)
    weights = layer.get_weights()
    assert [w.shape for w in theirs_layer.get_weights()] == [w.shape for w in weights]
    theirs_layer.set_weights(weights)
    np.testing.assert_allclose(ours, np.asarray(theirs_layer(x)), atol=ATOL, rtol=1e-4)
