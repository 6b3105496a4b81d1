"""TensorFlow backend: operators, products, reductions and elementwise math."""
import string

from polykeras_tensorflow.common import binary_args, floatx, np, tf, to_tensor


def _axis(axis):
    return None if axis is None else (list(axis) if isinstance(axis, (list, tuple)) else axis)


def _unary(fn):
    def op(self, x):
        return fn(to_tensor(x))
    op.__doc__ = f"Elementwise ``{fn.__name__}``."
    return op


def _binary(fn, doc):
    def op(self, x, y):
        x, y = binary_args(x, y)
        return fn(x, y)
    op.__doc__ = doc
    return op


def _compare(fn, doc):
    def op(self, x, y):
        x, y = binary_args(x, y)
        return fn(x, y)
    op.__doc__ = f"Elementwise ``{doc}`` as a bool tensor."
    return op


def _to_float_dtype(dtype):
    """The float dtype a true division of ``dtype`` gives (as NumPy does in the core)."""
    if dtype.is_floating or dtype.is_complex:
        return dtype
    return tf.float64 if dtype.size == 8 else tf.float32


def _contiguous_block(key, shape):
    """``(begin, size)`` when ``key`` is step-1 slices (and at most one ``Ellipsis``)
    whose bounds are resolvable against the static ``shape``; else ``None``."""
    if shape.rank is None or sum(k is Ellipsis for k in key) > 1 or any(
            k is not Ellipsis and not isinstance(k, slice) for k in key):
        return None
    explicit = [k for k in key if k is not Ellipsis]
    if len(explicit) > shape.rank:
        return None
    at = next((i for i, k in enumerate(key) if k is Ellipsis), len(key))
    filled = explicit[:at] + [slice(None)] * (shape.rank - len(explicit)) + explicit[at:]
    begin, size = [], []
    for item, dim in zip(filled, shape.as_list()):
        bounds = _slice_bounds(item, dim)
        if bounds is None:
            return None
        begin.append(bounds[0])
        size.append(bounds[1])
    return begin, size


def _slice_bounds(item, dim):
    """``(begin, size)`` of one step-1 slice on an axis of static length ``dim``
    (``size`` -1: to the end), or ``None`` when that needs the dynamic length."""
    start, stop = item.start, item.stop
    if item.step not in (None, 1) or any(
            v is not None and not isinstance(v, (int, np.integer)) for v in (start, stop)):
        return None
    if dim is None:
        return (0, -1) if not start and stop is None else None
    start, stop, _ = item.indices(dim)
    return start, max(stop - start, 0)


