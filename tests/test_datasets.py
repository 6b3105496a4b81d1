"""Dataset loaders: the real files in ../shared/datasets, and small files in the real formats.

MNIST, Fashion-MNIST and the IMDB word index are checked on the real files
(``POLYKERAS_DATASETS_DIR``). CIFAR, IMDB/Reuters sequences and Boston
housing are checked on small files written here in the formats of the
published files (pickled batches in a tar.gz, npz of object arrays); a test
points the loader's hash table entry at the file it wrote, and other tests
check that the canonical hashes reject those same files.
"""
import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from polykeras.datasets import (
    DatasetError,
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from polykeras.datasets._fetch import dataset_file

SHARED = os.environ.get("POLYKERAS_DATASETS_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "datasets")
needs_shared = pytest.mark.skipif(not os.path.exists(os.path.join(SHARED, "mnist.npz")),
                                  reason="../shared/datasets is not present")


def _sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def local(tmp_path, monkeypatch):
    """An empty POLYKERAS_DATASETS_DIR and POLYKERAS_HOME; downloads go to a dead URL."""
    folder = tmp_path / "local"
    folder.mkdir()
    monkeypatch.setenv("POLYKERAS_DATASETS_DIR", str(folder))
    monkeypatch.setenv("POLYKERAS_HOME", str(tmp_path / "home"))
    return folder


def _dead_url(tmp_path):
    return (tmp_path / "offline").resolve().as_uri() + "/"


def _read_idx(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


# -- real files ---------------------------------------------------------------

@needs_shared
def test_mnist_npz_matches_the_original_idx_files(monkeypatch):
    monkeypatch.setenv("POLYKERAS_DATASETS_DIR", SHARED)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    idx = os.path.join(SHARED, "mnist")
    np.testing.assert_array_equal(
        x_test.reshape(-1), _read_idx(os.path.join(idx, "t10k-images-idx3-ubyte.gz"), 16))
    np.testing.assert_array_equal(
        y_train, _read_idx(os.path.join(idx, "train-labels-idx1-ubyte.gz"), 8))


@needs_shared
def test_fashion_mnist_real_files(monkeypatch):
    monkeypatch.setenv("POLYKERAS_DATASETS_DIR", SHARED)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    # Fashion-MNIST is balanced: 6000 / 1000 images per class.
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.max() == 255 and x_train.min() == 0


@needs_shared
def test_imdb_word_index_real_file(monkeypatch):
    monkeypatch.setenv("POLYKERAS_DATASETS_DIR", SHARED)
    index = imdb.get_word_index()
    assert len(index) == 88584
    assert sorted(index.values()) == list(range(1, 88585))
    assert index["the"] == 1


@needs_shared
def test_corrupt_real_file_is_refused(local, tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "ORIGIN", _dead_url(tmp_path))
    source = os.path.join(SHARED, "fashion-mnist", "train-labels-idx1-ubyte.gz")
    data = bytearray(open(source, "rb").read())
    data[-1] ^= 0xFF
    (local / "fashion-mnist").mkdir()
    (local / "fashion-mnist" / "train-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="corrupt") as info:
        fashion_mnist.load_data()
    assert "train-labels-idx1-ubyte.gz" in str(info.value)


def test_missing_file_says_where_it_looked(local, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "ORIGIN", _dead_url(tmp_path) + "mnist.npz")
    with pytest.raises(DatasetError) as info:
        mnist.load_data()
    message = str(info.value)
    assert str(local / "mnist.npz") in message
    assert os.path.join(str(tmp_path / "home"), "datasets", "mnist.npz") in message
    assert "POLYKERAS_DATASETS_DIR" in message and "could not be downloaded" in message


# -- download into the cache ----------------------------------------------------

def _boston_file(path, n=10):
    rng = np.random.RandomState(0)
    x, y = rng.rand(n, 13) * 100, rng.rand(n) * 50
    np.savez(path, x=x, y=y)
    return x, y


def test_download_is_verified_and_cached(local, tmp_path, monkeypatch):
    served = tmp_path / "server" / "boston_housing.npz"
    served.parent.mkdir()
    x, _ = _boston_file(served)
    monkeypatch.setattr(boston_housing, "ORIGIN", served.resolve().as_uri())
    cached = tmp_path / "home" / "datasets" / "boston_housing.npz"
    with pytest.raises(DatasetError, match="corrupt"):  # the canonical hash rejects it
        boston_housing.load_data()
    assert not cached.exists()
    monkeypatch.setattr(boston_housing, "SHA256", _sha256(served))
    (x_train, _), (x_test, _) = boston_housing.load_data()
    assert cached.exists() and _sha256(cached) == _sha256(served)
    served.unlink()  # the cached copy is used from now on
    (again, _), _ = boston_housing.load_data()
    np.testing.assert_array_equal(again, x_train)


def test_md5_table_entries_are_checked(local, tmp_path, monkeypatch):
    (local / "reuters_word_index.json").write_text('{"the": 1, "of": 2}')
    monkeypatch.setattr(reuters, "WORD_INDEX_ORIGIN", _dead_url(tmp_path))
    with pytest.raises(DatasetError, match="md5"):
        reuters.get_word_index()
    digest = hashlib.md5((local / "reuters_word_index.json").read_bytes()).hexdigest()
    monkeypatch.setattr(reuters, "WORD_INDEX_MD5", digest)
    assert reuters.get_word_index() == {"the": 1, "of": 2}


# -- boston housing -------------------------------------------------------------

def test_boston_housing_split(local, monkeypatch):
    x, y = _boston_file(local / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "SHA256", _sha256(local / "boston_housing.npz"))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.3, seed=7)
    order = np.arange(10)
    np.random.RandomState(7).shuffle(order)
    np.testing.assert_array_equal(x_train, x[order[:7]])
    np.testing.assert_array_equal(y_test, y[order[7:]])
    assert x_train.shape == (7, 13) and x_test.shape == (3, 13) and y_train.dtype == np.float64
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)


# -- IMDB and Reuters -----------------------------------------------------------

def _ragged(rng, count, vocabulary, longest):
    out = np.empty(count, dtype=object)
    for i in range(count):
        out[i] = rng.randint(1, vocabulary, size=rng.randint(0 if i == 3 else 1, longest)).tolist()
    return out


def _reference_encode(xs, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """The documented Keras 2 rules, one word at a time."""
    xs = [([start_char] if start_char is not None else []) + [w + index_from for w in x]
          for x in xs]
    keep = [not maxlen or len(x) < maxlen for x in xs]
    xs = [x for x, k in zip(xs, keep) if k]
    limit = num_words or max(max(x) for x in xs if x)
    if oov_char is not None:
        return [[w if skip_top <= w < limit else oov_char for w in x] for x in xs], keep
    return [[w for w in x if skip_top <= w < limit] for x in xs], keep


OPTIONS = [
    {},
    {"num_words": 12, "skip_top": 5, "maxlen": 9},
    {"num_words": 10, "oov_char": None, "start_char": None, "index_from": 0, "seed": 5},
]


@pytest.fixture
def imdb_file(local, monkeypatch):
    rng = np.random.RandomState(1)
    arrays = {"x_train": _ragged(rng, 12, 20, 10), "y_train": rng.randint(0, 2, 12),
              "x_test": _ragged(rng, 8, 20, 10), "y_test": rng.randint(0, 2, 8)}
    np.savez(local / "imdb.npz", **arrays)
    monkeypatch.setattr(imdb, "SHA256", _sha256(local / "imdb.npz"))
    return arrays


@pytest.mark.parametrize("options", OPTIONS)
def test_imdb_load_data_options(imdb_file, options):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(**options)
    seed = options.get("seed", 113)
    rng = np.random.RandomState(seed)
    order_train, order_test = np.arange(12), np.arange(8)
    rng.shuffle(order_train)
    rng.shuffle(order_test)
    xs = list(imdb_file["x_train"][order_train]) + list(imdb_file["x_test"][order_test])
    ys = np.concatenate([imdb_file["y_train"][order_train], imdb_file["y_test"][order_test]])
    settings = dict(num_words=None, skip_top=0, maxlen=None, start_char=1, oov_char=2,
                    index_from=3)
    settings.update({k: v for k, v in options.items() if k != "seed"})
    expected, keep = _reference_encode(xs, **settings)
    kept_train = sum(keep[:12])
    assert x_train.dtype == object and x_train.ndim == 1 and y_train.dtype == np.int64
    assert [list(x) for x in x_train] == expected[:kept_train]
    assert [list(x) for x in x_test] == expected[kept_train:]
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), ys[np.array(keep)])


def test_imdb_maxlen_too_small(imdb_file):
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1)


