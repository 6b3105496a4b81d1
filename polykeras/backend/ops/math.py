"""Math: reductions, elementwise functions, comparisons, products."""
from polykeras.backend import graph, shapes
from polykeras.backend.ops import normalize_axis, register_op, static_dtype, static_shape
from polykeras.backend.ops.variables import floatx

__all__ = ["sum", "mean", "square", "abs", "pow", "maximum", "minimum",
           "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"]


def _reduction(op, x, axis, keepdims, dtype=None):
    shape = static_shape(x)
    axis = normalize_axis(axis, None if shape is None else len(shape))
    return graph.record(op, (x,), {"axis": axis, "keepdims": bool(keepdims)},
                        shape=shapes.reduce(shape, axis, keepdims),
                        dtype=dtype or static_dtype(x) or floatx())


def _unary(op, x, dtype=None):
    return graph.record(op, (x,), shape=static_shape(x), dtype=dtype or static_dtype(x) or floatx())


def _binary(op, x, y, dtype=None):
    return graph.record(op, (x, y), shape=shapes.broadcast(static_shape(x), static_shape(y)),
                        dtype=dtype or shapes.result_dtype(static_dtype(x), static_dtype(y),
                                                           floatx=floatx()))


@register_op
def sum(x, axis=None, keepdims=False):
    """Sum of ``x`` over ``axis`` (an int, a list of ints, or ``None`` for all).

    Example:
        >>> K.eval(K.sum(K.constant([[1., 2.], [3., 4.]]), axis=0))
        array([4., 6.], dtype=float32)
    """
    return _reduction("sum", x, axis, keepdims)


@register_op
def mean(x, axis=None, keepdims=False):
    """Mean of ``x`` over ``axis``; integer and boolean inputs give floatx."""
    dtype = static_dtype(x)
    if dtype is None or not dtype.startswith("float"):
        dtype = floatx()
    return _reduction("mean", x, axis, keepdims, dtype=dtype)


@register_op
def square(x):
    """Elementwise ``x ** 2``."""
    return _unary("square", x)


@register_op
def abs(x):
    """Elementwise absolute value."""
    return _unary("abs", x)


@register_op
def pow(x, a):
    """Elementwise ``x ** a``; ``a`` is a number or a tensor."""
    return _binary("pow", x, a)


@register_op
def maximum(x, y):
    """Elementwise maximum with broadcasting."""
    return _binary("maximum", x, y)


@register_op
def minimum(x, y):
    """Elementwise minimum with broadcasting."""
    return _binary("minimum", x, y)


@register_op
def equal(x, y):
    """Elementwise ``x == y`` as a bool tensor."""
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
