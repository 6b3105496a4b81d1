"""Model weights to and from an HDF5 group, in the Keras 2 layout.

The group holds ``layer_names`` (every layer of ``model.layers``, in order),
``backend``, ``keras_version`` and ``kernel_convention`` attributes, and one
subgroup per layer with a ``weight_names`` attribute and one dataset per
weight (``"dense_1/kernel:0"``, nested groups at each ``/`` as in Keras 2).
A layer's weights are its trainable weights, then its non-trainable ones.

Loading matches layers by position among the layers that have weights, or by
name with ``by_name=True``. Each dataset's declared shape and dtype are checked
against the model before any data is read, so a corrupt or hostile file fails
with a ``ValueError`` naming the layer and both shapes instead of allocating
whatever it declares.

Convolution kernels: every polykeras backend computes cross-correlation with
the Keras/TensorFlow kernel layout, and files say so in ``kernel_convention``.
A file without that attribute whose ``backend`` is ``"theano"`` was written by
Keras 2 on Theano, whose kernels are stored flipped (true convolution); their
spatial axes are flipped back on loading, with a warning. Nothing else is
ever flipped.
"""
import re
import warnings

import h5py
import numpy as np

from polykeras import backend as K
from polykeras.saving import hdf5_attrs

#: How polykeras files store convolution kernels (Keras / TensorFlow layout).
KERNEL_CONVENTION = "cross_correlation"

#: The convention of Keras 2 files written on Theano.
FLIPPED_CONVENTION = "convolution"

#: Version of the Keras 2 file format written (the Keras API polykeras follows).
KERAS_FORMAT_VERSION = "2.2.4"

# Layers whose kernels Keras 2 stored flipped on Theano: {class name: kernel indices}.
_FLIPPED_KERNELS = {"Conv1D": (0,), "Conv2D": (0,), "Conv3D": (0,), "Conv2DTranspose": (0,),
                    "Conv3DTranspose": (0,), "ConvLSTM2D": (0, 1)}


def weight_file_name(variable, taken):
    """The dataset name of ``variable`` in Keras 2 form (``"dense_1/kernel:0"``).

    A name already in ``taken`` gets a ``_1``, ``_2``... suffix; the result is added to it.
    """
    name = variable.name if re.search(r":\d+$", variable.name) else f"{variable.name}:0"
    base, count = name, 1
    while name in taken:
        stem, suffix = base.rsplit(":", 1)
        name = f"{stem}_{count}:{suffix}"
        count += 1
    taken.add(name)
    return name


def save_weight_list(group, variables):
    """Write ``variables`` into ``group`` with a ``weight_names`` attribute."""
    values = K.batch_get_value(variables)
    taken = set()
    names = [weight_file_name(v, taken) for v in variables]
    hdf5_attrs.save_names(group, "weight_names", names)
    for name, value in zip(names, values):
        value = np.asarray(value)
        dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dataset[:] = value
        else:
            dataset[()] = value


def keras2_layer_order(model):
    """``model.layers`` in the order Keras 2 lists them, which files use for matching.

    Keras 2 orders a Functional model's layers by decreasing depth (longest
    path to an output), ties broken by first visit in a depth-first walk from
    the outputs; Sequential models keep their stacking order. Weight files
    match layers by position in this order, so files move between polykeras
    and Keras 2 even where the two list the layers of a graph differently.
    """
    from polykeras.engine.input_layer import InputLayer
    from polykeras.engine.network import _producer
    from polykeras.engine.sequential import Sequential
    if isinstance(model, Sequential) or not getattr(model, "_nodes", None):
        return model.layers

    def parents(node):
        if isinstance(node.outbound_layer, InputLayer):
            return []
        return [_producer(t) for t in node.input_tensors]

    finished, indices, order = set(), {}, []
    for output in model.outputs:
        stack = [(_producer(output), None)]
        while stack:
            node, pending = stack[-1]
            if pending is None:
                if id(node) in finished:
                    stack.pop()
                    continue
                indices.setdefault(id(node.outbound_layer), len(indices))
                pending = iter(parents(node))
                stack[-1] = (node, pending)
            parent = next(pending, None)
            if parent is None:
                finished.add(id(node))
                order.append(node)
                stack.pop()
            elif id(parent) not in finished:
                stack.append((parent, None))
    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        layer = node.outbound_layer
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = node_depth[id(node)] = depth
        for parent in parents(node):
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for layer in model.input_layers:
        if id(layer) not in layer_depth:
            layer_depth[id(layer)], indices[id(layer)] = 0, -1
    layers = model.layers
    if {id(layer) for layer in layers} != set(layer_depth):
        return layers
    return sorted(layers, key=lambda layer: (-layer_depth[id(layer)], indices[id(layer)]))


