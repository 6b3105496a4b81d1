"""ResNet50: the 50-layer residual network (He et al., "Deep Residual Learning
for Image Recognition", 2015), as in Keras 2.

A 7x7/2 convolution and a 3x3/2 max pooling, then four stages of bottleneck
blocks (1x1 reduce, 3x3, 1x1 expand, each followed by batch normalization)
with 3, 4, 6 and 3 blocks. The first block of a stage has a projection
shortcut (a strided 1x1 convolution); the others add their input back.
Inputs are ``'caffe'``-preprocessed, by default 224x224 (at least 32x32);
25,636,712 parameters with the classifier.

Layer names follow Keras 2: ``res{stage}{block}_branch{2a,2b,2c,1}`` for the
convolutions and ``bn{stage}{block}_branch...`` for their normalizations.
"""
from polykeras import layers
from polykeras.applications import _common, imagenet_utils
from polykeras.applications.imagenet_utils import decode_predictions
from polykeras.engine.training import Model

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]

_HASHES = ("a7b3fe01876f51b976af0dea6bc144eb", "a268eb855778b3df3c7506639542a6af")
# (filters of the three convolutions, number of blocks, stride of the first block)
_STAGES = (((64, 64, 256), 3, 1), ((128, 128, 512), 4, 2), ((256, 256, 1024), 6, 2),
           ((512, 512, 2048), 3, 2))


def _bottleneck(x, filters, stage, block, strides):
    """One bottleneck block; a projection shortcut when ``strides`` is not None."""
    axis = _common.channel_axis()
    conv, bn = f"res{stage}{block}_branch", f"bn{stage}{block}_branch"
    first, middle, last = filters
    y = layers.Conv2D(first, (1, 1), strides=strides or (1, 1), kernel_initializer="he_normal",
                      name=conv + "2a")(x)
    y = layers.BatchNormalization(axis=axis, name=bn + "2a")(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(middle, (3, 3), padding="same", kernel_initializer="he_normal",
                      name=conv + "2b")(y)
    y = layers.BatchNormalization(axis=axis, name=bn + "2b")(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(last, (1, 1), kernel_initializer="he_normal", name=conv + "2c")(y)
    y = layers.BatchNormalization(axis=axis, name=bn + "2c")(y)
    if strides is None:
        shortcut = x
    else:
        shortcut = layers.Conv2D(last, (1, 1), strides=strides, kernel_initializer="he_normal",
                                 name=conv + "1")(x)
        shortcut = layers.BatchNormalization(axis=axis, name=bn + "1")(shortcut)
    y = layers.add([y, shortcut])
    return layers.Activation("relu")(y)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,  # noqa: N802
             pooling=None, classes=1000):
    """The ResNet50 architecture, optionally with ImageNet weights.

    Args:
        include_top: whether to add the global average pooling and the
            softmax classifier (``fc1000``) on top.
        weights: ``None`` (random initialization), ``'imagenet'`` (download
            the published Keras 2 weights) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: the image shape, only needed with ``include_top=False``
            (else ``(224, 224, 3)``, or ``(3, 224, 224)`` for channels_first);
            height and width at least 32.
        pooling: with ``include_top=False``: ``None`` (4D output of the last
            stage), ``'avg'`` or ``'max'`` (global pooling, 2D output).
        classes: number of classes; only with ``include_top=True`` and
            without ImageNet weights may it differ from 1000.

    Returns:
        A :class:`~polykeras.Model` named ``'resnet50'``.

    Raises:
        ValueError: an invalid ``weights``, ``classes``, ``pooling`` or input shape.

    Example:
        >>> model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3),
        ...                  pooling='avg')
        >>> model.output_shape
        (None, 2048)
    """
    img_input = _common.checked_image_input("ResNet50", weights, include_top, classes,
                                            pooling, input_tensor, input_shape,
                                            default_size=224, min_size=32,
                                            require_flatten=include_top)

    x = layers.ZeroPadding2D(padding=(3, 3), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, (7, 7), strides=(2, 2), padding="valid",
                      kernel_initializer="he_normal", name="conv1")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), name="bn_conv1")(x)
    x = layers.Activation("relu")(x)
    x = layers.ZeroPadding2D(padding=(1, 1), name="pool1_pad")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for stage, (filters, blocks, stride) in enumerate(_STAGES, start=2):
        for index in range(blocks):
            block = "abcdef"[index]
            strides = (stride, stride) if index == 0 else None
            x = _bottleneck(x, filters, stage, block, strides)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation="softmax", name="fc1000")(x)
    else:
        x = _common.pooling_head(x, pooling)
    model = Model(_common.model_inputs(input_tensor, img_input), x, name="resnet50")
    suffix = "" if include_top else "_notop"
    fname = f"resnet50_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    _common.load_weights(model, weights, fname, _common.WEIGHTS_BASE + "v0.2/" + fname,
                         _HASHES[0 if include_top else 1])
    return model


def preprocess_input(x, data_format=None):
    """Images in ``[0, 255]`` RGB prepared for ResNet50 (``mode='caffe'``).

    Example:
        >>> preprocess_input(images)          # BGR, ImageNet mean pixel subtracted
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
