"""The Layer base class and InputSpec.

A layer owns weights and turns input tensors into output tensors with
:meth:`Layer.call`. Calling a layer on Keras tensors (outputs of ``Input``
or of other layers) builds it on first use, records a
:class:`~polykeras.engine.node.Node`, and tags the outputs with their Keras
shape, mask and history, so models can be assembled and their shapes known
without running a backend.
"""
import contextlib
import inspect
import re

import numpy as np

from polykeras import backend as K
from polykeras.engine.node import Node
from polykeras.utils.legacy import rename_arguments


def to_list(x):
    """``x`` as a list (a list or tuple is copied, anything else wrapped)."""
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def unpack_singleton(x):
    """The single element of a one-element list, else ``x``."""
    if isinstance(x, list) and len(x) == 1:
        return x[0]
    return x


def shape_of(tensor):
    """The Keras shape of a tensor: ``_keras_shape`` if set, else its static shape."""
    shape = getattr(tensor, "_keras_shape", None)
    return tuple(shape) if shape is not None else K.int_shape(tensor)


#: The lists :func:`recording_updates` is filling, innermost last.
_update_recorders = []


@contextlib.contextmanager
def recording_updates():
    """Collect ``(layer, count)`` for every :meth:`Layer.add_update` call made
    inside the block, so a caller can take back updates made on tensors that
    do not outlive it (:func:`discard_updates`)."""
    added = []
    _update_recorders.append(added)
    try:
        yield added
    finally:
        _update_recorders.remove(added)


def discard_updates(added):
    """Remove the updates :func:`recording_updates` collected from their layers."""
    for layer, count in reversed(added):
        del layer._updates[len(layer._updates) - count:]