def save_weights_to_hdf5_group(group, model):
    """Write every layer's weights of ``model`` into ``group`` (Keras 2 layout).

    Args:
        group: an open, writable h5py group or file.
        model: a Network or Model.

    Example:
        >>> with h5py.File("w.h5", "w") as f:
        ...     save_weights_to_hdf5_group(f, model)
    """
    from polykeras import __version__
    layers = keras2_layer_order(model)
    hdf5_attrs.save_names(group, "layer_names", [layer.name for layer in layers])
    hdf5_attrs.write_text(group, "backend", K.backend())
    hdf5_attrs.write_text(group, "keras_version", KERAS_FORMAT_VERSION)
    hdf5_attrs.write_text(group, "polykeras_version", __version__)
    hdf5_attrs.write_text(group, "kernel_convention", KERNEL_CONVENTION)
    for layer in sorted(layers, key=lambda item: item.name):
        save_weight_list(group.create_group(layer.name), layer.weights)


# --- reading ----------------------------------------------------------------------------

def kernel_convention(group):
    """The file's kernel convention: recorded, or inferred for Keras 2 files.

    Raises:
        ValueError: the recorded convention is unknown.
    """
    convention = hdf5_attrs.read_text(group, "kernel_convention")
    if convention is None and group.file is not None:
        convention = hdf5_attrs.read_text(group.file, "kernel_convention")
    if convention is None:
        backend = hdf5_attrs.read_text(group, "backend") or \
            hdf5_attrs.read_text(group.file, "backend")
        return FLIPPED_CONVENTION if backend == "theano" else KERNEL_CONVENTION
    if convention not in (KERNEL_CONVENTION, FLIPPED_CONVENTION):
        raise ValueError(f"The weight file records kernel_convention={convention!r}; expected "
                         f"{KERNEL_CONVENTION!r} or {FLIPPED_CONVENTION!r}.")
    return convention


def _layer_group(group, name):
    try:
        item = group[name]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"The weight file lists layer {name!r} in layer_names, but has no "
                         f"group for it: the file is incomplete or corrupt.") from exc
    if not isinstance(item, h5py.Group):
        raise ValueError(f"The weight file's entry for layer {name!r} should be a group. "
                         f"Received: {type(item).__name__}.")
    return item


def _dataset(layer_group, name, layer_label):
    try:
        item = layer_group[name]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"The weight file lists weight {name!r} for {layer_label}, but has no "
                         "dataset for it: the file is incomplete or corrupt.") from exc
    if not isinstance(item, h5py.Dataset):
        raise ValueError(f"The weight file's entry {name!r} of {layer_label} should be a "
                         f"dataset. Received: {type(item).__name__}.")
    if item.dtype.kind not in "fiub":
        raise ValueError(f"The weight {name!r} of {layer_label} should hold numbers. "
                         f"Received a dataset of dtype {item.dtype}.")
    return item


def read_weight_datasets(group, name):
    """The datasets of the layer group ``name``, in ``weight_names`` order (data unread)."""
    layer_group = _layer_group(group, name)
    names = hdf5_attrs.load_names(layer_group, "weight_names")
    return [_dataset(layer_group, weight_name, f"layer {name!r}") for weight_name in names]


def _flip(array):
    spatial = array.ndim - 2
    return np.ascontiguousarray(array[(slice(None, None, -1),) * spatial])


def _inner_layers(layer):
    """``layer`` and, for a nested model, its inner layers in weight order."""
    return [layer] if not hasattr(layer, "_layers") else \
        [inner for item in layer.layers for inner in _inner_layers(item)]


def _flip_kernels(layer, values):
    """Convert ``values`` of ``layer`` from Keras-on-Theano kernels (flipped spatial axes)."""
    flips = {}
    positions = {id(w): i for i, w in enumerate(layer.weights)}
    for inner in _inner_layers(layer):
        for index in _FLIPPED_KERNELS.get(type(inner).__name__, ()):
            if index < len(inner.weights) and id(inner.weights[index]) in positions:
                flips[positions[id(inner.weights[index])]] = inner.name
    if flips:
        warnings.warn(f"Layer {layer.name!r}: the file was written by Keras on Theano "
                      "(true convolution), so its convolution kernels are flipped into the "
                      "cross-correlation convention every polykeras backend uses.",
                      stacklevel=4)
    return [_flip(v) if i in flips else v for i, v in enumerate(values)]


