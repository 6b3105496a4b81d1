"""Whole models and weight files in the Keras 2 HDF5 layout.

A model file's root holds the attributes ``keras_version``, ``backend``,
``model_config`` (JSON of ``{"class_name", "config"}``), ``training_config``
(JSON of the compile arguments, with ``optimizer_config``), plus
``polykeras_version`` and ``kernel_convention``; and the groups
``model_weights`` (see :mod:`polykeras.saving.weights`) and
``optimizer_weights`` (see :mod:`polykeras.saving.optimizer_state`). A weights
file (``save_weights``) is the ``model_weights`` layout at its root.

Saving is atomic (see :mod:`polykeras.saving.atomic`). Loading reports a
missing, empty, truncated or non-HDF5 file as an ``OSError`` and any malformed
content as a ``ValueError`` naming the file and the problem. Python code
stored in a file (``Lambda`` layers saved as bytecode) is only rebuilt with
``safe_mode=False``.
"""
import json
import os
import re
import sys
import warnings

import h5py

from polykeras import backend as K
from polykeras.saving import hdf5_attrs, keras2_compat, optimizer_state
from polykeras.saving.atomic import atomic_write
from polykeras.saving.weights import (KERAS_FORMAT_VERSION, KERNEL_CONVENTION,
                                      load_weights_from_hdf5_group,
                                      load_weights_from_hdf5_group_by_name,
                                      save_weights_to_hdf5_group)

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

# Errors h5py, json and model building raise on malformed content; reported as ValueError.
_CONTENT_ERRORS = (KeyError, TypeError, AttributeError, IndexError, RuntimeError,
                   UnicodeError, RecursionError, MemoryError, OverflowError, AssertionError)


# --- saving ---------------------------------------------------------------------------------

def _json_default(value):
    from polykeras.engine.network import _json_default as network_default
    return network_default(value)


def _serialize_nested(value):
    """Losses / metrics as given to compile, with functions and objects by name."""
    from polykeras.utils.serialization import serialize_keras_object
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(item) for item in value]
    if isinstance(value, dict):
        return {key: _serialize_nested(item) for key, item in value.items()}
    return serialize_keras_object(value)


def _training_config(model):
    from polykeras import optimizers
    return {"optimizer_config": optimizers.serialize(model.optimizer),
            "loss": _serialize_nested(model.loss),
            "metrics": _serialize_nested(model.metrics),
            "weighted_metrics": _serialize_nested(model.weighted_metrics),
            "sample_weight_mode": _serialize_nested(model.sample_weight_mode),
            "loss_weights": _serialize_nested(model.loss_weights)}


def _write_model(root, model, include_optimizer):
    from polykeras import __version__
    model_config = {"class_name": type(model).__name__, "config": model.get_config()}
    hdf5_attrs.write_text(root, "keras_version", KERAS_FORMAT_VERSION)
    hdf5_attrs.write_text(root, "polykeras_version", __version__)
    hdf5_attrs.write_text(root, "backend", K.backend())
    hdf5_attrs.write_text(root, "kernel_convention", KERNEL_CONVENTION)
    hdf5_attrs.write_text(root, "model_config", json.dumps(model_config, default=_json_default))
    compiled = getattr(model, "optimizer", None) is not None and hasattr(model, "total_loss")
    if include_optimizer and compiled:
        hdf5_attrs.write_text(root, "training_config",
                              json.dumps(_training_config(model), default=_json_default))
    save_weights_to_hdf5_group(root.create_group("model_weights"), model)
    if include_optimizer and compiled:
        optimizer_state.save_optimizer_weights(root, model.optimizer)


def _proceed_with_overwrite(filepath, overwrite):
    """Whether to write ``filepath``; asks on a terminal when ``overwrite=False``."""
    if overwrite or not os.path.exists(filepath):
        return True
    if not sys.stdin.isatty():
        raise FileExistsError(f"{filepath!r} exists and overwrite=False. Pass overwrite=True "
                              "to replace it.")
    answer = ""
    while answer not in ("y", "n"):
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    return answer == "y"


