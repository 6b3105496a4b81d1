"""Network: a graph of layers from input tensors to output tensors.

The graph is recovered from the outputs' ``_keras_history``. A network is
itself a layer: called on new tensors it replays its graph on them with the
same weights (its inner layers gain no new nodes; the network does).
"""
import collections
import inspect
import json
import warnings

import numpy as np

from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer, shape_of, to_list, unpack_singleton
from polykeras.engine.input_layer import InputLayer
from polykeras.engine.node import Node


def _producer(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def _topological_nodes(outputs):
    """The nodes producing ``outputs``, producers before consumers."""
    order, seen, stack = [], set(), [(_producer(t), False) for t in reversed(outputs)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for tensor in reversed(node.input_tensors):
            if not hasattr(tensor, "_keras_history"):
                raise ValueError(
                    f"Layer {node.outbound_layer.name} was called on a tensor that is not "
                    f"the output of a Keras layer or Input: {tensor!r}. Models must be built "
                    "from Input tensors through layers.")
            producer = _producer(tensor)
            if id(producer) not in seen:
                stack.append((producer, False))
    return order


class Network(Layer):
    """A directed acyclic graph of layers (the Functional API's model).

    Args:
        inputs: an ``Input`` tensor or a list of them.
        outputs: a tensor or list of tensors computed from ``inputs``.
        name: the network's name.
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        self._is_graph_network = True
        self._input_is_list = isinstance(inputs, (list, tuple))
        self._output_is_list = isinstance(outputs, (list, tuple))
        self.inputs = to_list(inputs)
        self.outputs = to_list(outputs)
        for kind, tensors in (("input", self.inputs), ("output", self.outputs)):
            for x in tensors:
                if not K.is_tensor(x) or not hasattr(x, "_keras_history"):
                    raise ValueError(
                        f"{type(self).__name__} {kind}s must be tensors returned by a Keras "
                        f"layer or Input (found: {x!r}). Received {kind}s: {tensors}")
        for x in self.inputs:
            layer, node_index, _ = x._keras_history
            if not isinstance(layer, InputLayer) or node_index != 0:
                raise ValueError(
                    f"Input tensors to a {type(self).__name__} must come from `Input`. "
                    f"Received: {x!r} (produced by layer {layer.name!r}).")
        self.input_layers = [x._keras_history[0] for x in self.inputs]
        self.output_layers = [x._keras_history[0] for x in self.outputs]
        self.input_names = [layer.name for layer in self.input_layers]
        self.output_names = [layer.name for layer in self.output_layers]

        nodes = _topological_nodes(self.outputs)
        input_ids = {id(x) for x in self.inputs}
        for node in nodes:
            if isinstance(node.outbound_layer, InputLayer) \
                    and id(node.output_tensors[0]) not in input_ids:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor "
                    f"{node.output_tensors[0]!r} at layer {node.outbound_layer.name!r}. "
                    f"The following previous layers were accessed without issue: "
                    f"{[n.outbound_layer.name for n in nodes[:nodes.index(node)]]}")
        self._nodes = nodes
        self._network_nodes = {id(n) for n in nodes}
        layers, seen = [], set()
        for node in nodes:
            if id(node.outbound_layer) not in seen:
                seen.add(id(node.outbound_layer))
                layers.append(node.outbound_layer)
        names = collections.Counter(layer.name for layer in layers)
        duplicated = [name for name, count in names.items() if count > 1]
        if duplicated:
            raise ValueError(f"The name {duplicated[0]!r} is used {names[duplicated[0]]} "
                             "times in the model. All layer names should be unique.")
        self._layers = layers
        self.input_spec = [InputSpec(shape=shape_of(x)) for x in self.inputs]
        self.supports_masking = True
        self.built = True
        masks = [getattr(x, "_keras_mask", None) for x in self.outputs]
        Node(self, self.inputs, self.outputs, [None] * len(self.inputs), masks,
             [shape_of(x) for x in self.inputs], [shape_of(x) for x in self.outputs])

    # --- structure ----------------------------------------------------------------

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` in :attr:`layers` (index wins if both)."""
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(self._layers)} layers.")
            return self._layers[index]
        if name is None:
            raise ValueError("Provide either a layer name or layer index.")
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Layers: "
                         f"{[layer.name for layer in self._layers]}")

    def _node_inputs_of(self, layer):
        return [n.input_tensors for n in layer._inbound_nodes if id(n) in self._network_nodes]

    # --- weights, updates, losses ---------------------------------------------------

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return _unique(w for layer in self._layers for w in layer.trainable_weights)

    @property
    def non_trainable_weights(self):
        weights = _unique(w for layer in self._layers for w in layer.non_trainable_weights)
        if not self.trainable:
            trainable = _unique(w for layer in self._layers for w in layer.trainable_weights)
            return trainable + weights
        return weights

    def get_weights(self):
        """All weight values, layer by layer in :attr:`layers` order."""
        return K.batch_get_value(self._ordered_weights())

    def set_weights(self, weights):
        """Set the weights from a list ordered like :meth:`get_weights`."""
        params = self._ordered_weights()
        if len(params) != len(weights):
            raise ValueError(f"Model {self.name!r} expects {len(params)} weight arrays. "
                             f"Received: {len(weights)}.")
        offset = 0
        for layer in self._layers:
            count = len(layer.weights)
            layer.set_weights(weights[offset:offset + count])
            offset += count

    def _ordered_weights(self):
        return [w for layer in self._layers for w in layer.weights]

    @property
    def updates(self):
        if not self.trainable and not self.stateful:
            return []
        return _unique(u for layer in self._layers for inputs in self._node_inputs_of(layer)
                       for u in layer.get_updates_for(inputs) + layer.get_updates_for(None))

    @property
    def losses(self):
        return _unique(loss for layer in self._layers
                       for inputs in self._node_inputs_of(layer)
                       for loss in layer.get_losses_for(inputs) + layer.get_losses_for(None))

    @property
    def state_updates(self):
        """Updates of stateful layers (RNN states), run at prediction time too."""
        return _unique(u for layer in self._layers if getattr(layer, "stateful", False)
                       for u in layer.updates)

    @property
    def stateful(self):
        return any(getattr(layer, "stateful", False) for layer in getattr(self, "_layers", []))

    @stateful.setter
    def stateful(self, value):
        pass  # derived from the layers

    def reset_states(self):
        """Reset the states of every stateful layer."""
        for layer in self._layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    @property
    def uses_learning_phase(self):
        return any(getattr(x, "_uses_learning_phase", False) for x in self.outputs)

    # --- running the graph ----------------------------------------------------------

    def call(self, inputs, mask=None):
        outputs, _, _ = self.run_internal_graph(to_list(inputs), to_list(mask)
                                                if mask is not None else None)
        return unpack_singleton(outputs) if not self._output_is_list else outputs

    def compute_mask(self, inputs, mask=None):
        _, masks, _ = self.run_internal_graph(to_list(inputs), to_list(mask)
                                              if mask is not None else None)
        return unpack_singleton(masks) if not self._output_is_list else masks

    def compute_output_shape(self, input_shape):
        shapes = to_list(input_shape) if self._input_is_list or len(self.inputs) > 1 \
            else [input_shape]
        if len(shapes) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input "
                             f"shape(s). Received: {input_shape}")
        known = {id(x): tuple(s) for x, s in zip(self.inputs, shapes)}
        for node in self._nodes:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            in_shapes = [known[id(x)] for x in node.input_tensors]
            out = layer.compute_output_shape(unpack_singleton(in_shapes))
            out = out if isinstance(out, list) else [out]
            for tensor, shape in zip(node.output_tensors, out):
                known[id(tensor)] = shape
        result = [known[id(x)] for x in self.outputs]
        return result if self._output_is_list else result[0]

    def run_internal_graph(self, inputs, masks=None):
        """Replay the graph on ``inputs``: returns (outputs, output masks, output shapes)."""
        if len(inputs) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s). "
                             f"Received: {len(inputs)}.")
        masks = masks or [getattr(x, "_keras_mask", None) for x in inputs]
        computed = {id(ref): (x, m) for ref, x, m in zip(self.inputs, inputs, masks)}
        for node in self._nodes:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            tensors = [computed[id(ref)][0] for ref in node.input_tensors]
            in_masks = [computed[id(ref)][1] for ref in node.input_tensors]
            kwargs = dict(node.arguments)
            in_mask = unpack_singleton(in_masks) if any(m is not None for m in in_masks) \
                else None
            if in_mask is not None and "mask" in _call_parameters(layer):
                kwargs["mask"] = in_mask
            layer_inputs = unpack_singleton(tensors)
            outputs = to_list(layer.call(layer_inputs, **kwargs))
            out_masks = layer.compute_mask(layer_inputs, in_mask)
            out_masks = to_list(out_masks) if out_masks is not None else [None] * len(outputs)
            shapes = layer.compute_output_shape(unpack_singleton([shape_of(t) for t in tensors]))
            shapes = shapes if isinstance(shapes, list) else [shapes]
            regularizer = getattr(layer, "activity_regularizer", None)
            if regularizer is not None:
                layer.add_loss([regularizer(o) for o in outputs], tensors)
            for ref, out, m, shape in zip(node.output_tensors, outputs, out_masks, shapes):
                out._keras_shape = tuple(shape) if shape is not None else None
                out._uses_learning_phase = getattr(out, "_uses_learning_phase", False) or any(
                    getattr(t, "_uses_learning_phase", False) for t in tensors)
                computed[id(ref)] = (out, m)
            self.add_update(layer.get_updates_for(tensors), inputs)
            self.add_update(layer.get_updates_for(None), None)
            self.add_loss(layer.get_losses_for(tensors), inputs)
            self.add_loss(layer.get_losses_for(None), None)
        results = [computed[id(ref)] for ref in self.outputs]
        return ([x for x, _ in results], [m for _, m in results],
                [shape_of(x) for x, _ in results])

    # --- configuration --------------------------------------------------------------

    def get_config(self):
        """The graph as Keras 2 writes it: layers with inbound nodes, inputs, outputs."""
        node_index_map = {}
        for layer in self._layers:
            kept = [n for n in layer._inbound_nodes if id(n) in self._network_nodes]
            # A rebuilt network's node 0 is its own graph, so its calls count from 1.
            start = 1 if isinstance(layer, Network) else 0
            for new_index, node in enumerate(kept, start):
                node_index_map[id(node)] = new_index
        layer_configs = []
        for layer in self._layers:
            inbound = []
            for node in layer._inbound_nodes:
                if id(node) not in self._network_nodes or isinstance(layer, InputLayer):
                    continue
                inbound.append([
                    [t._keras_history[0].name, node_index_map[id(_producer(t))],
                     t._keras_history[2], _serializable_arguments(layer, node.arguments)]
                    for t in node.input_tensors])
            layer_configs.append({"name": layer.name, "class_name": type(layer).__name__,
                                  "config": layer.get_config(), "inbound_nodes": inbound})

        def endpoint(tensor):
            return [tensor._keras_history[0].name, node_index_map[id(_producer(tensor))],
                    tensor._keras_history[2]]
        return {"name": self.name, "layers": layer_configs,
                "input_layers": [endpoint(x) for x in self.inputs],
                "output_layers": [endpoint(x) for x in self.outputs]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a network (new layers, new weights) from :meth:`get_config`'s output."""
        from polykeras.layers import deserialize as deserialize_layer
        created = {}
        pending = collections.deque()
        for layer_data in config["layers"]:
            layer = deserialize_layer(layer_data, custom_objects=custom_objects)
            created[layer_data["name"]] = layer
            for node_data in layer_data.get("inbound_nodes", []):
                pending.append((layer, node_data))
        stalled = 0
        while pending:
            layer, node_data = pending.popleft()
            if all(len(created[name]._inbound_nodes) > index
                   for name, index, *_ in node_data):
                stalled = 0
                tensors = [created[name]._inbound_nodes[index].output_tensors[tensor_index]
                           for name, index, tensor_index, *_ in node_data]
                kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
                layer(unpack_singleton(tensors), **(kwargs or {}))
            else:
                pending.append((layer, node_data))
                stalled += 1
                if stalled > len(pending):
                    raise ValueError(f"Cannot rebuild the graph of model {config.get('name')!r}"
                                     f": layer {layer.name!r} reads nodes that no layer "
                                     f"produces ({node_data}).")

        def tensors(endpoints):
            return [created[name]._inbound_nodes[index].output_tensors[tensor_index]
                    for name, index, tensor_index in endpoints]
        inputs, outputs = tensors(config["input_layers"]), tensors(config["output_layers"])
        return cls(inputs=unpack_singleton(inputs) if len(inputs) == 1 else inputs,
                   outputs=unpack_singleton(outputs) if len(outputs) == 1 else outputs,
                   name=config.get("name"))

    def _serialized(self):
        from polykeras import __version__
        return {"class_name": type(self).__name__, "config": self.get_config(),
                "keras_version": __version__, "backend": K.backend()}

    def to_json(self, **kwargs):
        """The architecture as JSON text (``json.dumps`` arguments are passed through)."""
        return json.dumps(self._serialized(), default=_json_default, **kwargs)

    def to_yaml(self, **kwargs):
        """The architecture as YAML text (``yaml.dump`` arguments are passed through)."""
        import yaml
        return yaml.safe_dump(json.loads(self.to_json()), **kwargs)

    # --- saving (see polykeras.saving) ---------------------------------------------------

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Save architecture, weights, training config and optimizer state to HDF5.

        Example:
            >>> model.save("model.h5")
        """
        from polykeras.saving import save_model
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights to an HDF5 file (Keras 2 layout)."""
        from polykeras.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        """Load weights from an HDF5 file, by layer order or (``by_name``) by layer name."""
        from polykeras.saving import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Print the Keras 2 table: layers, output shapes, parameter counts and totals."""
        from polykeras.utils.layer_utils import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)


def _call_parameters(layer):
    return inspect.signature(layer.call).parameters


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Cannot serialize {value!r} (type {type(value).__name__}) to JSON.")


def _unique(items):
    seen, result = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def _serializable_arguments(layer, arguments):
    """The call arguments of a node that a config can hold (plain JSON values).

    Other values (tensors, arrays, objects) cannot be written into a config;
    they are left out with a warning naming the layer and the argument, as
    Keras 2 does, so the rebuilt layer is called without them.
    """
    kept = {}
    for key, value in arguments.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            warnings.warn(f"Layer {layer.name!r} was called with argument {key}="
                          f"{type(value).__name__}, which cannot be serialized; the saved "
                          f"config calls the layer without it.", stacklevel=3)
            continue
        kept[key] = value
    return kept
