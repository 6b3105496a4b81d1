"""A configurable loss (binary focal loss) and a metric (batch-wise binary F1).

Both follow the Keras 2 conventions: ``fn(y_true, y_pred)`` on tensors, the
loss returning one value per sample (the last axis reduced) and the metric
one value per batch.
"""
import numpy as np

from polykeras import backend as K

__all__ = ["BinaryFocalLoss", "binary_f1"]


class BinaryFocalLoss:
    """Binary focal loss (Lin et al., 2017): crossentropy that down-weights easy examples.

    Per entry, with ``p_t`` the predicted probability of the true label:
    ``-alpha_t * (1 - p_t) ** gamma * log(p_t)`` where ``alpha_t`` is
    ``alpha`` for positive targets and ``1 - alpha`` for negative ones; the
    mean over the last axis is returned. ``gamma=0, alpha=0.5`` is half the
    binary crossentropy.

    Args:
        gamma: focusing exponent, >= 0.
        alpha: weight of the positive class, in [0, 1].

    Raises:
        ValueError: ``gamma`` or ``alpha`` out of range.

    Example:
        >>> model.compile("adam", loss=BinaryFocalLoss(gamma=2.0))
    """

    def __init__(self, gamma=2.0, alpha=0.25):
        for arg, value, ok in (("gamma", gamma, lambda v: v >= 0),
                               ("alpha", alpha, lambda v: 0 <= v <= 1)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                    or not ok(value):
                raise ValueError(f"BinaryFocalLoss expects `{arg}` to be a number "
                                 f"{'>= 0' if arg == 'gamma' else 'in [0, 1]'}. "
                                 f"Received: {arg}={value!r}")
        self.gamma = float(gamma)
        self.alpha = float(alpha)
        self.__name__ = "binary_focal_loss"

    def __call__(self, y_true, y_pred):
        eps = K.epsilon()
        p = K.clip(y_pred, eps, 1. - eps)
        y = K.cast(y_true, K.dtype(p))
        p_true = y * p + (1. - y) * (1. - p)
        alpha_t = y * self.alpha + (1. - y) * (1. - self.alpha)
        focal = -alpha_t * K.pow(1. - p_true, self.gamma) * K.log(p_true)
        return K.mean(focal, axis=-1)

    def get_config(self):
        """``{"gamma": ..., "alpha": ...}``."""
        return {"gamma": self.gamma, "alpha": self.alpha}

    @classmethod
    def from_config(cls, config):
        """A new loss from :meth:`get_config`'s output."""
        return cls(**config)


def binary_f1(y_true, y_pred):
    """F1 score of the batch, with predictions thresholded at 0.5.

    ``2 * precision * recall / (precision + recall)`` over every entry of the
    batch (one value per batch, so the epoch value is the mean of batch F1s,
    as for any Keras 2 metric).

    Example:
        >>> model.compile("adam", "binary_crossentropy", metrics=[binary_f1])
    """
    y = K.cast(y_true, K.floatx())
    predicted = K.cast(K.greater(y_pred, 0.5), K.floatx())
    true_positives = K.sum(y * predicted)
    precision = true_positives / (K.sum(predicted) + K.epsilon())
    recall = true_positives / (K.sum(y) + K.epsilon())
    return 2. * precision * recall / (precision + recall + K.epsilon())
