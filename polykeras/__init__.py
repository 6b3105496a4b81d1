"""polykeras: Keras 2 with swappable backends.

``import polykeras as keras`` gives the Keras 2 modules; ``polykeras.backend``
is the K interface.
"""
from polykeras.hookspecs import hookimpl
from polykeras import backend

__version__ = "0.1.0"
__all__ = ["backend", "hookimpl", "__version__"]
