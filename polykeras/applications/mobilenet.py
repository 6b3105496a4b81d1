"""MobileNet v1 (Howard et al., "MobileNets: Efficient Convolutional Neural
Networks for Mobile Vision Applications", 2017), as in Keras 2.

A strided 3x3 convolution, then 13 depthwise separable blocks: a 3x3
depthwise convolution and a 1x1 pointwise convolution, each followed by batch
normalization and ReLU6. ``alpha`` scales the number of filters of every
layer, ``depth_multiplier`` the channels of the depthwise convolutions. The
classifier is a global average pooling, dropout and a 1x1 convolution
(``conv_preds``) with softmax. Inputs are ``'tf'``-preprocessed, by default
224x224 (at least 32x32); 4,253,864 parameters for ``alpha=1`` with the
classifier. ImageNet weights exist for ``alpha`` in 0.25, 0.5, 0.75, 1.0 and
square inputs of 128, 160, 192 or 224 pixels.
"""
import numbers
import warnings

from polykeras import backend as K
from polykeras import layers
from polykeras.applications import _common, imagenet_utils
from polykeras.applications.imagenet_utils import decode_predictions, obtain_input_shape
from polykeras.engine.training import Model

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]

_IMAGENET_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
_IMAGENET_SIZES = (128, 160, 192, 224)
# (pointwise filters at alpha=1, strides) of the 13 depthwise separable blocks.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _conv_block(inputs, filters, alpha, strides):
    x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)), name="conv1_pad")(inputs)
    x = layers.Conv2D(int(filters * alpha), (3, 3), padding="valid", use_bias=False,
                      strides=strides, name="conv1")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), name="conv1_bn")(x)
    return layers.ReLU(6., name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_filters, alpha, depth_multiplier, stride, block_id):
    axis = _common.channel_axis()
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6., name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False,
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6., name=f"conv_pw_{block_id}_relu")(x)


def _check_mobilenet_arguments(alpha, depth_multiplier, dropout):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha <= 0:
        raise ValueError(f"MobileNet: `alpha` must be a positive number. Received: alpha={alpha!r}")
    if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, numbers.Integral) \
            or depth_multiplier < 1:
        raise ValueError("MobileNet: `depth_multiplier` must be a positive int. "
                         f"Received: depth_multiplier={depth_multiplier!r}")
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) \
            or not 0 <= dropout < 1:
        raise ValueError(f"MobileNet: `dropout` must be a rate in [0, 1). "
                         f"Received: dropout={dropout!r}")


def _check_imagenet_variant(alpha, depth_multiplier, rows, cols, input_shape):
    """The image size whose ImageNet weights to load; raises if none were published."""
    if depth_multiplier != 1:
        raise ValueError("MobileNet: ImageNet weights exist only for depth_multiplier=1. "
                         f"Received: depth_multiplier={depth_multiplier}")
    if alpha not in _IMAGENET_ALPHAS:
        raise ValueError("MobileNet: ImageNet weights exist only for alpha in "
                         f"{sorted(_IMAGENET_ALPHAS)}. Received: alpha={alpha}")
    if rows is None and cols is None:
        warnings.warn("MobileNet: the input size is not fixed; loading the weights for "
                      "224x224 inputs.", stacklevel=3)
        return 224
    if rows != cols or rows not in _IMAGENET_SIZES:
        raise ValueError("MobileNet: ImageNet weights exist only for square inputs of "
                         f"{list(_IMAGENET_SIZES)} pixels. Received: input_shape={input_shape}")
    return rows


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,  # noqa: N802
              include_top=True, weights="imagenet", input_tensor=None, pooling=None,
              classes=1000):
    """The MobileNet v1 architecture, optionally with ImageNet weights.

    Args:
        input_shape: the image shape, default ``(224, 224, 3)`` (or
            ``(3, 224, 224)`` for channels_first); height and width at least 32.
            With ``include_top=True`` it must be static.
        alpha: width multiplier: the number of filters of every layer is
            scaled by it (ImageNet weights: 0.25, 0.5, 0.75 or 1.0).
        depth_multiplier: channels per input channel of the depthwise
            convolutions (ImageNet weights: 1).
        dropout: dropout rate before the classifier.
        include_top: whether to add the classifier on top.
        weights: ``None`` (random initialization), ``'imagenet'`` (download
            the published Keras 2 weights) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        pooling: with ``include_top=False``: ``None`` (4D output of the last
            block), ``'avg'`` or ``'max'`` (global pooling, 2D output).
        classes: number of classes; only with ``include_top=True`` and
            without ImageNet weights may it differ from 1000.

    Returns:
        A :class:`~polykeras.Model` named ``'mobilenet_{alpha:.2f}_{rows}'``.

    Raises:
        ValueError: an invalid argument, input shape, or a combination for
            which no ImageNet weights were published.

    Example:
        >>> model = MobileNet(input_shape=(32, 32, 3), weights=None, include_top=False)
        >>> model.output_shape
        (None, 1, 1, 1024)
    """
    _common.check_arguments("MobileNet", weights, include_top, classes, pooling)
    _check_mobilenet_arguments(alpha, depth_multiplier, dropout)
    input_shape = _common.shape_of_input_tensor("MobileNet", input_tensor, input_shape)
    channels_first = K.image_data_format() == "channels_first"
    default_size = 224
    if input_shape is not None and len(tuple(input_shape)) == 3:
        rows, cols = tuple(input_shape)[1:] if channels_first else tuple(input_shape)[:2]
        if rows == cols and rows in _IMAGENET_SIZES:
            default_size = rows
    input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    rows, cols = input_shape[1:] if channels_first else input_shape[:2]
    if weights == "imagenet":
        rows = _check_imagenet_variant(alpha, depth_multiplier, rows, cols, input_shape)
    img_input = _common.image_input(input_tensor, input_shape)

    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)

    if include_top:
        width = int(1024 * alpha)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Reshape((width, 1, 1) if channels_first else (1, 1, width),
                           name="reshape_1")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        softmax = layers.Activation("softmax", name="act_softmax")
        flatten = layers.Reshape((classes,), name="reshape_2")
        # The softmax runs over the last axis: with channels_first the class
        # scores are laid out flat first.
        x = softmax(flatten(x)) if channels_first else flatten(softmax(x))
    else:
        x = _common.pooling_head(x, pooling)
    model = Model(_common.model_inputs(input_tensor, img_input), x,
                  name=f"mobilenet_{alpha:0.2f}_{rows}")
    if weights == "imagenet":
        suffix = "tf" if include_top else "tf_no_top"
        fname = f"mobilenet_{_IMAGENET_ALPHAS[alpha]}_{rows}_{suffix}.h5"
        _common.load_weights(model, weights, fname, _common.WEIGHTS_BASE + "v0.6/" + fname)
    else:
        _common.load_weights(model, weights)
    return model


def preprocess_input(x, data_format=None):
    """Images in ``[0, 255]`` RGB scaled to ``[-1, 1]`` for MobileNet (``mode='tf'``).

    Example:
        >>> preprocess_input(images)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
