"""Conv3D, separable, depthwise and transposed convolutions, cropping, upsampling,
zero padding and 3D pooling, checked against direct NumPy computations.

The references loop over output (or input) positions on tiny inputs, with the
TensorFlow padding rule, so they share no code with the layers or the
backends. A transposed convolution is computed from its definition: every
input position scatters ``x[i] . kernel[t]`` to output ``i * stride + t *
dilation``, then the 'same' padding of the matching forward convolution is
cut off. Every case also checks the static shapes against the computed one.
Where tf_keras is installed (the tensorflow environment), the same layers
with the same weights are compared with it.
"""
import itertools
import json
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers as L
from polykeras.engine import Input, Model, Sequential
from polykeras.layers import convolutional, pooling

FORMATS = ["channels_last", "channels_first"]
ATOL = 1e-4


# --- NumPy references (channels_last) ---------------------------------------------------------

def same_pads(n, window, stride):
    """(before, after) padding of TensorFlow's 'same' rule for an input of length ``n``."""
    out = -(-n // stride)
    total = max((out - 1) * stride + window - n, 0)
    return total // 2, total - total // 2


def _pads(n, window, stride, padding):
    if padding == "same":
        return same_pads(n, window, stride)
    if padding == "causal":
        return window - 1, 0
    return 0, 0


def reference_conv(x, kernel, strides, padding, dilations):
    """Cross-correlation of channels_last ``x`` with ``kernel`` (k..., in, out); no bias."""
    rank = x.ndim - 2
    spans = [(k - 1) * d + 1 for k, d in zip(kernel.shape[:rank], dilations)]
    pads = [(0, 0)] + [_pads(x.shape[1 + i], spans[i], strides[i], padding)
                       for i in range(rank)] + [(0, 0)]
    xp = np.pad(x.astype(np.float64), pads)
    outs = [(xp.shape[1 + i] - spans[i]) // strides[i] + 1 for i in range(rank)]
    out = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for position in itertools.product(*(range(n) for n in outs)):
        index = tuple(slice(p * s, p * s + span, d)
                      for p, s, span, d in zip(position, strides, spans, dilations))
        out[(slice(None),) + position] = np.tensordot(xp[(slice(None),) + index], kernel,
                                                      axes=rank + 1)
    return out


def depthwise_as_full(depthwise_kernel):
    """The (k..., C, C * M) kernel of an ordinary convolution equal to a depthwise one."""
    *sizes, channels, multiplier = depthwise_kernel.shape
    full = np.zeros((*sizes, channels, channels * multiplier))
    for c in range(channels):
        full[..., c, c * multiplier:(c + 1) * multiplier] = depthwise_kernel[..., c, :]
    return full


def reference_conv_transpose(x, kernel, strides, padding, dilations, lengths):
    """Transposed convolution of channels_last ``x``; kernel (k..., filters, in)."""
    rank = x.ndim - 2
    sizes = kernel.shape[:rank]
    full_sizes = [(n - 1) * s + (k - 1) * d + 1
                  for n, k, s, d in zip(x.shape[1:-1], sizes, strides, dilations)]
    befores = [same_pads(length, (k - 1) * d + 1, s)[0] if padding == "same" else 0
               for length, k, s, d in zip(lengths, sizes, strides, dilations)]
    extent = [max(f, b + length) for f, b, length in zip(full_sizes, befores, lengths)]
    full = np.zeros((x.shape[0], *extent, kernel.shape[-2]))
    for position in itertools.product(*(range(n) for n in x.shape[1:-1])):
        for tap in itertools.product(*(range(k) for k in sizes)):
            target = tuple(p * s + t * d for p, t, s, d in zip(position, tap, strides, dilations))
            full[(slice(None),) + target] += x[(slice(None),) + position] @ kernel[tap].T
    window = tuple(slice(b, b + length) for b, length in zip(befores, lengths))
    return full[(slice(None),) + window]


def reference_pool(x, pool_size, strides, padding, mode):
    rank = x.ndim - 2
    reduce = np.nanmax if mode == "max" else np.nanmean
    pads = [(0, 0)] + [_pads(x.shape[1 + i], pool_size[i], strides[i], padding)
                       for i in range(rank)] + [(0, 0)]
    xp = np.pad(x.astype(np.float64), pads, constant_values=np.nan)
    outs = [(xp.shape[1 + i] - pool_size[i]) // strides[i] + 1 for i in range(rank)]
    out = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for position in itertools.product(*(range(n) for n in outs)):
        index = tuple(slice(p * s, p * s + k) for p, s, k in zip(position, strides, pool_size))
        out[(slice(None),) + position] = reduce(xp[(slice(None),) + index],
                                                axis=tuple(range(1, rank + 1)))
    return out


def reference_bilinear(x, factors):
    """TF1 ``resize_bilinear`` (align_corners=False): output ``o`` samples input ``o / f``."""
    for axis, factor in zip((1, 2), factors):
        n = x.shape[axis]
        source = np.arange(n * factor) / factor
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, n - 1)
        shape = [1] * x.ndim
        shape[axis] = -1
        weight = (source - low).reshape(shape)
        x = np.take(x, low, axis=axis) * (1 - weight) + np.take(x, high, axis=axis) * weight
    return x


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
    return result


def run_layers(cases):
    """Apply each ``(layer, x, weights)`` of ``cases`` in one model (one compiled function).

    Checks every layer's static shapes against its computed output; returns
    the outputs in order. The inputs must share their batch size.
    """
    inputs = [Input(shape=x.shape[1:]) for _, x, _ in cases]
    outputs = [layer(tensor) for (layer, _, _), tensor in zip(cases, inputs)]
    for layer, _, weights in cases:
        if weights is not None:
            layer.set_weights(weights)
    results = Model(inputs, outputs).predict([x for _, x, _ in cases])
    results = results if isinstance(results, list) else [results]
    for (layer, x, _), tensor, result in zip(cases, outputs, results):
        assert tensor._keras_shape == (None,) + result.shape[1:], layer.get_config()
        assert layer.compute_output_shape(x.shape) == result.shape, layer.get_config()
    return results


def rng():
    return np.random.RandomState(4321)


def random_weights(layer, r):
    return [r.uniform(-1, 1, w.shape).astype("float32") for w in layer.get_weights()]


# --- convolutions -----------------------------------------------------------------------------

CONV3D_CASES = [  # strides, padding, dilation_rate
    ((1, 1, 1), "valid", (1, 1, 1)),
    ((2, 1, 2), "same", (1, 1, 1)),
    ((1, 1, 1), "same", (1, 2, 1)),
]


def test_keras2_import_paths_of_the_convolutional_module():
    # Keras 2 kept these in keras.layers.convolutional; code importing them
    # from there (or subclassing its _Conv base) gets the same classes.
    for name in ("SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D", "Cropping2D",
                 "ZeroPadding3D", "UpSampling1D", "Conv2DTranspose"):
        assert getattr(convolutional, name) is getattr(L, name)
    assert issubclass(L.Conv2D, convolutional._Conv)
    assert issubclass(L.SeparableConv2D, convolutional._Conv)
    assert len(L.__all__) == len(set(L.__all__))


def test_conv3d_matches_numpy():
    r = rng()
    x_last = r.randn(2, 4, 5, 4, 2).astype("float32")
    kernel = r.randn(2, 3, 2, 2, 3).astype("float32")
    bias = r.randn(3).astype("float32")
    configs = list(itertools.product(FORMATS, CONV3D_CASES))
    got = run_layers([
        (L.Conv3D(3, (2, 3, 2), strides=strides, padding=padding, data_format=data_format,
                  dilation_rate=dilation), to_format(x_last, data_format), [kernel, bias])
        for data_format, (strides, padding, dilation) in configs])
    for result, (data_format, (strides, padding, dilation)) in zip(got, configs):
        expected = reference_conv(x_last, kernel, strides, padding, dilation) + bias
        np.testing.assert_allclose(result, to_format(expected, data_format), atol=ATOL,
                                   rtol=1e-4, err_msg=f"{data_format} {strides} {padding}")


DEPTHWISE_CASES = [  # strides, padding, dilation_rate, depth_multiplier
    ((1, 1), "valid", (1, 1), 1),
    ((2, 2), "same", (1, 1), 2),
    ((1, 1), "same", (2, 2), 3),
    ((2, 1), "valid", (1, 1), 2),
]


@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_and_separable_conv2d_match_numpy(data_format):
    r = rng()
    x_last = r.randn(2, 6, 5, 3).astype("float32")
    x = to_format(x_last, data_format)
    cases, expected = [], []
    for strides, padding, dilation, multiplier in DEPTHWISE_CASES:
        depthwise = r.randn(3, 2, 3, multiplier).astype("float32")
        pointwise = r.randn(1, 1, 3 * multiplier, 4).astype("float32")
        bias_d = r.randn(3 * multiplier).astype("float32")
        bias_s = r.randn(4).astype("float32")
        stage = reference_conv(x_last, depthwise_as_full(depthwise), strides, padding, dilation)
        cases.append((L.DepthwiseConv2D((3, 2), strides=strides, padding=padding,
                                        depth_multiplier=multiplier, data_format=data_format,
                                        dilation_rate=dilation), x, [depthwise, bias_d]))
        expected.append(stage + bias_d)
        cases.append((L.SeparableConv2D(4, (3, 2), strides=strides, padding=padding,
                                        depth_multiplier=multiplier, data_format=data_format,
                                        dilation_rate=dilation, activation="relu"),
                      x, [depthwise, pointwise, bias_s]))
        expected.append(np.maximum(np.tensordot(stage, pointwise[0, 0], axes=1) + bias_s, 0))
    for (layer, _, _), result, want in zip(cases, run_layers(cases), expected):
        np.testing.assert_allclose(result, to_format(want, data_format), atol=ATOL, rtol=1e-4,
                                   err_msg=str(layer.get_config()))


def test_separable_conv1d_matches_numpy():
    r = rng()
    x_last = r.randn(2, 7, 2).astype("float32")
    depthwise = r.randn(3, 2, 2).astype("float32")
    pointwise = r.randn(1, 4, 3).astype("float32")
    bias = r.randn(3).astype("float32")
    configs = list(itertools.product(FORMATS, [(1, "valid", 1), (2, "same", 1),
                                               (1, "causal", 2), (1, "same", 2)]))
    got = run_layers([
        (L.SeparableConv1D(3, 3, strides=strides, padding=padding, data_format=data_format,
                           dilation_rate=dilation, depth_multiplier=2),
         to_format(x_last, data_format), [depthwise, pointwise, bias])
        for data_format, (strides, padding, dilation) in configs])
    for result, (data_format, (strides, padding, dilation)) in zip(got, configs):
        stage = reference_conv(x_last, depthwise_as_full(depthwise), (strides,), padding,
                               (dilation,))
        expected = np.tensordot(stage, pointwise[0], axes=1) + bias
        np.testing.assert_allclose(result, to_format(expected, data_format), atol=ATOL,
                                   rtol=1e-4, err_msg=f"{data_format} {strides} {padding}")


def test_causal_separable_conv1d_does_not_see_the_future():
    x = rng().randn(1, 9, 2).astype("float32")
    layer = L.SeparableConv1D(2, 3, padding="causal", dilation_rate=2)
    model = Sequential([layer], )
    model.build((None, 9, 2))
    before = model.predict(x)
    changed = x.copy()
    changed[:, 5:] += 5.0
    after = model.predict(changed)
    np.testing.assert_allclose(before[:, :5], after[:, :5], atol=ATOL)
    assert not np.allclose(before[:, 5:], after[:, 5:])


TRANSPOSE2D_CASES = [  # kernel, strides, padding, output_padding, dilation, expected (rows, cols)
    ((3, 3), (1, 1), "valid", None, (1, 1), (5, 6)),
    ((3, 3), (2, 2), "same", None, (1, 1), (6, 8)),
    ((3, 2), (2, 3), "valid", None, (1, 1), (7, 12)),
    ((3, 3), (2, 2), "same", (1, 1), (1, 1), (6, 8)),
    ((3, 2), (3, 2), "valid", (2, 1), (1, 1), (11, 9)),
    ((2, 2), (1, 1), "valid", None, (2, 2), (5, 6)),
    ((3, 2), (1, 1), "same", None, (1, 2), (3, 4)),
    ((2, 3), (2, 2), "same", (1, 1), (1, 1), (5, 8)),
]


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv2d_transpose_matches_numpy(data_format):
    r = rng()
    x_last = r.randn(2, 3, 4, 3).astype("float32")
    cases, expected = [], []
    for kernel_size, strides, padding, output_padding, dilation, lengths in TRANSPOSE2D_CASES:
        kernel = r.randn(*kernel_size, 2, 3).astype("float32")
        bias = r.randn(2).astype("float32")
        cases.append((L.Conv2DTranspose(2, kernel_size, strides=strides, padding=padding,
                                        output_padding=output_padding, data_format=data_format,
                                        dilation_rate=dilation),
                      to_format(x_last, data_format), [kernel, bias]))
        expected.append(reference_conv_transpose(x_last, kernel, strides, padding, dilation,
                                                 lengths) + bias)
    for (layer, _, _), result, want in zip(cases, run_layers(cases), expected):
        np.testing.assert_allclose(result, to_format(want, data_format), atol=ATOL, rtol=1e-4,
                                   err_msg=str(layer.get_config()))


def test_conv2d_transpose_inverts_the_shape_of_a_strided_conv2d():
    inputs = Input(shape=(9, 7, 3))
    down = L.Conv2D(4, 3, strides=2, padding="same")(inputs)
    up = L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=(0, 0))(down)
    assert down._keras_shape == (None, 5, 4, 4) and up._keras_shape == (None, 9, 7, 3)


def test_conv2d_transpose_with_unknown_spatial_sizes():
    r = rng()
    inputs = Input(shape=(None, None, 2))
    layer = L.Conv2DTranspose(3, 3, strides=2, padding="same")
    outputs = layer(inputs)
    assert outputs._keras_shape == (None, None, None, 3)
    model = Model(inputs, outputs)
    kernel, bias = layer.get_weights()
    for rows, cols in [(2, 3), (4, 1)]:
        x = r.randn(2, rows, cols, 2).astype("float32")
        expected = reference_conv_transpose(x, kernel, (2, 2), "same", (1, 1),
                                            (2 * rows, 2 * cols)) + bias
        np.testing.assert_allclose(model.predict(x), expected, atol=ATOL, rtol=1e-4)


def test_conv3d_transpose_matches_numpy():
    r = rng()
    x_last = r.randn(2, 2, 3, 2, 2).astype("float32")
    kernel = r.randn(2, 3, 2, 3, 2).astype("float32")
    bias = r.randn(3).astype("float32")
    configs = list(itertools.product(FORMATS, [((2, 1, 2), "same", None, (4, 3, 4)),
                                               ((2, 2, 1), "valid", (1, 0, 0), (5, 7, 3))]))
    got = run_layers([
        (L.Conv3DTranspose(3, (2, 3, 2), strides=strides, padding=padding,
                           output_padding=output_padding, data_format=data_format),
         to_format(x_last, data_format), [kernel, bias])
        for data_format, (strides, padding, output_padding, _) in configs])
    for result, (data_format, (strides, padding, _, lengths)) in zip(got, configs):
        expected = reference_conv_transpose(x_last, kernel, strides, padding, (1, 1, 1),
                                            lengths) + bias
        np.testing.assert_allclose(result, to_format(expected, data_format), atol=ATOL,
                                   rtol=1e-4, err_msg=f"{data_format} {strides} {padding}")


# --- cropping, padding, upsampling ------------------------------------------------------------

@pytest.mark.parametrize("data_format", FORMATS)
def test_cropping_and_zero_padding_match_numpy(data_format):
    r = rng()
    x2 = r.randn(2, 5, 6, 3).astype("float32")
    x3 = r.randn(2, 4, 5, 3, 2).astype("float32")
    cases = [
        (L.Cropping2D(((1, 2), (0, 3)), data_format=data_format), x2,
         lambda x: x[:, 1:3, 0:3]),
        (L.Cropping2D(1, data_format=data_format), x2, lambda x: x[:, 1:4, 1:5]),
        (L.Cropping3D((1, (0, 2), 1), data_format=data_format), x3,
         lambda x: x[:, 1:3, 0:3, 1:2]),
        (L.ZeroPadding2D(((1, 0), (2, 1)), data_format=data_format), x2,
         lambda x: np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0)))),
        (L.ZeroPadding3D((1, 0, 2), data_format=data_format), x3,
         lambda x: np.pad(x, ((0, 0), (1, 1), (0, 0), (2, 2), (0, 0)))),
    ]
    got = run_layers([(layer, to_format(x_last, data_format), None)
                      for layer, x_last, _ in cases])
    for (layer, x_last, expected), result in zip(cases, got):
        np.testing.assert_array_equal(result, to_format(expected(x_last), data_format),
                                      err_msg=str(layer.get_config()))


