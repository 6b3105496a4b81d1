"""InceptionV3 (Szegedy et al., "Rethinking the Inception Architecture for
Computer Vision", 2015), as in Keras 2.

A convolutional stem, then eleven Inception modules concatenated along the
channel axis (``mixed0`` to ``mixed10``): three 35x35 modules with 5x5 and
double-3x3 branches, a grid reduction, four 17x17 modules with factorised
1x7/7x1 convolutions, a second reduction and two 8x8 modules whose 3x3
branches split into parallel 1x3 and 3x1 convolutions. Every convolution is
bias-free and followed by a batch normalization without scale and a ReLU.
Inputs are ``'tf'``-preprocessed, by default 299x299 (at least 75x75);
23,851,784 parameters with the classifier.
"""
from polykeras import layers
from polykeras.applications import _common, imagenet_utils
from polykeras.applications.imagenet_utils import decode_predictions
from polykeras.engine.training import Model

__all__ = ["InceptionV3", "preprocess_input", "decode_predictions"]

_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Bias-free ``Conv2D``, ``BatchNormalization(scale=False)`` and ReLU.

    Args:
        x: input tensor.
        filters: output channels.
        num_row, num_col: kernel size.
        padding, strides: as for ``Conv2D``.
        name: when given, the layers are named ``name + '_conv'``,
            ``name + '_bn'`` and ``name``.

    Returns:
        The output tensor.
    """
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                  name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_pool_branch(x, filters):
    pooled = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pooled, filters, 1, 1)


def _module_35(x, pool_filters, name):
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    return layers.concatenate(
        [branch1x1, branch5x5, branch3x3dbl, _avg_pool_branch(x, pool_filters)],
        axis=_common.channel_axis(), name=name)


def _reduction_35_to_17(x):
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    return layers.concatenate([branch3x3, branch3x3dbl, branch_pool],
                              axis=_common.channel_axis(), name="mixed3")


def _module_17(x, width, name):
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    for filters, rows, cols in ((width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)):
        branch7x7dbl = conv2d_bn(branch7x7dbl, filters, rows, cols)
    return layers.concatenate(
        [branch1x1, branch7x7, branch7x7dbl, _avg_pool_branch(x, 192)],
        axis=_common.channel_axis(), name=name)


def _reduction_17_to_8(x):
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    return layers.concatenate([branch3x3, branch7x7x3, branch_pool],
                              axis=_common.channel_axis(), name="mixed8")


def _module_8(x, index):
    axis = _common.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate(
        [conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
        axis=axis, name=f"mixed9_{index}")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate(
        [conv2d_bn(branch3x3dbl, 384, 1, 3), conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=axis)
    return layers.concatenate(
        [branch1x1, branch3x3, branch3x3dbl, _avg_pool_branch(x, 192)],
        axis=axis, name=f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
                input_shape=None, pooling=None, classes=1000):
    """The Inception v3 architecture, optionally with ImageNet weights.

    Args:
        include_top: whether to add the global average pooling (``avg_pool``)
            and the softmax classifier (``predictions``) on top.
        weights: ``None`` (random initialization), ``'imagenet'`` (download
            the published Keras 2 weights) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: the image shape, default ``(299, 299, 3)`` (or
            ``(3, 299, 299)`` for channels_first); height and width at least 75.
            The classifier sits on a global pooling, so any valid size works
            with ``include_top=True`` too (as in Keras 2).
        pooling: with ``include_top=False``: ``None`` (4D output of
            ``mixed10``), ``'avg'`` or ``'max'`` (global pooling, 2D output).
        classes: number of classes; only with ``include_top=True`` and
            without ImageNet weights may it differ from 1000.

    Returns:
        A :class:`~polykeras.Model` named ``'inception_v3'``.

    Raises:
        ValueError: an invalid ``weights``, ``classes``, ``pooling`` or input shape.

    Example:
        >>> model = InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
        >>> model.output_shape
        (None, 1, 1, 2048)
    """
    img_input = _common.checked_image_input("InceptionV3", weights, include_top, classes,
                                            pooling, input_tensor, input_shape,
                                            default_size=299, min_size=75,
                                            require_flatten=False)

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    for index, pool_filters in enumerate((32, 64, 64)):
        x = _module_35(x, pool_filters, name=f"mixed{index}")
    x = _reduction_35_to_17(x)
    for index, width in enumerate((128, 160, 160, 192), start=4):
        x = _module_17(x, width, name=f"mixed{index}")
    x = _reduction_17_to_8(x)
    for index in range(2):
        x = _module_8(x, index)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _common.pooling_head(x, pooling)
    model = Model(_common.model_inputs(input_tensor, img_input), x, name="inception_v3")
    suffix = "" if include_top else "_notop"
    fname = f"inception_v3_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    _common.load_weights(model, weights, fname, _common.WEIGHTS_BASE + "v0.5/" + fname,
                         _HASHES[0 if include_top else 1])
    return model


def preprocess_input(x, data_format=None):
    """Images in ``[0, 255]`` RGB scaled to ``[-1, 1]`` for InceptionV3 (``mode='tf'``).

    Example:
        >>> preprocess_input(images)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
