"""Sequential: a linear stack of layers, built as a Functional graph."""
import warnings

from polykeras import backend as K
from polykeras.engine.base_layer import Layer
from polykeras.engine.input_layer import Input, InputLayer
from polykeras.engine.network import Network
from polykeras.engine.training import Model


class Sequential(Model):
    """A model that applies its layers one after the other.

    Args:
        layers: list of layers to add.
        name: the model's name.

    The first layer states the input with ``input_shape``, ``input_dim``,
    ``batch_input_shape`` or ``batch_size``; without one the model is built
    on first use (``build(input_shape)``, or the first ``fit`` / ``predict``).

    Example:
        >>> model = Sequential([Dense(32, input_dim=784), Activation("relu")])
        >>> model.add(Dense(10, activation="softmax"))
    """

    def __init__(self, layers=None, name=None):
        Layer.__init__(self, name=name)
        self._added = []
        self._chain = []
        self._input_layer = None  # an InputLayer the user added, kept in the config
        self._layers = []
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        self._reset_compiled_state()
        self.built = False
        self._build_input_shape = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._added)

    def add(self, layer):
        """Append ``layer`` (a layer or a whole model) on top of the stack.

        Raises:
            TypeError: ``layer`` is not a Layer.
            ValueError: the layer has several outputs, or does not accept the
                previous layer's output shape (the error names both).
        """
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. "
                            f"Found: {layer!r}")
        if not self._chain:
            start = None if self._added else self._start_tensor(layer)
            if start is None:
                self._added.append(layer)
                return
            self._chain = [start]
            if isinstance(layer, InputLayer):
                self._input_layer = layer
                self._rebuild()
                return
        output = layer(self._chain[-1])
        if isinstance(output, list):
            raise ValueError("All layers in a Sequential model should have a single output "
                             f"tensor. Layer {layer.name} has {len(output)} outputs.")
        self._added.append(layer)
        self._chain.append(output)
        self._rebuild()

    def _start_tensor(self, layer):
        if isinstance(layer, InputLayer):
            return layer._inbound_nodes[0].output_tensors[0]
        if isinstance(layer, Network) and layer.inputs:
            if len(layer.inputs) != 1:
                raise ValueError("A model added as the first layer of a Sequential model "
                                 f"must have a single input. {layer.name} has "
                                 f"{len(layer.inputs)}.")
            source = layer.inputs[0]
            return Input(batch_shape=source._keras_shape, dtype=K.dtype(source))
        batch_shape = getattr(layer, "batch_input_shape", None)
        if batch_shape is None:
            return None
        return Input(batch_shape=batch_shape, dtype=layer.dtype, name=f"{layer.name}_input")

    def _rebuild(self):
        for node in self._inbound_nodes:
            for inbound in node.inbound_layers:
                if inbound is not None and node in inbound._outbound_nodes:
                    inbound._outbound_nodes.remove(node)
        self._inbound_nodes = []
        self._init_graph(self._chain[0], self._chain[-1])
        self.train_function = self.test_function = self.predict_function = None

    def pop(self):
        """Remove the last layer."""
        if not self._added:
            raise TypeError("There are no layers in the model.")
        layer = self._added.pop()
        if not self._chain or len(self._chain) == 1:
            return
        node = layer._inbound_nodes.pop()
        for inbound in node.inbound_layers:
            if node in inbound._outbound_nodes:
                inbound._outbound_nodes.remove(node)
        self._chain.pop()
        if self._added:
            self._rebuild()
        else:
            self._chain, self._layers, self.inputs, self.outputs = [], [], [], []
            self._inbound_nodes = []
            self._input_layer = None
            self.built = False

    def build(self, input_shape=None):
        """Build a model whose first layer had no input shape, for ``input_shape``."""
        if self._chain:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build a "
                             "Sequential model without an input layer.")
        pending, self._added = self._added, []
        self._chain = [Input(batch_shape=tuple(input_shape))]
        self._build_input_shape = tuple(input_shape)
        for layer in pending:
            self.add(layer)
        if getattr(self, "_pending_compile", None):
            self.compile(**self._pending_compile)

    def _build_from_data(self, x):
        if self._chain or not self._added:
            if not self._added and not self._chain:
                raise ValueError("The model has no layers: add layers before using it.")
            return
        first = next(iter(x.values())) if isinstance(x, dict) else \
            x[0] if isinstance(x, (list, tuple)) else x
        self.build((None,) + tuple(first.shape[1:]))

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Class probabilities (the model's output), warning when outside [0, 1]."""
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0. or preds.max() > 1.:
            warnings.warn("Network returning invalid probability values. The last layer "
                          "might not normalize predictions into probabilities (like softmax "
                          "or sigmoid would).")
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Predicted class indices: argmax for several classes, ``> 0.5`` for one."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self):
        layers = ([self._input_layer] if self._input_layer is not None else []) + self._added
        config = {"name": self.name, "layers": [
            {"class_name": type(layer).__name__, "config": layer.get_config()}
            for layer in layers]}
        if self._build_input_shape is not None:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output (or Keras 2.2's list form)."""
        from polykeras.layers import deserialize as deserialize_layer
        if isinstance(config, list):
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config, custom_objects=custom_objects))
        if config.get("build_input_shape") is not None:
            model.build(config["build_input_shape"])
        return model
