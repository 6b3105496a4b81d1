"""NumPy backend: math ops (products, reductions, elementwise functions,
comparisons) and their gradient rules, each rule beside its forward.

Choices where TensorFlow leaves room: ``max``/``min`` split the gradient
evenly among tied maxima (as TF does), ``maximum``/``minimum`` give a tie to
``x``; ``prod`` and ``cumprod`` gradients are exact when ``x`` holds zeros
(exclusive products instead of dividing by ``x``); ``round`` and ``sign``
have zero gradients; ``sqrt`` clips negative inputs to 0 like Keras 2.
"""
import numpy as np

from polykeras_numpy.autodiff import grad_like, primitive, wants_grad
from polykeras_numpy.core import axis_tuple, default_float, operands
from polykeras_numpy.parallel import elementwise, matmul

#: ops of this module through which no gradient flows (their results are constants).
NON_DIFFERENTIABLE = ("any", "all", "argmax", "argmin", "equal", "not_equal", "greater",
                      "greater_equal", "less", "less_equal")
#: ops whose gradient is zero everywhere it is defined (rules return zeros, as TF).
ZERO_GRADIENT = ("round", "sign")


# --- helpers -------------------------------------------------------------------------

def _axes(axis, ndim):
    """Reduced axes as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, (list, tuple)) else [axis]
    return tuple(sorted({int(a) % max(ndim, 1) for a in axis}))


def _unreduce(g, x, axis, keepdims):
    """The gradient ``g`` of a reduction broadcast back to ``x``'s shape."""
    x = np.asarray(x)
    if not keepdims:
        g = np.reshape(g, [1 if i in _axes(axis, x.ndim) else d for i, d in enumerate(x.shape)])
    return np.broadcast_to(g, x.shape)


def _numeric_dtype(x):
    """Accumulator dtype keeping integer and float dtypes (NumPy widens ints)."""
    return x.dtype if x.dtype.kind in "iuf" else None


def _is_float_array(x):
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


# --- products --------------------------------------------------------------------------

def _dot_vjp(g, ans, x, y):
    want_x, want_y = wants_grad(x), wants_grad(y)
    x, y = np.asarray(x), np.asarray(y)
    free = list(range(x.ndim - 1))
    dx = dy = None
    if y.ndim == 1:
        if want_x:
            dx = np.asarray(g)[..., None] * y
        if want_y:
            dy = np.tensordot(x, g, axes=(free, free))
    elif y.ndim == 2:
        x2, g2 = x.reshape(-1, x.shape[-1]), np.reshape(g, (-1, y.shape[1]))
        if want_x:
            dx = matmul(g2, y.T).reshape(x.shape)
        if want_y:
            dy = matmul(x2.T, g2)
    else:
        batch = y.ndim - 2
        if want_x:
            dx = np.tensordot(g, y, axes=(list(range(x.ndim - 1, np.ndim(g))),
                                          list(range(batch)) + [y.ndim - 1]))
        if want_y:
            dy = np.moveaxis(np.tensordot(x, g, axes=(free, free)), 0, batch)
    return grad_like(dx, x) if want_x else None, grad_like(dy, y) if want_y else None


def _batch_dot_layout(x, y, axes):
    """Axes of ``batch_dot`` and the (batch, rows, k) x (batch, k, cols) layout."""
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    elif isinstance(axes, (int, np.integer)):
        axes = (axes, axes)
    ax, ay = int(axes[0]) % x.ndim, int(axes[1]) % y.ndim
    if x.ndim < 2 or y.ndim < 2 or ax == 0 or ay == 0:
        raise ValueError("batch_dot expects tensors of rank >= 2 and axes other than the "
                         f"batch axis. Received: x.shape={x.shape}, y.shape={y.shape}, "
                         f"axes={axes}")
    if x.shape[0] != y.shape[0] or x.shape[ax] != y.shape[ay]:
        raise ValueError("batch_dot expects equal batch sizes and equal sizes of the "
                         f"contracted axes. Received: x.shape={x.shape}, y.shape={y.shape}, "
                         f"axes={axes}")
    xm, ym = np.moveaxis(x, ax, -1), np.moveaxis(y, ay, 1)
    batch, k = x.shape[0], x.shape[ax]
    rows = int(np.prod(xm.shape[1:-1], dtype=np.int64))
    cols = int(np.prod(ym.shape[2:], dtype=np.int64))
    return ax, ay, xm, ym, (batch, rows, k), (batch, k, cols)


