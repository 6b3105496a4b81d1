"""preprocessing.image on real MNIST digits: files via Pillow, transforms against exact
NumPy references (rot90, flips, integer shifts with np.pad fill modes), normalisation
statistics, iterators, and tf_keras where installed."""
import os

import numpy as np
import pytest

pytest.importorskip("PIL")
pytest.importorskip("scipy")

from polykeras.preprocessing.image import (  # noqa: E402
    ImageDataGenerator,
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)
from polykeras.utils import Sequence  # noqa: E402

SHARED = os.environ.get("POLYKERAS_DATASETS_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "datasets")
MNIST = os.path.join(SHARED, "mnist.npz")
pytestmark = pytest.mark.skipif(not os.path.exists(MNIST), reason="mnist.npz is not present")


@pytest.fixture(scope="module")
def digits():
    """The first 4 test digits of each of the classes 0, 1, 2: uint8 (12, 28, 28) and labels."""
    with np.load(MNIST) as data:
        x, y = data["x_test"], data["y_test"]
    chosen = np.concatenate([np.flatnonzero(y == c)[:4] for c in range(3)])
    return x[chosen], y[chosen]


@pytest.fixture
def digit_folder(tmp_path, digits):
    x, y = digits
    root = tmp_path / "digits"
    for i, (image, label) in enumerate(zip(x, y)):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        save_img(str(folder / f"{i:02d}.png"), image[:, :, None], scale=False)
    (root / "class_0" / "notes.txt").write_text("not an image")
    return root


def test_png_round_trip_is_exact(tmp_path, digits):
    image = digits[0][0]
    path = str(tmp_path / "d.png")
    save_img(path, image[:, :, None], scale=False)
    img = load_img(path, color_mode="grayscale")
    assert img.mode == "L" and img.size == (28, 28)
    array = img_to_array(img)
    assert array.shape == (28, 28, 1) and array.dtype == np.float32
    np.testing.assert_array_equal(array[:, :, 0], image)
    rgb = img_to_array(load_img(path), data_format="channels_first")
    assert rgb.shape == (3, 28, 28)
    np.testing.assert_array_equal(rgb, np.repeat(image[None], 3, axis=0))
    assert img_to_array(load_img(path, target_size=(14, 7))).shape == (14, 7, 3)


def test_jpeg_and_scaling(tmp_path, digits):
    image = digits[0][1].astype(np.float32)
    path = str(tmp_path / "d.jpg")
    save_img(path, np.repeat(image[:, :, None] / 255., 3, axis=2))  # scaled back to 0..255
    back = img_to_array(load_img(path, color_mode="grayscale"))[:, :, 0]
    assert np.abs(back - image).mean() < 8  # lossy, but the same digit
    scaled = img_to_array(array_to_img(image[:, :, None] / 10. + 3.))
    assert scaled.min() == 0 and scaled.max() == 255
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="3-D"):
        array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, color_mode="cmyk")


# -- geometric transforms ---------------------------------------------------------

def _gen(**kwargs):
    return ImageDataGenerator(data_format="channels_last", **kwargs)


@pytest.fixture
def digit(digits):
    return digits[0][5].astype(np.float32)[:, :, None]


def test_rotation_by_right_angles_is_exact(digit):
    gen = _gen()
    np.testing.assert_allclose(gen.apply_transform(digit, {"theta": 90}),
                               np.rot90(digit, k=-1), atol=1e-3)
    np.testing.assert_allclose(gen.apply_transform(digit, {"theta": 180}),
                               digit[::-1, ::-1], atol=1e-3)


@pytest.mark.parametrize("fill_mode,pad_mode", [("constant", "constant"), ("nearest", "edge"),
                                                ("reflect", "symmetric")])
def test_integer_shifts_match_padding(digit, fill_mode, pad_mode):
    gen = _gen(fill_mode=fill_mode, cval=7.)
    out = gen.apply_transform(digit, {"tx": 3, "ty": -2})
    extra = {"constant_values": 7.} if pad_mode == "constant" else {}
    padded = np.pad(digit, ((5, 5), (5, 5), (0, 0)), mode=pad_mode, **extra)
    # Output pixel (r, c) reads input pixel (r + 3, c - 2).
    np.testing.assert_allclose(out, padded[8:36, 3:31], atol=1e-4)


