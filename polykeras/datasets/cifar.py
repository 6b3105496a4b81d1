"""Reading the pickled batches of the CIFAR-10 and CIFAR-100 Python archives."""
import pickle

import numpy as np

from polykeras import backend as K
from polykeras.datasets._fetch import DatasetError


def load_batch(path, label_key="labels"):
    """Images and labels of one pickled CIFAR batch file.

    The file must come from a verified archive: unpickling runs code.

    Args:
        path: a batch file (``data_batch_1``, ``test_batch``, ``train``...).
        label_key: the key of the labels in the pickled dict
            (``"labels"``, ``"fine_labels"``, ``"coarse_labels"``).

    Returns:
        ``(data, labels)``: uint8 array of shape (n, 3, 32, 32) and a list of ints.

    Raises:
        DatasetError: the file lacks ``data`` or ``label_key``.
    """
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    missing = [key for key in ("data", label_key) if key not in batch]
    if missing:
        raise DatasetError(f"{path} is not a CIFAR batch: it has no {missing[0]!r} entry "
                           f"(it has {sorted(batch)}).")
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), list(batch[label_key])


def to_data_format(x):
    """Channels-first CIFAR images in the configured ``image_data_format``."""
    return x.transpose(0, 2, 3, 1) if K.image_data_format() == "channels_last" else x
