"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
7 horse, 8 ship, 9 truck.
"""
import os

import numpy as np

from polykeras.datasets._fetch import dataset_archive
from polykeras.datasets.cifar import load_batch, to_data_format

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
ARCHIVE = FOLDER + ".tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Load CIFAR-10.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (50000, 32, 32, 3) and (10000, 32, 32, 3) (channels first,
        (n, 3, 32, 32), when ``image_data_format`` is ``"channels_first"``),
        and uint8 labels of shape (50000, 1) and (10000, 1).

    Raises:
        DatasetError: the archive is missing and cannot be downloaded, is
            corrupt, or does not hold the CIFAR-10 batches.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    """
    folder = dataset_archive(FOLDER, ARCHIVE, ORIGIN, SHA256)
    batches = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in batches])
    y_train = np.concatenate([labels for _, labels in batches]).astype(np.uint8)
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    return ((to_data_format(x_train), y_train.reshape(-1, 1)),
            (to_data_format(x_test), np.asarray(y_test, np.uint8).reshape(-1, 1)))
