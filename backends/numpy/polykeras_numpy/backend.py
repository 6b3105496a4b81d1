"""The NumPy backend class, assembled from one mixin per op family."""
import numpy as np

from polykeras.backend import Backend
from polykeras_numpy.control import ControlOps
from polykeras_numpy.conv import ConvOps
from polykeras_numpy.core import CoreOps
from polykeras_numpy.ctc import CtcOps
from polykeras_numpy.manipulation import ManipulationOps
from polykeras_numpy.math import MathOps
from polykeras_numpy.nn import NNOps
from polykeras_numpy.parallel import warn_if_generic_blas
from polykeras_numpy.random import RandomOps


class NumpyBackend(CoreOps, MathOps, ManipulationOps, NNOps, ConvOps, ControlOps,
                   RandomOps, CtcOps, Backend):
    """Runs programs on NumPy arrays and trains with reverse-mode autodiff."""

    name = "numpy"

    def __init__(self):
        super().__init__()
        warn_if_generic_blas()

    def info(self):
        return [f"numpy {np.__version__}"]
