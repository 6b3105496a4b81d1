"""Math: products, reductions, elementwise functions, comparisons.

``var``, ``std`` and ``logsumexp`` are composites written over the recorded
ops; every other function here records the op of its own name.
"""
import builtins

import numpy as np

from polykeras.backend import graph, shapes
from polykeras.backend.ops import (is_symbolic, normalize_axis, register_op, static_dtype,
                                   static_shape)
from polykeras.backend.ops.variables import cast, constant, floatx, stop_gradient

__all__ = ["dot", "batch_dot", "transpose", "gather",
           "max", "min", "sum", "prod", "cumsum", "cumprod", "var", "std", "mean",
           "any", "all", "argmax", "argmin", "logsumexp",
           "square", "abs", "sqrt", "exp", "log", "round", "sign", "pow", "clip",
           "sin", "cos", "maximum", "minimum",
           "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"]


def _ndim(x):
    shape = static_shape(x)
    return None if shape is None else len(shape)


def _as_tensor(x, dtype=None):
    """``x`` itself if symbolic, else a constant (Python scalars stay as they are)."""
    if is_symbolic(x) or isinstance(x, (bool, int, float)):
        return x
    array = np.asarray(x)
    if dtype is None and array.dtype.kind == "f":
        dtype = floatx()
    return constant(array, dtype=dtype or array.dtype)


def _matching(x, y):
    """``x`` and ``y`` as tensors of one dtype (the common one), and that dtype."""
    x, y = _as_tensor(x), _as_tensor(y)
    dtype = shapes.common_dtype([static_dtype(x), static_dtype(y)], floatx=floatx())
    x, y = [cast(t, dtype) if is_symbolic(t) and t.dtype != dtype else t for t in (x, y)]
    return x, y, dtype


def _to_float(x):
    """``x`` cast to floatx when its dtype is integer or boolean."""
    dtype = static_dtype(x)
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        return cast(x, floatx())
    return x


def _reduction(op, x, axis, keepdims, dtype=None):
    shape = static_shape(x)
    axis = normalize_axis(axis, None if shape is None else len(shape))
    if isinstance(axis, list) and len(set(axis)) != len(axis):
        raise ValueError(f"{op} expects distinct axes. Received: axis={axis} "
                         f"for a tensor of shape {shape}")
    return graph.record(op, (x,), {"axis": axis, "keepdims": bool(keepdims)},
                        shape=shapes.reduce(shape, axis, keepdims),
                        dtype=dtype or static_dtype(x) or floatx())


def _unary(op, x, dtype=None):
    return graph.record(op, (x,), shape=static_shape(x), dtype=dtype or static_dtype(x) or floatx())


def _binary(op, x, y, dtype=None):
    return graph.record(op, (x, y), shape=shapes.broadcast(static_shape(x), static_shape(y)),
                        dtype=dtype or shapes.result_dtype(static_dtype(x), static_dtype(y),
                                                           floatx=floatx()))


# --- products ---------------------------------------------------------------

@register_op
def dot(x, y):
    """Matrix product; for rank > 2 the last axis of ``x`` meets the
    second-to-last axis of ``y`` (Keras 2 / ``np.dot`` semantics).

    Args:
        x, y: tensors of rank >= 1.

    Returns:
        a tensor of shape ``x.shape[:-1] + y.shape[:-2] + y.shape[-1:]``.

    Example:
        >>> x = K.placeholder(shape=(2, 3, 4))
        >>> y = K.placeholder(shape=(5, 4, 6))
        >>> K.int_shape(K.dot(x, y))
        (2, 3, 5, 6)
    """
    x, y, dtype = _matching(x, y)
    return graph.record("dot", (x, y), shape=shapes.dot(static_shape(x), static_shape(y)),
                        dtype=dtype)


