"""Reading configs written by later Keras 2 releases (tf_keras 2.x) into polykeras.

tf_keras writes the Keras 2 HDF5 layout with a few additions polykeras
translates before deserializing:

* serialized objects carry ``module`` and ``registered_name`` keys, and use
  class names such as ``GlorotUniform``, ``L2`` or ``MeanSquaredError`` where
  Keras 2.2.4 used ``glorot_uniform``, ``l2`` or ``mean_squared_error``;
* ``dtype`` may be a dtype-policy object instead of a name, and
  BatchNormalization's ``axis`` a one-element list;
* some layers record arguments polykeras does not have (``groups=1``,
  ``time_major=False``, ``ragged=False``...). These are dropped when they hold
  the value that means "Keras 2.2.4 behaviour"; any other value raises a
  ``ValueError`` naming the layer, the argument and the value;
* the training config wraps metrics (``MeanMetricWrapper``), nests them per
  output, and names the optimizer ``Custom>Adam`` with tf_keras-only keys.
"""
import copy
import inspect
import re

from polykeras.engine.base_layer import Layer

# Arguments later Keras versions added, with the value that keeps Keras 2.2.4 behaviour.
_DROPPABLE_LAYER_ARGS = {
    "groups": 1, "time_major": False, "ragged": False, "optional": False, "sparse": False,
    "keepdims": False, "zero_output_for_mask": False, "synchronized": False,
    "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "virtual_batch_size": None,
    "adjustment": None, "fused": None, "input_length": None,
}
# Renamed serialized objects: tf_keras class name -> Keras 2.2.4 name.
_REGULARIZERS = {"L1": ("l1", "l1"), "L2": ("l2", "l2")}
_METRIC_WRAPPERS = ("MeanMetricWrapper", "SumOverBatchSizeMetricWrapper")


