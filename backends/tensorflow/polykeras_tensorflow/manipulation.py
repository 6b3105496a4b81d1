"""TensorFlow backend: joining, reshaping, reordering and padding tensors."""
from polykeras_tensorflow.common import as_tf_dtype, is_weak, np, shape_arg, tf, to_tensor


def _common(tensors):
    """Tensors cast to their NumPy result type (Python scalars take it as is)."""
    tensors = [to_tensor(t) for t in tensors]
    names = {t.dtype for t in tensors}
    if len(names) <= 1:
        return tensors
    dtype = np.result_type(*[t.dtype.as_numpy_dtype for t in tensors])
    return [tf.cast(t, as_tf_dtype(dtype)) for t in tensors]


class ManipulationOps:
    """The manipulation primitives."""

    def concatenate(self, tensors, axis=-1):
        """Join ``tensors`` along ``axis``."""
        return tf.concat(_common(tensors), axis=axis)

    def stack(self, x, axis=0):
        """Stack the list ``x`` along a new ``axis``."""
        return tf.stack(_common(x), axis=axis)

    def reshape(self, x, shape):
        """``x`` with the given shape (may hold one ``-1`` and tensor scalars)."""
        return tf.reshape(to_tensor(x), shape_arg(shape))

    def permute_dimensions(self, x, pattern):
        """Axes reordered by ``pattern``."""
        return tf.transpose(to_tensor(x), list(pattern))

    def repeat_elements(self, x, rep, axis):
        """Each slice along ``axis`` repeated ``rep`` times (like ``np.repeat``)."""
        return tf.repeat(to_tensor(x), int(rep), axis=axis)

    def tile(self, x, n):
        """``x`` tiled ``n`` times per axis; a short ``n`` applies to the trailing axes
        and a long one adds leading axes, like ``np.tile``."""
        x = to_tensor(x)
        if isinstance(n, (int, np.integer)):
            n = [int(n)]
        n = list(n)
        rank = x.shape.rank
        if len(n) < rank:
            n = [1] * (rank - len(n)) + n
        elif len(n) > rank:
            x = tf.reshape(x, tf.concat([tf.ones([len(n) - rank], tf.int32), tf.shape(x)], 0))
        return tf.tile(x, shape_arg(n))

    def expand_dims(self, x, axis=-1):
        """``x`` with a new axis of size 1 at ``axis``."""
        return tf.expand_dims(to_tensor(x), axis)

    def squeeze(self, x, axis):
        """``x`` without the size-1 axis ``axis``."""
        return tf.squeeze(to_tensor(x), [axis])

    def reverse(self, x, axes):
        """``x`` reversed along each of ``axes``."""
        axes = [axes] if isinstance(axes, int) else list(axes)
        return tf.reverse(to_tensor(x), axes)

    def arange(self, start, stop=None, step=1, dtype="int32"):
        """``start, start + step, ...`` below ``stop`` (``[0, start)`` without ``stop``)."""
        if stop is None:
            start, stop = 0, start
        bounds = [tf.constant(np.asarray(v)) if is_weak(v) else to_tensor(v)
                  for v in (start, stop, step)]
        wide = tf.float64 if any(b.dtype.is_floating for b in bounds) else tf.int64
        values = tf.range(*[tf.cast(b, wide) for b in bounds])
        return tf.cast(values, as_tf_dtype(dtype))

    def pad(self, x, pad_width):
        """Zero padding: ``pad_width`` holds ``(before, after)`` per axis."""
        return tf.pad(to_tensor(x), [[int(a), int(b)] for a, b in pad_width])
