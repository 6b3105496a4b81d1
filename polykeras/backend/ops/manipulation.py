"""Manipulation: joining, reshaping, repeating, padding and resizing tensors.

Recorded ops: ``concatenate``, ``stack``, ``reshape``, ``permute_dimensions``,
``repeat_elements``, ``tile``, ``expand_dims``, ``squeeze``, ``reverse``,
``arange`` and the internal ``pad``. Everything else here is a composite
over them (and over ``getitem``, ``dot``, ``equal``, ``cast``).

Shape-like arguments (``reshape``'s ``shape``, ``tile``'s ``n``, the random
ops' ``shape``) may hold Python ints and symbolic int scalars such as
``K.shape(x)[0]``, or be a 1-D int tensor of known length; they are recorded
as a list. A scalar that is ``K.shape(t)[i]`` with ``t.shape[i]`` known is
recorded as that int.
"""
import builtins

import numpy as np

from polykeras.backend import graph, shapes
from polykeras.backend.ops import (declare_internal_ops, is_symbolic, normalize_axis,
                                   register_op, static_dtype, static_shape)
from polykeras.backend.ops.math import dot, equal
from polykeras.backend.ops.operators import getitem
from polykeras.backend.ops.variables import cast, constant, floatx, normalize_data_format
from polykeras.backend.ops.variables import shape as _shape

__all__ = ["concatenate", "stack", "reshape", "permute_dimensions", "repeat_elements",
           "repeat", "arange", "tile", "flatten", "batch_flatten", "expand_dims", "squeeze",
           "temporal_padding", "spatial_2d_padding", "spatial_3d_padding", "one_hot",
           "reverse", "slice", "resize_images", "resize_volumes"]

declare_internal_ops("pad")

_INT_TYPES = (int, np.integer)


def _ndim(x):
    shape = static_shape(x)
    return None if shape is None else len(shape)


def _check_ndim(x, rank, what):
    if _ndim(x) is not None and _ndim(x) != rank:
        raise ValueError(f"{what} expects a tensor of rank {rank}. "
                         f"Received: shape={static_shape(x)}")


# --- shape-like arguments ------------------------------------------------------

def _shape_source(entry):
    """``(tensor, axis)`` when ``entry`` is the symbolic scalar ``K.shape(tensor)[axis]``."""
    node = entry.node
    if node.op != "getitem" or not node.args or not is_symbolic(node.args[0]):
        return None
    source = node.args[0].node
    key = node.kwargs.get("key")
    if source.op != "shape" or not (isinstance(key, tuple) and len(key) == 1
                                    and isinstance(key[0], int)):
        return None
    tensor = source.args[0]
    rank = _ndim(tensor)
    if rank is None or not -rank <= key[0] < rank:
        return None
    return tensor, key[0] % rank


def static_dim(entry):
    """The value of one entry of a shape-like argument if known statically, else ``None``."""
    if isinstance(entry, _INT_TYPES):
        return int(entry)
    if not is_symbolic(entry):
        return None
    if entry.node.op == "constant" and np.ndim(entry.node.kwargs["value"]) == 0:
        return int(entry.node.kwargs["value"])
    source = _shape_source(entry)
    if source is None:
        return None
    tensor, axis = source
    return static_shape(tensor)[axis]


def shape_entries(shape, what="shape"):
    """A shape-like argument as a list of ints and symbolic int scalars.

    Args:
        shape: an int, a tuple/list of ints and symbolic scalars, a NumPy
            vector, or a 1-D symbolic int tensor of known length.
        what: the argument's name, for error messages.

    Returns:
        a list; entries whose value is known statically are Python ints.
    """
    if isinstance(shape, _INT_TYPES):
        return [int(shape)]
    if is_symbolic(shape):
        dims = static_shape(shape)
        if dims is None or len(dims) != 1 or dims[0] is None:
            raise ValueError(f"{what} as a tensor must be 1-D of known length. "
                             f"Received: {what}={shape!r}")
        shape = [getitem(shape, i) for i in range(dims[0])]
    elif isinstance(shape, np.ndarray):
        if shape.ndim != 1 or shape.dtype.kind not in "iu":
            raise ValueError(f"{what} must be a vector of ints. Received: {what}={shape!r}")
        shape = shape.tolist()
    if not isinstance(shape, (list, tuple)):
        raise TypeError(f"{what} must be a tuple of ints or a 1-D int tensor. "
                        f"Received: {what}={shape!r}")
    entries = []
    for entry in shape:
        if is_symbolic(entry):
            kind = None if entry.dtype is None else np.dtype(entry.dtype).kind
            if (entry.shape is not None and entry.shape != ()) or kind not in ("i", "u", None):
                raise ValueError(f"{what} entries must be ints or int scalar tensors. "
                                 f"Received: {entry!r} in {what}={tuple(shape)!r}")
            known = static_dim(entry)
            entries.append(entry if known is None else known)
        elif isinstance(entry, _INT_TYPES) and not isinstance(entry, bool):
            entries.append(int(entry))
        else:
            raise TypeError(f"{what} entries must be ints or int scalar tensors. "
                            f"Received: {entry!r} in {what}={tuple(shape)!r}")
    return entries


