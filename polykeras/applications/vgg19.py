"""VGG19: the 19-layer VGG network (Simonyan & Zisserman, "Very Deep
Convolutional Networks for Large-Scale Image Recognition", 2014).

Inputs are ``'caffe'``-preprocessed images (BGR, mean pixel subtracted), by
default 224x224; 143,667,240 parameters with the classifier.
"""
from polykeras.applications import imagenet_utils
from polykeras.applications._vgg import build_vgg
from polykeras.applications.imagenet_utils import decode_predictions

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,  # noqa: N802
          pooling=None, classes=1000):
    """The VGG19 architecture, optionally with ImageNet weights.

    Args:
        include_top: whether to add the three fully connected layers on top.
        weights: ``None`` (random initialization), ``'imagenet'`` (download
            the published Keras 2 weights) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: the image shape, only needed with ``include_top=False``
            (else ``(224, 224, 3)``, or ``(3, 224, 224)`` for channels_first);
            height and width at least 32.
        pooling: with ``include_top=False``: ``None`` (4D output of the last
            block), ``'avg'`` or ``'max'`` (global pooling, 2D output).
        classes: number of classes; only with ``include_top=True`` and
            without ImageNet weights may it differ from 1000.

    Returns:
        A :class:`~polykeras.Model` named ``'vgg19'``.

    Raises:
        ValueError: an invalid ``weights``, ``classes``, ``pooling`` or input shape.

    Example:
        >>> model = VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 512)
    """
    return build_vgg("vgg19", (2, 2, 4, 4, 4), include_top, weights, input_tensor,
                     input_shape, pooling, classes)


def preprocess_input(x, data_format=None):
    """Images in ``[0, 255]`` RGB prepared for VGG19 (``mode='caffe'``).

    Example:
        >>> preprocess_input(images)          # BGR, ImageNet mean pixel subtracted
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
