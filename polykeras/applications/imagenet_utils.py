"""ImageNet helpers shared by the applications: input preprocessing, decoding
predictions, and the input-shape rules of the reference architectures.

``preprocess_input`` has the three Keras 2 modes:

* ``'caffe'`` (VGG16, VGG19, ResNet50): RGB to BGR, then subtract the ImageNet
  mean pixel ``(103.939, 116.779, 123.68)`` (BGR order), no scaling.
* ``'tf'`` (InceptionV3, MobileNet, Xception): scale ``[0, 255]`` to ``[-1, 1]``.
* ``'torch'``: scale to ``[0, 1]``, then subtract the ImageNet mean
  ``(0.485, 0.456, 0.406)`` and divide by the std ``(0.229, 0.224, 0.225)``
  per RGB channel.

Unlike Keras 2, a NumPy input is never modified in place: a new array is
returned (floating inputs keep their dtype, others become ``K.floatx()``).
"""
import json

import numpy as np

from polykeras import backend as K
from polykeras.applications._common import fetch

__all__ = ["preprocess_input", "decode_predictions", "obtain_input_shape"]

CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/"
                   "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
CLASS_INDEX_FILE = "imagenet_class_index.json"
NUM_CLASSES = 1000

_MODES = ("caffe", "tf", "torch")
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)

# The class index, read once per process: {"0": ["n01440764", "tench"], ...}.
_class_index = None


def _channel_axis(ndim, data_format):
    return (0 if ndim == 3 else 1) if data_format == "channels_first" else ndim - 1


def _check_image_rank(ndim, shape):
    if ndim not in (3, 4):
        raise ValueError("preprocess_input expects an image (rank 3) or a batch of images "
                         f"(rank 4). Received: input of shape {shape}")


def _check_three_channels(shape, axis, mode, data_format):
    channels = shape[axis]
    if channels is not None and channels != 3:
        raise ValueError(
            f"preprocess_input(mode={mode!r}) expects 3 (RGB) channels on axis {axis} "
            f"for data_format={data_format!r}. Received: input of shape {tuple(shape)}")


