"""TensorFlow backend: random tensors.

The ops are TensorFlow's stateful random ops. Each op of a compiled program
keeps its own generator state inside the ``tf.function``: every call (and
every iteration of a loop the op sits in) draws anew. An op seed fixes the
op's starting state, so a program rebuilt with the same seed repeats the
same sequence of draws, and two ops with one seed in one program draw the
same values (as in Keras 2 on TensorFlow).
"""
from polykeras_tensorflow.common import as_tf_dtype, shape_arg, tf, to_tensor


def _seed(seed):
    return None if seed is None else int(seed)


class RandomOps:
    """The random primitives."""

    def random_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal draws of ``shape``."""
        dtype = as_tf_dtype(dtype or "float32")
        return tf.random.normal(shape_arg(shape), mean=to_tensor(mean, dtype),
                                stddev=to_tensor(stddev, dtype), dtype=dtype, seed=_seed(seed))

    def random_uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        """Uniform draws in ``[minval, maxval)``."""
        dtype = as_tf_dtype(dtype or "float32")
        return tf.random.uniform(shape_arg(shape), minval=to_tensor(minval, dtype),
                                 maxval=to_tensor(maxval, dtype), dtype=dtype, seed=_seed(seed))

    def random_binomial(self, shape, p=0.0, dtype=None, seed=None):
        """1 with probability ``p``, else 0."""
        dtype = as_tf_dtype(dtype or "float32")
        draws = tf.random.uniform(shape_arg(shape), dtype=tf.float32, seed=_seed(seed))
        return tf.cast(draws < tf.cast(to_tensor(p), tf.float32), dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal draws within two standard deviations of the mean."""
        dtype = as_tf_dtype(dtype or "float32")
        return tf.random.truncated_normal(shape_arg(shape), mean=to_tensor(mean, dtype),
                                          stddev=to_tensor(stddev, dtype), dtype=dtype,
                                          seed=_seed(seed))
