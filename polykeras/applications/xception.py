"""Xception (Chollet, "Xception: Deep Learning with Depthwise Separable
Convolutions", 2016), as in Keras 2.

Entry flow: two plain 3x3 convolutions, then three residual blocks of two
separable convolutions and a strided max pooling, each with a strided 1x1
convolution on its shortcut. Middle flow: eight residual blocks of three
728-filter separable convolutions with identity shortcuts. Exit flow: one
more downsampling residual block and two wide separable convolutions. Every
convolution is bias-free and followed by batch normalization. Inputs are
``'tf'``-preprocessed, by default 299x299 (at least 71x71); 22,910,480
parameters with the classifier.

Layer names follow Keras 2 (``block{n}_sepconv{i}`` with ``_bn`` and ``_act``
companions, ``block{n}_pool``); the shortcut convolutions are unnamed, as there.
"""
from polykeras import layers
from polykeras.applications import _common, imagenet_utils
from polykeras.applications.imagenet_utils import decode_predictions
from polykeras.engine.training import Model

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _sepconv_bn(x, filters, name):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=_common.channel_axis(), name=name + "_bn")(x)


def _projection(x, filters):
    """The shortcut of a downsampling block: a strided 1x1 convolution and batch norm."""
    x = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=_common.channel_axis())(x)


def _downsampling_block(x, block, filters, activate_first=True):
    """Two separable convolutions and a strided max pooling, added to a projection of ``x``.

    ``filters`` gives the two convolutions' widths (the projection takes the
    second); the first block follows a ReLU already, so it starts with no
    activation (``activate_first=False``).
    """
    residual = _projection(x, filters[1])
    if activate_first:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1")
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def _middle_block(x, block):
    residual = x
    for i in (1, 2, 3):
        x = layers.Activation("relu", name=f"block{block}_sepconv{i}_act")(x)
        x = _sepconv_bn(x, 728, f"block{block}_sepconv{i}")
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,  # noqa: N802
             pooling=None, classes=1000):
    """The Xception architecture, optionally with ImageNet weights.

    Args:
        include_top: whether to add the global average pooling (``avg_pool``)
            and the softmax classifier (``predictions``) on top.
        weights: ``None`` (random initialization), ``'imagenet'`` (download
            the published Keras 2 weights) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: the image shape, default ``(299, 299, 3)`` (or
            ``(3, 299, 299)`` for channels_first); height and width at least 71.
            The classifier sits on a global pooling, so any valid size works
            with ``include_top=True`` too (as in Keras 2).
        pooling: with ``include_top=False``: ``None`` (4D output of the last
            block), ``'avg'`` or ``'max'`` (global pooling, 2D output).
        classes: number of classes; only with ``include_top=True`` and
            without ImageNet weights may it differ from 1000.

    Returns:
        A :class:`~polykeras.Model` named ``'xception'``.

    Raises:
        ValueError: an invalid ``weights``, ``classes``, ``pooling`` or input shape.

    Example:
        >>> model = Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
        >>> model.output_shape
        (None, 3, 3, 2048)
    """
    img_input = _common.checked_image_input("Xception", weights, include_top, classes,
                                            pooling, input_tensor, input_shape,
                                            default_size=299, min_size=71,
                                            require_flatten=False)
    axis = _common.channel_axis()

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    x = _downsampling_block(x, 2, (128, 128), activate_first=False)
    x = _downsampling_block(x, 3, (256, 256))
    x = _downsampling_block(x, 4, (728, 728))
    for block in range(5, 13):
        x = _middle_block(x, block)
    x = _downsampling_block(x, 13, (728, 1024))

    x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False,
                               name="block14_sepconv1")(x)
    x = layers.BatchNormalization(axis=axis, name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False,
                               name="block14_sepconv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _common.pooling_head(x, pooling)
    model = Model(_common.model_inputs(input_tensor, img_input), x, name="xception")
    suffix = "" if include_top else "_notop"
    fname = f"xception_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    _common.load_weights(model, weights, fname, _common.WEIGHTS_BASE + "v0.4/" + fname,
                         _HASHES[0 if include_top else 1])
    return model


def preprocess_input(x, data_format=None):
    """Images in ``[0, 255]`` RGB scaled to ``[-1, 1]`` for Xception (``mode='tf'``).

    Example:
        >>> preprocess_input(images)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
