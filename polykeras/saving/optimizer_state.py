"""Optimizer state in the ``optimizer_weights`` group, and reading tf_keras's layout.

polykeras writes :meth:`Optimizer.get_weights` in order (``iterations``, then
one group of slots per kind, each in the order of the trained weights), the
layout of Keras 2.2.4 / 2.3, with a ``weight_names`` attribute.

tf_keras 2.x files name each slot after its variable instead
(``"Adam/m/dense/kernel:0"``, or ``"Adam/dense/kernel/m:0"`` for its legacy
optimizers) and interleave kinds; :func:`map_foreign_state` rebuilds the
polykeras order from those names. State that has no polykeras equivalent
(RMSprop momentum or centering, Nadam's product variable...) is not guessed:
the optimizer starts fresh and a warning says why.
"""
import re
import warnings

import numpy as np

from polykeras import backend as K
from polykeras.saving import hdf5_attrs
from polykeras.saving.weights import read_weight_datasets, save_weight_list

#: polykeras slot kinds per optimizer, each with the slot names other Keras versions use.
_SLOT_NAMES = {
    "SGD": [("momentum", "m")],
    "RMSprop": [("velocity", "rms")],
    "Adagrad": [("accumulator",)],
    "Adadelta": [("accumulated_grad", "accum_grad"), ("accumulated_delta_var", "accum_var")],
    "Adam": [("m",), ("v",)],
    "Adamax": [("m",), ("u", "v")],
}
_ITERATION_NAMES = ("iter", "iteration", "iterations")
# Hyperparameters legacy tf_keras optimizers store as weights; the config carries them.
_HYPER_NAMES = ("learning_rate", "lr", "beta_1", "beta_2", "decay", "rho", "momentum",
                "epsilon")


def save_optimizer_weights(root, optimizer):
    """Write ``optimizer``'s state as the ``optimizer_weights`` group of ``root``."""
    if optimizer.weights:
        save_weight_list(root.create_group("optimizer_weights"), optimizer.weights)


def _strip(name):
    return re.sub(r":\d+$", "", name)


def map_foreign_state(optimizer, params, names, values):
    """Arrange a tf_keras optimizer state (by variable name) in polykeras's order.

    Args:
        optimizer: the polykeras optimizer (its state already built).
        params: the trained weights, in the order the optimizer saw them.
        names: the saved weight names.
        values: the saved arrays.

    Returns:
        a list for ``optimizer.set_weights``, or ``None`` with the reason as
        the second item when the state cannot be mapped.
    """
    kinds = list(_SLOT_NAMES.get(type(optimizer).__name__, ()))
    if type(optimizer).__name__ == "Adam" and optimizer.amsgrad:
        kinds.append(("vhat",))
    if not kinds:
        return None, f"no mapping is known for {type(optimizer).__name__} state"
    param_index = {_strip(p.name): i for i, p in enumerate(params)}
    slots = {(kind, i): None for kind in range(len(kinds)) for i in range(len(params))}
    iterations = None
    for name, value in zip(names, values):
        parts = _strip(name).split("/")
        if parts[-1] in _ITERATION_NAMES:
            iterations = value
            continue
        if len(parts) == 2 and parts[1] in _HYPER_NAMES:
            continue
        found = None
        for slot, var in ((parts[1] if len(parts) > 2 else None, "/".join(parts[2:])),
                          (parts[-1], "/".join(parts[1:-1]))):
            kind = next((k for k, aliases in enumerate(kinds) if slot in aliases), None)
            if kind is not None and var in param_index:
                found = (kind, param_index[var])
                break
        if found is None:
            return None, f"the saved optimizer weight {name!r} has no polykeras equivalent"
        slots[found] = value
    missing = [key for key, value in slots.items() if value is None]
    if missing:
        kind, index = missing[0]
        return None, (f"the file has no {kinds[kind][0]!r} slot for weight "
                      f"{params[index].name!r}")
    ordered = [np.zeros((), "int64") if iterations is None else iterations]
    ordered += [slots[(kind, i)] for kind in range(len(kinds)) for i in range(len(params))]
    return ordered, None


def load_optimizer_weights(root, model, polykeras_file):
    """Restore ``model.optimizer``'s state from ``root["optimizer_weights"]``, if present.

    The model's train function is prepared first (as Keras 2 does) so the
    optimizer has built its state variables. Files from polykeras (and Keras
    2.2.4 / 2.3) load positionally; tf_keras files are mapped by name. When the
    state cannot be used, a warning explains why and the optimizer starts fresh.

    Raises:
        ValueError: the group is malformed.
    """
    if "optimizer_weights" not in root:
        return
    model._make_train_function()
    optimizer = model.optimizer
    datasets = read_weight_datasets(root, "optimizer_weights")
    names = hdf5_attrs.load_names(root["optimizer_weights"], "weight_names")
    expected = {tuple(K.int_shape(w)) for w in optimizer.weights}
    for dataset in datasets:
        if tuple(dataset.shape) not in expected:
            _warn_fresh(optimizer, f"the saved weight {dataset.name!r} has shape "
                                   f"{tuple(dataset.shape)}, which no weight of the "
                                   "optimizer has")
            return
    values = [np.asarray(d[()]) for d in datasets]
    reason = None
    if polykeras_file:
        try:
            optimizer.set_weights(values)
            return
        except ValueError as exc:
            reason = str(exc)
    else:
        mapped, reason = map_foreign_state(optimizer, model._collected_trainable_weights,
                                           names, values)
        if mapped is not None:
            try:
                optimizer.set_weights(mapped)
                return
            except ValueError as exc:
                reason = str(exc)
    _warn_fresh(optimizer, reason)


def _warn_fresh(optimizer, reason):
    warnings.warn(f"The optimizer state in the file could not be loaded into "
                  f"{type(optimizer).__name__} ({reason}). The model and its weights are "
                  "loaded; the optimizer starts with a fresh state.", stacklevel=4)
