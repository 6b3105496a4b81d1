"""``polykeras.backend`` — the K interface, the same on every backend.

Every function here records a symbolic op or reads the configuration; the
active backend (see :mod:`polykeras.backend.selection`) compiles and runs
programs built from them with :func:`function`.
"""
from polykeras.backend.config import ConfigError
from polykeras.backend.interface import OPS, Backend, BackendOpNotImplemented, implemented_ops
from polykeras.backend.selection import BackendNotFound, use_backend
from polykeras.backend.ops import operators as _operators
from polykeras.backend.ops.variables import *  # noqa: F401,F403
from polykeras.backend.ops.variables import Function, Update  # noqa: F401
from polykeras.backend.ops.math import *  # noqa: F401,F403
from polykeras.backend.ops.manipulation import *  # noqa: F401,F403
from polykeras.backend.ops.nn import *  # noqa: F401,F403
from polykeras.backend.ops.conv import *  # noqa: F401,F403
from polykeras.backend.ops.control import *  # noqa: F401,F403
from polykeras.backend.ops.random import *  # noqa: F401,F403
from polykeras.backend.ops.ctc import *  # noqa: F401,F403

_operators._bind()