def _batch_dot_vjp(g, ans, x, y, axes=None):
    x, y = operands(x, y)
    ax, ay, xm, ym, xs, ys = _batch_dot_layout(x, y, axes)
    g = np.reshape(g, (xs[0], xs[1], ys[2]))
    dx = np.matmul(g, np.swapaxes(ym.reshape(ys), 1, 2)).reshape(xm.shape)
    dy = np.matmul(np.swapaxes(xm.reshape(xs), 1, 2), g).reshape(ym.shape)
    return grad_like(np.moveaxis(dx, -1, ax), x), grad_like(np.moveaxis(dy, 1, ay), y)


def _gather_vjp(g, ans, reference, indices):
    reference = np.asarray(reference)
    n = reference.shape[0]
    idx = np.asarray(indices).astype(np.int64).ravel()
    idx = np.where(idx < 0, idx + n, idx)
    rows = np.reshape(g, (idx.size, -1)) if idx.size else np.zeros((0, 1), g.dtype)
    d = np.zeros((n, int(np.prod(reference.shape[1:], dtype=np.int64))), dtype=g.dtype)
    if idx.size:
        order = np.argsort(idx, kind="stable")
        unique, starts = np.unique(idx[order], return_index=True)
        d[unique] = np.add.reduceat(rows[order], starts, axis=0)
    return grad_like(d.reshape(reference.shape), reference), None


# --- reductions ---------------------------------------------------------------------------

def _sum_vjp(g, ans, x, axis=None, keepdims=False):
    return (grad_like(_unreduce(g, x, axis, keepdims), x),)


def _mean_vjp(g, ans, x, axis=None, keepdims=False):
    x = np.asarray(x)
    count = int(np.prod([x.shape[a] for a in _axes(axis, x.ndim)], dtype=np.int64))
    return (grad_like(_unreduce(g, x, axis, keepdims) / max(count, 1), x),)


def _extremum_vjp(g, ans, x, axis=None, keepdims=False):
    # TF's rule: the gradient is shared evenly among the tied extrema.
    chosen = np.asarray(x) == _unreduce(ans, x, axis, keepdims)
    count = chosen.sum(axis=_axes(axis, np.ndim(x)), keepdims=True)
    return (grad_like(_unreduce(g, x, axis, keepdims) * chosen / count, x),)


def _prod_vjp(g, ans, x, axis=None, keepdims=False):
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    rest = tuple(a for a in range(x.ndim) if a not in axes)
    moved = np.transpose(x, axes + rest)
    flat = moved.reshape(int(np.prod(moved.shape[:len(axes)], dtype=np.int64)), -1)
    if flat.shape[0] == 0:
        return (np.zeros_like(x),)
    ones = np.ones((1, flat.shape[1]), dtype=flat.dtype)
    before = np.concatenate([ones, np.cumprod(flat[:-1], axis=0)], axis=0)
    after = np.concatenate([np.cumprod(flat[:0:-1], axis=0)[::-1], ones], axis=0)
    others = np.transpose((before * after).reshape(moved.shape), np.argsort(axes + rest))
    return (grad_like(_unreduce(g, x, axis, keepdims) * others, x),)


def _cumsum_vjp(g, ans, x, axis=0):
    return (grad_like(_reverse_cumsum(g, axis), x),)


