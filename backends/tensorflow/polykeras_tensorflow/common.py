"""TensorFlow import and the value helpers shared by the backend's modules.

Every module of the backend gets ``tf`` from here, so TensorFlow's C++
logging is quietened (``TF_CPP_MIN_LOG_LEVEL=2`` unless the user set it)
before the first import. The helpers turn the values a replayed program
hands to an op (``tf.Tensor``, NumPy arrays, Python scalars) into tensors
with the dtype rules of ``docs/backends.md``: a Python scalar takes the
dtype of the tensor it meets, two tensors meet at NumPy's result type.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = ["tf", "np", "as_tf_dtype", "is_weak", "to_tensor", "binary_args",
           "shape_arg", "floatx", "epsilon"]


def floatx():
    """The configured default float dtype name (``'float32'``)."""
    from polykeras.backend import selection
    return selection.settings()["floatx"]


def epsilon():
    """The configured fuzz factor."""
    from polykeras.backend import selection
    return selection.settings()["epsilon"]


def as_tf_dtype(dtype):
    """A ``tf.DType`` from a NumPy dtype name, NumPy dtype or ``tf.DType``."""
    if isinstance(dtype, tf.DType):
        return dtype
    return tf.as_dtype(np.dtype(dtype))


def is_weak(value):
    """True for Python scalars, which take the dtype of the tensor they meet."""
    return isinstance(value, (bool, int, float)) and not isinstance(value, np.generic)


def to_tensor(value, dtype=None):
    """``value`` as a tensor; Python scalars default to floatx (ints/bools stay)."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        return value if dtype is None else tf.cast(value, as_tf_dtype(dtype))
    if dtype is None and isinstance(value, float) and not isinstance(value, np.generic):
        dtype = floatx()
    if dtype is None:
        return tf.convert_to_tensor(value)
    tf_dtype = as_tf_dtype(dtype)
    if is_weak(value) or isinstance(value, (np.ndarray, np.generic)):
        return tf.constant(np.asarray(value).astype(tf_dtype.as_numpy_dtype))
    return tf.cast(tf.convert_to_tensor(value), tf_dtype)


def _dtype_name(value):
    return np.dtype(value.dtype.as_numpy_dtype).name if isinstance(
        value, (tf.Tensor, tf.Variable)) else np.asarray(value).dtype.name


def binary_args(x, y):
    """``(x, y)`` as two tensors of one dtype, following the core's dtype rules.

    A Python scalar takes the other operand's dtype; two Python scalars give
    floatx; otherwise the operands meet at ``np.result_type``.
    """
    if is_weak(x) and is_weak(y):
        dtype = floatx()
        return to_tensor(x, dtype), to_tensor(y, dtype)
    if is_weak(x):
        y = to_tensor(y)
        return to_tensor(x, y.dtype), y
    if is_weak(y):
        x = to_tensor(x)
        return x, to_tensor(y, x.dtype)
    dx, dy = _dtype_name(x), _dtype_name(y)
    dtype = dx if dx == dy else np.result_type(dx, dy).name
    return to_tensor(x, dtype), to_tensor(y, dtype)


def shape_arg(shape):
    """A shape list that may hold tensor scalars, as a list of ints or an int32 tensor."""
    if isinstance(shape, (tf.Tensor, tf.Variable)):
        return tf.cast(shape, tf.int32)
    shape = list(shape)
    if all(isinstance(d, (int, np.integer)) for d in shape):
        return [int(d) for d in shape]
    return tf.stack([tf.reshape(tf.cast(d, tf.int32), []) for d in shape])


def static_or_dynamic_shape(x):
    """Per axis: the static size when known, else a scalar int32 tensor."""
    static = x.shape.as_list()
    dynamic = tf.shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]