def test_1d_cropping_padding_upsampling():
    x = rng().randn(2, 5, 3).astype("float32")
    crop, crop_int, pad, up = run_layers([(L.Cropping1D((2, 1)), x, None),
                                          (L.Cropping1D(1), x, None),
                                          (L.ZeroPadding1D((0, 2)), x, None),
                                          (L.UpSampling1D(3), x, None)])
    np.testing.assert_array_equal(crop, x[:, 2:4])
    np.testing.assert_array_equal(crop_int, x[:, 1:4])
    np.testing.assert_array_equal(pad, np.pad(x, ((0, 0), (0, 2), (0, 0))))
    np.testing.assert_array_equal(up, np.repeat(x, 3, axis=1))


@pytest.mark.parametrize("data_format", FORMATS)
def test_upsampling_matches_numpy(data_format):
    r = rng()
    x2 = r.randn(2, 3, 4, 2).astype("float32")
    x3 = r.randn(2, 2, 3, 2, 2).astype("float32")
    nearest2d, nearest3d, bilinear = run_layers([
        (L.UpSampling2D((2, 3), data_format=data_format), to_format(x2, data_format), None),
        (L.UpSampling3D((1, 2, 3), data_format=data_format), to_format(x3, data_format), None),
        (L.UpSampling2D((3, 2), data_format=data_format, interpolation="bilinear"),
         to_format(x2, data_format), None)])
    expected = np.repeat(np.repeat(x2, 2, axis=1), 3, axis=2)
    np.testing.assert_array_equal(nearest2d, to_format(expected, data_format))
    expected = np.repeat(np.repeat(x3, 2, axis=2), 3, axis=3)
    np.testing.assert_array_equal(nearest3d, to_format(expected, data_format))
    np.testing.assert_allclose(bilinear, to_format(reference_bilinear(x2, (3, 2)), data_format),
                               atol=ATOL, rtol=1e-5)


