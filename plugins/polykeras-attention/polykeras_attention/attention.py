"""Scaled dot-product attention over ``[query, value]`` or ``[query, value, key]``.

Written only against polykeras' public API and ``K.*``, so it runs on every
backend.
"""
import numpy as np

from polykeras import backend as K
from polykeras.layers import Layer

__all__ = ["Attention"]

# Subtracted from the scores of masked positions before the softmax.
_MASKED_SCORE = 1e9


class Attention(Layer):
    """Dot-product (Luong-style) attention, as ``keras.layers.Attention``.

    For a query of shape ``(batch, Tq, dim)``, a value ``(batch, Tv, vdim)``
    and a key ``(batch, Tv, dim)`` (the value when not given):
    ``scores = query . key^T`` (times a learned scalar ``scale`` when
    ``use_scale``), masked positions get ``-1e9``, ``weights =
    softmax(scores)`` over ``Tv``, and the output ``weights . value`` has
    shape ``(batch, Tq, vdim)``.

    Masks: the value mask (``(batch, Tv)``, e.g. from ``Embedding(...,
    mask_zero=True)``) hides padded value positions; the query mask zeroes the
    outputs of padded query positions and is passed on as the output mask.
    ``causal=True`` lets query position ``i`` attend only to value positions
    ``<= i`` (self-attention in a decoder).

    Args:
        use_scale: learn a scalar factor for the scores (initialised to 1).
        causal: mask the future positions.
        dropout: fraction of the attention weights dropped during training.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: inputs that are not a list of 2 or 3 rank-3 tensors with
            matching batch, lengths and depths.

    Example:
        >>> query, value = Input((4, 8)), Input((6, 8))
        >>> context = Attention(use_scale=True)([query, value])
    """

    def __init__(self, use_scale=False, causal=False, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float, np.number)) \
                or not 0. <= dropout < 1.:
            raise ValueError(f"Attention {self.name!r} expects `dropout` to be a number in "
                             f"[0, 1). Received: dropout={dropout!r}")
        self.use_scale = bool(use_scale)
        self.causal = bool(causal)
        self.dropout = float(dropout)
        self.supports_masking = True

    def _check_shapes(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) not in (2, 3):
            raise ValueError(f"Attention {self.name!r} expects a list of 2 or 3 inputs "
                             f"[query, value] or [query, value, key]. Received: "
                             f"input_shape={input_shape!r}")
        query, value = input_shape[0], input_shape[1]
        key = input_shape[2] if len(input_shape) == 3 else value
        if any(len(s) != 3 for s in (query, value, key)):
            raise ValueError(f"Attention {self.name!r} expects rank-3 inputs (batch, steps, "
                             f"dim). Received shapes: {[tuple(s) for s in input_shape]}")

        def clash(a, b):
            return a is not None and b is not None and a != b
        if clash(query[-1], key[-1]):
            raise ValueError(f"Attention {self.name!r}: the query and key depths must match. "
                             f"Received: query {tuple(query)}, key {tuple(key)}")
        if clash(value[1], key[1]):
            raise ValueError(f"Attention {self.name!r}: the value and key lengths must match. "
                             f"Received: value {tuple(value)}, key {tuple(key)}")
        return query, value

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.scale = self.add_weight("scale", (), initializer="ones") if self.use_scale \
            else None
        self.built = True

    def call(self, inputs, mask=None, training=None):
        self._check_shapes([K.int_shape(x) for x in inputs] if isinstance(inputs, list)
                           else inputs)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) == 3 else value
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        query_mask, value_mask = masks[0], masks[1]

        scores = K.batch_dot(query, key, axes=(2, 2))
        if self.scale is not None:
            scores = scores * self.scale
        keep = None
        if value_mask is not None:
            keep = K.expand_dims(K.cast(value_mask, K.floatx()), axis=-2)
        if self.causal:
            ones = K.ones_like(scores)
            row, column = K.cumsum(ones, axis=-2), K.cumsum(ones, axis=-1)
            causal_keep = K.cast(K.greater_equal(row, column), K.floatx())
            keep = causal_keep if keep is None else keep * causal_keep
        if keep is not None:
            scores = scores - _MASKED_SCORE * (1. - keep)
        weights = K.softmax(scores, axis=-1)
        if self.dropout > 0.:
            weights = K.in_train_phase(lambda: K.dropout(weights, self.dropout), weights,
                                       training=training)
        outputs = K.batch_dot(weights, value, axes=(2, 1))
        if query_mask is not None:
            outputs = outputs * K.expand_dims(K.cast(query_mask, K.floatx()), axis=-1)
        return outputs

    def compute_output_shape(self, input_shape):
        query, value = self._check_shapes(input_shape)
        return tuple(query[:-1]) + (value[-1],)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            return mask[0]
        return None

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "causal": self.causal,
                "dropout": self.dropout}
