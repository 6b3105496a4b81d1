"""TensorFlow backend: activations and ``in_top_k``."""
from polykeras_tensorflow.common import tf, to_tensor


class NNOps:
    """The neural-network primitives."""

    def relu(self, x):
        """The rectifier ``max(x, 0)`` (``tf.nn.relu``: Grappler fuses it with a
        preceding convolution or matrix product and its bias)."""
        return tf.nn.relu(to_tensor(x))

    def sigmoid(self, x):
        """Logistic sigmoid."""
        return tf.sigmoid(to_tensor(x))

    def tanh(self, x):
        """Hyperbolic tangent."""
        return tf.tanh(to_tensor(x))

    def softplus(self, x):
        """``log(1 + exp(x))``, computed stably."""
        return tf.nn.softplus(to_tensor(x))

    def softmax(self, x, axis=-1):
        """Softmax along ``axis``."""
        return tf.nn.softmax(to_tensor(x), axis=axis)

    def in_top_k(self, predictions, targets, k):
        """Whether each target is among the ``k`` largest predictions of its row
        (ties count as in)."""
        predictions = tf.cast(to_tensor(predictions), tf.float32)
        targets = to_tensor(targets)
        if targets.dtype not in (tf.int32, tf.int64):
            targets = tf.cast(targets, tf.int64)
        return tf.math.in_top_k(targets, predictions, int(k))
