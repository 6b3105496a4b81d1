"""NumPy backend: manipulation ops (joining, reshaping, repeating, flipping,
padding, ranges) and their gradient rules, each rule beside its forward."""
import numpy as np

from polykeras_numpy.autodiff import grad_like, primitive
from polykeras_numpy.core import to_shape

#: ops of this module through which no gradient flows (their results are constants).
NON_DIFFERENTIABLE = ("arange",)


def _reshape_like(g, x):
    return (grad_like(np.reshape(g, np.shape(x)), x),)


def _concatenate_vjp(g, ans, tensors, axis=-1):
    sizes = np.cumsum([np.shape(t)[axis] for t in tensors])[:-1]
    return ([grad_like(part, t) for part, t in zip(np.split(g, sizes, axis=axis), tensors)],)


def _stack_vjp(g, ans, x, axis=0):
    return ([grad_like(np.take(g, i, axis=axis), t) for i, t in enumerate(x)],)


def _permute_vjp(g, ans, x, pattern):
    return (grad_like(np.transpose(g, np.argsort(pattern)), x),)


def _repeat_elements_vjp(g, ans, x, rep, axis):
    shape = np.shape(x)
    axis = axis % len(shape)
    grouped = np.reshape(g, shape[:axis] + (shape[axis], rep) + shape[axis + 1:])
    return (grad_like(grouped.sum(axis=axis + 1), x),)


def _tile_vjp(g, ans, x, n):
    reps = to_shape(n)
    shape = np.shape(x)
    rank = max(len(reps), len(shape))
    shape = (1,) * (rank - len(shape)) + shape
    reps = (1,) * (rank - len(reps)) + reps
    interleaved = [d for pair in zip(reps, shape) for d in pair]
    summed = np.reshape(g, interleaved).sum(axis=tuple(range(0, 2 * rank, 2)))
    return (grad_like(summed.reshape(np.shape(x)), x),)


def _reverse_vjp(g, ans, x, axes):
    return (grad_like(np.flip(g, axis=_axes_tuple(axes)), x),)


def _pad_vjp(g, ans, x, pad_width):
    key = tuple(slice(before, before + d) for (before, _), d in zip(pad_width, np.shape(x)))
    return (grad_like(g[key], x),)


def _axes_tuple(axes):
    return tuple(int(a) for a in axes) if isinstance(axes, (list, tuple)) else int(axes)


class ManipulationOps:
    """The manipulation primitives."""

    @primitive(_concatenate_vjp)
    def concatenate(self, tensors, axis=-1):
        """``tensors`` (a list) joined along ``axis``."""
        arrays = [np.asarray(t) for t in tensors]
        if not arrays:
            raise ValueError("concatenate expects a non-empty list of tensors. Received: []")
        dtype = np.result_type(*[a.dtype for a in arrays])
        return np.concatenate([a.astype(dtype, copy=False) for a in arrays], axis=axis)

    @primitive(_stack_vjp)
    def stack(self, x, axis=0):
        """The tensors of the list ``x`` stacked along a new axis ``axis``."""
        arrays = [np.asarray(t) for t in x]
        if not arrays:
            raise ValueError("stack expects a non-empty list of tensors. Received: []")
        dtype = np.result_type(*[a.dtype for a in arrays])
        return np.stack([a.astype(dtype, copy=False) for a in arrays], axis=axis)

    @primitive(lambda g, ans, x, shape: _reshape_like(g, x))
    def reshape(self, x, shape):
        """``x`` with the shape ``shape`` (a list; one entry may be -1)."""
        return np.reshape(x, to_shape(shape))

    @primitive(_permute_vjp)
    def permute_dimensions(self, x, pattern):
        """``x`` with its axes reordered by ``pattern`` (a tuple of ints)."""
        pattern = tuple(int(p) for p in pattern)
        if sorted(pattern) != list(range(np.ndim(x))):
            raise ValueError(f"permute_dimensions expects a permutation of range({np.ndim(x)}). "
                             f"Received: pattern={pattern}")
        return np.transpose(x, pattern)

    @primitive(_repeat_elements_vjp)
    def repeat_elements(self, x, rep, axis):
        """Each slice of ``x`` along ``axis`` repeated ``rep`` times in place."""
        return np.repeat(x, int(rep), axis=axis)

    @primitive(_tile_vjp)
    def tile(self, x, n):
        """``x`` repeated ``n[i]`` times along each axis ``i``."""
        return np.tile(x, to_shape(n))

    @primitive(lambda g, ans, x, axis=-1: _reshape_like(g, x))
    def expand_dims(self, x, axis=-1):
        """``x`` with a new axis of size 1 at ``axis``."""
        return np.expand_dims(x, int(axis))

    @primitive(lambda g, ans, x, axis: _reshape_like(g, x))
    def squeeze(self, x, axis):
        """``x`` without its axis ``axis`` (which must have size 1)."""
        x = np.asarray(x)
        axis = int(axis)
        if x.shape[axis] != 1:
            raise ValueError(f"squeeze expects an axis of size 1. Received: shape={x.shape}, "
                             f"axis={axis}")
        return np.squeeze(x, axis)

    @primitive(_reverse_vjp)
    def reverse(self, x, axes):
        """``x`` flipped along ``axes`` (an int or a list)."""
        return np.flip(x, axis=_axes_tuple(axes))

    @primitive(None)
    def arange(self, start, stop=None, step=1, dtype="int32"):
        """``start, start + step, ...`` below ``stop`` (``arange(n)`` counts from 0;
        a negative ``start`` alone gives an empty range)."""
        start = np.asarray(start).item()
        if stop is None:
            start, stop = 0, max(start, 0)
        else:
            stop = np.asarray(stop).item()
        return np.arange(start, stop, np.asarray(step).item()).astype(dtype)

    @primitive(_pad_vjp)
    def pad(self, x, pad_width):
        """``x`` padded with zeros: ``pad_width`` holds ``(before, after)`` per axis."""
        pad_width = tuple((int(b), int(a)) for b, a in pad_width)
        if len(pad_width) != np.ndim(x):
            raise ValueError(f"pad expects one (before, after) pair per axis of a tensor of "
                             f"shape {np.shape(x)}. Received: pad_width={pad_width}")
        return np.pad(x, pad_width)