def _write_file(filepath, overwrite, write):
    if isinstance(filepath, (h5py.File, h5py.Group)):
        write(filepath)
        return
    filepath = os.fspath(filepath)
    if not _proceed_with_overwrite(filepath, overwrite):
        return
    with atomic_write(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write(f)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save architecture, weights, training config and optimizer state in one HDF5 file.

    Args:
        model: a Sequential or Functional model.
        filepath: a path, or an open writable ``h5py.File`` / group.
        overwrite: ``False`` asks before replacing an existing file on a
            terminal and raises ``FileExistsError`` otherwise.
        include_optimizer: also save the compile arguments and optimizer state.

    Raises:
        OSError: the directory does not exist or cannot be written; the
            previous file, if any, is left intact.

    Example:
        >>> save_model(model, "mnist_mlp.h5")
        >>> same = load_model("mnist_mlp.h5")
    """
    _write_file(filepath, overwrite, lambda root: _write_model(root, model, include_optimizer))


def save_weights(model, filepath, overwrite=True):
    """Save only the weights of ``model`` (the ``model_weights`` layout at the file root).

    Args:
        model: a Sequential or Functional model.
        filepath: a path, or an open writable ``h5py.File`` / group.
        overwrite: as for :func:`save_model`.

    Example:
        >>> save_weights(model, "weights.h5")
        >>> load_weights(model, "weights.h5")
    """
    _write_file(filepath, overwrite, lambda root: save_weights_to_hdf5_group(root, model))


# --- loading ---------------------------------------------------------------------------------

def _open(filepath):
    """An open h5py file for reading, or an ``OSError`` saying what is wrong."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file found at {filepath!r}.")
    if not os.path.isfile(filepath):
        raise IsADirectoryError(f"{filepath!r} is not a file.")
    size = os.path.getsize(filepath)
    if size == 0:
        raise OSError(f"Cannot load {filepath!r}: the file is empty (0 bytes), e.g. a save "
                      "that was interrupted before it started writing.")
    with open(filepath, "rb") as handle:
        head = handle.read(len(_HDF5_SIGNATURE))
    try:
        return h5py.File(filepath, "r")
    except (OSError, ValueError, RuntimeError) as exc:
        kind = "an HDF5 file that is truncated or corrupt" if head == _HDF5_SIGNATURE \
            else "not an HDF5 file (wrong signature)"
        raise OSError(f"Cannot load {filepath!r}: it is {kind} ({size} bytes). "
                      f"Cause: {exc}") from exc


class _Source:
    """A path or h5py object to read, closed afterwards when opened here."""

    def __init__(self, filepath):
        self.opened = not isinstance(filepath, (h5py.File, h5py.Group))
        self.label = repr(os.fspath(filepath)) if self.opened else repr(filepath.name)
        self.root = _open(os.fspath(filepath)) if self.opened else filepath

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.opened:
            self.root.close()
        if exc_type is not None and issubclass(exc_type, _CONTENT_ERRORS):
            raise ValueError(f"Cannot load {self.label}: the file content is malformed "
                             f"({exc_type.__name__}: {exc}).") from exc
        return False


#: Largest size a saved layer config may declare (units, filters, shape entries...).
#: A corrupt or hostile config could otherwise make loading allocate and
#: initialize arbitrarily large weights; raise it for a genuinely larger model.
MAX_DECLARED_DIM = 2 ** 24


def _check_declared_sizes(value, where="model_config"):
    """Reject integers above :data:`MAX_DECLARED_DIM` in a config (seeds excepted)."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}") for k, v in item.items() if "seed" not in str(k))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
        elif isinstance(item, int) and not isinstance(item, bool) and \
                abs(item) > MAX_DECLARED_DIM:
            raise ValueError(f"The model_config declares {path}={item}, larger than the "
                             f"{MAX_DECLARED_DIM} any size in a model file may be "
                             "(polykeras.saving.hdf5_model.MAX_DECLARED_DIM): the file is "
                             "corrupt or hostile.")


def _is_polykeras_file(root):
    return "polykeras_version" in root.attrs or "kernel_convention" in root.attrs


def _positional_optimizer_layout(root):
    """Keras < 2.4 stored optimizer state in polykeras's (positional) order."""
    version = hdf5_attrs.read_text(root, "keras_version") or ""
    match = re.match(r"(\d+)\.(\d+)", version)
    return _is_polykeras_file(root) or (match is not None and (int(match[1]), int(match[2]))
                                        < (2, 4))


def _resolver(custom_objects):
    from polykeras.engine.sequential import Sequential
    from polykeras.engine.training import Model
    from polykeras.layers import _layer_classes
    from polykeras.utils.serialization import _scoped_objects

    def resolve(name):
        for mapping in (custom_objects or {}, _scoped_objects(), _layer_classes(),
                        {"Model": Model, "Sequential": Sequential}):
            if name in mapping:
                return mapping[name]
        from polykeras.plugins import manager
        return manager.registry("layers").get(name)
    return resolve


