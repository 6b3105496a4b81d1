"""Model summaries and parameter counts."""
from polykeras import backend as K


def count_params(weights):
    """Number of scalars in a list of weight variables (shared ones counted once)."""
    unique = {id(w): w for w in weights}.values()
    return int(sum(K.count_params(w) for w in unique))


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential":
        return True
    for layer in model.layers:
        nodes = [n for n in layer._inbound_nodes if id(n) in model._network_nodes]
        if len(nodes) > 1 or (nodes and len(nodes[0].inbound_layers) > 1):
            return False
    return True


def _format_shape(layer):
    try:
        return str(layer.output_shape)
    except AttributeError:
        return "multiple"


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print the Keras 2 table of a model: layer (type), output shape, params.

    Functional models with branches get a fourth column, ``Connected to``.

    Args:
        model: a built model.
        line_length: total width (default 65, or 98 with the fourth column).
        positions: column end positions, as fractions of the width or absolute.
        print_fn: called with each line (default ``print``).

    Example:
        >>> print_summary(model, print_fn=lines.append)
    """
    print_fn = print_fn or print
    if not getattr(model, "built", False) or not hasattr(model, "_network_nodes"):
        raise ValueError(f"This model ({model.name}) has not yet been built. Build the model "
                         "first by calling it on data or by giving the first layer an "
                         "input shape.")
    sequential_like = _is_sequential_like(model)
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        headers.append("Connected to")
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields):
        line = ""
        for field, end in zip(fields, positions):
            line = (line + str(field))[:end].ljust(end)
        print_fn(line.rstrip() if not sequential_like else line)

    print_fn("_" * line_length)
    row(headers)
    print_fn("=" * line_length)
    layers = model.layers
    for index, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        params = layer.count_params() if layer.built else 0
        if sequential_like:
            row([name, _format_shape(layer), params])
        else:
            connections = []
            for node in layer._inbound_nodes:
                if id(node) not in model._network_nodes:
                    continue
                for inbound, node_index, tensor_index in zip(
                        node.inbound_layers, node.node_indices, node.tensor_indices):
                    if inbound is not None:
                        connections.append(f"{inbound.name}[{node_index}][{tensor_index}]")
            row([name, _format_shape(layer), params, connections[0] if connections else ""])
            for extra in connections[1:]:
                row(["", "", "", extra])
        print_fn(("=" if index == len(layers) - 1 else "_") * line_length)
    trainable = count_params(model.trainable_weights)
    non_trainable = count_params(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