def _cumprod_vjp(g, ans, x, axis=0):
    # d out_j / d x_i = prod_{k <= j, k != i} x_k (j >= i). Before the first zero
    # along the axis this is out_j / x_i; at the first zero it is the cumprod with
    # that zero replaced by 1; after it, every product contains the zero.
    x = np.asarray(x)
    zero = x == 0
    zeros_so_far = np.cumsum(zero, axis=axis)
    before = zeros_so_far == 0
    first_zero = zero & (zeros_so_far == 1)
    safe_x = np.where(before, x, 1)
    grad = np.where(before, _reverse_cumsum(g * ans, axis) / safe_x, 0)
    if first_zero.any():
        skip = np.cumprod(np.where(first_zero, 1, x), axis=axis)
        grad = grad + np.where(first_zero, _reverse_cumsum(g * skip, axis), 0)
    return (grad_like(grad, x),)


# --- elementwise ----------------------------------------------------------------------------

def _unary_vjp(derivative):
    """A rule for ``f(x)`` from ``derivative(ans, x)``."""
    def rule(g, ans, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad_like(g * derivative(ans, np.asarray(x)), x),)
    return rule


def _zero_vjp(g, ans, x):
    return (grad_like(np.zeros_like(g), x),)


def nonnegative_root(x, out):
    """``K.sqrt``: the square root of ``max(x, 0)`` (Keras 2 clips negative
    inputs to 0), computed into the floating-point array ``out``."""
    np.maximum(x, np.zeros((), x.dtype), out=out)
    return np.sqrt(out, out=out)