def test_imdb_test_file_fails_the_canonical_hash(imdb_file, monkeypatch):
    monkeypatch.setattr(imdb, "SHA256",
                        "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    with pytest.raises(DatasetError, match="corrupt"):
        imdb.load_data()


@pytest.mark.parametrize("options", OPTIONS[:2])
def test_reuters_load_data(local, monkeypatch, options):
    rng = np.random.RandomState(2)
    x, y = _ragged(rng, 15, 30, 8), rng.randint(0, 46, 15)
    np.savez(local / "reuters.npz", x=x, y=y)
    monkeypatch.setattr(reuters, "SHA256", _sha256(local / "reuters.npz"))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.4, **options)
    order = np.arange(15)
    np.random.RandomState(113).shuffle(order)
    settings = dict(num_words=None, skip_top=0, maxlen=None, start_char=1, oov_char=2,
                    index_from=3)
    settings.update(options)
    expected, keep = _reference_encode(list(x[order]), **settings)
    split = int(len(expected) * 0.6)
    assert [list(s) for s in x_train] == expected[:split]
    assert [list(s) for s in x_test] == expected[split:]
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y[order][np.array(keep)])
    assert y_train.dtype == np.int64


# -- CIFAR ------------------------------------------------------------------------

def _add(archive, name, obj):
    data = pickle.dumps(obj, protocol=2)
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _cifar_batch(rng, n, label_keys):
    batch = {b"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8)}
    for key, classes in label_keys.items():
        batch[key] = rng.randint(0, classes, n).tolist()
    return batch


@pytest.fixture
def cifar10_archive(local, monkeypatch):
    rng = np.random.RandomState(3)
    batches = {f"data_batch_{i}": _cifar_batch(rng, 2, {b"labels": 10}) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch(rng, 3, {b"labels": 10})
    path = local / "cifar-10-batches-py.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, batch in batches.items():
            _add(archive, f"cifar-10-batches-py/{name}", batch)
    monkeypatch.setattr(cifar10, "SHA256", _sha256(path))
    return batches


def test_cifar10_layout(cifar10_archive):
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (3, 1)
    assert x_train.dtype == y_train.dtype == np.uint8
    raw = cifar10_archive["data_batch_2"][b"data"][1]  # sample 3 of the training set
    # Each row stores the red plane, then green, then blue, each row-major.
    np.testing.assert_array_equal(x_train[3, 5, 7], raw[[5 * 32 + 7, 1024 + 5 * 32 + 7,
                                                         2048 + 5 * 32 + 7]])
    assert y_test[:, 0].tolist() == cifar10_archive["test_batch"][b"labels"]


def test_cifar10_extraction_is_reused_and_redone(cifar10_archive, tmp_path):
    cifar10.load_data()
    folder = tmp_path / "home" / "datasets" / "cifar-10-batches-py"
    marker = folder / "marker"
    marker.write_text("left by the test")
    cifar10.load_data()
    assert marker.exists()  # same archive hash: the extraction is reused
    stamp = tmp_path / "home" / "datasets" / ".cifar-10-batches-py.extracted"
    stamp.write_text("another archive version")
    (_, _), (x_test, _) = cifar10.load_data()
    assert not marker.exists()  # stamp of another archive: extracted afresh
    assert x_test.shape == (3, 32, 32, 3)


def test_cifar10_wrong_archive_is_refused(cifar10_archive, monkeypatch):
    monkeypatch.setattr(cifar10, "SHA256",
                        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
    with pytest.raises(DatasetError, match="corrupt"):
        cifar10.load_data()


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_label_modes(local, monkeypatch, label_mode):
    rng = np.random.RandomState(4)
    keys = {b"fine_labels": 100, b"coarse_labels": 20}
    batches = {"train": _cifar_batch(rng, 4, keys), "test": _cifar_batch(rng, 2, keys)}
    path = local / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, batch in batches.items():
            _add(archive, f"cifar-100-python/{name}", batch)
    monkeypatch.setattr(cifar100, "SHA256", _sha256(path))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    assert x_train.shape == (4, 32, 32, 3) and y_train.shape == (4, 1)
    assert y_train.dtype == np.int64
    assert y_test[:, 0].tolist() == batches["test"][f"{label_mode}_labels".encode()]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_archive_with_path_traversal_is_refused(local, monkeypatch, tmp_path):
    path = local / "cifar-10-batches-py.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        _add(archive, "cifar-10-batches-py/../../escaped", {b"data": []})
    monkeypatch.setattr(cifar10, "SHA256", _sha256(path))
    with pytest.raises(DatasetError, match="unsafe"):
        cifar10.load_data()
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "home" / "escaped").exists()


def test_dataset_file_prefers_the_local_folder(local, tmp_path):
    (local / "thing.bin").write_bytes(b"local copy")
    digest = _sha256(local / "thing.bin")
    assert dataset_file("thing.bin", _dead_url(tmp_path), digest) == str(local / "thing.bin")
