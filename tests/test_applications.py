"""The reference architectures (polykeras.applications) and their ImageNet helpers.

* Parameter counts, with and without the classifier, against the counts Keras 2
  published for each model. Building means allocating every weight, so the
  count tests replace the random draw of the variance-scaling initializers
  (glorot/he) by zeros; the layers, shapes and variables are built for real.
  VGG's 224x224 classifier alone holds ~120M weights (seconds to allocate), so
  its count is checked at 32x32 plus the rows ``fc1`` loses there.
* Output shapes for ``include_top=False`` with each ``pooling``, input-shape
  validation (Keras 2's rules) and argument errors: symbolic, no backend work.
* Forward passes at small input sizes. Each compiles a whole network, so the
  module-level ``FORWARD_ARCHITECTURES`` and ``CLASSIFIER_ARCHITECTURES``
  choose per backend: every architecture on NumPy; VGG16 and Xception on
  TensorFlow (whose env also compares three with tf_keras); ResNet50 on
  Theano (~15 s each; chains of ``padding='same'`` convolutions, as in VGG and
  Xception, currently make Theano's graph optimizer take minutes); none on
  PyTensor, whose CI configuration (``cxx=``, no C compiler) runs these
  networks for minutes each. MobileNet runs with its classifier and in both
  data formats; its graph alone uses depthwise convolutions, asymmetric zero
  padding, ReLU6, reshapes and dropout.
* In the tensorflow env, outputs are compared with tf_keras's own models
  given identical weights: through a Keras 2 HDF5 weights file written by
  tf_keras and loaded by topology (exactly how the published ImageNet files
  load), and for ResNet50 (whose tf_keras version names and orders its layers
  differently) by mapping the layer names.
* ``preprocess_input`` against hand-written NumPy, ``decode_predictions`` with
  a class index file in the real format served through ``get_file``'s cache,
  and the ``weights='imagenet'`` path end to end from a ``file://`` origin.
"""
import hashlib
import json
import os
import re

import numpy as np
import pytest

from polykeras import applications, initializers
from polykeras import backend as K
from polykeras.applications import _common, imagenet_utils, mobilenet
from polykeras.engine import Input, Model
from polykeras.layers import Conv2D

ARCHITECTURES = ("VGG16", "VGG19", "ResNet50", "InceptionV3", "MobileNet", "Xception")

# Published Keras 2 parameter counts.
TOP_COUNTS = {"VGG16": 138_357_544, "VGG19": 143_667_240, "ResNet50": 25_636_712,
              "InceptionV3": 23_851_784, "MobileNet": 4_253_864, "Xception": 22_910_480}
NO_TOP_COUNTS = {"VGG16": 14_714_688, "VGG19": 20_024_384, "ResNet50": 23_587_712,
                 "InceptionV3": 21_802_784, "MobileNet": 3_228_864, "Xception": 20_861_480}

# Smallest input Keras 2 accepts, the final feature map there, and its channels.
MIN_SIZE = {"VGG16": 32, "VGG19": 32, "ResNet50": 32, "InceptionV3": 75, "MobileNet": 32,
            "Xception": 71}
MIN_SIZE_FEATURES = {"VGG16": 1, "VGG19": 1, "ResNet50": 1, "InceptionV3": 1, "MobileNet": 1,
                     "Xception": 3}
CHANNELS = {"VGG16": 512, "VGG19": 512, "ResNet50": 2048, "InceptionV3": 2048,
            "MobileNet": 1024, "Xception": 2048}

FORWARD_ARCHITECTURES = {
    "numpy": ("VGG16", "VGG19", "ResNet50", "InceptionV3", "Xception"),
    "tensorflow": ("VGG16", "Xception"),
    "theano": ("ResNet50",),
    "pytensor": (),
}.get(K.backend(), ("ResNet50",))
CLASSIFIER_ARCHITECTURES = () if K.backend() == "pytensor" else ("MobileNet",)
# Input sizes for the forward passes: small, with a feature map wider than 1x1
# where that stays cheap.
FORWARD_SIZE = {"VGG16": 64, "VGG19": 32, "ResNet50": 32, "InceptionV3": 75, "Xception": 71}


def build(name, **kwargs):
    kwargs.setdefault("weights", None)
    return getattr(applications, name)(**kwargs)