def test_bilinear_upsampling_matches_tensorflow_resize_bilinear():
    tf = pytest.importorskip("tensorflow")
    x = rng().randn(2, 3, 5, 2).astype("float32")
    got = run_layer(L.UpSampling2D((2, 3), interpolation="bilinear"), x)
    theirs = tf.compat.v1.image.resize_bilinear(x, (6, 15), align_corners=False)
    np.testing.assert_allclose(got, np.asarray(theirs), atol=ATOL)


# --- 3D pooling -------------------------------------------------------------------------------

@pytest.mark.parametrize("data_format", FORMATS)
def test_pool3d_matches_numpy(data_format):
    x_last = rng().randn(2, 4, 5, 3, 2).astype("float32")
    x = to_format(x_last, data_format)
    configs = list(itertools.product(
        [(pooling.MaxPooling3D, "max"), (pooling.AveragePooling3D, "avg")],
        [((2, 2, 2), None, "valid"), ((3, 2, 2), (2, 1, 2), "same")]))
    got = run_layers([
        (layer_class(pool_size, strides=strides, padding=padding, data_format=data_format),
         x, None) for (layer_class, _), (pool_size, strides, padding) in configs])
    for result, ((_, mode), (pool_size, strides, padding)) in zip(got, configs):
        expected = reference_pool(x_last, pool_size, strides or pool_size, padding, mode)
        np.testing.assert_allclose(result, to_format(expected, data_format), atol=ATOL,
                                   rtol=1e-5, err_msg=f"{mode} {pool_size} {padding}")