def _batch_dot_axes(axes, x_ndim, y_ndim):
    if axes is None:
        # Keras 2: like a batched matmul; a matrix y is contracted on its last axis.
        return (x_ndim - 1, y_ndim - 1 if y_ndim == 2 else y_ndim - 2)
    if isinstance(axes, (int, np.integer)):
        axes = (axes, axes)
    axes = tuple(axes)
    if len(axes) != 2 or builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError("batch_dot expects axes to be an int or a pair of ints. "
                         f"Received: axes={axes!r}")
    a, b = int(axes[0]), int(axes[1])
    a, b = (a + x_ndim if a < 0 else a), (b + y_ndim if b < 0 else b)
    if not (1 <= a < x_ndim and 1 <= b < y_ndim):
        raise ValueError("batch_dot axes must name non-batch axes (>= 1) of x and y. "
                         f"Received: axes={tuple(axes)} for ranks {x_ndim} and {y_ndim}")
    return (a, b)


@register_op
def batch_dot(x, y, axes=None):
    """Batchwise dot product: for each sample, contract axis ``axes[0]`` of
    ``x`` with axis ``axes[1]`` of ``y``.

    Args:
        x, y: tensors of rank >= 2 sharing the batch (first) axis.
        axes: an int (the same axis in both) or a pair of ints; default: the
            last axis of ``x`` with the second-to-last of ``y`` (the last one
            when ``y`` has rank 2).

    Returns:
        the batch axis, then the remaining axes of ``x``, then those of ``y``;
        a result of rank 1 gets a trailing axis of size 1.

    Example:
        >>> x = K.placeholder(shape=(32, 20))
        >>> y = K.placeholder(shape=(32, 30, 20))
        >>> K.int_shape(K.batch_dot(x, y, axes=(1, 2)))
        (32, 30)
    """
    x, y, dtype = _matching(x, y)
    x_ndim, y_ndim = _ndim(x), _ndim(y)
    if x_ndim is None or y_ndim is None:
        raise ValueError("batch_dot needs tensors of known rank. "
                         f"Received: x={x!r}, y={y!r}")
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError("batch_dot expects tensors of rank >= 2. "
                         f"Received: x.shape={static_shape(x)}, y.shape={static_shape(y)}")
    axes = _batch_dot_axes(axes, x_ndim, y_ndim)
    return graph.record("batch_dot", (x, y), {"axes": axes},
                        shape=shapes.batch_dot(static_shape(x), static_shape(y), axes),
                        dtype=dtype)


@register_op
def transpose(x):
    """``x`` with the order of all its axes reversed.

    Example:
        >>> K.int_shape(K.transpose(K.placeholder(shape=(2, 3))))
        (3, 2)
    """
    shape = static_shape(x)
    return _unary("transpose", x) if shape is None else graph.record(
        "transpose", (x,), shape=shape[::-1], dtype=static_dtype(x) or floatx())


@register_op
def gather(reference, indices):
    """Rows of ``reference`` picked by the integer tensor ``indices``.

    Returns:
        a tensor of shape ``indices.shape + reference.shape[1:]``.

    Example:
        >>> K.eval(K.gather(K.constant([[1., 2.], [3., 4.]]), [1, 1, 0]))[:, 0]
        array([3., 3., 1.], dtype=float32)
    """
    if not is_symbolic(indices):
        indices = constant(np.asarray(indices), dtype="int32")
    kind = None if static_dtype(indices) is None else np.dtype(static_dtype(indices)).kind
    if kind not in ("i", "u"):
        raise ValueError(f"gather expects integer indices. Received: {indices!r}")
    return graph.record("gather", (reference, indices),
                        shape=shapes.gather(static_shape(reference), static_shape(indices)),
                        dtype=static_dtype(reference) or floatx())


# --- reductions -----------------------------------------------------------------

@register_op
def max(x, axis=None, keepdims=False):
    """Maximum of ``x`` over ``axis`` (an int, a list of ints, or ``None`` for all).

    Example:
        >>> K.eval(K.max(K.constant([[1., 5.], [3., 4.]]), axis=1))
        array([5., 4.], dtype=float32)
    """
    return _reduction("max", x, axis, keepdims)


@register_op
def min(x, axis=None, keepdims=False):
    """Minimum of ``x`` over ``axis`` (an int, a list of ints, or ``None`` for all)."""
    return _reduction("min", x, axis, keepdims)