def _check_and_read(layer, datasets, layer_label, skip_mismatch):
    """The arrays for ``layer`` from ``datasets`` after count and shape checks.

    Returns ``None`` (with a warning) on a mismatch when ``skip_mismatch``.
    """
    variables = layer.weights
    if len(datasets) != len(variables):
        message = (f"Layer {layer.name!r} ({type(layer).__name__}) expects {len(variables)} "
                   f"weight(s), but the saved weights of {layer_label} have {len(datasets)} "
                   "element(s).")
        if skip_mismatch:
            warnings.warn(f"Skipping loading of weights: {message}", stacklevel=4)
            return None
        raise ValueError(f"You are trying to load a weight file into a model that does not "
                         f"match it. {message}")
    for variable, dataset in zip(variables, datasets):
        expected = tuple(K.int_shape(variable))
        if tuple(dataset.shape) != expected:
            message = (f"Layer {layer.name!r} weight {variable.name!r} has shape {expected}, "
                       f"but the saved weight {dataset.name!r} of {layer_label} has shape "
                       f"{tuple(dataset.shape)}.")
            if skip_mismatch:
                warnings.warn(f"Skipping loading of weights: {message}", stacklevel=4)
                return None
            raise ValueError(f"Weight shape mismatch. {message}")
    return [np.asarray(dataset[()], dtype=K.dtype(variable))
            for dataset, variable in zip(datasets, variables)]


def _load_pairs(group, pairs, skip_mismatch):
    convention = kernel_convention(group)
    assignments = []
    for layer, name, label in pairs:
        values = _check_and_read(layer, read_weight_datasets(group, name), label,
                                 skip_mismatch)
        if values is None:
            continue
        if convention == FLIPPED_CONVENTION:
            values = _flip_kernels(layer, values)
        assignments.extend(zip(layer.weights, values))
    K.batch_set_value(assignments)


def load_weights_from_hdf5_group(group, model, skip_mismatch=False):
    """Load weights layer by layer in order (layers without weights are skipped).

    Args:
        group: an h5py group written by :func:`save_weights_to_hdf5_group`
            (or by Keras 2).
        model: the model receiving the weights; its architecture must match.
        skip_mismatch: warn and skip layers whose weight count or shapes differ
            instead of raising.

    Raises:
        ValueError: the number of layers with weights, a layer's number of
            weights or a shape differs (the message names the layer and both
            shapes), or the file is malformed.
    """
    layers = [layer for layer in keras2_layer_order(model) if layer.weights]
    saved = [name for name in hdf5_attrs.load_names(group, "layer_names")
             if hdf5_attrs.load_names(_layer_group(group, name), "weight_names")]
    if len(saved) != len(layers):
        raise ValueError(
            f"You are trying to load a weight file containing {len(saved)} layer(s) with "
            f"weights ({saved[:10]}) into a model with {len(layers)} layer(s) with weights "
            f"({[layer.name for layer in layers][:10]}). Load by name with by_name=True to "
            "match layers by their names.")
    pairs = [(layer, name, f"saved layer #{index} {name!r}")
             for index, (layer, name) in enumerate(zip(layers, saved))]
    _load_pairs(group, pairs, skip_mismatch)


def load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=False):
    """Load weights into the layers of ``model`` whose names are in the file.

    Layers of the model absent from the file keep their weights (e.g. a new
    classification head when fine-tuning).

    Args:
        group: an h5py group written by :func:`save_weights_to_hdf5_group`.
        model: the model receiving the weights.
        skip_mismatch: warn and skip layers whose weight count or shapes differ.

    Raises:
        ValueError: a matched layer's weights differ in count or shape (unless
            ``skip_mismatch``), or the file is malformed.
    """
    by_name = {}
    for layer in model.layers:
        by_name.setdefault(layer.name, []).append(layer)
    pairs = [(layer, name, f"saved layer {name!r}")
             for name in hdf5_attrs.load_names(group, "layer_names")
             for layer in by_name.get(name, [])]
    _load_pairs(group, pairs, skip_mismatch)