def test_zoom_and_shear_fix_the_centre():
    image = np.zeros((9, 9, 1), np.float32)
    image[4, 4] = 1.
    gen = _gen(fill_mode="constant")
    for params in ({"zx": 0.5, "zy": 0.5}, {"shear": 30}, {"theta": 37}):
        out = gen.apply_transform(image, params)
        assert out[4, 4, 0] == pytest.approx(1.)


def test_flips_channel_shift_and_brightness(digit):
    gen = _gen()
    np.testing.assert_array_equal(gen.apply_transform(digit, {"flip_horizontal": True}),
                                  digit[:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(digit, {"flip_vertical": True}),
                                  digit[::-1])
    shifted = gen.apply_transform(digit, {"channel_shift_intensity": 100.})
    np.testing.assert_allclose(shifted, np.clip(digit + 100., digit.min(), digit.max()))
    bright = gen.apply_transform(digit, {"brightness": 1.5})
    np.testing.assert_allclose(bright, np.clip(digit * 1.5, 0, 255))


def test_random_transform_ranges_and_seeds(digit):
    gen = _gen(rotation_range=20, width_shift_range=0.25, height_shift_range=3,
               shear_range=5, zoom_range=(0.8, 1.2), channel_shift_range=4,
               brightness_range=(0.5, 0.9), horizontal_flip=True)
    params = [gen.get_random_transform(digit.shape, seed=s) for s in range(60)]
    assert all(abs(p["theta"]) <= 20 and abs(p["shear"]) <= 5 for p in params)
    assert all(abs(p["ty"]) <= 7 and p["tx"] in (-2, -1, 0, 1, 2) for p in params)
    assert all(0.8 <= p["zx"] <= 1.2 and 0.5 <= p["brightness"] <= 0.9 for p in params)
    assert {p["flip_horizontal"] for p in params} == {True, False}
    assert not any(p["flip_vertical"] for p in params)
    np.testing.assert_array_equal(gen.random_transform(digit, seed=4),
                                  gen.random_transform(digit, seed=4))
    assert not np.array_equal(gen.random_transform(digit, seed=4),
                              gen.random_transform(digit, seed=5))


def test_constructor_errors():
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="brightness_range"):
        ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="width_shift_range"):
        ImageDataGenerator(width_shift_range="wide")
    with pytest.raises(ValueError, match="data_format"):
        ImageDataGenerator(data_format="channels_middle")


# -- normalisation ------------------------------------------------------------------