def shape(size, channels=3):
    if K.image_data_format() == "channels_first":
        return (channels, size, size)
    return (size, size, channels)


@pytest.fixture
def cheap_initializers(monkeypatch):
    """Variance-scaling initializers return zeros instead of drawing random numbers."""
    monkeypatch.setattr(initializers.VarianceScaling, "__call__",
                        lambda self, shape, dtype=None: np.zeros(shape, dtype or K.floatx()))


def _image_data_format(value):
    previous = K.image_data_format()
    K.set_image_data_format(value)
    yield
    K.set_image_data_format(previous)


@pytest.fixture
def channels_first():
    yield from _image_data_format("channels_first")


@pytest.fixture
def channels_last():
    """tf_keras's applications are compared in channels_last, whatever the user's config."""
    yield from _image_data_format("channels_last")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh POLYKERAS_HOME (the get_file cache) and no cached class index."""
    folder = tmp_path / "home"
    monkeypatch.setenv("POLYKERAS_HOME", str(folder))
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    return folder


def random_images(size, batch=2, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (batch,) + shape(size)).astype("float32")


# --- parameter counts and shapes -----------------------------------------------------------

def test_exports():
    for name in ARCHITECTURES:
        assert callable(getattr(applications, name))
    for module in ("vgg16", "vgg19", "resnet50", "inception_v3", "mobilenet", "xception"):
        submodule = getattr(applications, module)
        assert submodule.decode_predictions is imagenet_utils.decode_predictions
        assert callable(submodule.preprocess_input)


@pytest.mark.parametrize("name", [n for n in ARCHITECTURES if not n.startswith("VGG")])
def test_parameter_count_with_classifier(name, cheap_initializers):
    model = build(name)
    assert model.count_params() == TOP_COUNTS[name]
    assert model.output_shape == (None, 1000)
    # As in Keras 2, models ending in a global pooling take any image size.
    size = None if name in ("InceptionV3", "Xception") else 224
    assert model.input_shape == (None, size, size, 3)


@pytest.mark.parametrize("name", ["VGG16", "VGG19"])
def test_vgg_parameter_count_with_classifier(name, cheap_initializers):
    """At 224x224 the first dense layer alone holds 7*7*512*4096 weights (~400 MB,
    several seconds to allocate), so the count is checked at 32x32, where the
    flattened feature map is 1*1*512, and the difference is the missing rows of
    ``fc1``'s kernel."""
    model = build(name, input_shape=(32, 32, 3))
    assert model.output_shape == (None, 1000)
    assert model.get_layer("flatten").output_shape == (None, 512)
    assert K.int_shape(model.get_layer("fc1").weights[0]) == (512, 4096)
    assert model.count_params() == TOP_COUNTS[name] - (7 * 7 - 1) * 512 * 4096


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_parameter_count_and_shapes_without_classifier(name, cheap_initializers):
    size, channels = MIN_SIZE[name], CHANNELS[name]
    features = MIN_SIZE_FEATURES[name]
    model = build(name, include_top=False, input_shape=(size, size, 3))
    assert model.count_params() == NO_TOP_COUNTS[name]
    assert model.output_shape == (None, features, features, channels)
    averaged = build(name, include_top=False, input_shape=(size, size, 3), pooling="avg")
    assert averaged.output_shape == (None, channels)
    assert averaged.count_params() == NO_TOP_COUNTS[name]
    # Without input_shape the spatial size is free.
    maxed = build(name, include_top=False, pooling="max")
    assert maxed.input_shape == (None, None, None, 3)
    assert maxed.output_shape == (None, channels)
    assert maxed.layers[-2].output_shape == (None, None, None, channels)


def test_classes_change_only_the_classifier(cheap_initializers):
    model = build("MobileNet", classes=10, input_shape=(32, 32, 3))
    assert model.output_shape == (None, 10)
    assert model.count_params() == TOP_COUNTS["MobileNet"] - 990 * 1024 - 990
    assert model.get_layer("conv_preds").count_params() == 1024 * 10 + 10


