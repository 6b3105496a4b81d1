"""Drawing models: ``model_to_dot`` (a pydot graph) and ``plot_model`` (an image file).

Both need the ``pydot`` package and Graphviz's ``dot`` program; when one is
missing the error names it and says how to install it.
"""
import os
import re
import shutil

__all__ = ["model_to_dot", "plot_model"]

_RECORD_SPECIALS = re.compile(r"([{}|<>\"])")


def _require_pydot():
    """The pydot module, after checking that Graphviz's ``dot`` program is on the PATH."""
    try:
        import pydot
    except ImportError as exc:
        raise ImportError("plot_model and model_to_dot need the pydot package, which is not "
                          "installed: pip install pydot (and Graphviz, e.g. "
                          "apt-get install graphviz).") from exc
    if shutil.which("dot") is None:
        raise FileNotFoundError("plot_model and model_to_dot need the Graphviz program 'dot', "
                                "which was not found on the PATH. Install Graphviz (e.g. "
                                "apt-get install graphviz, brew install graphviz, or "
                                "https://graphviz.org/download/).")
    return pydot


def _escape(text):
    return _RECORD_SPECIALS.sub(r"\\\1", str(text))


def _shape_text(layer, attribute):
    try:
        shape = getattr(layer, attribute)
    except (AttributeError, RuntimeError, ValueError):
        return "multiple"
    return str(shape).replace("None", "?") if shape is not None else "?"


def _label(layer, show_shapes, show_layer_names):
    kind = type(layer).__name__
    label = f"{layer.name}: {kind}" if show_layer_names else kind
    if not show_shapes:
        return _escape(label)
    inputs = _shape_text(layer, "input_shape")
    if inputs == "[]":  # an InputLayer: its input is its output
        inputs = _shape_text(layer, "output_shape")
    outputs = _shape_text(layer, "output_shape")
    return (f"{_escape(label)}|{{input:|output:}}|{{{{{_escape(inputs)}}}|"
            f"{{{_escape(outputs)}}}}}")


def _layers_in_order(model):
    """The model's layers, preceded by any input layer they are connected to."""
    nodes = getattr(model, "_network_nodes", None)
    layers = list(model.layers)
    sources = [source for layer in layers for node in layer._inbound_nodes
               if nodes is None or id(node) in nodes for source in node.inbound_layers]
    return [s for s in dict.fromkeys(sources) if s not in layers] + layers


def _add_model(pydot, graph, model, show_shapes, show_layer_names, expand_nested, prefix=""):
    """Add ``model``'s layers and edges to ``graph``; return its (entries, exits) node ids."""
    network_nodes = getattr(model, "_network_nodes", None)
    layers = _layers_in_order(model)
    ends = {}
    for layer in layers:
        node_id = f"{prefix}{id(layer)}"
        if expand_nested and hasattr(layer, "layers") and hasattr(layer, "_network_nodes"):
            cluster = pydot.Cluster(node_id, label=_escape(f"{layer.name}: "
                                                           f"{type(layer).__name__}"))
            ends[id(layer)] = _add_model(pydot, cluster, layer, show_shapes, show_layer_names,
                                         expand_nested, prefix=f"{node_id}_")
            graph.add_subgraph(cluster)
        else:
            graph.add_node(pydot.Node(node_id, label=_label(layer, show_shapes,
                                                            show_layer_names)))
            ends[id(layer)] = ([node_id], [node_id])
    for layer in layers:
        for node in layer._inbound_nodes:
            if network_nodes is not None and id(node) not in network_nodes:
                continue
            for source in node.inbound_layers:
                if id(source) not in ends:
                    continue
                for tail in ends[id(source)][1]:
                    for head in ends[id(layer)][0]:
                        graph.add_edge(pydot.Edge(tail, head))
    entries = [ends[id(layer)][0][0] for layer in layers
               if type(layer).__name__ == "InputLayer"] or ends[id(layers[0])][0]
    outputs = getattr(model, "output_layers", None) or [layers[-1]]
    exits = [node_id for layer in outputs if id(layer) in ends for node_id in ends[id(layer)][1]]
    return entries, exits


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96):
    """The layer graph of ``model`` as a ``pydot.Dot``.

    Args:
        model: a built Sequential or Functional model.
        show_shapes: add each layer's input and output shapes (``?`` for
            unknown sizes).
        show_layer_names: label nodes ``name: Class`` instead of ``Class``.
        rankdir: ``'TB'`` (top to bottom) or ``'LR'`` (left to right).
        expand_nested: draw nested models as clusters of their layers.
        dpi: resolution of rendered images.

    Returns:
        a ``pydot.Dot``; ``.to_string()`` is its DOT source.

    Raises:
        ImportError: pydot is not installed.
        FileNotFoundError: Graphviz's ``dot`` program is not on the PATH.
        ValueError: bad ``rankdir`` or an unbuilt model.

    Example:
        >>> print(model_to_dot(model, show_shapes=True).to_string())
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"model_to_dot expects rankdir 'TB' or 'LR'. "
                         f"Received: rankdir={rankdir!r}")
    if not getattr(model, "built", False) or not model.layers:
        raise ValueError(f"model_to_dot needs a built model with layers; {model.name!r} has not "
                         "been built yet (give its first layer an input shape or call it).")
    pydot = _require_pydot()
    graph = pydot.Dot(graph_type="digraph", rankdir=rankdir, concentrate=True, dpi=dpi)
    graph.set_node_defaults(shape="record")
    _add_model(pydot, graph, model, show_shapes, show_layer_names, expand_nested)
    return graph


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96):
    """Draw ``model``'s layer graph into an image file with Graphviz.

    Args:
        model: a built model.
        to_file: the file to write; its extension picks the format (``.png``,
            ``.svg``, ``.pdf``, ``.dot``...; none means PNG).
        show_shapes, show_layer_names, rankdir, expand_nested, dpi: as in
            :func:`model_to_dot`.

    Raises:
        ImportError: pydot is not installed.
        FileNotFoundError: Graphviz's ``dot`` program is not on the PATH.

    Example:
        >>> plot_model(model, to_file="model.png", show_shapes=True)
    """
    graph = model_to_dot(model, show_shapes=show_shapes, show_layer_names=show_layer_names,
                         rankdir=rankdir, expand_nested=expand_nested, dpi=dpi)
    extension = os.path.splitext(str(to_file))[1][1:] or "png"
    graph.write(str(to_file), format="raw" if extension == "dot" else extension)
