"""Static shape and dtype rules shared by the K functions.

Shapes are tuples whose unknown dimensions are ``None``; ``None`` as a
whole means the rank is unknown. Rules never fail on unknown dimensions.
"""
import numpy as np


def broadcast(*shapes):
    """Shape of the NumPy broadcast of ``shapes``.

    Raises:
        ValueError: two known dimensions differ and neither is 1.
    """
    if any(s is None for s in shapes):
        return None
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"Shapes {shapes} cannot be broadcast together.")
        if known:
            result.append(known.pop())
        elif any(d is None for d in dims):
            result.append(None)
        else:
            result.append(1)
    return tuple(result)


def reduce(shape, axis, keepdims):
    """Shape after reducing ``axis`` (int, list or ``None`` for all)."""
    if shape is None:
        return None
    ndim = len(shape)
    if axis is None:
        axes = set(range(ndim))
    else:
        axes = {a % ndim for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def result_dtype(*dtypes, floatx="float32"):
    """dtype of an elementwise op; ``None`` entries are weak Python scalars."""
    strong = [d for d in dtypes if d is not None]
    if not strong:
        return floatx
    if len(set(strong)) == 1:
        return strong[0]
    return str(np.result_type(*strong))


def numel(shape):
    """Number of elements, or ``None`` if a dimension is unknown."""
    if shape is None or any(d is None for d in shape):
        return None
    return int(np.prod(shape, dtype=np.int64))


def common_dtype(dtypes, floatx="float32"):
    """dtype that a list of tensors is cast to before joining them.

    Equal dtypes stay; a mix holding floats gives the widest float among them
    (``int32`` with ``float32`` stays ``float32``); other mixes follow NumPy.
    """
    strong = [str(np.dtype(d)) for d in dtypes if d is not None]
    if not strong:
        return floatx
    if len(set(strong)) == 1:
        return strong[0]
    floats = [d for d in strong if np.dtype(d).kind == "f"]
    if floats:
        return max(floats, key=lambda d: np.dtype(d).itemsize)
    return str(np.result_type(*strong))


def merge_dim(a, b, what="dimensions"):
    """The one value two compatible dimensions stand for (``None`` is unknown).

    Raises:
        ValueError: both are known and differ.
    """
    if a is None:
        return b
    if b is None or a == b:
        return a
    raise ValueError(f"Incompatible {what}: expected equal sizes. Received: {a} and {b}.")


def _check_rank(shape, rank, what):
    if shape is not None and len(shape) != rank:
        raise ValueError(f"{what} expects a tensor of rank {rank}. Received: shape={shape}")


def concatenate(shapes, axis):
    """Shape of the concatenation of ``shapes`` along ``axis`` (non-negative)."""
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    ranks = {len(s) for s in known}
    if len(ranks) > 1:
        raise ValueError("concatenate expects tensors of one rank. "
                         f"Received: shapes={list(shapes)}")
    rank = ranks.pop()
    if rank == 0 or not 0 <= axis < rank:
        raise ValueError(f"concatenate axis {axis} is out of range for rank {rank}. "
                         f"Received: shapes={list(shapes)}")
    result = []
    for i in range(rank):
        dims = [s[i] for s in known]
        if i == axis:
            total = None if any(d is None for d in dims) or len(known) < len(shapes) \
                else int(np.sum(dims))
            result.append(total)
            continue
        merged = None
        for d in dims:
            try:
                merged = merge_dim(merged, d)
            except ValueError:
                raise ValueError(
                    "concatenate expects equal sizes on every axis but the concatenation "
                    f"axis {axis}. Received: shapes={list(shapes)}") from None
        result.append(merged)
    return tuple(result)


def stack(shapes, axis):
    """Shape of stacking equally shaped tensors on a new ``axis`` (non-negative)."""
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    if len({len(s) for s in known}) > 1:
        raise ValueError(f"stack expects tensors of one shape. Received: shapes={list(shapes)}")
    merged = list(known[0])
    for s in known[1:]:
        try:
            merged = [merge_dim(a, b) for a, b in zip(merged, s)]
        except ValueError:
            raise ValueError("stack expects tensors of one shape. "
                             f"Received: shapes={list(shapes)}") from None
    if not 0 <= axis <= len(merged):
        raise ValueError(f"stack axis {axis} is out of range for rank {len(merged) + 1}.")
    return tuple(merged[:axis] + [len(shapes)] + merged[axis:])


def dot(x, y):
    """Shape of Keras 2 ``dot``: the last axis of ``x`` meets the second-to-last
    of ``y`` (the only axis of a vector ``y``)."""
    if x is None or y is None:
        return None
    if not x or not y:
        raise ValueError(f"dot expects tensors of rank >= 1. Received: shapes {x} and {y}")
    y_axis = len(y) - 2 if len(y) >= 2 else 0
    try:
        merge_dim(x[-1], y[y_axis])
    except ValueError:
        raise ValueError(f"dot: the last axis of x must match axis {y_axis} of y. "
                         f"Received: x.shape={x}, y.shape={y}") from None
    return tuple(x[:-1]) + tuple(y[:y_axis]) + tuple(y[y_axis + 1:])


def batch_dot(x, y, axes):
    """Shape of Keras 2 ``batch_dot`` with ``axes`` a pair of ints >= 1.

    The batch axis is kept, then the remaining axes of ``x``, then those of
    ``y``; a result of rank 1 gets a trailing axis of size 1.
    """
    if x is None or y is None:
        return None
    a, b = axes
    try:
        batch = merge_dim(x[0], y[0])
        merge_dim(x[a], y[b])
    except ValueError:
        raise ValueError(f"batch_dot: the batch sizes and axes {tuple(axes)} must match. "
                         f"Received: x.shape={x}, y.shape={y}") from None
    out = (batch,) + x[1:a] + x[a + 1:] + y[1:b] + y[b + 1:]
    return out + (1,) if len(out) == 1 else out


def permute(shape, pattern):
    """Shape after ``permute_dimensions(x, pattern)``."""
    if shape is not None and sorted(pattern) != list(range(len(shape))):
        raise ValueError(f"permute_dimensions expects a permutation of range({len(shape)}). "
                         f"Received: pattern={tuple(pattern)} for shape={shape}")
    if shape is None:
        return None
    return tuple(shape[p] for p in pattern)


def reshape(shape, target, input_axes=None):
    """Static shape after reshaping ``shape`` to ``target``.

    Args:
        shape: input shape (``None`` for unknown rank).
        target: ints (one may be ``-1``) and ``None`` for sizes known only at
            run time.
        input_axes: optional, per target entry, the axis of the input whose
            (run-time) size the entry is, or ``None``; lets ``-1`` be
            resolved when the unknown input sizes are copied over.

    Raises:
        ValueError: more than one ``-1``, or known sizes that cannot match.
    """
    target = list(target)
    input_axes = list(input_axes or [None] * len(target))
    if target.count(-1) > 1:
        raise ValueError(f"reshape accepts at most one -1. Received: shape={tuple(target)}")
    if any(d is not None and d < -1 for d in target):
        raise ValueError(f"reshape sizes must be >= -1. Received: shape={tuple(target)}")
    if shape is None:
        return tuple(None if d == -1 else d for d in target)
    unknown_in = sorted(i for i, d in enumerate(shape) if d is None)
    known_in = int(np.prod([d for d in shape if d is not None], dtype=np.int64))
    copied = sorted(ax for d, ax in zip(target, input_axes)
                    if d is None and ax is not None and shape[ax] is None)
    others = [d for d, ax in zip(target, input_axes)
              if d != -1 and not (d is None and ax is not None and shape[ax] is None)]
    if None in others or copied != unknown_in:
        return tuple(None if d == -1 else d for d in target)
    known_out = int(np.prod(others, dtype=np.int64))
    if -1 in target:
        if known_out == 0 or known_in % known_out:
            raise ValueError(f"Cannot reshape a tensor of shape {shape} to "
                             f"{tuple(target)}: the sizes do not divide.")
        fill = known_in // known_out
        return tuple(fill if d == -1 else d for d in target)
    if known_in != known_out:
        raise ValueError(f"Cannot reshape a tensor of shape {shape} "
                         f"({known_in} elements) to {tuple(target)}.")
    return tuple(target)


def tile(shape, n):
    """Shape after ``tile``; ``n`` has one entry (int or ``None``) per axis."""
    if shape is None:
        return None
    if len(n) != len(shape):
        raise ValueError(f"tile expects one repeat count per axis. "
                         f"Received: n={tuple(n)} for shape={shape}")
    return tuple(None if d is None or k is None else d * k for d, k in zip(shape, n))


def repeat_elements(shape, rep, axis):
    """Shape after repeating each element ``rep`` times along ``axis``."""
    if shape is None:
        return None
    return tuple(d if i != axis or d is None else d * rep for i, d in enumerate(shape))


def pad(shape, pad_width):
    """Shape after zero padding with ``(before, after)`` per axis."""
    if shape is None:
        return None
    if len(pad_width) != len(shape):
        raise ValueError(f"pad expects one (before, after) pair per axis. "
                         f"Received: pad_width={pad_width} for shape={shape}")
    return tuple(None if d is None else d + a + b for d, (a, b) in zip(shape, pad_width))


def expand_dims(shape, axis):
    """Shape with a new axis of size 1 at ``axis`` (non-negative)."""
    if shape is None:
        return None
    return tuple(shape[:axis]) + (1,) + tuple(shape[axis:])


def squeeze(shape, axis):
    """Shape without ``axis`` (non-negative), whose size must be 1 when known."""
    if shape is None:
        return None
    if shape[axis] not in (None, 1):
        raise ValueError(f"squeeze expects axis {axis} to have size 1. Received: shape={shape}")
    return tuple(shape[:axis]) + tuple(shape[axis + 1:])


def gather(reference, indices):
    """Shape of ``gather``: the indices' shape, then the reference's trailing axes."""
    if reference is None or indices is None:
        return None
    if not reference:
        raise ValueError("gather expects a reference of rank >= 1. Received: shape=()")
    return tuple(indices) + tuple(reference[1:])


def arange_length(start, stop, step):
    """Number of values of ``arange``; ``None`` if a bound is not a number."""
    if any(not isinstance(v, (int, float, np.integer, np.floating)) for v in (start, stop, step)):
        return None
    if step == 0:
        raise ValueError("arange expects a non-zero step. Received: step=0")
    return max(0, int(np.ceil((stop - start) / step)))
