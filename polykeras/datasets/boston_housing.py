"""Boston housing prices: 506 samples of 13 attributes of Boston suburbs in the 1970s.

The targets are median home values in thousands of dollars. The dataset has
an ethical problem (one attribute encodes a racial-segregation assumption);
prefer another regression dataset except to discuss that problem.
"""
import numpy as np

from polykeras.datasets._fetch import dataset_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing dataset, shuffled and split.

    Args:
        path: file name in the datasets folder.
        test_split: fraction of the samples kept for testing, in ``[0, 1)``.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 arrays of shapes
        (404, 13), (404,), (102, 13), (102,) with the default ``test_split``.

    Raises:
        ValueError: ``test_split`` is not in ``[0, 1)``.
        DatasetError: the file is missing and cannot be downloaded, or is corrupt.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1). Received: test_split={test_split!r}")
    with np.load(dataset_file(path, ORIGIN, SHA256), allow_pickle=True) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
