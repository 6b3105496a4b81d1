"""Saving and loading models and weights (Keras 2 HDF5 layout, JSON/YAML configs).

Modules: :mod:`~polykeras.saving.hdf5_model` (whole models and weight files),
:mod:`~polykeras.saving.weights` (weights to and from an HDF5 group),
:mod:`~polykeras.saving.optimizer_state`, :mod:`~polykeras.saving.hdf5_attrs`
(attributes and the 64 KiB header limit), :mod:`~polykeras.saving.atomic`
(crash-safe file replacement) and :mod:`~polykeras.saving.keras2_compat`
(configs written by tf_keras).

Example:
    >>> from polykeras.saving import load_model, save_model
    >>> save_model(model, "model.h5")
    >>> model = load_model("model.h5")
"""
from polykeras.saving.hdf5_model import (load_model, load_weights, model_from_saved_config,
                                         save_model, save_weights)
from polykeras.saving.weights import (load_weights_from_hdf5_group,
                                      load_weights_from_hdf5_group_by_name,
                                      save_weights_to_hdf5_group)

__all__ = ["load_model", "load_weights", "load_weights_from_hdf5_group",
           "load_weights_from_hdf5_group_by_name", "model_from_saved_config", "save_model",
           "save_weights", "save_weights_to_hdf5_group"]