def _static_entries(entries):
    return [e if isinstance(e, int) else static_dim(e) for e in entries]


# --- joining --------------------------------------------------------------------

def _join_inputs(tensors, what):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{what} expects a non-empty list of tensors. Received: []")
    symbolic = [t for t in tensors if is_symbolic(t)]
    dtype = shapes.common_dtype([t.dtype for t in symbolic] if symbolic else
                                [np.asarray(t).dtype for t in tensors], floatx=floatx())
    joined = []
    for t in tensors:
        if not is_symbolic(t):
            t = constant(np.asarray(t), dtype=dtype)
        elif t.dtype != dtype:
            t = cast(t, dtype)
        joined.append(t)
    return joined, dtype


@register_op
def concatenate(tensors, axis=-1):
    """Join a list of tensors along ``axis``.

    Args:
        tensors: tensors of one rank whose sizes agree except along ``axis``;
            mixed dtypes are cast to a common one.
        axis: the joining axis (negative counts from the end).

    Example:
        >>> a, b = K.placeholder(shape=(None, 2)), K.placeholder(shape=(None, 3))
        >>> K.int_shape(K.concatenate([a, b]))
        (None, 5)
    """
    tensors, dtype = _join_inputs(tensors, "concatenate")
    rank = next((_ndim(t) for t in tensors if _ndim(t) is not None), None)
    if rank == 0:
        raise ValueError("concatenate expects tensors of rank >= 1. Received: scalars")
    axis = normalize_axis(axis, rank)
    shape = shapes.concatenate([static_shape(t) for t in tensors], axis)
    return graph.record("concatenate", (tensors,), {"axis": axis}, shape=shape, dtype=dtype)


@register_op
def stack(x, axis=0):
    """Stack a list of equally shaped tensors along a new ``axis``.

    Example:
        >>> a = K.placeholder(shape=(None, 3))
        >>> K.int_shape(K.stack([a, a], axis=1))
        (None, 2, 3)
    """
    tensors, dtype = _join_inputs(x, "stack")
    rank = next((_ndim(t) for t in tensors if _ndim(t) is not None), None)
    axis = normalize_axis(axis, None if rank is None else rank + 1)
    shape = shapes.stack([static_shape(t) for t in tensors], axis)
    return graph.record("stack", (tensors,), {"axis": axis}, shape=shape, dtype=dtype)


# --- reshaping ------------------------------------------------------------------

@register_op
def reshape(x, shape):
    """``x`` with a new shape holding the same elements in the same order.

    Args:
        shape: ints (one may be ``-1``, inferred), symbolic scalars such as
            ``K.shape(x)[0]``, or a 1-D int tensor.

    Example:
        >>> x = K.placeholder(shape=(None, 3, 4))
        >>> K.int_shape(K.reshape(x, (K.shape(x)[0], -1)))
        (None, 12)
    """
    entries = shape_entries(shape, "shape")
    input_axes = []
    for entry in entries:
        source = None if isinstance(entry, int) else _shape_source(entry)
        input_axes.append(source[1] if source is not None and source[0] is x else None)
    static = shapes.reshape(static_shape(x), _static_entries(entries), input_axes)
    return graph.record("reshape", (x,), {"shape": entries}, shape=static,
                        dtype=static_dtype(x) or floatx())


@register_op
def permute_dimensions(x, pattern):
    """``x`` with its axes reordered: output axis ``i`` is input axis ``pattern[i]``.

    Example:
        >>> K.int_shape(K.permute_dimensions(K.placeholder(shape=(None, 2, 3)), (0, 2, 1)))
        (None, 3, 2)
    """
    pattern = tuple(int(p) for p in pattern)
    if sorted(pattern) != list(range(len(pattern))):
        raise ValueError(f"permute_dimensions expects a permutation of 0..n-1. "
                         f"Received: pattern={pattern}")
    shape = shapes.permute(static_shape(x), pattern)
    return graph.record("permute_dimensions", (x,), {"pattern": pattern}, shape=shape,
                        dtype=static_dtype(x) or floatx())


