"""Utilities: progress bars, label and array helpers, data feeding, custom objects.

The Keras 2 module paths ``keras.utils.np_utils``, ``keras.utils.data_utils``
and ``keras.utils.generic_utils`` are importable under ``polykeras.utils``.
"""
from polykeras.utils import data_utils, generic_utils, legacy, np_utils, serialization
from polykeras.utils.data_utils import (
    GeneratorEnqueuer,
    OrderedEnqueuer,
    Sequence,
    SequenceEnqueuer,
    get_file,
)
from polykeras.utils.generic_utils import Progbar
from polykeras.utils.layer_utils import print_summary
from polykeras.utils.vis_utils import model_to_dot, plot_model
from polykeras.utils.np_utils import normalize, to_categorical
from polykeras.utils.serialization import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope",
    "GeneratorEnqueuer",
    "OrderedEnqueuer",
    "Progbar",
    "Sequence",
    "SequenceEnqueuer",
    "custom_object_scope",
    "data_utils",
    "deserialize_keras_object",
    "generic_utils",
    "get_custom_objects",
    "get_file",
    "legacy",
    "model_to_dot",
    "normalize",
    "np_utils",
    "plot_model",
    "print_summary",
    "serialization",
    "serialize_keras_object",
    "to_categorical",
]
