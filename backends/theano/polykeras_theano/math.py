"""Theano/PyTensor backend: arithmetic, reductions, elementwise math, products."""
import numpy as np

from polykeras_theano.core import is_python_scalar


def _float_dtype_for(*dtypes):
    """The float dtype true division of integer operands gives (int64 -> float64)."""
    return "float64" if any(d.endswith("64") for d in dtypes) else "float32"


class MathOps:
    """The operator and math primitives."""

    # --- operators -------------------------------------------------------------

    def add(self, x, y):
        """``x + y`` with broadcasting."""
        x, y = self._operands(x, y)
        return x + y

    def subtract(self, x, y):
        """``x - y`` with broadcasting."""
        x, y = self._operands(x, y)
        return x - y

    def multiply(self, x, y):
        """``x * y`` with broadcasting."""
        x, y = self._operands(x, y)
        return x * y

    def divide(self, x, y):
        """``x / y``; integer operands give a float result."""
        x, y = self._operands(x, y)
        if not x.dtype.startswith("float") and not y.dtype.startswith("float"):
            dtype = _float_dtype_for(x.dtype, y.dtype)
            x, y = self.T.cast(x, dtype), self.T.cast(y, dtype)
        return x / y

    def floordiv(self, x, y):
        """``x // y`` (floor division, Python sign convention)."""
        x, y = self._operands(x, y)
        if x.dtype.startswith("float") or y.dtype.startswith("float"):
            return self.T.floor(x / y)
        return x // y

    def mod(self, x, y):
        """``x % y`` with the sign of ``y`` (Python convention)."""
        x, y = self._operands(x, y)
        return x - y * self.floordiv(x, y)

    def negative(self, x):
        """``-x``."""
        return -self._tensor(x)

    # --- reductions -------------------------------------------------------------

    def _axis(self, axis):
        return tuple(axis) if isinstance(axis, list) else axis

    def sum(self, x, axis=None, keepdims=False):
        """Sum over ``axis``, keeping the dtype of ``x``."""
        x = self._tensor(x)
        return self.T.cast(self.T.sum(x, axis=self._axis(axis), keepdims=keepdims), x.dtype)

    def prod(self, x, axis=None, keepdims=False):
        """Product over ``axis``, keeping the dtype of ``x``."""
        x = self._tensor(x)
        return self.T.cast(self.T.prod(x, axis=self._axis(axis), keepdims=keepdims), x.dtype)

    def mean(self, x, axis=None, keepdims=False):
        """Mean over ``axis``; integer and boolean inputs give floatx."""
        x = self._tensor(x)
        if not x.dtype.startswith("float"):
            x = self.T.cast(x, self.lib.floatx)
        return self.T.mean(x, axis=self._axis(axis), keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False):
        """Maximum over ``axis``."""
        x = self._tensor(x)
        if x.dtype == "bool":
            return self.T.any(x, axis=self._axis(axis), keepdims=keepdims)
        return self.T.max(x, axis=self._axis(axis), keepdims=keepdims)

    def min(self, x, axis=None, keepdims=False):
        """Minimum over ``axis``."""
        x = self._tensor(x)
        if x.dtype == "bool":
            return self.T.all(x, axis=self._axis(axis), keepdims=keepdims)
        return self.T.min(x, axis=self._axis(axis), keepdims=keepdims)

    def any(self, x, axis=None, keepdims=False):
        """Logical or over ``axis`` (bool)."""
        x = self._tensor(x)
        return self.T.any(self.T.neq(x, 0), axis=self._axis(axis), keepdims=keepdims)

    def all(self, x, axis=None, keepdims=False):
        """Logical and over ``axis`` (bool)."""
        x = self._tensor(x)
        return self.T.all(self.T.neq(x, 0), axis=self._axis(axis), keepdims=keepdims)

    def cumsum(self, x, axis=0):
        """Cumulative sum along ``axis``."""
        x = self._tensor(x)
        return self.T.cast(self.T.cumsum(x, axis=axis), x.dtype)

    def cumprod(self, x, axis=0):
        """Cumulative product along ``axis``."""
        x = self._tensor(x)
        return self.T.cast(self.T.cumprod(x, axis=axis), x.dtype)

    def argmax(self, x, axis=-1):
        """Index of the maximum along ``axis`` (int64)."""
        return self.T.cast(self.T.argmax(self._tensor(x), axis=axis), "int64")

    def argmin(self, x, axis=-1):
        """Index of the minimum along ``axis`` (int64)."""
        return self.T.cast(self.T.argmin(self._tensor(x), axis=axis), "int64")

    # --- elementwise -------------------------------------------------------------

    def square(self, x):
        """``x ** 2``."""
        return self.lib.square(self._tensor(x))

    def abs(self, x):
        """Absolute value."""
        x = self._tensor(x)
        return x if x.dtype == "bool" else abs(x)

    def sqrt(self, x):
        """Square root."""
        return self.T.sqrt(self._tensor(x))

    def exp(self, x):
        """Exponential."""
        return self.T.exp(self._tensor(x))

    def log(self, x):
        """Natural logarithm."""
        return self.T.log(self._tensor(x))

    def round(self, x):
        """Round half to even."""
        return self.T.round_half_to_even(self._tensor(x))

    def sign(self, x):
        """Sign (-1, 0 or 1) in the dtype of ``x``."""
        x = self._tensor(x)
        return self.T.cast(self.T.sgn(x), x.dtype)

    def sin(self, x):
        """Sine."""
        return self.T.sin(self._tensor(x))

    def cos(self, x):
        """Cosine."""
        return self.T.cos(self._tensor(x))

    def pow(self, x, a):
        """``x ** a``; keeps the dtype of ``x`` for scalar exponents."""
        x, a = self._operands(x, a)
        return self.T.pow(x, a)

    def clip(self, x, min_value=None, max_value=None):
        """``x`` limited to ``[min_value, max_value]`` (a max below the min is raised to it)."""
        x = self._tensor(x)
        if is_python_scalar(min_value) and is_python_scalar(max_value) and max_value < min_value:
            max_value = min_value
        if min_value is None:
            min_value = -np.inf
        if max_value is None:
            max_value = np.inf
        _, lo = self._operands(x, min_value)
        _, hi = self._operands(x, max_value)
        return self.T.clip(x, lo, hi)

    def maximum(self, x, y):
        """Elementwise maximum."""
        x, y = self._operands(x, y)
        return self.T.maximum(x, y)

    def minimum(self, x, y):
        """Elementwise minimum."""
        x, y = self._operands(x, y)
        return self.T.minimum(x, y)

    def equal(self, x, y):
        """``x == y`` (bool)."""
        return self.T.eq(*self._operands(x, y))

    def not_equal(self, x, y):
        """``x != y`` (bool)."""
        return self.T.neq(*self._operands(x, y))

    def greater(self, x, y):
        """``x > y`` (bool)."""
        return self.T.gt(*self._operands(x, y))

    def greater_equal(self, x, y):
        """``x >= y`` (bool)."""
        return self.T.ge(*self._operands(x, y))

    def less(self, x, y):
        """``x < y`` (bool)."""
        return self.T.lt(*self._operands(x, y))

    def less_equal(self, x, y):
        """``x <= y`` (bool)."""
        return self.T.le(*self._operands(x, y))

    # --- products --------------------------------------------------------------------

    def dot(self, x, y):
        """Keras 2 ``dot``: contracts the last axis of ``x`` with the
        second-to-last of ``y`` (the last when ``y`` is a vector)."""
        x, y = self._tensor(x), self._tensor(y)
        if x.ndim <= 2 and y.ndim <= 2:
            return self.T.dot(x, y)
        return self.T.tensordot(x, y, axes=[[x.ndim - 1], [max(0, y.ndim - 2)]])

    def batch_dot(self, x, y, axes=None):
        """Batched contraction of ``x``'s ``axes[0]`` with ``y``'s ``axes[1]``.

        The batch axis 0 is kept; the remaining axes of ``x`` come first, then
        those of ``y``; a rank-1 result is expanded to ``(batch, 1)``.
        """
        T = self.T
        x, y = self._tensor(x), self._tensor(y)
        if axes is None:
            axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
        ax, ay = int(axes[0]), int(axes[1])
        x_rest = [i for i in range(1, x.ndim) if i != ax]
        y_rest = [i for i in range(1, y.ndim) if i != ay]
        xt = x.dimshuffle([0] + x_rest + [ax])
        yt = y.dimshuffle([0, ay] + y_rest)
        batch = x.shape[0]
        x3 = T.reshape(xt, T.stack([batch, -1, x.shape[ax]]), ndim=3)
        y3 = T.reshape(yt, T.stack([batch, y.shape[ay], -1]), ndim=3)
        out = self.lib.batched_matmul(x3, y3)
        shape = [batch] + [x.shape[i] for i in x_rest] + [y.shape[i] for i in y_rest]
        if len(shape) == 1:
            shape.append(1)
        return T.reshape(out, T.stack(shape), ndim=len(shape))

    def transpose(self, x):
        """All axes reversed."""
        x = self._tensor(x)
        return x.dimshuffle(list(range(x.ndim))[::-1])

    def gather(self, reference, indices):
        """Rows of ``reference`` picked by integer ``indices`` (any rank)."""
        reference, indices = self._tensor(reference), self._tensor(indices)
        if not indices.dtype.startswith(("int", "uint")):
            indices = self.T.cast(indices, "int64")
        if indices.ndim == 1:
            return reference[indices]
        flat = reference[indices.flatten()]
        shape = [indices.shape[i] for i in range(indices.ndim)]
        shape += [reference.shape[i] for i in range(1, reference.ndim)]
        return self.T.reshape(flat, self.T.stack(shape), ndim=len(shape))
