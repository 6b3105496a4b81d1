"""IMDB movie reviews: 25,000 training and 25,000 test reviews labelled by sentiment.

Each review is a list of word indices; index ``i`` is the ``i``-th most
frequent word (before the ``index_from`` shift), see :func:`get_word_index`.
"""
import json

import numpy as np

from polykeras.datasets._fetch import dataset_file
from polykeras.datasets._word_sequences import FlatSequences, encode

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json")
# The sha256 of the file whose md5 Keras publishes (bfafd718b763782e994055a2d397834f).
WORD_INDEX_SHA256 = "027313fe9a320280f3bf0fac5baf58c4a683cf39a7ed9c3d3d3912bde4284cf6"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Load the IMDB sentiment dataset.

    Args:
        path: file name in the datasets folder.
        num_words: keep only indices below ``num_words`` (the most frequent
            words); others become ``oov_char``. ``None``: below the largest index.
        skip_top: indices below ``skip_top`` (the most frequent words) become
            ``oov_char`` too.
        maxlen: drop reviews of ``maxlen`` or more indices (start marker included).
        seed: seed of the shuffle of each split.
        start_char: index put at the start of every review (``None``: none).
        oov_char: index for cut words (``None``: cut words are removed).
        index_from: shift added to every word index.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists
        of ints (25000 reviews each without ``maxlen``) and int64 labels (0 or 1).

    Raises:
        ValueError: ``maxlen`` leaves no review in a split.
        DatasetError: the file is missing and cannot be downloaded, or is corrupt.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)
    """
    with np.load(dataset_file(path, ORIGIN, SHA256), allow_pickle=True) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    order_train = np.arange(len(x_train))
    rng.shuffle(order_train)
    order_test = np.arange(len(x_test))
    rng.shuffle(order_test)
    sequences = FlatSequences.from_lists(list(x_train[order_train]) + list(x_test[order_test]))
    labels = np.concatenate([y_train[order_train], y_test[order_test]])
    in_train = np.arange(len(labels)) < len(x_train)
    sequences, (labels, in_train) = encode(sequences, [labels, in_train], num_words, skip_top,
                                           maxlen, start_char, oov_char, index_from)
    if maxlen and (not in_train.any() or in_train.all()):
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                         "sequence was kept in one of the splits. Increase maxlen.")
    xs = sequences.to_object_array()
    return (xs[in_train], labels[in_train]), (xs[~in_train], labels[~in_train])


def get_word_index(path="imdb_word_index.json"):
    """The dictionary mapping each word to its frequency rank (1 = most frequent).

    In ``load_data`` sequences a word of rank ``r`` appears as ``r + index_from``.

    Returns:
        A dict ``{word: rank}``.

    Example:
        >>> index = imdb.get_word_index()
        >>> words = {rank + 3: word for word, rank in index.items()}
    """
    with open(dataset_file(path, WORD_INDEX_ORIGIN, WORD_INDEX_SHA256), encoding="utf8") as f:
        return json.load(f)
