"""The TensorBoard callback: event files that TensorBoard reads, on every backend.

Summaries are computed in NumPy from ``K.get_value`` and ``K.function``
results and written with tensorboardX (a maintained writer of TensorBoard's
event-file format), so nothing here depends on the active backend:

- scalars: every entry of the epoch logs (``loss``, ``val_loss``, metrics),
  at step ``epoch``; with ``update_freq`` ``'batch'`` or a number of samples,
  the batch logs too, as ``batch_<name>`` at step "samples seen";
- histograms (every ``histogram_freq`` epochs): every weight, and with
  validation data the output of every layer (``<layer>_out``) and, with
  ``write_grads``, the gradient of the loss for every trainable weight
  (``<weight>_grad``), on the first ``batch_size`` validation samples;
- images (``write_images``): every weight drawn as grey-scale images;
- graph (``write_graph``): the model's layer graph as a TensorFlow
  ``GraphDef`` (one node per layer: op = layer class, inputs = inbound
  layers, ``_output_shapes``), the same on every backend;
- embeddings (``embeddings_freq``): the outputs of the chosen layers on
  ``embeddings_data`` for TensorBoard's projector.
"""
import os

import numpy as np

from polykeras import backend as K
from polykeras.callbacks import Callback

__all__ = ["TensorBoard"]

_INSTALL_HINT = "pip install tensorboardX"


def _summary_writer(log_dir):
    try:
        from tensorboardX import SummaryWriter
    except ImportError as exc:
        raise ImportError(f"The TensorBoard callback writes event files with the tensorboardX "
                          f"package, which is not installed: {_INSTALL_HINT}") from exc
    return SummaryWriter(log_dir)


def _weight_images(value):
    """A weight as a batch of grey-scale images ``(N, H, W, 1)`` scaled to [0, 1].

    A bias ``(n,)`` is one ``1 x n`` image, a kernel ``(a, b)`` one image with
    its longer side horizontal, a convolution kernel ``(k1, k2, ...)`` one
    ``k1 x k2`` image per pair of the remaining axes.
    """
    value = np.squeeze(np.asarray(value, dtype="float32"))
    if value.ndim == 0:
        return None
    if value.ndim == 1:
        images = value[None, None, :]
    elif value.ndim == 2:
        images = (value.T if value.shape[0] > value.shape[1] else value)[None]
    else:
        images = value.reshape(value.shape[0], value.shape[1], -1).transpose(2, 0, 1)
    low, high = images.min(), images.max()
    images = (images - low) / (high - low) if high > low else np.full_like(images, 0.5)
    return images[..., None]


def _graph_def(model):
    """The layer graph of ``model`` as a TensorFlow ``GraphDef`` (tensorboardX's protos)."""
    from tensorboardX.proto import graph_pb2, node_def_pb2
    network_nodes = getattr(model, "_network_nodes", None)
    layers = list(model.layers)
    sources = [source for layer in layers for node in layer._inbound_nodes
               for source in node.inbound_layers
               if network_nodes is None or id(node) in network_nodes]
    layers = [source for source in dict.fromkeys(sources) if source not in layers] + layers
    nodes = []
    for layer in layers:
        inbound = [n for n in layer._inbound_nodes
                   if network_nodes is None or id(n) in network_nodes]
        inputs = [source.name for node in inbound for source in node.inbound_layers]
        shapes = [shape for node in inbound for shape in node.output_shapes]
        attr = {"_output_shapes": _shapes_attr(shapes)} if shapes else {}
        nodes.append(node_def_pb2.NodeDef(name=layer.name, op=type(layer).__name__,
                                          input=inputs, attr=attr))
    return graph_pb2.GraphDef(node=nodes)


def _shapes_attr(shapes):
    """An ``AttrValue`` listing static shapes (``-1`` for unknown sizes)."""
    from tensorboardX.proto import attr_value_pb2, tensor_shape_pb2
    protos = [tensor_shape_pb2.TensorShapeProto(dim=[
        tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if size is None else int(size))
        for size in (shape or ())]) for shape in shapes]
    return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(shape=protos))


def _phase_inputs():
    """The learning-phase placeholder as a list, when the backend has one."""
    phase = K.learning_phase()
    return [phase] if K.is_tensor(phase) else []


