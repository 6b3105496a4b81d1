"""polykeras: Keras 2 with swappable backends.

``import polykeras as keras`` gives the Keras 2 modules (``keras.layers``,
``keras.models``, ``keras.optimizers``, ...); ``polykeras.backend`` is the K
interface. Importing polykeras never imports a backend library: the active
backend is loaded on first use.
"""
from polykeras.hookspecs import hookimpl
from polykeras import backend
from polykeras import (activations, callbacks, constraints, initializers, losses, metrics,
                       optimizers, regularizers, utils)
from polykeras import engine, layers, models
from polykeras.engine import Input, Model, Sequential
from polykeras import applications, datasets, preprocessing

__version__ = "0.1.0"
__all__ = ["activations", "applications", "backend", "callbacks", "constraints", "datasets",
           "engine", "hookimpl", "initializers", "layers", "losses", "metrics", "models",
           "optimizers", "preprocessing", "regularizers", "utils", "Input", "Model", "Sequential",
           "__version__"]
