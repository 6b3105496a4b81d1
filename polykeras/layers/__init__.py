"""Keras 2 layers, one module per family, and layer (de)serialization.

:func:`deserialize` resolves a ``class_name`` through ``custom_objects``, the
active custom-object scope, the layers here (plus ``Model`` and
``Sequential``) and the layers registered by plugins, in that order.
"""
from polykeras.engine import Input, InputLayer, InputSpec, Layer
from polykeras.layers.advanced_activations import *
from polykeras.layers.convolutional import *
from polykeras.layers.convolutional_recurrent import *
from polykeras.layers.core import *
from polykeras.layers.embeddings import *
from polykeras.layers.local import *
from polykeras.layers.merge import *
from polykeras.layers.noise import *
from polykeras.layers.normalization import *
from polykeras.layers.pooling import *
from polykeras.layers.recurrent import *
from polykeras.layers.separable import *
from polykeras.layers.spatial import *
from polykeras.layers.wrappers import *
from polykeras.layers.core import SafeModeScope
from polykeras.utils.serialization import deserialize_keras_object

# Each family module lists its public names in its own ``__all__``.
from polykeras.layers import (advanced_activations, convolutional, convolutional_recurrent, core,
                              embeddings, local, merge, noise, normalization, pooling, recurrent,
                              separable, spatial, wrappers)

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "serialize", "deserialize"]
for _family in (advanced_activations, convolutional, convolutional_recurrent, core, embeddings,
                local, merge, noise, normalization, pooling, recurrent, separable, spatial,
                wrappers):
    __all__ += _family.__all__
del _family

def _layer_classes():
    return {name: obj for name, obj in globals().items()
            if isinstance(obj, type) and issubclass(obj, Layer)}


def serialize(layer):
    """``{"class_name": ..., "config": ...}`` describing ``layer`` (without weights).

    Example:
        >>> serialize(Dense(3))["class_name"]
        'Dense'
    """
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None, safe_mode=None):
    """A new layer (or model) from :func:`serialize`'s output.

    Args:
        config: ``{"class_name": ..., "config": ...}``.
        custom_objects: name -> class or function, searched first.
        safe_mode: ``False`` allows ``Lambda`` layers saved as Python bytecode
            to be rebuilt; ``None`` keeps the enclosing :class:`SafeModeScope`
            (refuse by default).

    Raises:
        ValueError: unknown ``class_name`` (close names are suggested) or a
            malformed config.

    Example:
        >>> layer = deserialize({"class_name": "Dense", "config": {"units": 3}})
    """
    from polykeras.engine.sequential import Sequential
    from polykeras.engine.training import Model
    objects = {**_layer_classes(), "Model": Model, "Sequential": Sequential}
    if safe_mode is None:
        return deserialize_keras_object(config, objects, custom_objects, kind="layer",
                                        registry="layers")
    with SafeModeScope(safe_mode):
        return deserialize_keras_object(config, objects, custom_objects, kind="layer",
                                        registry="layers")