def test_keras2_layer_names(cheap_initializers):
    vgg = build("VGG19", include_top=True, input_shape=(32, 32, 3))
    names = [layer.name for layer in vgg.layers]
    assert names[-4:] == ["flatten", "fc1", "fc2", "predictions"]
    assert "block5_conv4" in names and vgg.name == "vgg19"
    resnet = build("ResNet50", include_top=False, input_shape=(32, 32, 3))
    for name in ("conv1", "bn_conv1", "res2a_branch1", "bn2a_branch1", "res5c_branch2c",
                 "bn5c_branch2c", "res4f_branch2a"):
        resnet.get_layer(name)
    inception = build("InceptionV3", include_top=False, input_shape=(75, 75, 3))
    for name in ["mixed%d" % i for i in range(11)] + ["mixed9_0", "mixed9_1"]:
        inception.get_layer(name)
    small = build("MobileNet", input_shape=(128, 128, 3), alpha=0.5)
    assert small.name == "mobilenet_0.50_128"
    for name in ("conv1", "conv1_bn", "conv1_relu", "conv_dw_13", "conv_pw_13_bn",
                 "conv_pad_12", "conv_preds", "reshape_2"):
        small.get_layer(name)
    xception = build("Xception", include_top=False, input_shape=(71, 71, 3))
    for name in ("block1_conv1", "block2_sepconv2_act", "block12_sepconv3_bn",
                 "block13_pool", "block14_sepconv2_act"):
        xception.get_layer(name)


def test_mobilenet_alpha_and_depth_multiplier(cheap_initializers):
    model = build("MobileNet", include_top=False, input_shape=(32, 32, 3), alpha=0.25,
                  depth_multiplier=2, pooling="avg")
    assert model.output_shape == (None, 256)
    assert model.get_layer("conv_dw_1").output_shape == (None, 16, 16, 16)


@pytest.mark.parametrize("name", ["ResNet50", "Xception", "MobileNet"])
def test_channels_first_shapes(name, channels_first, cheap_initializers):
    size = MIN_SIZE[name]
    model = build(name, include_top=False, input_shape=(3, size, size))
    features = MIN_SIZE_FEATURES[name]
    assert model.output_shape == (None, CHANNELS[name], features, features)
    assert model.count_params() == NO_TOP_COUNTS[name]


def test_input_tensor_and_its_source_inputs(cheap_initializers):
    images = Input(shape=(40, 40, 3))
    model = build("VGG16", include_top=False, input_tensor=images, pooling="max")
    assert model.inputs == [images] and model.output_shape == (None, 512)
    # A tensor computed from an Input: the model starts from that Input.
    resized = Conv2D(3, (9, 9), name="stem")(images)
    model = build("MobileNet", include_top=False, input_tensor=resized)
    assert model.inputs == [images]
    assert model.output_shape == (None, 1, 1, 1024)
    assert "stem" in [layer.name for layer in model.layers]
    # A plain backend placeholder is wrapped in an Input.
    model = build("MobileNet", include_top=False, pooling="avg",
                  input_tensor=K.placeholder(shape=(None, 32, 32, 3)))
    assert model.input_shape == (None, 32, 32, 3) and model.output_shape == (None, 1024)


# --- argument and input-shape errors ---------------------------------------------------------

@pytest.mark.parametrize("name", ARCHITECTURES)
def test_input_smaller_than_minimum(name):
    small = MIN_SIZE[name] - 1
    with pytest.raises(ValueError, match=f"at least {MIN_SIZE[name]}x{MIN_SIZE[name]}.*"
                                         rf"input_shape=\({small}, {small}, 3\)"):
        build(name, include_top=False, input_shape=(small, small, 3))


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(64, 64)), r"three positive integers.*input_shape=\(64, 64\)"),
    (dict(input_shape=(64, 64, 3, 1)), "three positive integers"),
    (dict(input_shape=(64, -1, 3)), "three positive integers"),
    (dict(input_shape="64x64"), "three positive integers"),
    (dict(include_top=True, input_shape=(None, None, 3)),
     r"static `input_shape`.*input_shape=\(None, None, 3\)"),
    (dict(include_top=True, weights="imagenet", input_shape=(200, 200, 3)),
     r"must be \(224, 224, 3\).*input_shape=\(200, 200, 3\)"),
    (dict(include_top=False, weights="imagenet", input_shape=(64, 64, 1)),
     r"3 channels.*input_shape=\(64, 64, 1\)"),
    (dict(weights="imagenet", include_top=True, classes=10),
     "classes` must be 1000. Received: classes=10"),
    (dict(weights="imagenett"), "`weights` must be None.*Received: weights='imagenett'"),
    (dict(weights="/no/such/weights.h5"), "Received: weights='/no/such/weights.h5'"),
    (dict(classes=0), "positive int. Received: classes=0"),
    (dict(include_top=False, pooling="mean"), "Received: pooling='mean'"),
])
def test_argument_errors(kwargs, message):
    kwargs.setdefault("include_top", False)
    with pytest.raises(ValueError, match=message) as info:
        build("VGG16", **kwargs)
    assert "VGG16" in str(info.value) or "input_shape" in str(info.value)


