"""The VGG family (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions.

Five blocks of ``same``-padded 3x3 ReLU convolutions (64, 128, 256, 512 and
512 filters), each closed by a 2x2 max pooling of stride 2; on top, two
4096-unit ReLU layers and a softmax classifier. VGG16 and VGG19 differ only in
how many convolutions each block holds. Layer names follow Keras 2
(``block{b}_conv{i}``, ``block{b}_pool``, ``flatten``, ``fc1``, ``fc2``,
``predictions``), which is what the published weight files expect.
"""
from polykeras import layers
from polykeras.applications import _common
from polykeras.engine.training import Model

_FILTERS = (64, 128, 256, 512, 512)
_WEIGHTS_HASHES = {  # Keras 2's published md5 of (top, no top) files.
    "vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
    "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
}


def build_vgg(model_name, convs_per_block, include_top, weights, input_tensor, input_shape,
              pooling, classes):
    """A VGG model named ``model_name`` with ``convs_per_block[b]`` convolutions in block ``b``.

    The arguments after ``convs_per_block`` are those of :func:`VGG16`.
    """
    display = model_name.upper()
    img_input = _common.checked_image_input(display, weights, include_top, classes,
                                            pooling, input_tensor, input_shape,
                                            default_size=224, min_size=32,
                                            require_flatten=include_top)
    x = img_input
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                       name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _common.pooling_head(x, pooling)
    model = Model(_common.model_inputs(input_tensor, img_input), x, name=model_name)
    suffix = "" if include_top else "_notop"
    fname = f"{model_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    _common.load_weights(model, weights, fname, _common.WEIGHTS_BASE + "v0.1/" + fname,
                         _WEIGHTS_HASHES[model_name][0 if include_top else 1])
    return model
