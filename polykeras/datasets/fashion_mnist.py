"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 clothing classes.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot. Copyright Zalando SE, MIT license.
"""
import gzip

import numpy as np

from polykeras.datasets._fetch import DatasetError, dataset_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FOLDER = "fashion-mnist"
# sha256 of the original IDX files (they match the md5 sums Zalando publishes).
SHA256 = {
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
_MAGIC = {1: 2049, 3: 2051}


def read_idx(path):
    """Read a gzipped IDX file of unsigned bytes (labels: 1-D, images: 3-D).

    Args:
        path: a ``*-idx1-ubyte.gz`` or ``*-idx3-ubyte.gz`` file.

    Returns:
        A uint8 array of the shape the file's header gives.

    Raises:
        DatasetError: the header is not an unsigned-byte IDX header or does
            not match the amount of data.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3] if len(raw) >= 4 else 0
    header = 4 + 4 * rank
    if rank not in _MAGIC or len(raw) < header:
        raise DatasetError(f"{path} is not an IDX file of unsigned bytes with 1 or 3 dimensions.")
    magic, *shape = np.frombuffer(raw, ">u4", count=1 + rank).tolist()
    data = np.frombuffer(raw, np.uint8, offset=header)
    if magic != _MAGIC[rank] or data.size != int(np.prod(shape)):
        raise DatasetError(f"{path}: IDX header (magic {magic}, shape {tuple(shape)}) does not "
                           f"match its {data.size} bytes of data.")
    return data.reshape(shape)


def load_data():
    """Load Fashion-MNIST.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).

    Raises:
        DatasetError: a file is missing and cannot be downloaded, or is corrupt.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    """
    arrays = {name: read_idx(dataset_file(f"{FOLDER}/{name}", ORIGIN + name, digest))
              for name, digest in SHA256.items()}
    return ((arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]),
            (arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"]))