@pytest.mark.parametrize("data_format", FORMATS)
def test_global_pooling3d_matches_numpy(data_format):
    x_last = rng().randn(2, 3, 2, 4, 3).astype("float32")
    x = to_format(x_last, data_format)
    maximum, mean = run_layers([(pooling.GlobalMaxPooling3D(data_format=data_format), x, None),
                                (pooling.GlobalAveragePooling3D(data_format=data_format), x,
                                 None)])
    np.testing.assert_allclose(maximum, x_last.max(axis=(1, 2, 3)), atol=ATOL)
    np.testing.assert_allclose(mean, x_last.mean(axis=(1, 2, 3)), atol=ATOL)


# --- weights, shapes without a backend, configs -----------------------------------------------

def test_weight_layouts_and_param_counts():
    inputs = Input(shape=(8, 8, 4))
    cases = [
        (L.SeparableConv2D(8, 3, depth_multiplier=2),
         [(3, 3, 4, 2), (1, 1, 8, 8), (8,)], 3 * 3 * 4 * 2 + 8 * 8 + 8),
        (L.DepthwiseConv2D(3, depth_multiplier=2), [(3, 3, 4, 2), (8,)], 3 * 3 * 4 * 2 + 8),
        (L.Conv2DTranspose(6, (3, 2)), [(3, 2, 6, 4), (6,)], 3 * 2 * 6 * 4 + 6),
    ]
    for layer, shapes, count in cases:
        layer(inputs)
        assert [K.int_shape(w) for w in layer.weights] == shapes
        assert layer.count_params() == count
    names = [w.name.split("/")[-1] for w in cases[0][0].weights]
    assert names == ["depthwise_kernel", "pointwise_kernel", "bias"]
    conv3d = L.Conv3D(4, 3, data_format="channels_first")
    conv3d(Input(shape=(2, 5, 5, 5)))
    assert [K.int_shape(w) for w in conv3d.weights] == [(3, 3, 3, 2, 4), (4,)]
    sep1d = L.SeparableConv1D(5, 2, depth_multiplier=3, use_bias=False)
    sep1d(Input(shape=(6, 2)))
    assert [K.int_shape(w) for w in sep1d.weights] == [(2, 2, 3), (1, 6, 5)]
    transpose3d = L.Conv3DTranspose(2, (1, 2, 3))
    transpose3d(Input(shape=(2, 2, 2, 5)))
    assert [K.int_shape(w) for w in transpose3d.weights] == [(1, 2, 3, 2, 5), (2,)]


