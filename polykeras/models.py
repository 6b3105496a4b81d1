"""Model classes and building models from configurations.

``Sequential`` and ``Model`` live in :mod:`polykeras.engine`; this module is
the Keras 2 import path for them and for rebuilding models from JSON / YAML
configurations or by cloning.
"""
import json

from polykeras.engine.input_layer import Input, InputLayer
from polykeras.engine.sequential import Sequential
from polykeras.engine.training import Model

__all__ = ["Sequential", "Model", "model_from_config", "model_from_json", "model_from_yaml",
           "clone_model", "load_model", "save_model"]


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save ``model`` to one HDF5 file (see :func:`polykeras.saving.save_model`).

    Example:
        >>> save_model(model, "model.h5")
    """
    from polykeras import saving
    saving.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` by polykeras or Keras 2 / tf_keras.

    Args:
        filepath: path to the HDF5 file (or an open ``h5py.File``).
        custom_objects: name -> class or function for custom objects.
        compile: compile with the saved training config and optimizer state.
        safe_mode: ``False`` allows ``Lambda`` layers stored as Python bytecode
            (this runs code from the file: only for trusted files).

    Example:
        >>> model = load_model("model.h5")
    """
    from polykeras import saving
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


def model_from_config(config, custom_objects=None, safe_mode=None):
    """A new model (fresh weights) from ``{"class_name": ..., "config": ...}``.

    Args:
        config: what ``model.to_json()`` encodes, as a dict.
        custom_objects: dict name -> class or function for custom layers,
            losses and the like.
        safe_mode: ``False`` allows ``Lambda`` layers whose function is stored
            as Python bytecode (this runs code from the config); ``None``
            follows the enclosing ``SafeModeScope``, which refuses by default.
    """
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you "
                        "meant to use `Sequential.from_config(config)`?")
    from polykeras.layers import deserialize
    return deserialize(config, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None, safe_mode=None):
    """A new model from the text of ``model.to_json()`` (``safe_mode`` as in
    :func:`model_from_config`)."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"model_from_json expects the JSON text written by "
                         f"model.to_json(). It could not be parsed: {exc}") from exc
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=None):
    """A new model from the text of ``model.to_yaml()`` (``safe_mode`` as in
    :func:`model_from_config`)."""
    import yaml
    try:
        config = yaml.safe_load(yaml_string)
    except yaml.YAMLError as exc:
        raise ValueError(f"model_from_yaml expects the YAML text written by "
                         f"model.to_yaml(). It could not be parsed: {exc}") from exc
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def clone_model(model, input_tensors=None):
    """A copy of ``model`` with new layers (fresh weights), optionally on ``input_tensors``.

    Args:
        model: a Sequential or Functional model.
        input_tensors: tensors to build the clone on (a new ``Input`` is made
            for each model input otherwise).

    Example:
        >>> twin = clone_model(model)
        >>> twin.set_weights(model.get_weights())
    """
    if isinstance(model, Sequential):
        layers = [type(layer).from_config(layer.get_config()) for layer in model.layers]
        if input_tensors is None:
            return Sequential(layers, name=model.name)
        clone = Sequential([InputLayer(input_tensor=_single(input_tensors))], name=model.name)
        for layer in layers:
            clone.add(layer)
        return clone
    if input_tensors is None:
        input_tensors = [Input(batch_shape=layer.batch_input_shape, dtype=layer.dtype,
                               name=layer.name) for layer in model.input_layers]
    input_tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) \
        else [input_tensors]
    if len(input_tensors) != len(model.inputs):
        raise ValueError(f"clone_model: the model has {len(model.inputs)} input(s). "
                         f"Received {len(input_tensors)} input tensor(s).")
    new_layers = {}
    computed = {id(ref): x for ref, x in zip(model.inputs, input_tensors)}
    for node in model._nodes:
        layer = node.outbound_layer
        if isinstance(layer, InputLayer):
            continue
        if id(layer) not in new_layers:
            new_layers[id(layer)] = type(layer).from_config(layer.get_config())
        tensors = [computed[id(t)] for t in node.input_tensors]
        outputs = new_layers[id(layer)](tensors[0] if len(tensors) == 1 else tensors,
                                        **node.arguments)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for ref, out in zip(node.output_tensors, outputs):
            computed[id(ref)] = out
    outputs = [computed[id(t)] for t in model.outputs]
    return Model(input_tensors, outputs if len(outputs) > 1 else outputs[0], name=model.name)


def _single(tensors):
    if isinstance(tensors, (list, tuple)):
        if len(tensors) != 1:
            raise ValueError("A Sequential model has one input. Received "
                             f"{len(tensors)} input tensors.")
        return tensors[0]
    return tensors
