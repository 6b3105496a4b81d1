"""The plugin's layers against NumPy references (and tf_keras where installed)."""
import numpy as np
import pytest

import polykeras as keras
from polykeras_attention import Attention, GroupNormalization, LayerNormalization

RNG = np.random.RandomState(7)


def _normalize(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _layer_norm_reference(x, axes, gamma, beta, eps):
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    return _normalize(x, tuple(axes), eps) * gamma.reshape(shape) + beta.reshape(shape)


def _group_norm_reference(x, groups, gamma, beta, eps):
    grouped = x.reshape(x.shape[:-1] + (groups, x.shape[-1] // groups))
    axes = tuple(i for i in range(1, grouped.ndim) if i != grouped.ndim - 2)
    return _normalize(grouped, axes, eps).reshape(x.shape) * gamma + beta


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _attention_reference(q, v, k, q_mask, v_mask, causal, scale):
    scores = scale * np.einsum("bqd,bkd->bqk", q, k)
    keep = np.ones_like(scores, dtype=bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[1:], dtype=bool))[None]
    weights = _softmax(np.where(keep, scores, -np.inf))
    out = np.einsum("bqk,bkd->bqd", weights, v)
    return out * q_mask[..., None] if q_mask is not None else out


def test_layer_normalization_matches_reference_on_one_and_two_axes():
    x = RNG.randn(3, 4, 5).astype("float32") * 3 + 1
    inputs = keras.Input((4, 5))
    last = LayerNormalization(epsilon=1e-3)
    both = LayerNormalization(axis=[1, 2], epsilon=1e-2)
    model = keras.Model(inputs, [last(inputs), both(inputs)])
    weights = [RNG.randn(5).astype("float32"), RNG.randn(5).astype("float32"),
               RNG.randn(4, 5).astype("float32"), RNG.randn(4, 5).astype("float32")]
    model.set_weights(weights)
    got_last, got_both = model.predict(x)
    np.testing.assert_allclose(got_last, _layer_norm_reference(x, [2], *weights[:2], 1e-3),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got_both, _layer_norm_reference(x, [1, 2], *weights[2:], 1e-2),
                               rtol=1e-4, atol=1e-4)
    assert [w.shape for w in last.get_weights()] == [(5,), (5,)]


def test_group_normalization_matches_reference_for_several_group_counts():
    x = RNG.randn(2, 3, 3, 6).astype("float32") * 2 - 1
    inputs = keras.Input((3, 3, 6))
    layers = [GroupNormalization(groups=g, epsilon=1e-3) for g in (1, 3, 6)]
    model = keras.Model(inputs, [layer(inputs) for layer in layers])
    weights = [RNG.randn(6).astype("float32") for _ in range(6)]
    model.set_weights(weights)
    for groups, got, gamma, beta in zip((1, 3, 6), model.predict(x), weights[::2], weights[1::2]):
        np.testing.assert_allclose(got, _group_norm_reference(x, groups, gamma, beta, 1e-3),
                                   rtol=1e-4, atol=1e-4)


def test_group_normalization_refuses_groups_that_do_not_divide_the_channels():
    with pytest.raises(ValueError, match=r"groups=4 must divide the 6 channels"):
        GroupNormalization(groups=4)(keras.Input((3, 6)))
    with pytest.raises(ValueError, match=r"positive int. Received: groups=0"):
        GroupNormalization(groups=0)


def test_attention_with_masks_causal_scale_and_separate_key():
    batch, tq, tv, dim = 2, 3, 4, 5
    q = RNG.randn(batch, tq, dim).astype("float32")
    v = RNG.randn(batch, tv, dim).astype("float32")
    k = RNG.randn(batch, tv, dim).astype("float32")
    q[1, 2] = 0.   # a padded query step
    v[0, 3] = 0.   # a padded value step
    q_in, v_in, k_in = keras.Input((tq, dim)), keras.Input((tv, dim)), keras.Input((tv, dim))
    masked_q = keras.layers.Masking()(q_in)
    masked_v = keras.layers.Masking()(v_in)
    plain = Attention()([masked_q, masked_v])
    scaled = Attention(use_scale=True, causal=True)
    causal_out = scaled([masked_q, masked_v, k_in])
    model = keras.Model([q_in, v_in, k_in], [plain, causal_out])
    scaled.set_weights([np.array(0.5, dtype="float32")])
    got_plain, got_causal = model.predict([q, v, k])
    q_mask, v_mask = q.any(axis=-1), v.any(axis=-1)
    np.testing.assert_allclose(got_plain, _attention_reference(q, v, v, q_mask, v_mask, False, 1.),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_causal, _attention_reference(q, v, k, q_mask, v_mask, True, .5),
                               rtol=1e-4, atol=1e-5)
    assert keras.backend.int_shape(causal_out) == (None, tq, dim)
    assert causal_out._keras_mask is not None   # the query mask is passed on


def test_attention_explains_bad_inputs():
    q, v = keras.Input((3, 4)), keras.Input((5, 6))
    with pytest.raises(ValueError, match=r"list of 2 or 3 inputs"):
        Attention()(q)
    with pytest.raises(ValueError, match=r"query and key depths must match"):
        Attention()([q, v])
    with pytest.raises(ValueError, match=r"dropout.*Received: dropout=1.5"):
        Attention(dropout=1.5)


def test_layers_match_tf_keras_with_identical_weights():
    tf_keras = pytest.importorskip("tf_keras")
    x = RNG.randn(2, 4, 6).astype("float32")
    y = RNG.randn(2, 5, 6).astype("float32")
    gamma, beta = RNG.randn(6).astype("float32"), RNG.randn(6).astype("float32")
    for ours, theirs in ((LayerNormalization(), tf_keras.layers.LayerNormalization()),
                         (GroupNormalization(groups=2), tf_keras.layers.GroupNormalization(2))):
        inputs = keras.Input((4, 6))
        model = keras.Model(inputs, ours(inputs))
        ours.set_weights([gamma, beta])
        theirs.build((None, 4, 6))
        theirs.set_weights([gamma, beta])
        np.testing.assert_allclose(model.predict(x), theirs(x).numpy(), rtol=1e-4, atol=1e-4)
    q, v = x.copy(), y.copy()
    q[1, 3] = 0.
    v[0, 3:] = 0.
    q_in, v_in = keras.Input((4, 6)), keras.Input((5, 6))
    attention = Attention(use_scale=True, causal=True)
    model = keras.Model([q_in, v_in], attention([keras.layers.Masking()(q_in),
                                                 keras.layers.Masking()(v_in)]))
    attention.set_weights([np.array(1.7, dtype="float32")])
    reference = tf_keras.layers.Attention(use_scale=True)
    masks = [q.any(axis=-1), v.any(axis=-1)]
    reference([q, v], mask=masks, use_causal_mask=True)
    reference.set_weights([np.array(1.7, dtype="float32")])
    expected = reference([q, v], mask=masks, use_causal_mask=True).numpy()
    np.testing.assert_allclose(model.predict([q, v]), expected, rtol=1e-4, atol=1e-5)