class MathOps:
    """The math primitives."""

    # --- operators ------------------------------------------------------------

    add = _binary(tf.add, "``x + y`` with broadcasting.")
    subtract = _binary(tf.subtract, "``x - y`` with broadcasting.")
    multiply = _binary(tf.multiply, "``x * y`` with broadcasting.")
    floordiv = _binary(tf.math.floordiv, "``x // y`` (rounds toward -inf).")
    mod = _binary(tf.math.floormod, "``x % y`` with the sign of ``y`` (Python semantics).")

    def divide(self, x, y):
        """``x / y``; integer operands give float32 (float64 for 64-bit ints)."""
        x, y = binary_args(x, y)
        target = _to_float_dtype(x.dtype)
        return tf.math.truediv(tf.cast(x, target), tf.cast(y, target))

    def negative(self, x):
        """``-x``."""
        return tf.negative(to_tensor(x))

    def getitem(self, x, key):
        """``x[key]`` for ints, slices, ``None`` and ``Ellipsis``.

        A key selecting one contiguous block (step-1 slices) becomes ``tf.slice``,
        whose gradient (a pad) is several times cheaper than ``StridedSliceGrad``
        (the gates a recurrent cell slices at every timestep)."""
        x = to_tensor(x)
        block = _contiguous_block(key, x.shape)
        if block is not None:
            return tf.slice(x, *block)
        key = tuple(tf.newaxis if k is None else k for k in key)
        return x[key]

    # --- products ---------------------------------------------------------------

    def dot(self, x, y):
        """Keras 2 ``dot``: contracts the last axis of ``x`` with the
        second-to-last of ``y`` (the only one for a vector)."""
        x, y = binary_args(x, y)
        if x.shape.rank == 2 and y.shape.rank == 2:
            return tf.matmul(x, y)
        y_axis = max(y.shape.rank - 2, 0)
        return tf.tensordot(x, y, axes=[[x.shape.rank - 1], [y_axis]])

    def batch_dot(self, x, y, axes=None):
        """Keras 2 ``batch_dot``: per batch item, contracts ``x``'s ``axes[0]`` with
        ``y``'s ``axes[1]``; a result of rank 1 gets a trailing axis of 1."""
        x, y = binary_args(x, y)
        nx, ny = x.shape.rank, y.shape.rank
        if nx < 2 or ny < 2:
            raise ValueError("batch_dot expects tensors of rank >= 2. "
                             f"Received: shapes {x.shape} and {y.shape}")
        if axes is None:
            axes = (nx - 1, max(ny - 2, 1))
        elif isinstance(axes, int):
            axes = (axes, axes)
        ax, ay = (int(a) % n for a, n in zip(axes, (nx, ny)))
        if ax == 0 or ay == 0:
            raise ValueError(f"batch_dot cannot contract the batch axis. Received: axes={axes}")
        letters = iter(string.ascii_letters)
        batch, contracted = next(letters), next(letters)
        xs = [batch] + [contracted if i == ax else next(letters) for i in range(1, nx)]
        ys = [batch] + [contracted if i == ay else next(letters) for i in range(1, ny)]
        out = [batch] + [s for s in xs[1:] if s != contracted] + [
            s for s in ys[1:] if s != contracted]
        result = tf.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
        if result.shape.rank == 1:
            result = tf.expand_dims(result, 1)
        return result

    def transpose(self, x):
        """All axes reversed."""
        return tf.transpose(to_tensor(x))

    def gather(self, reference, indices):
        """``reference[indices]`` along axis 0."""
        indices = to_tensor(indices)
        if not indices.dtype.is_integer:
            indices = tf.cast(indices, tf.int32)
        return tf.gather(to_tensor(reference), indices)

    # --- reductions ---------------------------------------------------------------

    def max(self, x, axis=None, keepdims=False):
        """Maximum over ``axis``."""
        return tf.reduce_max(to_tensor(x), axis=_axis(axis), keepdims=keepdims)

    def min(self, x, axis=None, keepdims=False):
        """Minimum over ``axis``."""
        return tf.reduce_min(to_tensor(x), axis=_axis(axis), keepdims=keepdims)

    def sum(self, x, axis=None, keepdims=False):
        """Sum over ``axis``; booleans are counted in int32."""
        x = to_tensor(x)
        if x.dtype == tf.bool:
            x = tf.cast(x, tf.int32)
        return tf.reduce_sum(x, axis=_axis(axis), keepdims=keepdims)

    def prod(self, x, axis=None, keepdims=False):
        """Product over ``axis``."""
        return tf.reduce_prod(to_tensor(x), axis=_axis(axis), keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        """Mean over ``axis``; integer and bool inputs give floatx."""
        x = to_tensor(x)
        if not x.dtype.is_floating:
            x = tf.cast(x, floatx())
        return tf.reduce_mean(x, axis=_axis(axis), keepdims=keepdims)

    def any(self, x, axis=None, keepdims=False):
        """Logical or over ``axis``."""
        return tf.reduce_any(tf.cast(to_tensor(x), tf.bool), axis=_axis(axis), keepdims=keepdims)

    def all(self, x, axis=None, keepdims=False):
        """Logical and over ``axis``."""
        return tf.reduce_all(tf.cast(to_tensor(x), tf.bool), axis=_axis(axis), keepdims=keepdims)

    def cumsum(self, x, axis=0):
        """Cumulative sum along ``axis`` (flattened when ``None``)."""
        x = to_tensor(x)
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        return tf.math.cumsum(x, axis=axis)

    def cumprod(self, x, axis=0):
        """Cumulative product along ``axis`` (flattened when ``None``)."""
        x = to_tensor(x)
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        return tf.math.cumprod(x, axis=axis)

    def argmax(self, x, axis=-1):
        """Index of the maximum along ``axis`` as int64 (of the flattened tensor for ``None``)."""
        x = to_tensor(x)
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        return tf.argmax(x, axis=axis, output_type=tf.int64)

    def argmin(self, x, axis=-1):
        """Index of the minimum along ``axis`` as int64 (of the flattened tensor for ``None``)."""
        x = to_tensor(x)
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        return tf.argmin(x, axis=axis, output_type=tf.int64)

    # --- elementwise ----------------------------------------------------------------

    square = _unary(tf.square)
    abs = _unary(tf.abs)
    sqrt = _unary(tf.sqrt)
    exp = _unary(tf.exp)
    log = _unary(tf.math.log)
    sign = _unary(tf.sign)
    sin = _unary(tf.sin)
    cos = _unary(tf.cos)

    def round(self, x):
        """Round half to even."""
        return tf.round(to_tensor(x))

    def pow(self, x, a):
        """``x ** a``."""
        x, a = binary_args(x, a)
        return tf.pow(x, a)

    def clip(self, x, min_value=None, max_value=None):
        """``x`` limited to ``[min_value, max_value]`` (a max below the min becomes the min)."""
        x = to_tensor(x)
        if (min_value is not None and max_value is not None
                and np.isscalar(min_value) and np.isscalar(max_value) and max_value < min_value):
            max_value = min_value
        if min_value is not None:
            x = tf.maximum(*binary_args(x, min_value))
        if max_value is not None:
            x = tf.minimum(*binary_args(x, max_value))
        return x

    maximum = _binary(tf.maximum, "Elementwise maximum with broadcasting.")
    minimum = _binary(tf.minimum, "Elementwise minimum with broadcasting.")
    equal = _compare(tf.equal, "x == y")
    not_equal = _compare(tf.not_equal, "x != y")
    greater = _compare(tf.greater, "x > y")
    greater_equal = _compare(tf.greater_equal, "x >= y")
    less = _compare(tf.less, "x < y")
    less_equal = _compare(tf.less_equal, "x <= y")