@register_op
def expand_dims(x, axis=-1):
    """``x`` with a new axis of size 1 inserted at ``axis``.

    Example:
        >>> K.int_shape(K.expand_dims(K.placeholder(shape=(2, 3)), 1))
        (2, 1, 3)
    """
    rank = _ndim(x)
    axis = normalize_axis(axis, None if rank is None else rank + 1)
    return graph.record("expand_dims", (x,), {"axis": axis},
                        shape=shapes.expand_dims(static_shape(x), axis),
                        dtype=static_dtype(x) or floatx())


@register_op
def squeeze(x, axis):
    """``x`` without ``axis``, which must have size 1.

    Example:
        >>> K.int_shape(K.squeeze(K.placeholder(shape=(2, 1, 3)), 1))
        (2, 3)
    """
    axis = normalize_axis(axis, _ndim(x))
    if not isinstance(axis, int):
        raise ValueError(f"squeeze expects a single int axis. Received: axis={axis!r}")
    return graph.record("squeeze", (x,), {"axis": axis},
                        shape=shapes.squeeze(static_shape(x), axis),
                        dtype=static_dtype(x) or floatx())


def flatten(x):
    """``x`` as a vector.

    Example:
        >>> K.int_shape(K.flatten(K.placeholder(shape=(2, 3))))
        (6,)
    """
    return reshape(x, [-1])


def batch_flatten(x):
    """``x`` as a matrix: the first axis kept, all others flattened.

    Example:
        >>> K.int_shape(K.batch_flatten(K.placeholder(shape=(None, 3, 4))))
        (None, 12)
    """
    shape = static_shape(x)
    if shape is not None and len(shape) < 1:
        raise ValueError(f"batch_flatten expects a tensor of rank >= 1. Received: shape={shape}")
    if shape is not None and builtins.all(d is not None for d in shape[1:]):
        return reshape(x, [-1, int(np.prod(shape[1:], dtype=np.int64))])
    return reshape(x, [getitem(_shape(x), 0), -1])


# --- repeating ------------------------------------------------------------------

@register_op
def repeat_elements(x, rep, axis):
    """Repeat each slice of ``x`` along ``axis`` ``rep`` times (like ``np.repeat``).

    Example:
        >>> K.eval(K.repeat_elements(K.constant([1., 2.]), 2, axis=0))
        array([1., 1., 2., 2.], dtype=float32)
    """
    if not isinstance(rep, _INT_TYPES) or rep < 0:
        raise ValueError(f"repeat_elements expects rep to be an int >= 0. Received: rep={rep!r}")
    axis = normalize_axis(axis, _ndim(x))
    if not isinstance(axis, int):
        raise ValueError(f"repeat_elements expects a single int axis. Received: axis={axis!r}")
    return graph.record("repeat_elements", (x,), {"rep": int(rep), "axis": axis},
                        shape=shapes.repeat_elements(static_shape(x), int(rep), axis),
                        dtype=static_dtype(x) or floatx())


@register_op
def tile(x, n):
    """``x`` repeated ``n[i]`` times along each axis ``i`` (like ``np.tile``).

    Args:
        n: an int or one entry (int or symbolic scalar) per axis; a shorter
            ``n`` is padded with leading 1s, a longer one adds leading axes.

    Example:
        >>> K.int_shape(K.tile(K.placeholder(shape=(None, 3)), (2, 2)))
        (None, 6)
    """
    entries = shape_entries(n, "n")
    rank = _ndim(x)
    if rank is not None:
        while len(entries) > rank:
            x = expand_dims(x, 0)
            rank += 1
        entries = [1] * (rank - len(entries)) + entries
    if any(isinstance(e, int) and e < 0 for e in entries):
        raise ValueError(f"tile expects counts >= 0. Received: n={n!r}")
    return graph.record("tile", (x,), {"n": entries},
                        shape=shapes.tile(static_shape(x), _static_entries(entries)),
                        dtype=static_dtype(x) or floatx())


def repeat(x, n):
    """Repeat a 2-D tensor ``(batch, dim)`` ``n`` times into ``(batch, n, dim)``.

    Example:
        >>> K.int_shape(K.repeat(K.placeholder(shape=(None, 4)), 3))
        (None, 3, 4)
    """
    _check_ndim(x, 2, "repeat")
    return tile(expand_dims(x, 1), [1, n, 1])