def test_input_tensor_disagreeing_with_input_shape():
    with pytest.raises(ValueError, match=r"`input_shape`=\(64, 64, 3\) does not match"):
        build("VGG16", include_top=False, input_tensor=Input((48, 48, 3)), input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="rank 4"):
        build("VGG16", include_top=False, input_tensor=Input((48, 3)))
    with pytest.raises(ValueError, match="symbolic tensor.*ndarray"):
        build("VGG16", include_top=False, input_tensor=np.zeros((1, 48, 48, 3)))


def test_global_pooling_tops_accept_any_valid_size_and_vgg_top_does_not_with_imagenet():
    # As in Keras 2: InceptionV3/Xception end in a global pooling, so the
    # ImageNet classifier fits any valid input size; VGG's Flatten does not.
    model = build("InceptionV3", include_top=True, input_shape=(80, 80, 3))
    assert model.output_shape == (None, 1000)
    with pytest.raises(ValueError, match=r"must be \(224, 224, 3\)"):
        build("VGG19", include_top=True, weights="imagenet", input_shape=(64, 64, 3))


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=0.3), r"alpha in \[0.25, 0.5, 0.75, 1.0\]. Received: alpha=0.3"),
    (dict(depth_multiplier=2), "depth_multiplier=1. Received: depth_multiplier=2"),
    (dict(input_shape=(96, 96, 3)), r"128, 160, 192, 224.*input_shape=\(96, 96, 3\)"),
    (dict(input_shape=(128, 160, 3)), r"square inputs.*input_shape=\(128, 160, 3\)"),
])
def test_mobilenet_imagenet_variants(kwargs, message):
    kwargs.setdefault("input_shape", (128, 128, 3))
    with pytest.raises(ValueError, match=message):
        mobilenet.MobileNet(weights="imagenet", include_top=False, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=0), "`alpha` must be a positive number. Received: alpha=0"),
    (dict(depth_multiplier=1.5), "Received: depth_multiplier=1.5"),
    (dict(dropout=1.0), r"\[0, 1\). Received: dropout=1.0"),
])
def test_mobilenet_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build("MobileNet", include_top=False, input_shape=(32, 32, 3), **kwargs)


# --- forward passes ------------------------------------------------------------------------

def _check_features_and_average(features, pooled, channels):
    assert features.dtype == np.float32 and np.isfinite(features).all()
    assert pooled.shape == (features.shape[0], channels)
    np.testing.assert_allclose(pooled, features.mean(axis=(1, 2)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", FORWARD_ARCHITECTURES)
def test_forward_pass_features_and_average_pooling(name):
    size = FORWARD_SIZE[name]
    model = build(name, include_top=False, input_shape=shape(size), pooling="avg")
    # One compiled function returns the last feature map and the pooled head.
    probe = Model(model.inputs, [model.layers[-2].output, model.output])
    images = random_images(size)
    features, pooled = probe.predict(images)
    assert features.shape[1:] == model.layers[-2].output_shape[1:]
    _check_features_and_average(features, pooled, CHANNELS[name])
    # Inference treats each image on its own (batch normalization uses its moving stats).
    np.testing.assert_allclose(probe.predict(images[1:])[0], features[1:],
                               rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(features).max())))