def test_featurewise_and_samplewise_statistics(digits):
    x = digits[0].astype(np.float32)[:, :, :, None]
    gen = _gen(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    out = gen.standardize_batch(x)
    assert abs(out.mean()) < 1e-4 and abs(out.std() - 1) < 1e-3
    sample = _gen(samplewise_center=True, samplewise_std_normalization=True,
                  rescale=1 / 255.)
    single = sample.standardize(x[0])
    assert abs(single.mean()) < 1e-5 and abs(single.std() - 1) < 1e-3
    with pytest.warns(UserWarning, match="fit"):
        _gen(featurewise_center=True).standardize(x[0])


def test_zca_whitening_gives_identity_covariance():
    rng = np.random.RandomState(0)
    mixing = rng.randn(8, 8)
    x = (rng.randn(500, 8) @ mixing).reshape(500, 2, 4, 1).astype(np.float32)
    with pytest.warns(UserWarning, match="featurewise_center"):
        gen = _gen(zca_whitening=True, zca_epsilon=1e-9)
    gen.fit(x)
    white = gen.standardize_batch(x).reshape(500, -1).astype(np.float64)
    np.testing.assert_allclose(white.T @ white / 500, np.eye(8), atol=2e-3)


def test_preprocessing_function_runs_before_rescale(digits):
    x = digits[0][:2].astype(np.float32)[:, :, :, None]
    gen = _gen(preprocessing_function=lambda image: image + 1., rescale=0.5)
    np.testing.assert_allclose(gen.standardize_batch(x), (x + 1.) * 0.5)


# -- iterators ------------------------------------------------------------------------

def test_flow_batches_subsets_and_seeds(digits, tmp_path):
    x = digits[0].astype(np.float32)[:, :, :, None]
    y = np.arange(12)
    gen = _gen(rotation_range=10, validation_split=0.25)
    train = gen.flow(x, y, batch_size=4, seed=1, subset="training")
    valid = gen.flow(x, y, batch_size=4, shuffle=False, subset="validation")
    assert isinstance(train, Sequence) and len(train) == 3 and len(valid) == 1
    train_labels = np.concatenate([train[i][1] for i in range(3)])
    assert sorted(train_labels.tolist()) == list(range(3, 12))
    assert valid[0][1].tolist() == [0, 1, 2]
    first = train[0]
    np.testing.assert_array_equal(first[0], train[0][0])  # seeded: batch 0 repeats
    train.on_epoch_end()
    assert not np.array_equal(first[0], train[0][0])
    plain = _gen().flow(x, y, batch_size=5, shuffle=False, sample_weight=np.ones(12))
    xb, yb, wb = next(plain)
    np.testing.assert_array_equal(xb, x[:5])
    assert yb.tolist() == [0, 1, 2, 3, 4] and wb.shape == (5,)
    saver = _gen().flow(x, batch_size=3, shuffle=False, save_to_dir=str(tmp_path),
                        save_prefix="aug")
    assert next(saver).shape == (3, 28, 28, 1)
    assert len([f for f in os.listdir(tmp_path) if f.startswith("aug_")]) == 3
    with pytest.raises(ValueError, match="rank-4"):
        _gen().flow(x[:, :, :, 0])
    with pytest.raises(ValueError, match="same length"):
        _gen().flow(x, y[:5])


def test_flow_from_directory_reads_the_digits(digit_folder, digits):
    x, y = digits
    gen = _gen()
    batches = gen.flow_from_directory(str(digit_folder), target_size=(28, 28),
                                      color_mode="grayscale", batch_size=5, shuffle=False)
    assert batches.class_indices == {"class_0": 0, "class_1": 1, "class_2": 2}
    assert batches.samples == 12 and len(batches) == 3
    images = np.concatenate([batches[i][0] for i in range(3)])
    labels = np.concatenate([batches[i][1] for i in range(3)])
    np.testing.assert_array_equal(images[:, :, :, 0], x)
    np.testing.assert_array_equal(labels.argmax(axis=1), y)
    assert labels.shape == (12, 3) and labels.dtype == np.float32


@pytest.mark.parametrize("class_mode", ["binary", "sparse", "input", None])
def test_flow_from_directory_class_modes(digit_folder, class_mode):
    classes = ["class_0", "class_1"] if class_mode == "binary" else None
    batches = _gen().flow_from_directory(str(digit_folder), target_size=(16, 12), classes=classes,
                                         class_mode=class_mode, batch_size=20, shuffle=False)
    batch = batches[0]
    images = batch if class_mode is None else batch[0]
    assert images.shape == (len(batches.filenames), 16, 12, 3)
    if class_mode in ("binary", "sparse"):
        np.testing.assert_array_equal(batch[1], batches.classes)
    if class_mode == "input":
        np.testing.assert_array_equal(batch[1], images)


def test_flow_from_directory_subsets_split_each_class(digit_folder):
    gen = _gen(validation_split=0.5)
    train = gen.flow_from_directory(str(digit_folder), target_size=(28, 28), subset="training")
    valid = gen.flow_from_directory(str(digit_folder), target_size=(28, 28),
                                    subset="validation")
    assert np.bincount(train.classes).tolist() == [2, 2, 2]
    assert np.bincount(valid.classes).tolist() == [2, 2, 2]
    assert not set(train.filenames) & set(valid.filenames)
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(digit_folder), class_mode="onehot")
    with pytest.raises(ValueError, match="subset"):
        gen.flow_from_directory(str(digit_folder), subset="test")


def test_matches_tf_keras_with_rows_and_columns_swapped(digit):
    """tf_keras 2.x builds the matrix on (column, row) coordinates (Keras 2 used
    (row, column), as polykeras does): on a square image its ``theta``, ``tx``/``ty``
    and ``zx``/``zy`` are ours with rows and columns swapped, the centre is the same."""
    tf_keras = pytest.importorskip("tf_keras")
    theirs = tf_keras.preprocessing.image.ImageDataGenerator(fill_mode="reflect")
    ours = _gen(fill_mode="reflect")
    cases = [({"tx": 2, "ty": -3}, {"tx": -3, "ty": 2}),
             ({"theta": 33, "zx": 0.8, "zy": 1.1, "tx": 1.5},
              {"theta": -33, "zx": 1.1, "zy": 0.8, "ty": 1.5}),
             ({"flip_horizontal": True, "channel_shift_intensity": 30.},
              {"flip_horizontal": True, "channel_shift_intensity": 30.})]
    for our_params, their_params in cases:
        np.testing.assert_allclose(ours.apply_transform(digit, our_params),
                                   theirs.apply_transform(digit, their_params), atol=1e-3)