@register_op
def reverse(x, axes):
    """``x`` with the order of elements reversed along ``axes`` (an int or a list).

    Example:
        >>> K.eval(K.reverse(K.constant([1., 2., 3.]), 0))
        array([3., 2., 1.], dtype=float32)
    """
    axes = normalize_axis(axes if isinstance(axes, (list, tuple)) else [axes], _ndim(x))
    return graph.record("reverse", (x,), {"axes": axes}, shape=static_shape(x),
                        dtype=static_dtype(x) or floatx())


@register_op
def arange(start, stop=None, step=1, dtype="int32"):
    """A vector of numbers from ``start`` up to (not including) ``stop``.

    With one argument it counts from 0 to ``start`` (nothing if negative).

    Example:
        >>> K.eval(K.arange(2, 8, 2))
        array([2, 4, 6], dtype=int32)
    """
    if stop is None:
        start, stop = 0, start
    bounds = []
    for value in (start, stop, step):
        if isinstance(value, (np.integer, np.floating)):
            value = value.item()
        bounds.append(value)
    start, stop, step = bounds
    dtype = str(np.dtype(dtype))
    length = shapes.arange_length(start, stop, step)
    return graph.record("arange", (), {"start": start, "stop": stop, "step": step,
                                       "dtype": dtype}, shape=(length,), dtype=dtype)