@pytest.mark.parametrize("name", CLASSIFIER_ARCHITECTURES)
def test_mobilenet_forward_with_classifier_in_both_data_formats(name):
    """Features, pooling and a softmax over the classes, in channels_first too."""
    last = build(name, input_shape=(64, 64, 3), alpha=0.25)
    rng = np.random.RandomState(3)
    # Non-trivial batch-normalization statistics, so the layout matters.
    last.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") if w.ndim == 1 else w
                      for w in last.get_weights()])
    features_layer = last.get_layer("conv_pw_13_relu")
    pooled_layer = last.layers[last.layers.index(features_layer) + 1]
    probe = Model(last.inputs, [features_layer.output, pooled_layer.output, last.output])
    images = random_images(64, seed=4) * 50
    features, pooled, probabilities = probe.predict(images)
    assert features.shape == (2, 2, 2, 256)
    _check_features_and_average(features, pooled, 256)
    assert probabilities.shape == (2, 1000)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (probabilities >= 0).all() and probabilities.std() > 0
    previous = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        first = build(name, input_shape=(3, 64, 64), alpha=0.25)
    finally:
        K.set_image_data_format(previous)
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first.predict(images.transpose(0, 3, 1, 2)), probabilities,
                               rtol=1e-4, atol=1e-6)


# --- against tf_keras (tensorflow env) ---------------------------------------------------------

def _randomize_normalization(reference, seed=1):
    """Give 1-D weights (biases, batch-norm statistics) values in [0.5, 1.5]."""
    rng = np.random.RandomState(seed)
    reference.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") if w.ndim == 1
                           else w for w in reference.get_weights()])


@pytest.mark.parametrize("name, kwargs", [
    ("MobileNet", dict(input_shape=(32, 32, 3), alpha=0.5)),
    ("Xception", dict(include_top=False, input_shape=(71, 71, 3))),
])
def test_matches_tf_keras_through_a_keras2_weights_file(name, kwargs, tmp_path, channels_last):
    tf_keras = pytest.importorskip("tf_keras")
    reference = getattr(tf_keras.applications, name)(weights=None, **kwargs)
    _randomize_normalization(reference)
    path = str(tmp_path / f"{name}.h5")
    reference.save_weights(path)
    ours = build(name, weights=path, **kwargs)
    images = random_images(kwargs["input_shape"][0], seed=2)
    expected = reference.predict(images, verbose=0)
    np.testing.assert_allclose(ours.predict(images), expected, rtol=1e-4,
                               atol=1e-5 * max(1.0, float(np.abs(expected).max())))


def _tf_keras_resnet_name(name):
    """The tf_keras ResNet50 layer holding the weights of our (Keras 2.2) layer ``name``."""
    roles = {"1": 0, "2a": 1, "2b": 2, "2c": 3}
    if name in ("conv1", "bn_conv1"):
        return "conv1_conv" if name == "conv1" else "conv1_bn"
    if name == "fc1000":
        return "predictions"
    kind, rest = ("conv", name[3:]) if name.startswith("res") else ("bn", name[2:])
    stage, block, role = rest[0], "abcdef".index(rest[1]) + 1, rest.split("_branch")[1]
    return f"conv{stage}_block{block}_{roles[role]}_{kind}"


def test_resnet50_matches_tf_keras_with_mapped_weights(channels_last):
    tf_keras = pytest.importorskip("tf_keras")
    reference = tf_keras.applications.ResNet50(weights=None, input_shape=(32, 32, 3))
    _randomize_normalization(reference)
    for layer in reference.layers:
        if isinstance(layer, tf_keras.layers.BatchNormalization):
            layer.epsilon = 1e-3  # tf_keras's ResNet uses 1.001e-5; Keras 2.2's used the default
    ours = build("ResNet50", input_shape=(32, 32, 3))
    copied = 0
    for layer in ours.layers:
        if layer.weights:
            layer.set_weights(reference.get_layer(_tf_keras_resnet_name(layer.name)).get_weights())
            copied += 1
    assert copied == 107  # 53 convolutions, 53 batch normalizations, the classifier
    images = random_images(32, seed=5)
    np.testing.assert_allclose(ours.predict(images), reference.predict(images, verbose=0),
                               rtol=1e-4, atol=1e-6)


# --- weights files --------------------------------------------------------------------------

