"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 classes (20 superclasses).
"""
import os

import numpy as np

from polykeras.datasets._fetch import dataset_archive
from polykeras.datasets.cifar import load_batch, to_data_format

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FOLDER = "cifar-100-python"
ARCHIVE = FOLDER + ".tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
LABEL_MODES = ("fine", "coarse")


def load_data(label_mode="fine"):
    """Load CIFAR-100.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (50000, 32, 32, 3) and (10000, 32, 32, 3) (channels first when
        ``image_data_format`` is ``"channels_first"``), and int64 labels of
        shape (50000, 1) and (10000, 1).

    Raises:
        ValueError: for another ``label_mode``.
        DatasetError: the archive is missing and cannot be downloaded, or is corrupt.

    Example:
        >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f'label_mode must be one of "fine", "coarse". '
                         f"Received: label_mode={label_mode!r}")
    folder = dataset_archive(FOLDER, ARCHIVE, ORIGIN, SHA256)
    parts = []
    for name in ("train", "test"):
        x, y = load_batch(os.path.join(folder, name), label_key=f"{label_mode}_labels")
        parts.append((to_data_format(x), np.asarray(y, np.int64).reshape(-1, 1)))
    return tuple(parts)
