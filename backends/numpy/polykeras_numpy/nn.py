"""NumPy backend: activation functions, softmax and ``in_top_k``.

Each differentiable primitive has its vector-Jacobian product beside it
(see :mod:`polykeras_numpy.autodiff`); the ones that are not differentiable
are listed in :data:`NON_DIFFERENTIABLE`.
"""
import numpy as np

from polykeras_numpy.autodiff import grad_like, primitive
from polykeras_numpy.parallel import elementwise

#: nn ops with no gradient (their results are boolean).
NON_DIFFERENTIABLE = ("in_top_k",)


def _float(x):
    """``x`` as an array; non-float inputs become float32 (floatx)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _sigmoid(x):
    # exp(-softplus(-x)) is accurate on both tails (no 1 + exp overflow).
    return np.exp(-np.logaddexp(0, -x)).astype(x.dtype, copy=False)


def _softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_axis(x, axis):
    if axis is None:
        return -1
    if isinstance(axis, (list, tuple)):
        return tuple(axis)
    return int(axis)


def _softmax_vjp(g, ans, x, axis=-1):
    axis = _softmax_axis(x, axis)
    gy = g * ans
    return (grad_like(gy - ans * np.sum(gy, axis=axis, keepdims=True), x),)


def _relu_grad(g, ans, out=None):
    return np.multiply(g, ans > 0, out=out)


class NNOps:
    """The nn primitives: relu, sigmoid, tanh, softplus, softmax, in_top_k."""

    @primitive(lambda g, ans, x: (grad_like(elementwise(_relu_grad, g, ans), x),))
    def relu(self, x):
        """The rectifier ``max(x, 0)``; its gradient at 0 is 0.

        Example:
            >>> NumpyBackend().relu(np.float32([-1., 0., 2.]))
            array([0., 0., 2.], dtype=float32)
        """
        x = np.asarray(x)
        return elementwise(np.maximum, x, np.zeros((), x.dtype))

    @primitive(lambda g, ans, x: (grad_like(g * ans * (1 - ans), x),))
    def sigmoid(self, x):
        """Logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``.

        Example:
            >>> NumpyBackend().sigmoid(np.float32([0.]))
            array([0.5], dtype=float32)
        """
        return _sigmoid(_float(x))

    @primitive(lambda g, ans, x: (grad_like(g * (1 - ans * ans), x),))
    def tanh(self, x):
        """Elementwise hyperbolic tangent."""
        return np.tanh(_float(x))

    @primitive(lambda g, ans, x: (grad_like(g * _sigmoid(_float(x)), x),))
    def softplus(self, x):
        """``log(1 + exp(x))`` computed without overflow."""
        x = _float(x)
        return np.logaddexp(np.zeros((), x.dtype), x)

    @primitive(_softmax_vjp)
    def softmax(self, x, axis=-1):
        """Softmax over ``axis`` (default the last), shifted by the max for stability.

        Example:
            >>> NumpyBackend().softmax(np.float32([[0., 0.]]), axis=1)
            array([[0.5, 0.5]], dtype=float32)
        """
        x = _float(x)
        return _softmax(x, _softmax_axis(x, axis))

    @primitive()
    def in_top_k(self, predictions, targets, k):
        """Whether each target is among the ``k`` largest predictions of its row.

        Ties count as in (like TensorFlow): target ``t`` of row ``i`` is in
        when fewer than ``k`` predictions of that row are strictly greater
        than ``predictions[i, t]``. Out-of-range targets and non-finite
        target predictions give ``False``.

        Args:
            predictions: float array ``(batch, classes)``.
            targets: int array ``(batch,)``.
            k: number of top elements to consider.

        Returns:
            bool array ``(batch,)``.
        """
        predictions = np.asarray(predictions)
        if predictions.ndim != 2:
            raise ValueError("in_top_k expects predictions of shape (batch, classes). "
                             f"Received: shape={predictions.shape}")
        targets = np.asarray(targets).reshape(-1).astype(np.int64)
        if targets.shape[0] != predictions.shape[0]:
            raise ValueError("in_top_k expects one target per row of predictions. "
                             f"Received: predictions shape={predictions.shape}, "
                             f"targets shape={targets.shape}")
        classes = predictions.shape[1]
        valid = (targets >= 0) & (targets < classes)
        safe = np.where(valid, targets, 0)
        target_pred = np.take_along_axis(predictions, safe[:, None], axis=1)
        above = np.sum(predictions > target_pred, axis=1)
        return valid & np.isfinite(target_pred[:, 0]) & (above < int(k))
