"""The model engine: layers, nodes, networks and training."""
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.engine.input_layer import Input, InputLayer
from polykeras.engine.network import Network
from polykeras.engine.sequential import Sequential
from polykeras.engine.training import Model

__all__ = ["InputSpec", "Layer", "Input", "InputLayer", "Network", "Model", "Sequential"]
