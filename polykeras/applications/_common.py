"""What every application builder shares: argument checks, the input tensor,
the optional pooling head, and fetching and loading the published weights.

Conv kernels are stored in one layout on every backend (Keras/TF
cross-correlation), so the published ``tf_kernels`` files load unchanged on
Theano too: no kernel flipping as Keras 2 did for Theano.
"""
import numbers
import os

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input
from polykeras.engine.input_layer import InputLayer
from polykeras.engine.network import _topological_nodes
from polykeras.utils.data_utils import get_file

WEIGHTS_BASE = "https://github.com/fchollet/deep-learning-models/releases/download/"


def check_arguments(model_name, weights, include_top, classes, pooling):
    """Validate the arguments every builder takes (Keras 2 rules).

    Raises:
        ValueError: ``weights`` is neither ``None``, ``'imagenet'`` nor the
            path of an existing file; ``classes`` is not a positive int, or is
            not 1000 with ImageNet weights and the classifier on top;
            ``pooling`` is not ``None``, ``'avg'`` or ``'max'``.
    """
    if not (weights is None or weights == "imagenet"
            or (isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights))):
        raise ValueError(f"{model_name}: `weights` must be None (random initialization), "
                         "'imagenet' (pre-training on ImageNet) or the path of an existing "
                         f"weights file. Received: weights={weights!r}")
    if isinstance(classes, bool) or not isinstance(classes, numbers.Integral) or classes < 1:
        raise ValueError(f"{model_name}: `classes` must be a positive int. "
                         f"Received: classes={classes!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model_name}: with weights='imagenet' and include_top=True, "
                         f"`classes` must be 1000. Received: classes={classes}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model_name}: `pooling` must be None, 'avg' or 'max'. "
                         f"Received: pooling={pooling!r}")


def shape_of_input_tensor(model_name, input_tensor, input_shape):
    """``input_shape``, or the per-sample shape of ``input_tensor`` when none is given.

    Raises:
        ValueError: ``input_tensor`` is not a tensor, or its shape disagrees
            with ``input_shape``.
    """
    if input_tensor is None:
        return input_shape
    if not K.is_tensor(input_tensor):
        raise ValueError(f"{model_name}: `input_tensor` must be a symbolic tensor (e.g. the "
                         f"output of `Input`). Received: {type(input_tensor).__name__}")
    shape = getattr(input_tensor, "_keras_shape", None) or K.int_shape(input_tensor)
    if shape is None or len(shape) != 4:
        raise ValueError(f"{model_name}: `input_tensor` must be a batch of images (rank 4). "
                         f"Received: input_tensor of shape {shape}")
    tensor_shape = tuple(shape[1:])
    if input_shape is None:
        return tensor_shape
    if len(tuple(input_shape)) != 3 or any(
            a is not None and b is not None and a != b
            for a, b in zip(tensor_shape, input_shape)):
        raise ValueError(f"{model_name}: `input_shape`={tuple(input_shape)} does not match the "
                         f"shape of `input_tensor`, {tuple(shape)}.")
    return tuple(input_shape)


def checked_image_input(model_name, weights, include_top, classes, pooling, input_tensor,
                        input_shape, default_size, min_size, require_flatten):
    """Validate a builder's arguments and return the Keras tensor it starts from.

    The common prologue of the builders: :func:`check_arguments`, the input
    shape (from ``input_tensor`` when not given, then checked as Keras 2's
    ``_obtain_input_shape`` does), and :func:`image_input`.

    Raises:
        ValueError: as :func:`check_arguments`, :func:`shape_of_input_tensor`
            and ``imagenet_utils.obtain_input_shape`` do.
    """
    # imagenet_utils imports this module (for fetch), so import it here.
    from polykeras.applications.imagenet_utils import obtain_input_shape
    check_arguments(model_name, weights, include_top, classes, pooling)
    input_shape = shape_of_input_tensor(model_name, input_tensor, input_shape)
    input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                                     data_format=K.image_data_format(),
                                     require_flatten=require_flatten, weights=weights)
    return image_input(input_tensor, input_shape)


def image_input(input_tensor, input_shape):
    """The Keras tensor the model starts from: a new ``Input``, or ``input_tensor``."""
    if input_tensor is None:
        return Input(shape=input_shape)
    if not K.is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` was computed from (a model's inputs)."""
    return [node.output_tensors[0] for node in _topological_nodes([tensor])
            if isinstance(node.outbound_layer, InputLayer)]


def model_inputs(input_tensor, img_input):
    """What to pass as a model's ``inputs``: the sources of ``input_tensor`` or ``img_input``."""
    if input_tensor is None:
        return img_input
    sources = source_inputs(img_input)
    return sources[0] if len(sources) == 1 else sources


def channel_axis():
    """The channel axis of a 4D image batch in the configured data format."""
    return 1 if K.image_data_format() == "channels_first" else -1


def pooling_head(x, pooling):
    """``x`` followed by global average or max pooling (``pooling``), or ``x`` itself."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D()(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D()(x)
    return x


def fetch(fname, origin, file_hash):
    """Local path of ``fname`` from ``origin``: cached, hash-checked, downloaded if missing.

    Uses :func:`polykeras.utils.data_utils.get_file` with cache subfolder
    ``models`` (``$POLYKERAS_HOME/models``); ``file_hash=None`` skips the check.

    Raises:
        OSError: the file is not cached and cannot be downloaded.
        ValueError: the download does not match ``file_hash``.
    """
    return get_file(fname, origin, file_hash=file_hash, cache_subdir="models")


def load_weights(model, weights, fname=None, origin=None, file_hash=None):
    """Load ``weights`` into ``model``: the published ImageNet file, or a file path.

    Args:
        model: the freshly built model.
        weights: ``None`` (nothing to do), ``'imagenet'`` or a path.
        fname, origin, file_hash: the published file for ``'imagenet'``
            (``file_hash=None``: Keras 2 published none; the file is not checked).

    Raises:
        OSError, ValueError: as :func:`fetch`, or the file does not fit the model.
    """
    if weights is None:
        return
    path = fetch(fname, origin, file_hash) if weights == "imagenet" else os.fspath(weights)
    model.load_weights(path)