def one_hot(indices, num_classes):
    """One-hot encoding of integer ``indices``: a new last axis of size ``num_classes``.

    Returns:
        a floatx tensor of shape ``indices.shape + (num_classes,)``.

    Example:
        >>> K.eval(K.one_hot(K.constant([0, 2], dtype="int32"), 3))
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    if not is_symbolic(indices):
        indices = constant(np.asarray(indices), dtype="int32")
    dtype = indices.dtype
    if dtype is None or np.dtype(dtype).kind not in "iu":
        indices, dtype = cast(indices, "int32"), "int32"
    classes = arange(0, int(num_classes), 1, dtype=dtype)
    return cast(equal(expand_dims(indices, -1), classes), floatx())


def slice(x, start, size):
    """The block of ``x`` beginning at ``start`` with ``size`` (``-1``: to the end).

    Args:
        start, size: one int per axis.

    Example:
        >>> K.int_shape(K.slice(K.placeholder(shape=(4, 5)), (1, 0), (2, -1)))
        (2, 5)
    """
    rank = _ndim(x)
    start, size = list(start), list(size)
    if builtins.any(not isinstance(v, _INT_TYPES) for v in start + size):
        raise TypeError(f"slice expects static ints. Received: start={start}, size={size}")
    if len(start) != len(size) or (rank is not None and len(start) != rank):
        raise ValueError(f"slice expects one start and one size per axis. Received: "
                         f"start={start}, size={size} for shape={static_shape(x)}")
    if builtins.any(b < 0 for b in start) or builtins.any(s < -1 for s in size):
        raise ValueError(f"slice expects start >= 0 and size >= -1. "
                         f"Received: start={start}, size={size}")
    key = tuple(builtins.slice(int(b), None if s == -1 else int(b + s))
                for b, s in zip(start, size))
    return getitem(x, key)


# --- padding --------------------------------------------------------------------

def _pad(x, pad_width):
    """Zero-pad ``x`` with ``(before, after)`` per axis (records the internal ``pad``)."""
    pad_width = tuple((int(a), int(b)) for a, b in pad_width)
    if builtins.any(a < 0 or b < 0 for a, b in pad_width):
        raise ValueError(f"Padding must be >= 0. Received: pad_width={pad_width}")
    return graph.record("pad", (x,), {"pad_width": pad_width},
                        shape=shapes.pad(static_shape(x), pad_width),
                        dtype=static_dtype(x) or floatx())


def _pairs(padding, count, what):
    try:
        pairs = tuple((int(a), int(b)) for a, b in padding)
    except (TypeError, ValueError):
        pairs = ()
    if len(pairs) != count:
        raise ValueError(f"{what} expects {count} pairs of ints (before, after). "
                         f"Received: padding={padding!r}")
    return pairs


def temporal_padding(x, padding=(1, 1)):
    """Zero-pad the middle (time) axis of a 3-D tensor by ``(before, after)``.

    Example:
        >>> K.int_shape(K.temporal_padding(K.placeholder(shape=(None, 5, 2)), (1, 2)))
        (None, 8, 2)
    """
    _check_ndim(x, 3, "temporal_padding")
    (pair,) = _pairs([padding], 1, "temporal_padding")
    return _pad(x, ((0, 0), pair, (0, 0)))


def _spatial_padding(x, padding, data_format, rank, what):
    _check_ndim(x, rank, what)
    data_format = normalize_data_format(data_format)
    pairs = _pairs(padding, rank - 2, what)
    if data_format == "channels_last":
        pad_width = ((0, 0),) + pairs + ((0, 0),)
    else:
        pad_width = ((0, 0), (0, 0)) + pairs
    return _pad(x, pad_width)


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad the two spatial axes of a 4-D tensor.

    Args:
        padding: ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'``, ``'channels_first'`` or ``None`` (default).

    Example:
        >>> x = K.placeholder(shape=(None, 4, 4, 3))
        >>> K.int_shape(K.spatial_2d_padding(x, ((1, 1), (2, 0)), 'channels_last'))
        (None, 6, 6, 3)
    """
    return _spatial_padding(x, padding, data_format, 4, "spatial_2d_padding")


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pad the three spatial axes of a 5-D tensor.

    Args:
        padding: one ``(before, after)`` pair per spatial axis.
        data_format: ``'channels_last'``, ``'channels_first'`` or ``None`` (default).

    Example:
        >>> x = K.placeholder(shape=(None, 2, 3, 4, 1))
        >>> K.int_shape(K.spatial_3d_padding(x, data_format='channels_last'))
        (None, 4, 5, 6, 1)
    """
    return _spatial_padding(x, padding, data_format, 5, "spatial_3d_padding")


# --- resizing -------------------------------------------------------------------

def _factors(values, what):
    for value in values:
        if not isinstance(value, _INT_TYPES) or value < 1:
            raise ValueError(f"{what} expects integer factors >= 1. Received: {tuple(values)}")
    return [int(v) for v in values]


def _linear_matrix(size, factor):
    """``(size, size * factor)`` matrix of TF1 bilinear resizing along one axis.

    Output position ``o`` samples input position ``o / factor``
    (``align_corners=False``, no half-pixel offset), the last row repeated.
    """
    out = size * factor
    src = np.arange(out, dtype=np.float64) / factor
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, size - 1)
    weight = src - low
    matrix = np.zeros((size, out))
    cols = np.arange(out)
    np.add.at(matrix, (low, cols), 1.0 - weight)
    np.add.at(matrix, (high, cols), weight)
    return matrix


def _resize_axis_linear(x, axis, factor):
    size = static_shape(x)[axis]
    rank = _ndim(x)
    matrix = constant(_linear_matrix(size, factor), dtype=x.dtype)
    if axis == rank - 1:
        return dot(x, matrix)
    pattern = list(range(rank))
    pattern[axis], pattern[-1] = pattern[-1], pattern[axis]
    return permute_dimensions(dot(permute_dimensions(x, pattern), matrix), pattern)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Upsample the two spatial axes of a 4-D tensor by integer factors.

    Args:
        data_format: ``'channels_last'``, ``'channels_first'`` or ``None`` (default).
        interpolation: ``'nearest'`` (repeat pixels) or ``'bilinear'`` (as
            TF1 ``resize_bilinear`` with ``align_corners=False``; needs known
            spatial sizes).

    Example:
        >>> x = K.placeholder(shape=(None, 4, 5, 3))
        >>> K.int_shape(K.resize_images(x, 2, 3, 'channels_last'))
        (None, 8, 15, 3)
    """
    _check_ndim(x, 4, "resize_images")
    data_format = normalize_data_format(data_format)
    factors = _factors([height_factor, width_factor], "resize_images")
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    if interpolation == "nearest":
        for axis, factor in zip(axes, factors):
            x = repeat_elements(x, factor, axis=axis)
        return x
    if interpolation != "bilinear":
        raise ValueError("resize_images expects interpolation 'nearest' or 'bilinear'. "
                         f"Received: interpolation={interpolation!r}")
    shape = static_shape(x)
    if shape is None or builtins.any(shape[a] is None for a in axes):
        raise ValueError("Bilinear resize_images needs statically known height and width. "
                         f"Received: shape={shape} ({data_format})")
    if x.dtype is None or np.dtype(x.dtype).kind != "f":
        x = cast(x, floatx())
    for axis, factor in zip(axes, factors):
        if factor != 1:
            x = _resize_axis_linear(x, axis, factor)
    return x


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Upsample the three spatial axes of a 5-D tensor by repeating elements.

    Example:
        >>> x = K.placeholder(shape=(None, 1, 2, 3, 4))
        >>> K.int_shape(K.resize_volumes(x, 2, 2, 2, 'channels_first'))
        (None, 1, 4, 6, 8)
    """
    _check_ndim(x, 5, "resize_volumes")
    data_format = normalize_data_format(data_format)
    factors = _factors([depth_factor, height_factor, width_factor], "resize_volumes")
    axes = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    for axis, factor in zip(axes, factors):
        x = repeat_elements(x, factor, axis=axis)
    return x
