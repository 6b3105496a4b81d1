"""Nodes: one call of a layer, linking the layers that produced its inputs.

Every time a layer is called on Keras tensors a :class:`Node` is appended to
its ``_inbound_nodes`` (and to the ``_outbound_nodes`` of each layer whose
output it reads). The tensors it creates carry
``_keras_history = (layer, node_index, tensor_index)``, which is how a
:class:`~polykeras.engine.network.Network` finds its graph.
"""


class Node:
    """A layer applied to a list of input tensors.

    Attributes:
        outbound_layer: the layer that was called.
        inbound_layers, node_indices, tensor_indices: for each input tensor,
            the layer, node and output index that produced it.
        input_tensors, output_tensors, input_masks, output_masks,
        input_shapes, output_shapes: lists, one entry per tensor.
        arguments: keyword arguments of the call (``training=...``), kept
            for serialization.
    """

    def __init__(self, outbound_layer, input_tensors, output_tensors, input_masks,
                 output_masks, input_shapes, output_shapes, arguments=None):
        self.outbound_layer = outbound_layer
        histories = [getattr(t, "_keras_history", (None, 0, 0)) for t in input_tensors]
        self.inbound_layers = [h[0] for h in histories]
        self.node_indices = [h[1] for h in histories]
        self.tensor_indices = [h[2] for h in histories]
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.input_masks = list(input_masks)
        self.output_masks = list(output_masks)
        self.input_shapes = list(input_shapes)
        self.output_shapes = list(output_shapes)
        self.arguments = dict(arguments or {})
        for layer in self.inbound_layers:
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)

    def get_config(self):
        """Names and indices of the inbound layers (what a saved graph records)."""
        return {
            "outbound_layer": self.outbound_layer.name,
            "inbound_layers": [layer.name for layer in self.inbound_layers if layer],
            "node_indices": self.node_indices,
            "tensor_indices": self.tensor_indices,
        }