def test_compute_output_shape_without_building():
    cases = [
        (L.Conv3D(4, 3, strides=2, padding="same"), (None, 9, None, 4, 2), (None, 5, None, 2, 4)),
        (L.Conv2DTranspose(4, 3, strides=2), (None, 5, None, 3), (None, 11, None, 4)),
        (L.Conv2DTranspose(4, 3, strides=2, padding="same", data_format="channels_first"),
         (7, 3, 5, 6), (7, 4, 10, 12)),
        (L.Conv3DTranspose(2, 2, strides=(1, 2, 3), output_padding=(0, 1, 2)),
         (None, 2, 3, 4, 1), (None, 3, 7, 13, 2)),
        (L.SeparableConv1D(3, 4, padding="causal", dilation_rate=2), (None, 10, 2),
         (None, 10, 3)),
        (L.DepthwiseConv2D(3, depth_multiplier=3, data_format="channels_first"),
         (None, 2, 6, 7), (None, 6, 4, 5)),
        (L.Cropping3D(((1, 0), (0, 0), (2, 2)), data_format="channels_first"),
         (None, 1, 3, None, 5), (None, 1, 2, None, 1)),
        (L.ZeroPadding2D(2), (None, None, 3, 1), (None, None, 7, 1)),
        (L.UpSampling3D(2), (None, 1, None, 3, 2), (None, 2, None, 6, 2)),
        (L.UpSampling1D(4), (None, 3, 2), (None, 12, 2)),
        (pooling.MaxPooling3D(3, strides=2, padding="same"), (None, 5, 6, 7, 2),
         (None, 3, 3, 4, 2)),
        (pooling.GlobalAveragePooling3D(data_format="channels_first"), (None, 4, 2, 2, 2),
         (None, 4)),
    ]
    for layer, input_shape, expected in cases:
        assert not layer.built
        assert layer.compute_output_shape(input_shape) == expected, type(layer).__name__


