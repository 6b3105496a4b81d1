"""NumPy helpers for labels and arrays: one-hot encoding and norm scaling."""
import numpy as np

__all__ = ["normalize", "to_categorical"]


def _integer_labels(y):
    """``y`` as an integer array, refusing values that are not whole numbers."""
    y = np.asarray(y)
    if y.dtype == bool or np.issubdtype(y.dtype, np.integer):
        return y.astype(np.int64, copy=False)
    if not np.issubdtype(y.dtype, np.number) or np.iscomplexobj(y):
        raise TypeError(f"to_categorical expected integer class labels. "
                        f"Received: an array of dtype {y.dtype}.")
    whole = np.isfinite(y) & (np.floor(y) == y)
    if not whole.all():
        where = tuple(int(i) for i in np.argwhere(~whole)[0])
        raise ValueError(f"to_categorical expected integer class labels. "
                         f"Received: {y[where]!r} at index {where}.")
    return y.astype(np.int64)


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels.

    A trailing dimension of size 1 is dropped first (so labels of shape
    ``(n, 1)`` give ``(n, num_classes)``, as in Keras 2); the result has shape
    ``y.shape + (num_classes,)``.

    Args:
        y: class labels, integers in ``[0, num_classes)`` (any array-like;
            whole-valued floats are accepted).
        num_classes: number of classes; defaults to ``max(y) + 1``.
        dtype: dtype of the result.

    Returns:
        A NumPy array of zeros with a one at each label's position.

    Raises:
        ValueError: for a negative label, a label ``>= num_classes``, a
            non-integer label, or ``num_classes`` that is not a positive integer.

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    y = _integer_labels(y)
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = y.reshape(-1)
    if flat.size and flat.min() < 0:
        where = tuple(int(i) for i in np.argwhere(y < 0)[0])
        raise ValueError(f"to_categorical expected class labels >= 0. "
                         f"Received: {int(y[where])} at index {where}.")
    if num_classes is None:
        if not flat.size:
            raise ValueError("to_categorical cannot infer num_classes from empty labels. "
                             f"Received: y with shape {y.shape}; pass num_classes.")
        num_classes = int(flat.max()) + 1
    else:
        if isinstance(num_classes, (bool, np.bool_)) or \
                not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"to_categorical expected num_classes to be a positive "
                             f"integer. Received: num_classes={num_classes!r}.")
        num_classes = int(num_classes)
        if flat.size and flat.max() >= num_classes:
            where = tuple(int(i) for i in np.argwhere(y >= num_classes)[0])
            raise ValueError(f"to_categorical expected class labels < num_classes="
                             f"{num_classes}. Received: {int(y[where])} at index {where}.")
    categorical = np.zeros((flat.size, num_classes), dtype=dtype)
    categorical[np.arange(flat.size), flat] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` so its ``order``-norm along ``axis`` is 1; zero vectors stay zero.

    Args:
        x: array-like.
        axis: the axis along which norms are taken.
        order: the norm order, as for :func:`numpy.linalg.norm` (2 for L2,
            1 for L1, ``np.inf`` for max-abs).

    Returns:
        A NumPy array of the shape of ``x`` (float; float32 input stays float32).

    Example:
        >>> normalize([[3.0, 4.0], [0.0, 0.0]])
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.inexact):
        x = x.astype(np.float64)
    norms = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norms[norms == 0] = 1
    return x / norms