def _snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class InputSpec:
    """What a layer accepts: dtype, rank (exact, max or min) and fixed axes.

    Args:
        dtype: expected dtype, or ``None``.
        shape: expected shape (``None`` entries are free).
        ndim, max_ndim, min_ndim: rank constraints.
        axes: ``{axis: size}`` for axes whose size is fixed.

    Example:
        >>> layer.input_spec = InputSpec(min_ndim=2, axes={-1: 784})
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if v not in (None, {})}
        return "InputSpec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


class Layer:
    """Base class of all layers.

    Subclasses implement :meth:`build` (create weights with
    :meth:`add_weight`), :meth:`call` and, when the shape changes,
    :meth:`compute_output_shape`.

    Args (keyword only):
        name: unique name; defaults to the snake-cased class name plus a counter.
        trainable: whether the weights are updated by training.
        dtype: dtype of the weights and of the input created for the layer.
        input_shape, batch_input_shape, batch_size, input_dim: for the
            first layer of a Sequential model (``input_dim=n`` is
            ``input_shape=(n,)``).
        weights: initial weight values, set once the layer is built.

    Example:
        >>> class Double(Layer):
        ...     def call(self, inputs):
        ...         return inputs * 2
    """

    _allowed_kwargs = {"input_shape", "batch_input_shape", "batch_size", "dtype", "name",
                       "trainable", "weights", "input_dtype", "input_dim", "input_length"}

    def __init__(self, **kwargs):
        rename_arguments(kwargs, {"input_dtype": "dtype"}, where=type(self).__name__)
        unknown = set(kwargs) - self._allowed_kwargs
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): "
                            f"{sorted(unknown)}.")
        self.name = kwargs.get("name") or \
            f"{_snake_case(type(self).__name__)}_{K.get_uid(_snake_case(type(self).__name__))}"
        self.trainable = kwargs.get("trainable", True)
        self.dtype = kwargs.get("dtype") or K.floatx()
        self.input_spec = None
        self.supports_masking = False
        self.stateful = False
        self.built = False
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._updates = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._initial_weights = kwargs.get("weights")
        batch_shape = self._batch_input_shape_from(kwargs)
        if batch_shape is not None:
            self.batch_input_shape = batch_shape

    @staticmethod
    def _batch_input_shape_from(kwargs):
        if kwargs.get("batch_input_shape") is not None:
            return tuple(kwargs["batch_input_shape"])
        shape = kwargs.get("input_shape")
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        if shape is None:
            return None
        return (kwargs.get("batch_size"),) + tuple(shape)

    # --- weights ------------------------------------------------------------

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None):
        """Create a weight variable of ``shape``, track it and return it.

        Args:
            name: weight name (prefixed with the layer name).
            shape: tuple of ints.
            initializer, regularizer, constraint: objects or names.
            trainable: whether optimizers update it.
        """
        from polykeras import constraints, initializers, regularizers
        initializer = initializers.get(initializer or "glorot_uniform")
        constraint = constraints.get(constraint)
        dtype = dtype or self.dtype
        value = initializer(tuple(shape), dtype=dtype)
        weight = K.variable(value, dtype=dtype, name=f"{self.name}/{name}",
                            constraint=constraint)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self.add_loss(regularizer(weight))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(weight)
        return weight

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    def get_weights(self):
        """The weight values as a list of NumPy arrays."""
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Set the weights from a list of arrays of the same shapes as :meth:`get_weights`."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight '
                f"list of length {len(weights)}, but the layer was expecting "
                f"{len(params)} weights. Provided weights: {str(weights)[:50]}...")
        pairs = []
        for param, value in zip(params, weights):
            value = np.asarray(value)
            if K.int_shape(param) != value.shape:
                raise ValueError(
                    f"Layer weight shape {K.int_shape(param)} not compatible with provided "
                    f"weight shape {value.shape} (layer {self.name!r}, weight {param.name!r}).")
            pairs.append((param, value))
        K.batch_set_value(pairs)

    def count_params(self):
        """Number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f'You tried to call `count_params` on layer "{self.name}", '
                             "but the layer isn't built. Call it on a tensor or build it first.")
        return int(sum(K.count_params(w) for w in self.weights))

    # --- losses and updates ---------------------------------------------------

    def add_loss(self, losses, inputs=None):
        """Add loss tensors (regularization terms) that depend on ``inputs`` (or on nothing)."""
        self._losses.extend((loss, inputs) for loss in to_list(losses) if loss is not None)

    def add_update(self, updates, inputs=None):
        """Add ``(variable, new_value)`` updates run at each training step."""
        updates = to_list(updates)
        self._updates.extend((update, inputs) for update in updates)
        if updates:  # a network hands on its layers' updates, often none
            for added in _update_recorders:
                added.append((self, len(updates)))

    @property
    def losses(self):
        return [loss for loss, _ in self._losses]

    @property
    def updates(self):
        if not self.trainable and not self.stateful:
            return []
        return [update for update, _ in self._updates]

    def get_losses_for(self, inputs):
        """Losses that depend on ``inputs`` (``None``: the unconditional ones)."""
        return _filter_for(self._losses, inputs)

    def get_updates_for(self, inputs):
        """Updates that depend on ``inputs`` (``None``: the unconditional ones)."""
        if not self.trainable and not self.stateful:
            return []
        return _filter_for(self._updates, inputs)

    # --- the computation ----------------------------------------------------------

    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape``; subclasses call super."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation on symbolic tensors; the default is the identity."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; the default assumes the shape is unchanged."""
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """Output mask; layers that do not support masking reject a non-None mask."""
        if not self.supports_masking:
            if any(m is not None for m in to_list(mask)):
                raise TypeError(f"Layer {self.name} does not support masking, but was "
                                f"passed an input_mask: {mask}")
            return None
        return mask

    def __call__(self, inputs, **kwargs):
        """Apply the layer to a tensor or list of tensors, building it on first use."""
        input_list = to_list(inputs)
        for x in input_list:
            if not K.is_tensor(x):
                raise ValueError(
                    f"Layer {self.name} was called with an input that isn't a symbolic "
                    f"tensor. Received type: {type(x)}. Full input: {inputs}. All inputs "
                    "to the layer should be tensors.")
        input_shapes = [shape_of(x) for x in input_list]
        if not self.built:
            self.assert_input_compatibility(inputs)
            self.build(unpack_singleton(input_shapes))
            self.built = True
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None
        self.assert_input_compatibility(inputs)

        masks = [getattr(x, "_keras_mask", None) for x in input_list]
        input_mask = unpack_singleton(masks) if any(m is not None for m in masks) else None
        if "mask" in inspect.signature(self.call).parameters and "mask" not in kwargs \
                and input_mask is not None:
            kwargs["mask"] = input_mask
        outputs = self.call(inputs, **kwargs)
        output_mask = self.compute_mask(inputs, kwargs.get("mask", input_mask))
        output_list = to_list(outputs)
        # A layer that returns an input unchanged gets a copy, so the input's
        # history is not overwritten.
        output_list = [K.identity(o) if any(o is x for x in input_list) else o
                       for o in output_list]
        output_masks = to_list(output_mask) if output_mask is not None \
            else [None] * len(output_list)
        if all(hasattr(x, "_keras_history") for x in input_list):
            output_shapes = self.compute_output_shape(unpack_singleton(input_shapes))
            output_shapes = to_list(output_shapes) if isinstance(output_shapes, list) \
                else [output_shapes]
            if len(output_shapes) != len(output_list):
                raise ValueError(
                    f"Layer {self.name}: compute_output_shape returned {len(output_shapes)} "
                    f"shape(s) for {len(output_list)} output tensor(s).")
            uses_lp = any(getattr(x, "_uses_learning_phase", False) for x in input_list)
            node_index = len(self._inbound_nodes)
            arguments = {k: v for k, v in kwargs.items() if k != "mask"}
            Node(self, input_list, output_list, masks, output_masks, input_shapes,
                 [tuple(s) if s is not None else None for s in output_shapes], arguments)
            for i, (tensor, shape, mask) in enumerate(
                    zip(output_list, output_shapes, output_masks)):
                tensor._keras_history = (self, node_index, i)
                tensor._keras_shape = tuple(shape) if shape is not None else None
                tensor._keras_mask = mask
                tensor._uses_learning_phase = (
                    getattr(tensor, "_uses_learning_phase", False) or uses_lp)
        else:
            for tensor, mask in zip(output_list, output_masks):
                tensor._keras_mask = mask
        regularizer = getattr(self, "activity_regularizer", None)
        if regularizer is not None:
            self.add_loss([regularizer(o) for o in output_list], input_list)
        return output_list if isinstance(outputs, (list, tuple)) else output_list[0]

    def assert_input_compatibility(self, inputs):
        """Check ``inputs`` against ``self.input_spec``; raise naming the layer and shapes."""
        if not self.input_spec:
            return
        input_list = to_list(inputs)
        specs = to_list(self.input_spec)
        if len(specs) != len(input_list):
            raise ValueError(f"Layer {self.name} expects {len(specs)} input(s), but it "
                             f"received {len(input_list)} input tensors. "
                             f"Input received: {inputs}")
        for index, (x, spec) in enumerate(zip(input_list, specs)):
            if spec is None:
                continue
            shape = shape_of(x)
            ndim = None if shape is None else len(shape)
            where = f"Input {index} is incompatible with layer {self.name}"
            if spec.ndim is not None and ndim is not None and ndim != spec.ndim:
                raise ValueError(f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. "
                                 f"Full shape received: {shape}")
            if spec.max_ndim is not None and ndim is not None and ndim > spec.max_ndim:
                raise ValueError(f"{where}: expected max_ndim={spec.max_ndim}, found "
                                 f"ndim={ndim}. Full shape received: {shape}")
            if spec.min_ndim is not None and ndim is not None and ndim < spec.min_ndim:
                raise ValueError(f"{where}: expected min_ndim={spec.min_ndim}, found "
                                 f"ndim={ndim}. Full shape received: {shape}")
            if spec.dtype is not None and K.dtype(x) != spec.dtype:
                raise ValueError(f"{where}: expected dtype={spec.dtype}, found "
                                 f"dtype={K.dtype(x)}")
            for axis, size in spec.axes.items():
                if shape is None or size is None:
                    continue
                if shape[axis] not in (None, size):
                    raise ValueError(
                        f"{where}: expected axis {axis} of input shape to have value "
                        f"{size} but got shape {shape}")
            if spec.shape is not None and shape is not None:
                for expected, received in zip(spec.shape, shape):
                    if None not in (expected, received) and expected != received:
                        raise ValueError(f"{where}: expected shape={spec.shape}, found "
                                         f"shape={shape}")

    # --- nodes --------------------------------------------------------------------

    def _node_attribute(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise RuntimeError(f"The layer {self.name} has never been called and thus has "
                               f"no defined {attr_name}.")
        if not -len(self._inbound_nodes) <= node_index < len(self._inbound_nodes):
            raise ValueError(f"Asked to get {attr_name} at node {node_index}, but the layer "
                             f"{self.name} has only {len(self._inbound_nodes)} inbound nodes.")
        return unpack_singleton(getattr(self._inbound_nodes[node_index], attr))

    def get_input_at(self, node_index):
        """The input tensor(s) of the call number ``node_index``."""
        return self._node_attribute(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        """The output tensor(s) of the call number ``node_index``."""
        return self._node_attribute(node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index):
        return self._node_attribute(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        return self._node_attribute(node_index, "output_shapes", "output shape")

    def get_input_mask_at(self, node_index):
        return self._node_attribute(node_index, "input_masks", "input mask")

    def get_output_mask_at(self, node_index):
        return self._node_attribute(node_index, "output_masks", "output mask")

    def _single_node(self, attr, attr_name):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer {self.name} has multiple inbound nodes, hence the notion of "
                f'"layer {attr_name}" is ill-defined. Use `get_{attr_name.replace(" ", "_")}'
                "_at(node_index)` instead.")
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {attr_name} "
                                 "to return.")
        return unpack_singleton(getattr(self._inbound_nodes[0], attr))

    @property
    def input(self):
        return self._single_node("input_tensors", "input")

    @property
    def output(self):
        return self._single_node("output_tensors", "output")

    @property
    def input_mask(self):
        return self._single_node("input_masks", "input mask")

    @property
    def output_mask(self):
        return self._single_node("output_masks", "output mask")

    @property
    def input_shape(self):
        shapes = {tuple(map(_shape_key, n.input_shapes)) for n in self._inbound_nodes}
        if len(shapes) > 1:
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, with '
                                 'different input shapes. Hence the notion of "input shape" '
                                 "is ill-defined for the layer. Use "
                                 "`get_input_shape_at(node_index)` instead.")
        if not shapes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has "
                                 "no defined input shape.")
        return unpack_singleton(self._inbound_nodes[0].input_shapes)

    @property
    def output_shape(self):
        shapes = {tuple(map(_shape_key, n.output_shapes)) for n in self._inbound_nodes}
        if len(shapes) > 1:
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, with '
                                 'different output shapes. Hence the notion of "output '
                                 'shape" is ill-defined for the layer. Use '
                                 "`get_output_shape_at(node_index)` instead.")
        if not shapes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has "
                                 "no defined output shape.")
        return unpack_singleton(self._inbound_nodes[0].output_shapes)

    # --- configuration ------------------------------------------------------------

    def get_config(self):
        """The constructor arguments that rebuild this layer (without weights)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if hasattr(self, "batch_input_shape"):
            config["batch_input_shape"] = self.batch_input_shape
        return config

    @classmethod
    def from_config(cls, config):
        """A new layer from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _shape_key(shape):
    return None if shape is None else tuple(shape)


def _filter_for(entries, inputs):
    if inputs is None:
        return [item for item, deps in entries if deps is None]
    wanted = {id(x) for x in to_list(inputs)}
    return [item for item, deps in entries
            if deps is not None and any(id(x) in wanted for x in to_list(deps))]