def test_weights_from_a_file_path(tmp_path):
    source = build("MobileNet", include_top=False, input_shape=(32, 32, 3), alpha=0.25)
    path = str(tmp_path / "mobilenet.h5")
    source.save_weights(path)
    loaded = build("MobileNet", include_top=False, input_shape=(32, 32, 3), alpha=0.25,
                   weights=path)
    for a, b in zip(loaded.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)


def _serve(folder, release, fname, writer):
    """Write ``fname`` under ``folder/release`` and return the base URL serving it."""
    os.makedirs(folder / release, exist_ok=True)
    writer(str(folder / release / fname))
    return (folder.as_uri() + "/")


def test_imagenet_weights_are_downloaded_cached_and_loaded(tmp_path, home, monkeypatch):
    # Keras 2 published no hash for the MobileNet files, so a file written here
    # stands in for the download (from a file:// origin, with no network).
    published = build("MobileNet", include_top=False, input_shape=(128, 128, 3), alpha=0.25)
    fname = "mobilenet_2_5_128_tf_no_top.h5"
    base = _serve(tmp_path / "server", "v0.6", fname, published.save_weights)
    monkeypatch.setattr(_common, "WEIGHTS_BASE", base)
    model = mobilenet.MobileNet(weights="imagenet", include_top=False,
                                input_shape=(128, 128, 3), alpha=0.25)
    assert os.path.isfile(home / "models" / fname)
    for a, b in zip(model.get_weights(), published.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_imagenet_weights_with_a_wrong_hash_are_refused(tmp_path, home, monkeypatch):
    fname = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"

    def write_junk(path):
        with open(path, "wb") as f:
            f.write(b"not the published weights")
    monkeypatch.setattr(_common, "WEIGHTS_BASE", _serve(tmp_path / "server", "v0.1", fname,
                                                        write_junk))
    with pytest.raises(ValueError, match="6d6bbae143d832006294945121d1f1fc"):
        build("VGG16", weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert not os.path.exists(home / "models" / fname)


def test_imagenet_weights_unreachable(tmp_path, home, monkeypatch):
    monkeypatch.setattr(_common, "WEIGHTS_BASE", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(OSError, match="xception_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        build("Xception", weights="imagenet", include_top=False, input_shape=(71, 71, 3))


# --- preprocess_input ---------------------------------------------------------------------------

def _pixels(shape_, seed=0):
    return np.random.RandomState(seed).randint(0, 256, shape_).astype("uint8")


def test_preprocess_caffe_channels_last():
    images = _pixels((2, 4, 5, 3))
    out = imagenet_utils.preprocess_input(images, data_format="channels_last", mode="caffe")
    expected = np.empty((2, 4, 5, 3))
    expected[..., 0] = images[..., 2] - 103.939
    expected[..., 1] = images[..., 1] - 116.779
    expected[..., 2] = images[..., 0] - 123.68
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)


def test_preprocess_caffe_channels_first_single_image():
    image = _pixels((3, 4, 5)).astype("float64")
    original = image.copy()
    out = imagenet_utils.preprocess_input(image, data_format="channels_first")
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[0], original[2] - 103.939)
    np.testing.assert_allclose(out[1], original[1] - 116.779)
    np.testing.assert_allclose(out[2], original[0] - 123.68)
    np.testing.assert_array_equal(image, original)  # the input is not modified


def test_preprocess_tf_and_torch():
    images = _pixels((2, 3, 4, 3), seed=1)
    np.testing.assert_allclose(imagenet_utils.preprocess_input(images, mode="tf"),
                               images / 127.5 - 1, rtol=1e-6, atol=1e-6)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    expected = np.stack([(images[..., c] / 255. - mean[c]) / std[c] for c in range(3)], axis=-1)
    np.testing.assert_allclose(imagenet_utils.preprocess_input(images, mode="torch"),
                               expected, rtol=1e-5, atol=1e-5)
    first = images.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(
        imagenet_utils.preprocess_input(first, data_format="channels_first", mode="torch"),
        expected.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-5)


def test_model_modules_use_their_keras2_modes():
    images = _pixels((1, 2, 2, 3), seed=2)
    for module in (applications.vgg16, applications.vgg19, applications.resnet50):
        np.testing.assert_allclose(module.preprocess_input(images),
                                   imagenet_utils.preprocess_input(images, mode="caffe"))
    for module in (applications.inception_v3, applications.mobilenet, applications.xception):
        np.testing.assert_allclose(module.preprocess_input(images), images / 127.5 - 1,
                                   rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_symbolic_matches_numpy(mode, data_format):
    images = _pixels((2, 3, 3, 3), seed=3).astype("float32")
    expected = imagenet_utils.preprocess_input(images, data_format=data_format, mode=mode)
    tensor = imagenet_utils.preprocess_input(K.constant(images), data_format=data_format,
                                             mode=mode)
    assert K.int_shape(tensor) == images.shape
    np.testing.assert_allclose(K.eval(tensor), expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="caffee"), r"one of \['caffe', 'tf', 'torch'\]. Received: mode='caffee'"),
    (dict(data_format="channels_middle"), "channels_middle"),
    (dict(x=np.zeros((4, 4))), r"rank 3\) or a batch.*\(4, 4\)"),
    (dict(x=np.zeros((1, 4, 4, 4))), r"3 \(RGB\) channels on axis 3.*\(1, 4, 4, 4\)"),
    (dict(x=np.zeros((1, 4, 4, 3)), data_format="channels_first"),
     r"3 \(RGB\) channels on axis 1"),
])
def test_preprocess_errors(kwargs, message):
    x = kwargs.pop("x", np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match=message):
        imagenet_utils.preprocess_input(x, **kwargs)


