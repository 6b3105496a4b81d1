"""The K functions, documented once, grouped by family.

Each public function records one op (see :func:`graph.record`) under the
name of the backend method that computes it, and computes the static shape
and dtype of its result from its inputs. Tensor arguments are positional,
everything else keyword, with the Keras 2 argument names.
"""
import numpy as np

from polykeras.backend import graph
from polykeras.backend.interface import OPS


def register_op(fn=None, *, name=None):
    """Declare ``fn`` as the K function of the op ``name`` (default its own name)."""
    def wrap(f):
        OPS[name or f.__name__] = f
        return f
    return wrap(fn) if fn is not None else wrap


def declare_internal_ops(*names):
    """Declare ops recorded by operators or helpers rather than one K function."""
    for name in names:
        OPS.setdefault(name, None)


def is_symbolic(x):
    return isinstance(x, graph.SymbolicTensor)


def static_shape(x):
    """Static shape of a tensor, array or Python scalar (``None`` if unknown rank)."""
    if isinstance(x, graph.SymbolicTensor):
        return x.shape
    return tuple(np.shape(x))


def static_dtype(x):
    """dtype name of a tensor or array; Python scalars give ``None`` (weak)."""
    if isinstance(x, graph.SymbolicTensor):
        return x.dtype
    if isinstance(x, (bool, int, float)):
        return None
    return str(np.asarray(x).dtype)


def normalize_axis(axis, ndim):
    """An axis (or list of axes) as non-negative ints; ``None`` stays ``None``."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return [normalize_axis(a, ndim) for a in axis]
    axis = int(axis)
    if ndim is not None:
        if not -ndim <= axis < max(ndim, 1):
            raise ValueError(f"axis {axis} is out of range for a tensor of rank {ndim}.")
        axis %= max(ndim, 1)
    return axis