def snake_case(name):
    """``"GlorotUniform"`` -> ``"glorot_uniform"``."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _clean_object(value, family):
    """A serialized initializer / regularizer / constraint in Keras 2.2.4 form."""
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    class_name = value["class_name"]
    config = dict(value.get("config") or {})
    if family == "regularizer" and class_name in _REGULARIZERS:
        key, _ = _REGULARIZERS[class_name]
        return {"class_name": "L1L2", "config": {key: config.get(key, 0.)}}
    if family == "initializer":
        from polykeras import initializers
        try:
            initializers.get({"class_name": class_name, "config": config})
        except (ValueError, TypeError):
            class_name = snake_case(class_name)
    return {"class_name": class_name, "config": config}


def _accepted_arguments(cls):
    names = set(getattr(cls, "_allowed_kwargs", Layer._allowed_kwargs))
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= {p for p in inspect.signature(init).parameters
                      if p not in ("self", "args", "kwargs")}
    return names


def clean_layer_config(layer_config, resolve):
    """A tf_keras layer config (``{"class_name", "config", ...}``) for polykeras.

    Args:
        layer_config: one entry of a model config's ``layers``.
        resolve: ``class_name -> class`` (``None`` when unknown, which is
            left for the deserializer to report).

    Raises:
        ValueError: the layer uses an argument polykeras lacks with a
            non-default value.
    """
    if not isinstance(layer_config, dict) or not isinstance(layer_config.get("config"), dict):
        return layer_config
    result = dict(layer_config)
    config = dict(result["config"])
    class_name = result.get("class_name")
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = (config["dtype"].get("config") or {}).get("name")
    if class_name == "BatchNormalization" and isinstance(config.get("axis"), list) \
            and len(config["axis"]) == 1:
        config["axis"] = config["axis"][0]  # tf_keras lists the axis
    if class_name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    for key, value in list(config.items()):
        if key.endswith("_initializer"):
            config[key] = _clean_object(value, "initializer")
        elif key.endswith("_regularizer"):
            config[key] = _clean_object(value, "regularizer")
        elif key.endswith("_constraint"):
            config[key] = _clean_object(value, "constraint")
    if class_name in ("Sequential", "Model", "Functional"):
        result["class_name"] = "Model" if class_name == "Functional" else class_name
        config["layers"] = [clean_layer_config(item, resolve) for item in config.get("layers")
                            or []] if isinstance(config.get("layers"), list) \
            else config.get("layers")
    cls = resolve(class_name) if isinstance(class_name, str) else None
    if isinstance(cls, type) and issubclass(cls, Layer) and class_name not in (
            "Sequential", "Model", "Functional"):
        for wrapped_key in ("layer", "cell"):
            if isinstance(config.get(wrapped_key), dict):
                config[wrapped_key] = clean_layer_config(config[wrapped_key], resolve)
        accepted = _accepted_arguments(cls)
        for key in [k for k in config if k not in accepted]:
            if key in _DROPPABLE_LAYER_ARGS and config[key] == _DROPPABLE_LAYER_ARGS[key]:
                del config[key]
            elif key in _DROPPABLE_LAYER_ARGS:
                raise ValueError(
                    f"Layer {config.get('name')!r} ({class_name}) was saved with "
                    f"{key}={config[key]!r}, which polykeras does not support (it implements "
                    f"the Keras 2.2.4 behaviour, {key}={_DROPPABLE_LAYER_ARGS[key]!r}).")
    result["config"] = config
    return result


def clean_model_config(model_config, resolve):
    """A whole ``model_config`` (``{"class_name", "config"}``) for polykeras.

    Example:
        >>> clean_model_config(json.loads(f.attrs["model_config"]), resolver)
    """
    return clean_layer_config(copy.deepcopy(model_config), resolve)


def _clean_metric(metric):
    if isinstance(metric, dict) and metric.get("class_name") in _METRIC_WRAPPERS:
        config = metric.get("config") or {}
        name, fn = config.get("name"), config.get("fn")
        return name if name in ("acc", "accuracy", "crossentropy", "ce") else (fn or name)
    if isinstance(metric, dict) and isinstance(metric.get("class_name"), str):
        return snake_case(metric["class_name"])
    return metric


def _clean_loss(loss):
    if isinstance(loss, dict) and isinstance(loss.get("class_name"), str):
        config = loss.get("config") or {}
        if config.get("from_logits"):
            raise ValueError(f"The saved loss {loss['class_name']} uses from_logits=True, "
                             "which polykeras losses do not support.")
        from polykeras import losses
        name = snake_case(loss["class_name"])
        # A tf_keras loss class becomes its function; any other class (a custom or
        # plugin loss object) is rebuilt from its config by losses.get.
        return name if name in losses.BUILTIN_LOSSES else losses.deserialize(loss)
    if isinstance(loss, list):
        return [_clean_loss(item) for item in loss]
    if isinstance(loss, dict):
        return {key: _clean_loss(item) for key, item in loss.items()}
    return loss


def clean_optimizer_config(config):
    """An optimizer config from tf_keras (``Custom>Adam``, extra keys) for polykeras."""
    if not isinstance(config, dict):
        return config
    result = dict(config)
    class_name = result.get("class_name")
    if isinstance(class_name, str):
        result["class_name"] = class_name.split(">")[-1]
    return result


def clean_training_config(training_config, output_names):
    """The compile arguments stored in a ``training_config`` (any Keras 2 version).

    Args:
        training_config: the decoded ``training_config`` attribute.
        output_names: the loaded model's output names (for per-output metrics).

    Returns:
        a dict with ``optimizer``, ``loss``, ``metrics``, ``weighted_metrics``,
        ``loss_weights`` and ``sample_weight_mode`` for ``model.compile``.

    Raises:
        ValueError: the config is not a dict or lacks ``optimizer_config``.
    """
    if not isinstance(training_config, dict) or not isinstance(
            training_config.get("optimizer_config"), dict):
        raise ValueError("The training_config should be a dict with an 'optimizer_config'. "
                         f"Received: {str(training_config)[:200]}")

    def metrics(value):
        if value is None:
            return None
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            per_output = {name: [_clean_metric(m) for m in items]
                          for name, items in zip(output_names, value)}
            return per_output if len(output_names) > 1 else per_output[output_names[0]]
        if isinstance(value, dict):
            return {key: [_clean_metric(m) for m in (items if isinstance(items, list)
                                                      else [items])]
                    for key, items in value.items()}
        return [_clean_metric(m) for m in value] if isinstance(value, list) else value

    return {"optimizer": clean_optimizer_config(training_config["optimizer_config"]),
            "loss": _clean_loss(training_config.get("loss")),
            "metrics": metrics(training_config.get("metrics")),
            "weighted_metrics": metrics(training_config.get("weighted_metrics")),
            "loss_weights": training_config.get("loss_weights"),
            "sample_weight_mode": training_config.get("sample_weight_mode")}
