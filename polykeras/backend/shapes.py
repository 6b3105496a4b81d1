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