def _json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("make,extra_keys", [
    (lambda: L.Conv3D(2, 3, dilation_rate=2, kernel_regularizer="l2"), set()),
    (lambda: L.SeparableConv2D(4, 3, depth_multiplier=2, depthwise_regularizer="l1",
                               pointwise_constraint="non_neg", pointwise_initializer="ones"),
     set()),
    (lambda: L.SeparableConv1D(4, 3, padding="causal"), set()),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2, depthwise_initializer="he_normal"),
     set()),
    (lambda: L.Conv2DTranspose(3, 2, strides=2, output_padding=1, dilation_rate=1), set()),
    (lambda: L.Conv3DTranspose(3, 2, padding="same"), set()),
    (lambda: L.Cropping1D((1, 2)), set()),
    (lambda: L.Cropping2D(((1, 2), (3, 4)), data_format="channels_first"), set()),
    (lambda: L.Cropping3D(2), set()),
    (lambda: L.ZeroPadding1D(3), set()),
    (lambda: L.ZeroPadding2D((1, 2)), set()),
    (lambda: L.ZeroPadding3D(((0, 1), (2, 3), (4, 5))), set()),
    (lambda: L.UpSampling1D(3), set()),
    (lambda: L.UpSampling2D(2, interpolation="bilinear"), set()),
    (lambda: L.UpSampling3D((1, 2, 3), data_format="channels_first"), set()),
    (lambda: pooling.MaxPooling3D(3, strides=(1, 2, 1), padding="same"), set()),
    (lambda: pooling.AvgPool3D(), set()),
    (lambda: pooling.GlobalMaxPool3D(data_format="channels_first"), set()),
])
def test_config_round_trip(make, extra_keys):
    layer = make()
    config = layer.get_config()
    rebuilt = L.deserialize(_json({"class_name": type(layer).__name__, "config": config}))
    assert type(rebuilt) is type(layer)
    assert _json(rebuilt.get_config()) == _json(config)


def test_config_keys_are_keras2():
    separable = L.SeparableConv2D(4, 3).get_config()
    assert {"depth_multiplier", "depthwise_initializer", "pointwise_initializer",
            "depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint",
            "pointwise_constraint", "bias_initializer", "filters"} <= set(separable)
    assert not {"kernel_initializer", "kernel_regularizer", "kernel_constraint"} & set(separable)
    depthwise = L.DepthwiseConv2D(3).get_config()
    assert "filters" not in depthwise and depthwise["depth_multiplier"] == 1
    assert "kernel_initializer" not in depthwise
    assert L.Conv2DTranspose(2, 3).get_config()["output_padding"] is None
    assert "dilation_rate" not in L.Conv3DTranspose(2, 3).get_config()
    assert L.Cropping2D(1).get_config()["cropping"] == ((1, 1), (1, 1))
    assert L.ZeroPadding2D((1, 2)).get_config()["padding"] == ((1, 1), (2, 2))
    assert set(L.ZeroPadding1D().get_config()) == {"name", "trainable", "dtype", "padding"}
    assert L.ZeroPadding1D().get_config()["padding"] == (1, 1)
    assert set(L.Cropping1D().get_config()) == {"name", "trainable", "dtype", "cropping"}
    assert L.UpSampling1D().get_config()["size"] == 2
    assert L.UpSampling2D().get_config()["interpolation"] == "nearest"
    assert L.SeparableConv1D(2, 3).get_config()["data_format"] == "channels_last"


def test_aliases_and_exports():
    assert L.Convolution3D is L.Conv3D
    assert L.SeparableConvolution1D is L.SeparableConv1D
    assert L.SeparableConvolution2D is L.SeparableConv2D
    assert L.Convolution2DTranspose is L.Deconvolution2D is L.Deconv2D is L.Conv2DTranspose
    assert L.Deconvolution3D is L.Deconv3D is L.Conv3DTranspose
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    assert L.GlobalAvgPool3D is L.GlobalAveragePooling3D
    for module in (convolutional, pooling):
        for name in module.__all__:
            assert getattr(L, name) is getattr(module, name)
            assert getattr(module, name).__doc__, name


# --- Keras 1 argument names -------------------------------------------------------------------

