"""Theano/PyTensor backend: activations, softmax and top-k membership."""


class NNOps:
    """The nn primitives."""

    def relu(self, x):
        """The rectifier ``max(x, 0)``, its gradient 0 at 0 (a switch, not a maximum,
        whose gradient would go to ``x`` on the tie)."""
        T = self.T
        x = self._tensor(x)
        return T.switch(T.gt(x, 0), x, T.zeros_like(x))

    def sigmoid(self, x):
        """Logistic sigmoid."""
        return self.lib.sigmoid(self._tensor(x))

    def tanh(self, x):
        """Hyperbolic tangent."""
        return self.T.tanh(self._tensor(x))

    def softplus(self, x):
        """``log(1 + exp(x))``, computed stably."""
        return self.lib.softplus(self._tensor(x))

    def softmax(self, x, axis=-1):
        """Softmax along ``axis`` (max-subtracted for stability)."""
        T = self.T
        x = self._tensor(x)
        e = T.exp(x - T.max(x, axis=axis, keepdims=True))
        return e / T.sum(e, axis=axis, keepdims=True)

    def in_top_k(self, predictions, targets, k):
        """Whether each target's score is among the ``k`` largest of its row
        (ties count as in, like TensorFlow)."""
        T = self.T
        predictions, targets = self._tensor(predictions), self._tensor(targets)
        targets = T.cast(targets.flatten(), "int64")
        rows = T.arange(predictions.shape[0])
        score = predictions[rows, targets]
        above = T.sum(T.gt(predictions, score.dimshuffle(0, "x")), axis=1)
        return T.lt(above, int(k))
