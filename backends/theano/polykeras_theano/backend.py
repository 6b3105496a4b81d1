"""The Theano and PyTensor backend classes, assembled from one mixin per op family.

Both classes run the same code; they differ only in the library they bind
(see :mod:`polykeras_theano.compat`), which is imported when the backend is
instantiated, never when the plugin is discovered.
"""
import numpy as np

from polykeras.backend import Backend
from polykeras_numpy.parallel import warn_if_generic_blas
from polykeras_theano.compat import Library
from polykeras_theano.control import ControlOps
from polykeras_theano.conv import ConvOps
from polykeras_theano.core import CoreOps, new_cache
from polykeras_theano.ctc import CtcOps
from polykeras_theano.manipulation import ManipulationOps
from polykeras_theano.math import MathOps
from polykeras_theano.nn import NNOps
from polykeras_theano.random import RandomOps


class _SymbolicBackend(CoreOps, MathOps, ManipulationOps, NNOps, ConvOps, ControlOps,
                       RandomOps, CtcOps, Backend):
    """Replays programs on symbolic variables and compiles one function each."""

    #: the library this class binds (``"theano"`` or ``"pytensor"``).
    library = None

    def __init__(self):
        self.lib = Library(self.library)
        self.th = self.lib.th
        self.T = self.lib.T
        self.nnet = self.lib.nnet
        self._compiled = new_cache()
        self._scan_updates = []
        self._seed_source = np.random.default_rng()
        warn_if_generic_blas()  # its convolutions and pooling run NumPy's kernels


class TheanoBackend(_SymbolicBackend):
    """The Theano (theano-pymc) backend."""

    name = "theano"
    library = "theano"


class PytensorBackend(_SymbolicBackend):
    """The PyTensor backend (same code as Theano's)."""

    name = "pytensor"
    library = "pytensor"