def keras1(make):
    """``make()``, with the Keras 1 names it warned about (warnings must point at the caller)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    assert caught and all(w.category is DeprecationWarning and w.filename == __file__
                          for w in caught), [(w.filename, str(w.message)) for w in caught]
    return result, {str(w.message).split("`")[1] for w in caught}


def test_keras1_argument_names():
    layer, names = keras1(lambda: L.Convolution3D(8, 3, 2, 1, border_mode="same",
                                                  subsample=(2, 2, 2), dim_ordering="th"))
    assert names == {"kernel_dim1/kernel_dim2/kernel_dim3", "border_mode", "subsample",
                     "dim_ordering"}
    assert (layer.kernel_size, layer.strides, layer.padding, layer.data_format) == \
        ((3, 2, 1), (2, 2, 2), "same", "channels_first")
    layer, names = keras1(lambda: L.Deconvolution2D(4, 3, 3, (None, 14, 14, 4),
                                                    border_mode="same", subsample=(2, 2)))
    assert names == {"nb_row/nb_col", "output_shape", "border_mode", "subsample"}
    assert layer.compute_output_shape((None, 7, 7, 2)) == (None, 14, 14, 4)
    layer, names = keras1(lambda: L.SeparableConvolution2D(8, 3, 3, init="he_normal",
                                                           depth_multiplier=2))
    assert names == {"nb_row/nb_col", "init"}
    assert layer.get_config()["depthwise_initializer"]["class_name"] == "VarianceScaling"
    assert layer.get_config()["pointwise_initializer"] == \
        layer.get_config()["depthwise_initializer"]
    layer, _ = keras1(lambda: L.ZeroPadding2D(padding={"top_pad": 1, "left_pad": 2}))
    assert layer.padding == ((1, 0), (2, 0))
    assert keras1(lambda: L.UpSampling1D(length=3))[0].size == 3
    assert keras1(lambda: L.UpSampling2D(dim_ordering="th"))[0].data_format == "channels_first"
    assert keras1(lambda: L.Cropping2D(dim_ordering="tf"))[0].data_format == "channels_last"
    pool, _ = keras1(lambda: pooling.MaxPooling3D(border_mode="same", dim_ordering="th"))
    assert (pool.padding, pool.data_format) == ("same", "channels_first")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        atrous = L.AtrousConvolution1D(4, 3, atrous_rate=2)
        atrous2d = L.AtrousConv2D(4, 3, 3, atrous_rate=(2, 1))
    assert type(atrous) is L.Conv1D and atrous.dilation_rate == (2,)
    assert type(atrous2d) is L.Conv2D and atrous2d.dilation_rate == (2, 1)
    assert atrous2d.kernel_size == (3, 3)
    with pytest.raises(ValueError, match="kernel_dim1, kernel_dim2, kernel_dim3"):
        L.Conv3D(4, 3, kernel_dim3=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert L.Conv3D(4, 3, 2, "same").strides == (2, 2, 2)  # Keras 2 positional strides
        assert L.Conv2D(4, 3, 1, "same").padding == "same"


# --- errors -----------------------------------------------------------------------------------

def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"Conv2DTranspose.*output_padding.*smaller than.*"
                                         r"output_padding=\(2, 2\), strides=\(2, 2\)"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"output_padding"):
        L.Conv2DTranspose(2, 3, output_padding=(1, 2, 3))
    with pytest.raises(ValueError, match=r"SeparableConv2D.*depth_multiplier=0"):
        L.SeparableConv2D(2, 3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"DepthwiseConv2D.*padding.*'causal'"):
        L.DepthwiseConv2D(3, padding="causal")
    with pytest.raises(ValueError, match=r"Conv3D.*kernel_size"):
        L.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match=r"Cropping2D.*cropping.*\(1, -1\)"):
        L.Cropping2D(((1, -1), (0, 0)))
    with pytest.raises(ValueError, match=r"ZeroPadding2D.*padding.*\(1, 2, 3\)"):
        L.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"UpSampling2D.*interpolation.*'bicubic'"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"UpSampling3D.*size"):
        L.UpSampling3D((2, 2))
    with pytest.raises(ValueError, match=r"MaxPooling3D.*pool_size"):
        pooling.MaxPooling3D(pool_size=(2, 2))
    with pytest.raises(ValueError, match="data_format"):
        L.Cropping3D(data_format="NDHWC")
    with pytest.raises(TypeError, match="dilation_rate"):
        L.Conv3DTranspose(2, 2, dilation_rate=2)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"'dw'.*does not fit.*\(None, 2, 5, 1\)"):
        L.DepthwiseConv2D(3, name="dw")(Input(shape=(2, 5, 1)))
    with pytest.raises(ValueError,
                       match=r"'crop'.*removes all of the 4 entries.*\(None, 4, 5, 1\)"):
        L.Cropping2D(((2, 2), (0, 0)), name="crop")(Input(shape=(4, 5, 1)))
    with pytest.raises(ValueError, match=r"'up'.*bilinear.*known rows and cols"):
        L.UpSampling2D(interpolation="bilinear", name="up")(Input(shape=(None, None, 3)))
    with pytest.raises(ValueError, match="expected ndim=5"):
        L.Conv3D(2, 3)(Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match="expected ndim=5"):
        L.ZeroPadding3D()(Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match=r"channel dimension.*'sep'"):
        L.SeparableConv1D(2, 3, name="sep")(Input(shape=(6, None)))
    with pytest.raises(ValueError, match="does not fit"):
        pooling.MaxPooling3D(3)(Input(shape=(2, 4, 4, 1)))


# --- training -----------------------------------------------------------------------------------

def _fits(model, x, y, steps=25):
    model.compile(optimizer="adam", loss="mse")
    first = model.evaluate(x, y, verbose=0)
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model.evaluate(x, y, verbose=0) < 0.9 * first


def test_image_layers_train_together():
    r = np.random.RandomState(0)
    x = r.rand(8, 6, 6, 1).astype("float32")
    model = Sequential([
        L.ZeroPadding2D(1, input_shape=(6, 6, 1)),
        L.SeparableConv2D(4, 3, activation="relu"),
        L.DepthwiseConv2D(3, padding="same", depth_multiplier=2),
        L.MaxPooling2D(),
        L.Conv2DTranspose(3, 2, strides=2),
        L.Cropping2D(1),
        L.UpSampling2D(interpolation="bilinear"),
        L.Conv2D(1, 3),
    ])
    assert model.output_shape == (None, 6, 6, 1)
    assert _fits(model, x, x)


def test_volume_and_sequence_layers_train_together():
    r = np.random.RandomState(1)
    x = r.rand(6, 2, 4, 4, 2).astype("float32")
    y = r.rand(6, 3).astype("float32")
    model = Sequential([
        L.Conv3D(3, 2, padding="same", data_format="channels_first", input_shape=(2, 4, 4, 2)),
        pooling.MaxPooling3D((1, 2, 2), data_format="channels_first"),
        L.UpSampling3D((2, 1, 1), data_format="channels_first"),
        L.ZeroPadding3D(1, data_format="channels_first"),
        L.Cropping3D(((0, 1), (1, 0), (0, 0)), data_format="channels_first"),
        L.Conv3DTranspose(3, 2, strides=(1, 2, 1), data_format="channels_first"),
        pooling.GlobalAveragePooling3D(data_format="channels_first"),
    ])
    assert model.output_shape == (None, 3)
    assert _fits(model, x, y)
    s = r.rand(6, 5, 2).astype("float32")
    sequence = Sequential([
        L.SeparableConv1D(3, 2, padding="causal", input_shape=(5, 2)),
        L.UpSampling1D(2),
        L.Cropping1D((1, 0)),
        L.ZeroPadding1D(1),
        L.Conv1D(3, 3, dilation_rate=2),
        L.GlobalMaxPooling1D(),
    ])
    assert _fits(sequence, s, y)


# --- Keras 2 (tf_keras) interchange, where tf_keras is installed ------------------------------

@pytest.mark.parametrize("make,input_shape", [
    (lambda: L.Conv3D(3, (2, 3, 2), strides=(1, 2, 1), padding="same"), (4, 5, 4, 2)),
    (lambda: L.SeparableConv1D(3, 3, depth_multiplier=2, padding="same"), (7, 2)),
    (lambda: L.SeparableConv1D(3, 2, padding="causal", dilation_rate=2), (7, 2)),
    (lambda: L.SeparableConv2D(4, 3, strides=2, padding="same", depth_multiplier=2), (7, 6, 3)),
    (lambda: L.DepthwiseConv2D((3, 2), depth_multiplier=3, activation="relu"), (6, 5, 2)),
    (lambda: L.DepthwiseConv2D(3, dilation_rate=2, padding="same"), (6, 5, 2)),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"), (3, 4, 3)),
    (lambda: L.Conv2DTranspose(2, (3, 2), strides=(3, 2), output_padding=(2, 1)), (3, 4, 3)),
    (lambda: L.Conv3DTranspose(2, 2, strides=(2, 1, 2), padding="same"), (2, 3, 2, 2)),
    (lambda: L.Cropping2D(((1, 0), (2, 1))), (5, 6, 2)),
    (lambda: L.Cropping3D((1, 0, 1)), (4, 3, 4, 2)),
    (lambda: L.ZeroPadding1D((2, 1)), (4, 2)),
    (lambda: L.ZeroPadding3D((1, 2, 0)), (2, 3, 2, 2)),
    (lambda: L.UpSampling2D((2, 3)), (3, 2, 2)),
    (lambda: L.UpSampling3D((2, 1, 2)), (2, 3, 2, 2)),
    (lambda: pooling.MaxPooling3D((2, 3, 2), strides=(1, 2, 2), padding="same"), (4, 5, 3, 2)),
    (lambda: pooling.AveragePooling3D(2, padding="same"), (3, 5, 3, 2)),
    (lambda: pooling.GlobalAveragePooling3D(), (3, 2, 4, 2)),
])
def test_same_outputs_and_weights_as_tf_keras(make, input_shape):
    tf_keras = pytest.importorskip("tf_keras")
    r = rng()
    layer = make()
    x = r.randn(2, *input_shape).astype("float32")
    inputs = Input(shape=input_shape)
    layer(inputs)
    weights = random_weights(layer, r)
    ours = run_layer(layer, x, weights)
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    theirs = getattr(tf_keras.layers, type(layer).__name__).from_config(config)
    theirs.build((None,) + input_shape)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in weights]
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours, np.asarray(theirs(x)), atol=ATOL, rtol=1e-4)