@register_op
def sum(x, axis=None, keepdims=False):
    """Sum of ``x`` over ``axis`` (an int, a list of ints, or ``None`` for all).

    Example:
        >>> K.eval(K.sum(K.constant([[1., 2.], [3., 4.]]), axis=0))
        array([4., 6.], dtype=float32)
    """
    return _reduction("sum", x, axis, keepdims)


@register_op
def prod(x, axis=None, keepdims=False):
    """Product of ``x`` over ``axis`` (an int, a list of ints, or ``None`` for all)."""
    return _reduction("prod", x, axis, keepdims)


@register_op
def mean(x, axis=None, keepdims=False):
    """Mean of ``x`` over ``axis``; integer and boolean inputs give floatx."""
    dtype = static_dtype(x)
    if dtype is None or not dtype.startswith("float"):
        dtype = floatx()
    return _reduction("mean", x, axis, keepdims, dtype=dtype)


@register_op
def any(x, axis=None, keepdims=False):
    """Logical OR over ``axis``; a bool tensor.

    Example:
        >>> K.eval(K.any(K.constant([[0., 1.], [0., 0.]]), axis=1))
        array([ True, False])
    """
    return _reduction("any", x, axis, keepdims, dtype="bool")


@register_op
def all(x, axis=None, keepdims=False):
    """Logical AND over ``axis``; a bool tensor."""
    return _reduction("all", x, axis, keepdims, dtype="bool")


def _scan(op, x, axis):
    shape = static_shape(x)
    if axis is None or isinstance(axis, (list, tuple)):
        raise ValueError(f"{op} expects a single int axis. Received: axis={axis!r}")
    axis = normalize_axis(axis, None if shape is None else len(shape))
    return graph.record(op, (x,), {"axis": axis}, shape=shape,
                        dtype=static_dtype(x) or floatx())


@register_op
def cumsum(x, axis=0):
    """Cumulative sum along ``axis``.

    Example:
        >>> K.eval(K.cumsum(K.constant([1., 2., 3.])))
        array([1., 3., 6.], dtype=float32)
    """
    return _scan("cumsum", x, axis)


@register_op
def cumprod(x, axis=0):
    """Cumulative product along ``axis``."""
    return _scan("cumprod", x, axis)


def _arg_reduction(op, x, axis):
    if axis is None or isinstance(axis, (list, tuple)):
        raise ValueError(f"{op} expects a single int axis. Received: axis={axis!r}")
    shape = static_shape(x)
    axis = normalize_axis(axis, None if shape is None else len(shape))
    return graph.record(op, (x,), {"axis": axis}, shape=shapes.reduce(shape, axis, False),
                        dtype="int64")


@register_op
def argmax(x, axis=-1):
    """Index (int64) of the maximum along ``axis``; the first one on ties.

    Example:
        >>> K.eval(K.argmax(K.constant([[1., 3.], [4., 2.]])))
        array([1, 0])
    """
    return _arg_reduction("argmax", x, axis)


@register_op
def argmin(x, axis=-1):
    """Index (int64) of the minimum along ``axis``; the first one on ties."""
    return _arg_reduction("argmin", x, axis)


