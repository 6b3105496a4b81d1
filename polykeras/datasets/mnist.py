"""MNIST handwritten digits: 60,000 training and 10,000 test 28x28 images."""
import numpy as np

from polykeras.datasets._fetch import dataset_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Load MNIST.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).

    Raises:
        DatasetError: the file is missing and cannot be downloaded, or is corrupt.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
    """
    with np.load(dataset_file(path, ORIGIN, SHA256)) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