def model_from_saved_config(model_config, custom_objects=None, safe_mode=True):
    """A new model from a ``model_config`` of any Keras 2 release.

    Args:
        model_config: ``{"class_name": ..., "config": ...}`` as decoded from a file.
        custom_objects: name -> class or function for custom layers.
        safe_mode: ``False`` allows ``Lambda`` layers stored as bytecode.

    Raises:
        ValueError: the config is malformed, names unknown classes, or holds
            bytecode while ``safe_mode`` is on.
    """
    from polykeras.layers import SafeModeScope
    from polykeras.layers import deserialize as deserialize_layer
    if not isinstance(model_config, dict) or not isinstance(model_config.get("class_name"),
                                                            str):
        raise ValueError("The model_config should be a dict with 'class_name' and 'config'. "
                         f"Received: {str(model_config)[:200]}")
    _check_declared_sizes(model_config)
    model_config = keras2_compat.clean_model_config(model_config, _resolver(custom_objects))
    with SafeModeScope(safe_mode):
        return deserialize_layer(model_config, custom_objects=custom_objects)


def _compile_from(root, model, custom_objects):
    from polykeras import optimizers
    from polykeras.utils.serialization import custom_object_scope
    training_config = hdf5_attrs.read_json(root, "training_config")
    if training_config is None:
        warnings.warn("No training configuration found in the save file: the model was *not* "
                      "compiled. Compile it manually.", stacklevel=3)
        return
    with custom_object_scope(custom_objects or {}):
        args = keras2_compat.clean_training_config(training_config, model.output_names)
        optimizer = optimizers.deserialize(args.pop("optimizer"), custom_objects)
        model.compile(optimizer=optimizer, **args)
    optimizer_state.load_optimizer_weights(root, model, _positional_optimizer_layout(root))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by :func:`save_model` (or by Keras 2 / tf_keras ``model.save``).

    Args:
        filepath: a path, or an open ``h5py.File`` / group.
        custom_objects: name -> class or function for custom layers, losses,
            metrics and optimizers.
        compile: compile the model with the saved training config and restore
            the optimizer state.
        safe_mode: ``False`` allows rebuilding ``Lambda`` layers stored as
            Python bytecode, which runs code from the file: only for trusted
            files.

    Returns:
        the model, compiled if ``compile`` and the file has a training config.

    Raises:
        OSError: the file is missing, empty, truncated or not HDF5.
        ValueError: the content is malformed or does not fit together
            (the message names the problem), or the file holds bytecode
            while ``safe_mode`` is on.

    Example:
        >>> model = load_model("mnist_mlp.h5")
        >>> model.fit(x, y, initial_epoch=5, epochs=10)
    """
    with _Source(filepath) as source:
        root = source.root
        model_config = hdf5_attrs.read_json(root, "model_config")
        if model_config is None:
            hint = " It holds only weights: build the model and call " \
                "model.load_weights()." if "layer_names" in root.attrs else ""
            raise ValueError(f"No model found in {source.label}: the file has no "
                             f"'model_config' attribute.{hint}")
        if "model_weights" not in root:
            raise ValueError(f"Cannot load {source.label}: the file has a model_config but "
                             "no 'model_weights' group (incomplete or corrupt file).")
        model = model_from_saved_config(model_config, custom_objects, safe_mode)
        load_weights_from_hdf5_group(root["model_weights"], model)
        if compile:
            _compile_from(root, model, custom_objects)
    return model


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load weights saved by :func:`save_weights` or :func:`save_model` into ``model``.

    Args:
        model: the model receiving the weights.
        filepath: a path, or an open ``h5py.File`` / group.
        by_name: match layers by name (layers absent from the file keep their
            weights) instead of by position.
        skip_mismatch: with ``by_name``, warn and skip layers whose weights
            differ in count or shape.

    Raises:
        OSError: the file is missing, empty, truncated or not HDF5.
        ValueError: the weights do not fit the model (the message names the
            layer and both shapes) or the file is malformed.

    Example:
        >>> model.load_weights("base.h5", by_name=True)
    """
    if skip_mismatch and not by_name:
        raise ValueError("load_weights: skip_mismatch=True only applies with by_name=True. "
                         "Received: by_name=False, skip_mismatch=True.")
    with _Source(filepath) as source:
        root = source.root
        if "layer_names" not in root.attrs and not any(
                name.startswith("layer_names") for name in root.attrs) and "model_weights" in root:
            root = root["model_weights"]
        if "layer_names" not in root.attrs and "layer_names0" not in root.attrs:
            raise ValueError(f"Cannot load weights from {source.label}: it has no "
                             "'layer_names' attribute (not a Keras weight or model file).")
        if by_name:
            load_weights_from_hdf5_group_by_name(root, model, skip_mismatch=skip_mismatch)
        else:
            load_weights_from_hdf5_group(root, model)