def var(x, axis=None, keepdims=False):
    """Variance (biased, over ``n``) of ``x`` along ``axis``.

    Example:
        >>> K.eval(K.var(K.constant([1., 2., 3., 4.])))
        array(1.25, dtype=float32)
    """
    x = _to_float(_as_tensor(x))
    centered = x - mean(x, axis=axis, keepdims=True)
    return mean(square(centered), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation (biased) of ``x`` along ``axis``: ``sqrt(var(x))``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably by subtracting the max.

    Example:
        >>> K.eval(K.logsumexp(K.constant([1000., 1000.])))
        array(1000.6932, dtype=float32)
    """
    x = _to_float(_as_tensor(x))
    peak = stop_gradient(max(x, axis=axis, keepdims=True))
    total = sum(exp(x - peak), axis=axis, keepdims=keepdims)
    if not keepdims:
        peak = stop_gradient(max(x, axis=axis, keepdims=False))
    return log(total) + peak


# --- elementwise ------------------------------------------------------------------

@register_op
def square(x):
    """Elementwise ``x ** 2``."""
    return _unary("square", x)


@register_op
def abs(x):
    """Elementwise absolute value."""
    return _unary("abs", x)


@register_op
def sqrt(x):
    """Elementwise square root; integer inputs are cast to floatx first.

    Example:
        >>> K.eval(K.sqrt(K.constant([4., 9.])))
        array([2., 3.], dtype=float32)
    """
    return _unary("sqrt", _to_float(x))


@register_op
def exp(x):
    """Elementwise ``e ** x``; integer inputs are cast to floatx first."""
    return _unary("exp", _to_float(x))


@register_op
def log(x):
    """Elementwise natural logarithm; integer inputs are cast to floatx first."""
    return _unary("log", _to_float(x))


@register_op
def sin(x):
    """Elementwise sine; integer inputs are cast to floatx first."""
    return _unary("sin", _to_float(x))


@register_op
def cos(x):
    """Elementwise cosine; integer inputs are cast to floatx first."""
    return _unary("cos", _to_float(x))


@register_op
def round(x):
    """Elementwise rounding to the nearest integer, halves to even.

    Example:
        >>> K.eval(K.round(K.constant([0.5, 1.5, 2.4])))
        array([0., 2., 2.], dtype=float32)
    """
    return _unary("round", x)


@register_op
def sign(x):
    """Elementwise sign: -1, 0 or 1, in the dtype of ``x``."""
    return _unary("sign", x)


@register_op
def pow(x, a):
    """Elementwise ``x ** a``; ``a`` is a number or a tensor."""
    return _binary("pow", x, a)


@register_op
def clip(x, min_value, max_value):
    """``x`` limited elementwise to ``[min_value, max_value]``.

    ``None`` bounds are infinite; a numeric ``max_value`` below ``min_value``
    is raised to ``min_value`` (Keras 2).

    Example:
        >>> K.eval(K.clip(K.constant([-2., 0.5, 3.]), 0., 1.))
        array([0. , 0.5, 1. ], dtype=float32)
    """
    numeric = (int, float, np.integer, np.floating)
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    if isinstance(min_value, numeric) and isinstance(max_value, numeric):
        min_value, max_value = np.asarray(min_value).item(), np.asarray(max_value).item()
        if max_value < min_value:
            max_value = min_value
    shape = shapes.broadcast(static_shape(x), static_shape(min_value), static_shape(max_value))
    return graph.record("clip", (x,), {"min_value": min_value, "max_value": max_value},
                        shape=shape, dtype=static_dtype(x) or floatx())


@register_op
def maximum(x, y):
    """Elementwise maximum with broadcasting."""
    return _binary("maximum", x, y)


@register_op
def minimum(x, y):
    """Elementwise minimum with broadcasting."""
    return _binary("minimum", x, y)


# --- comparisons ------------------------------------------------------------------

@register_op
def equal(x, y):
    """Elementwise ``x == y`` as a bool tensor.

    Example:
        >>> K.eval(K.equal(K.constant([1., 2.]), 2.))
        array([False,  True])
    """
    return _binary("equal", x, y, dtype="bool")


@register_op
def not_equal(x, y):
    """Elementwise ``x != y`` as a bool tensor."""
    return _binary("not_equal", x, y, dtype="bool")


@register_op
def greater(x, y):
    """Elementwise ``x > y`` as a bool tensor."""
    return _binary("greater", x, y, dtype="bool")


@register_op
def greater_equal(x, y):
    """Elementwise ``x >= y`` as a bool tensor."""
    return _binary("greater_equal", x, y, dtype="bool")


@register_op
def less(x, y):
    """Elementwise ``x < y`` as a bool tensor."""
    return _binary("less", x, y, dtype="bool")


@register_op
def less_equal(x, y):
    """Elementwise ``x <= y`` as a bool tensor."""
    return _binary("less_equal", x, y, dtype="bool")