def _test_phase():
    """The value fed to :func:`_phase_inputs`: the test phase."""
    return [np.array(0, dtype=bool)] if _phase_inputs() else []


def _read_metadata(path, rows, layer_name):
    """The labels of a one-column metadata file (one label per line), checked."""
    with open(path, encoding="utf-8") as handle:
        labels = handle.read().splitlines()
    if len(labels) != rows:
        raise ValueError(f"TensorBoard: the embeddings metadata file {path!r} of layer "
                         f"{layer_name!r} has {len(labels)} lines; expected one label per "
                         f"embeddings_data sample ({rows}).")
    return labels


class TensorBoard(Callback):
    """Writes TensorBoard event files: scalars, histograms, weight images, graph, embeddings.

    Run ``tensorboard --logdir=<log_dir>`` to look at them. See the module
    docstring for what each summary holds.

    Args:
        log_dir: directory of the event files (created if missing).
        histogram_freq: write histograms every this many epochs (0: never).
        batch_size: number of validation samples the layer-output and
            gradient histograms are computed on.
        write_graph: write the model's layer graph.
        write_grads: also write gradient histograms (needs ``histogram_freq >
            0`` and validation data).
        write_images: write every weight as images.
        embeddings_freq: write embeddings every this many epochs (0: never).
        embeddings_layer_names: layers whose outputs are embedded (default:
            every ``Embedding`` layer).
        embeddings_metadata: a metadata file (one label per line) for every
            layer, or a dict layer name -> file.
        embeddings_data: the model inputs the embeddings are computed on.
        update_freq: ``'epoch'``, ``'batch'`` or a number of samples: how often
            the training scalars are written.

    Raises:
        ValueError: bad ``update_freq``, ``histogram_freq`` or
            ``embeddings_freq``; ``write_grads`` without validation data;
            ``embeddings_freq`` without ``embeddings_data``.
        ImportError: tensorboardX is not installed (at ``fit`` time).

    Example:
        >>> model.fit(x, y, validation_split=0.2,
        ...           callbacks=[TensorBoard("logs", histogram_freq=1, write_images=True)])
    """

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True,
                 write_grads=False, write_images=False, embeddings_freq=0,
                 embeddings_layer_names=None, embeddings_metadata=None, embeddings_data=None,
                 update_freq="epoch"):
        super().__init__()
        for arg, value in (("histogram_freq", histogram_freq),
                           ("embeddings_freq", embeddings_freq), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"TensorBoard expects `{arg}` to be an int >= 0. "
                                 f"Received: {arg}={value!r}")
        if update_freq not in ("epoch", "batch") and (
                isinstance(update_freq, bool) or not isinstance(update_freq, (int, np.integer))
                or update_freq < 1):
            raise ValueError(f"TensorBoard expects `update_freq` to be 'epoch', 'batch' or a "
                             f"number of samples >= 1. Received: update_freq={update_freq!r}")
        if embeddings_freq and embeddings_data is None:
            raise ValueError("TensorBoard: to visualize embeddings (embeddings_freq="
                             f"{embeddings_freq}), embeddings_data must be provided.")
        self.log_dir = str(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.batch_size = int(batch_size) or 32
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.embeddings_freq = int(embeddings_freq)
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata
        self.embeddings_data = embeddings_data
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.writer = None
        self._samples_seen = 0
        self._samples_at_last_write = 0
        self._histogram_function = None
        self._embeddings_function = None

    def set_model(self, model):
        """Open the event writer for ``model`` and write its graph."""
        super().set_model(model)
        self._histogram_function = self._embeddings_function = None
        if self.writer is not None:
            self.writer.close()
        os.makedirs(self.log_dir, exist_ok=True)
        self.writer = _summary_writer(self.log_dir)
        if self.write_graph:
            from tensorboardX.proto import event_pb2
            graph = _graph_def(model)
            self.writer.file_writer.add_event(event_pb2.Event(graph_def=graph.SerializeToString()))

    def on_train_begin(self, logs=None):
        if self.write_grads and self.histogram_freq and not self.validation_data:
            self.on_train_end()
            raise ValueError("TensorBoard: write_grads needs validation data (arrays, not a "
                             "generator) to compute the gradients on.")
        self._samples_seen = self._samples_at_last_write = 0

    def on_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self.writer is None:
            return
        logs = logs or {}
        self._samples_seen += int(logs.get("size", 1))
        if self._samples_seen - self._samples_at_last_write >= self.update_freq:
            self._write_scalars({f"batch_{k}": v for k, v in logs.items()}, self._samples_seen)
            self._samples_at_last_write = self._samples_seen

    def on_epoch_end(self, epoch, logs=None):
        if self.writer is None:
            return
        step = epoch if self.update_freq == "epoch" else self._samples_seen
        self._write_scalars(logs or {}, step)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        if self.write_images:
            self._write_weight_images(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings(epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    # --- summaries ----------------------------------------------------------------------

    def _write_scalars(self, logs, step):
        for name, value in logs.items():
            if name in ("batch", "size", "batch_batch", "batch_size"):
                continue
            value = np.asarray(value)
            if value.size == 1 and np.issubdtype(value.dtype, np.number):
                self.writer.add_scalar(name, float(value), step)

    def _named_weights(self):
        for layer in self.model.layers:
            for weight in layer.weights:
                name = getattr(weight, "name", None) or f"{layer.name}/weight"
                yield name.replace(":", "_"), weight

    def _write_histograms(self, epoch):
        for name, weight in self._named_weights():
            self.writer.add_histogram(name, K.get_value(weight), epoch)
        if not self.validation_data:
            return
        if self._histogram_function is None:
            self._histogram_function = self._make_histogram_function()
        function, names, count = self._histogram_function
        data = [np.asarray(array)[:self.batch_size] for array in self.validation_data[:count]]
        for name, value in zip(names, function(data + _test_phase())):
            self.writer.add_histogram(name, np.asarray(value), epoch)

    def _make_histogram_function(self):
        """One ``K.function`` giving every layer output (and gradient) on validation data."""
        model = self.model
        outputs, names = [], []
        for layer in model.layers:
            try:
                layer_outputs = layer.output
            except AttributeError:  # used at several places: no single output
                continue
            layer_outputs = layer_outputs if isinstance(layer_outputs, list) else [layer_outputs]
            for index, tensor in enumerate(layer_outputs):
                outputs.append(tensor)
                names.append(f"{layer.name}_out" + (f"_{index}" if len(layer_outputs) > 1 else ""))
        feeds = list(model.inputs)
        if self.write_grads:
            weights = model.trainable_weights
            outputs += K.gradients(model.total_loss, weights)
            names += [f"{getattr(w, 'name', 'weight').replace(':', '_')}_grad" for w in weights]
            feeds += list(model._feed_targets) + list(model._feed_sample_weights)
        return K.function(feeds + _phase_inputs(), outputs), names, len(feeds)

    def _write_weight_images(self, epoch):
        for name, weight in self._named_weights():
            images = _weight_images(K.get_value(weight))
            if images is not None:
                self.writer.add_images(name, images, epoch, dataformats="NHWC")

    def _embedding_layers(self):
        if self.embeddings_layer_names is None:
            return [layer for layer in self.model.layers if type(layer).__name__ == "Embedding"]
        names = [self.embeddings_layer_names] if isinstance(self.embeddings_layer_names, str) \
            else list(self.embeddings_layer_names)
        return [self.model.get_layer(name) for name in names]

    def _write_embeddings(self, epoch):
        layers = self._embedding_layers()
        data = self.embeddings_data if isinstance(self.embeddings_data, list) \
            else [self.embeddings_data]
        if self._embeddings_function is None:
            self._embeddings_function = K.function(list(self.model.inputs) + _phase_inputs(),
                                                   [layer.output for layer in layers])
        values = self._embeddings_function([np.asarray(d) for d in data] + _test_phase())
        for layer, value in zip(layers, values):
            matrix = np.asarray(value).reshape(len(value), -1)
            metadata = self.embeddings_metadata
            if isinstance(metadata, dict):
                metadata = metadata.get(layer.name)
            labels = _read_metadata(metadata, len(matrix), layer.name) if metadata else None
            self.writer.add_embedding(matrix, metadata=labels, global_step=epoch, tag=layer.name)