def _per_channel_shape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = 3
    return tuple(shape)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Prepare images for an ImageNet model.

    Args:
        x: a NumPy array or a symbolic tensor, one image (rank 3) or a batch
            (rank 4), RGB values in ``[0, 255]``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        mode: ``'caffe'``, ``'tf'`` or ``'torch'`` (see the module docstring).

    Returns:
        A new NumPy array (for NumPy input) or a tensor, same shape as ``x``.

    Raises:
        ValueError: unknown ``mode`` or ``data_format``, an input that is not
            rank 3 or 4, or (``'caffe'``/``'torch'``) a channel axis not of size 3.

    Example:
        >>> preprocess_input(np.full((1, 2, 2, 3), 255.), mode='tf')[0, 0, 0]
        array([1., 1., 1.])
    """
    if mode not in _MODES:
        raise ValueError(f"preprocess_input: `mode` must be one of {list(_MODES)}. "
                         f"Received: mode={mode!r}")
    data_format = K.normalize_data_format(data_format)
    if K.is_tensor(x):
        return _preprocess_tensor(x, data_format, mode)
    return _preprocess_array(np.asarray(x), data_format, mode)


def _preprocess_array(x, data_format, mode):
    _check_image_rank(x.ndim, x.shape)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(K.floatx())
    x = x.astype(dtype)
    if mode == "tf":
        return (x / 127.5 - 1.0).astype(dtype, copy=False)
    axis = _channel_axis(x.ndim, data_format)
    _check_three_channels(x.shape, axis, mode, data_format)
    per_channel = _per_channel_shape(x.ndim, axis)
    if mode == "torch":
        mean = np.reshape(_TORCH_MEAN, per_channel)
        std = np.reshape(_TORCH_STD, per_channel)
        return ((x / 255.0 - mean) / std).astype(dtype, copy=False)
    bgr = np.flip(x, axis=axis)
    return (bgr - np.reshape(_CAFFE_MEAN_BGR, per_channel)).astype(dtype, copy=False)


def _preprocess_tensor(x, data_format, mode):
    ndim = K.ndim(x)
    _check_image_rank(ndim, K.int_shape(x))
    if not K.dtype(x).startswith("float"):
        x = K.cast(x, K.floatx())
    dtype = K.dtype(x)
    if mode == "tf":
        return x / 127.5 - 1.0
    axis = _channel_axis(ndim, data_format)
    _check_three_channels(K.int_shape(x), axis, mode, data_format)
    if mode == "torch":
        x = x / 255.0
        x = K.bias_add(x, K.constant(-np.asarray(_TORCH_MEAN), dtype=dtype), data_format)
        return x / K.constant(np.reshape(_TORCH_STD, _per_channel_shape(ndim, axis)),
                              dtype=dtype)
    x = K.reverse(x, axis)
    return K.bias_add(x, K.constant(-np.asarray(_CAFFE_MEAN_BGR), dtype=dtype), data_format)


def _load_class_index():
    global _class_index
    if _class_index is None:
        path = fetch(CLASS_INDEX_FILE, CLASS_INDEX_URL, CLASS_INDEX_HASH)
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
        missing = [str(i) for i in range(NUM_CLASSES) if str(i) not in index]
        if missing:
            raise ValueError(f"{path} is not an ImageNet class index: it has no entry for "
                             f"class(es) {missing[:5]} (expected keys '0' to '999').")
        _class_index = index
    return _class_index


def decode_predictions(preds, top=5):
    """Turn ImageNet class scores into ``(wordnet_id, name, score)`` tuples.

    The class index (``imagenet_class_index.json``) is fetched once with
    :func:`polykeras.utils.data_utils.get_file` (cache subfolder ``models``,
    checked against its published hash) and kept for the process.

    Args:
        preds: array of shape ``(samples, 1000)``.
        top: how many of the best classes to return per sample.

    Returns:
        One list per sample of ``top`` tuples ``(wordnet_id, class_name, score)``,
        best first.

    Raises:
        ValueError: ``preds`` is not of shape ``(samples, 1000)``, or ``top``
            is not a positive int.

    Example:
        >>> decode_predictions(model.predict(x), top=3)[0][0]
        ('n02504458', 'African_elephant', 0.82)
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != NUM_CLASSES:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions, "
                         f"an array of shape (samples, {NUM_CLASSES}). "
                         f"Received: preds of shape {preds.shape}")
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"decode_predictions: `top` must be a positive int. Received: top={top!r}")
    index = _load_class_index()
    # A stable sort on the negated scores: best first, ties in class order.
    best = np.argsort(-preds, axis=1, kind="stable")[:, :top]
    return [[(*index[str(i)], row[i]) for i in order] for row, order in zip(preds, best)]


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The input shape an application model is built for, validated as in Keras 2.

    Args:
        input_shape: ``None`` or a tuple of 3 entries (ints or ``None``), in
            the layout of ``data_format``.
        default_size: the model's native image size (224 or 299).
        min_size: the smallest height/width the architecture accepts.
        data_format: ``'channels_last'`` or ``'channels_first'``.
        require_flatten: whether the top of the model needs a fixed spatial
            size (a ``Flatten`` before ``Dense``).
        weights: ``'imagenet'`` requires 3 channels, and, with
            ``require_flatten``, exactly the default shape.

    Returns:
        A tuple of 3 entries; ``None`` entries only when the spatial size may vary.

    Raises:
        ValueError: a shape of the wrong length, too small, with the wrong
            number of channels, or not fixed where it must be.

    Example:
        >>> obtain_input_shape(None, 224, 32, 'channels_last', require_flatten=True)
        (224, 224, 3)
    """
    channels_first = data_format == "channels_first"
    if input_shape is not None:
        input_shape = _as_shape(input_shape)
    if weights != "imagenet" and input_shape is not None:
        channels = input_shape[0] if channels_first else input_shape[-1]
    else:
        channels = 3
    default_shape = ((channels, default_size, default_size) if channels_first
                     else (default_size, default_size, channels))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("With include_top=True and weights='imagenet', `input_shape` must "
                             f"be {default_shape}. Received: input_shape={input_shape}")
        return default_shape
    if input_shape is None:
        if require_flatten:
            return default_shape
        return (3, None, None) if channels_first else (None, None, 3)
    channels = input_shape[0] if channels_first else input_shape[-1]
    if weights == "imagenet" and channels != 3:
        raise ValueError(f"With weights='imagenet' the input must have 3 channels "
                         f"({data_format}). Received: input_shape={input_shape}")
    spatial = input_shape[1:] if channels_first else input_shape[:2]
    if any(size is not None and size < min_size for size in spatial):
        raise ValueError(f"Input size must be at least {min_size}x{min_size}. "
                         f"Received: input_shape={input_shape}")
    if require_flatten and None in input_shape:
        raise ValueError("With include_top=True the model needs a static `input_shape` "
                         f"(no None entries). Received: input_shape={input_shape}")
    return input_shape


def _as_shape(input_shape):
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or len(shape) != 3 or not all(
            s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0)
            for s in shape):
        raise ValueError("`input_shape` must be a tuple of three positive integers (or None "
                         f"for a free spatial size). Received: input_shape={input_shape!r}")
    return tuple(None if s is None else int(s) for s in shape)