# --- decode_predictions --------------------------------------------------------------------------

def _write_class_index(home, index):
    folder = home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / imagenet_utils.CLASS_INDEX_FILE
    path.write_text(json.dumps(index))
    return hashlib.md5(path.read_bytes()).hexdigest()


def _index():
    """A class index in the published layout: ``{"i": [wordnet_id, name]}`` for 1000 classes."""
    return {str(i): [f"n{1440764 + 37 * i:08d}", f"class_{i}"] for i in range(1000)}


def test_decode_predictions_from_the_cached_class_index(home, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", _write_class_index(home, _index()))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_URL", "file:///no/such/index.json")
    preds = np.full((2, 1000), 1e-4, dtype="float32")
    preds[0, [7, 999, 3]] = [0.5, 0.3, 0.1]
    preds[1, [0, 500]] = [0.2, 0.7]
    decoded = imagenet_utils.decode_predictions(preds, top=3)
    assert [t[:2] for t in decoded[0]] == [(_index()["7"][0], "class_7"),
                                           (_index()["999"][0], "class_999"),
                                           (_index()["3"][0], "class_3")]
    np.testing.assert_allclose([t[2] for t in decoded[0]], [0.5, 0.3, 0.1])
    assert [t[1] for t in decoded[1][:2]] == ["class_500", "class_0"]
    assert len(imagenet_utils.decode_predictions(preds)[1]) == 5


def test_decode_predictions_downloads_and_checks_the_index(tmp_path, home, monkeypatch):
    served = tmp_path / "server" / imagenet_utils.CLASS_INDEX_FILE
    served.parent.mkdir()
    served.write_text(json.dumps(_index()))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_URL", served.as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", "0" * 32)
    with pytest.raises(ValueError, match="expected 0{32}"):
        imagenet_utils.decode_predictions(np.eye(1, 1000))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH",
                        hashlib.sha256(served.read_bytes()).hexdigest())
    assert imagenet_utils.decode_predictions(np.eye(1, 1000), top=1)[0][0][1] == "class_0"
    assert (home / "models" / imagenet_utils.CLASS_INDEX_FILE).is_file()


def test_decode_predictions_rejects_an_incomplete_index(home, monkeypatch):
    index = _index()
    del index["999"]
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", _write_class_index(home, index))
    with pytest.raises(ValueError, match=r"no entry for class\(es\) \['999'\]"):
        imagenet_utils.decode_predictions(np.eye(1, 1000))


@pytest.mark.parametrize("preds", [np.zeros((1000,)), np.zeros((2, 10)), np.zeros((1, 1, 1000))])
def test_decode_predictions_shape_errors(preds):
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*" + re.escape(str(preds.shape))):
        imagenet_utils.decode_predictions(preds)


def test_decode_predictions_top_must_be_positive():
    with pytest.raises(ValueError, match="Received: top=0"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)), top=0)