def _sqrt_vjp(g, ans, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (grad_like(np.where(np.asarray(x) >= 0, g * 0.5 / ans, 0), x),)


def _pow_vjp(g, ans, x, a):
    xv, av = operands(x, a)
    dx = da = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if _is_float_array(x):
            dx = grad_like(g * av * np.power(xv, av - 1), x)
        if _is_float_array(a):
            positive = xv > 0
            da = grad_like(g * ans * np.where(positive, np.log(np.where(positive, xv, 1)), 0), a)
    return dx, da


def _clip_bounds(x, min_value, max_value):
    low = -np.inf if min_value is None else min_value
    high = np.inf if max_value is None else max_value
    if min_value is not None and max_value is not None:
        high = np.maximum(high, low)
    return low, high


def _clip_vjp(g, ans, x, min_value=None, max_value=None):
    low, high = _clip_bounds(x, min_value, max_value)
    x = np.asarray(x)
    inside = (x >= low) & (x <= high)
    return (grad_like(g * inside, x) if wants_grad(x) else None,
            grad_like(g * (x < low), min_value) if wants_grad(min_value) else None,
            grad_like(g * (x > high) * (x >= low), max_value) if wants_grad(max_value) else None)


def _extremum2_vjp(pick_x):
    def rule(g, ans, x, y):
        xv, yv = operands(x, y)
        mask = pick_x(xv, yv)
        return (grad_like(g * mask, x) if wants_grad(x) else None,
                grad_like(g * ~mask, y) if wants_grad(y) else None)
    return rule


class MathOps:
    """The math primitives."""

    # --- products -------------------------------------------------------------------

    @primitive(_dot_vjp)
    def dot(self, x, y):
        """Keras 2 ``dot``: contracts the last axis of ``x`` with the
        second-to-last of ``y`` (the last if ``y`` is a vector)."""
        x, y = operands(x, y)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError("dot expects tensors of rank >= 1. "
                             f"Received: x.shape={x.shape}, y.shape={y.shape}")
        if y.ndim == 2 and x.shape[-1] == y.shape[0]:
            return matmul(x.reshape(-1, x.shape[-1]), y).reshape(x.shape[:-1] + y.shape[1:])
        return np.tensordot(x, y, axes=([x.ndim - 1], [max(y.ndim - 2, 0)]))

    @primitive(_batch_dot_vjp)
    def batch_dot(self, x, y, axes=None):
        """Per-sample dot product contracting ``x``'s ``axes[0]`` with ``y``'s
        ``axes[1]``; the result has ``x``'s other axes, then ``y``'s other
        non-batch axes, and at least 2 dimensions (``(batch, 1)`` for vectors).
        ``axes=None`` means ``(x.ndim - 1, y.ndim - 2)`` (``y.ndim - 1`` for a
        matrix ``y``)."""
        x, y = operands(x, y)
        _, _, xm, ym, xs, ys = _batch_dot_layout(x, y, axes)
        out = np.matmul(xm.reshape(xs), ym.reshape(ys)).reshape(xm.shape[:-1] + ym.shape[2:])
        return out.reshape(-1, 1) if out.ndim == 1 else out

    @primitive(lambda g, ans, x: (grad_like(np.transpose(g), x),))
    def transpose(self, x):
        """``x`` with its axes reversed."""
        return np.transpose(x)

    @primitive(_gather_vjp)
    def gather(self, reference, indices):
        """Rows of ``reference`` (axis 0) picked by the integer tensor ``indices``."""
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            indices = indices.astype(np.int64)
        return np.take(reference, indices, axis=0)

    # --- reductions -----------------------------------------------------------------

    @primitive(_extremum_vjp)
    def max(self, x, axis=None, keepdims=False):
        """Maximum over ``axis``."""
        return np.max(x, axis=axis_tuple(axis), keepdims=keepdims)

    @primitive(_extremum_vjp)
    def min(self, x, axis=None, keepdims=False):
        """Minimum over ``axis``."""
        return np.min(x, axis=axis_tuple(axis), keepdims=keepdims)

    @primitive(_sum_vjp)
    def sum(self, x, axis=None, keepdims=False):
        """Sum over ``axis``, keeping ``x``'s dtype."""
        x = np.asarray(x)
        return np.sum(x, axis=axis_tuple(axis), keepdims=keepdims, dtype=_numeric_dtype(x))

    @primitive(_prod_vjp)
    def prod(self, x, axis=None, keepdims=False):
        """Product over ``axis``, keeping ``x``'s dtype."""
        x = np.asarray(x)
        return np.prod(x, axis=axis_tuple(axis), keepdims=keepdims, dtype=_numeric_dtype(x))

    @primitive(_mean_vjp)
    def mean(self, x, axis=None, keepdims=False):
        """Mean over ``axis``; integer and boolean tensors give floatx."""
        x = np.asarray(x)
        if x.dtype.kind == "f":  # float16 accumulates in float32 inside np.mean
            return np.mean(x, axis=axis_tuple(axis), keepdims=keepdims)
        dtype = default_float()
        return np.mean(x, axis=axis_tuple(axis), keepdims=keepdims, dtype=dtype)

    @primitive(None)
    def any(self, x, axis=None, keepdims=False):
        """Logical or over ``axis`` (bool)."""
        return np.any(x, axis=axis_tuple(axis), keepdims=keepdims)

    @primitive(None)
    def all(self, x, axis=None, keepdims=False):
        """Logical and over ``axis`` (bool)."""
        return np.all(x, axis=axis_tuple(axis), keepdims=keepdims)

    @primitive(_cumsum_vjp)
    def cumsum(self, x, axis=0):
        """Cumulative sum along ``axis``."""
        x = np.asarray(x)
        return np.cumsum(x, axis=axis, dtype=_numeric_dtype(x))

    @primitive(_cumprod_vjp)
    def cumprod(self, x, axis=0):
        """Cumulative product along ``axis``."""
        x = np.asarray(x)
        return np.cumprod(x, axis=axis, dtype=_numeric_dtype(x))

    @primitive(None)
    def argmax(self, x, axis=-1):
        """Index of the maximum along ``axis`` (int64; the first one on ties)."""
        return np.argmax(x, axis=axis).astype(np.int64)

    @primitive(None)
    def argmin(self, x, axis=-1):
        """Index of the minimum along ``axis`` (int64; the first one on ties)."""
        return np.argmin(x, axis=axis).astype(np.int64)

    # --- elementwise ----------------------------------------------------------------

    @primitive(_unary_vjp(lambda ans, x: 2 * x))
    def square(self, x):
        """``x ** 2``."""
        return elementwise(np.square, x)

    @primitive(_unary_vjp(lambda ans, x: np.sign(x)))
    def abs(self, x):
        """Absolute value (gradient ``sign(x)``, 0 at 0)."""
        return np.abs(x)

    @primitive(_sqrt_vjp)
    def sqrt(self, x):
        """Square root of ``max(x, 0)`` (Keras 2 clips negative inputs to 0)."""
        x = np.asarray(x)
        return elementwise(nonnegative_root, x,
                           out=np.empty(x.shape, np.sqrt(np.zeros((), x.dtype)).dtype))

    @primitive(_unary_vjp(lambda ans, x: ans))
    def exp(self, x):
        """``e ** x``."""
        return np.exp(x)

    @primitive(_unary_vjp(lambda ans, x: 1 / x))
    def log(self, x):
        """Natural logarithm."""
        return np.log(x)

    @primitive(_zero_vjp)
    def round(self, x):
        """Round to the nearest integer, halves to even (zero gradient)."""
        return np.round(x)

    @primitive(_zero_vjp)
    def sign(self, x):
        """-1, 0 or 1 (zero gradient)."""
        return np.sign(x)

    @primitive(_pow_vjp)
    def pow(self, x, a):
        """``x ** a`` elementwise; ``a`` a number or a tensor (both differentiable)."""
        x, a = operands(x, a)
        return np.power(x, a)

    @primitive(_clip_vjp)
    def clip(self, x, min_value=None, max_value=None):
        """``x`` clipped to ``[min_value, max_value]`` (``max_value`` below
        ``min_value`` is raised to it); the gradient is zero outside."""
        x = np.asarray(x)
        low, high = _clip_bounds(x, min_value, max_value)
        return np.clip(x, low, high).astype(x.dtype, copy=False)

    @primitive(_extremum2_vjp(np.greater_equal))
    def maximum(self, x, y):
        """Elementwise maximum (a tie sends the gradient to ``x``)."""
        return elementwise(np.maximum, *operands(x, y))

    @primitive(_extremum2_vjp(np.less_equal))
    def minimum(self, x, y):
        """Elementwise minimum (a tie sends the gradient to ``x``)."""
        return elementwise(np.minimum, *operands(x, y))

    @primitive(_unary_vjp(lambda ans, x: np.cos(x)))
    def sin(self, x):
        """Sine."""
        return np.sin(x)

    @primitive(_unary_vjp(lambda ans, x: -np.sin(x)))
    def cos(self, x):
        """Cosine."""
        return np.cos(x)

    # --- comparisons (bool results, no gradient) --------------------------------------

    @primitive(None)
    def equal(self, x, y):
        """``x == y`` (bool)."""
        return np.equal(*operands(x, y))

    @primitive(None)
    def not_equal(self, x, y):
        """``x != y`` (bool)."""
        return np.not_equal(*operands(x, y))

    @primitive(None)
    def greater(self, x, y):
        """``x > y`` (bool)."""
        return np.greater(*operands(x, y))

    @primitive(None)
    def greater_equal(self, x, y):
        """``x >= y`` (bool)."""
        return np.greater_equal(*operands(x, y))

    @primitive(None)
    def less(self, x, y):
        """``x < y`` (bool)."""
        return np.less(*operands(x, y))

    @primitive(None)
    def less_equal(self, x, y):
        """``x <= y`` (bool)."""
        return np.less_equal(*operands(x, y))
