"""Reuters newswires: 11,228 newswires labelled with one of 46 topics.

Each newswire is a list of word indices; index ``i`` is the ``i``-th most
frequent word (before the ``index_from`` shift), see :func:`get_word_index`.
"""
import json

import numpy as np

from polykeras.datasets._fetch import dataset_file
from polykeras.datasets._word_sequences import FlatSequences, encode

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json")
# Keras publishes only an md5 for this file.
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Load the Reuters newswire topic dataset.

    Args:
        path: file name in the datasets folder.
        num_words, skip_top, maxlen, start_char, oov_char, index_from: as in
            :func:`polykeras.datasets.imdb.load_data`.
        test_split: fraction of the (shuffled, filtered) newswires kept for testing.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists
        of ints and int64 topic labels (0 to 45); without ``maxlen`` the train
        split has ``int(11228 * (1 - test_split))`` newswires.

    Raises:
        ValueError: ``test_split`` is not in ``[0, 1)``.
        DatasetError: the file is missing and cannot be downloaded, or is corrupt.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=10000)
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1). Received: test_split={test_split!r}")
    with np.load(dataset_file(path, ORIGIN, SHA256), allow_pickle=True) as f:
        xs, labels = f["x"], f["y"]
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    sequences, (labels,) = encode(FlatSequences.from_lists(list(xs[order])), [labels[order]],
                                  num_words, skip_top, maxlen, start_char, oov_char, index_from)
    xs = sequences.to_object_array()
    split = int(len(xs) * (1 - test_split))
    return (xs[:split], labels[:split]), (xs[split:], labels[split:])


def get_word_index(path="reuters_word_index.json"):
    """The dictionary mapping each word to its frequency rank (1 = most frequent).

    In ``load_data`` sequences a word of rank ``r`` appears as ``r + index_from``.

    Returns:
        A dict ``{word: rank}``.

    Example:
        >>> index = reuters.get_word_index()
    """
    with open(dataset_file(path, WORD_INDEX_ORIGIN, WORD_INDEX_MD5), encoding="utf8") as f:
        return json.load(f)
