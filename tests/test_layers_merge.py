"""Merge layers against NumPy: values, Keras 2 broadcasting, masks, shapes and errors."""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Model
from polykeras.layers import (Add, Average, Concatenate, Dot, Embedding, Maximum, Minimum,
                              Multiply, Subtract)

ATOL = 1e-5
rng = np.random.default_rng(1)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(inputs, outputs, values):
    fn = K.function(list(inputs), outputs if isinstance(outputs, list) else [outputs])
    result = fn(list(values))
    return result if isinstance(outputs, list) else result[0]


ELEMENTWISE = [
    (Add, lambda xs: xs[0] + xs[1] + xs[2]),
    (Multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (Average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3.),
    (Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (Minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
]


@pytest.mark.parametrize("cls, reference", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_merges_match_numpy(cls, reference):
    inputs = [Input(shape=(3, 4)) for _ in range(3)]
    y = cls()(inputs)
    data = [_f32(2, 3, 4) for _ in range(3)]
    out = _run(inputs, y, data)
    np.testing.assert_allclose(out, reference(data), atol=ATOL)
    assert y._keras_shape == (None, 3, 4) == (None,) + out.shape[1:]


def test_subtract_exactly_two_inputs():
    a, b = Input(shape=(4,)), Input(shape=(4,))
    y = Subtract()([a, b])
    da, db = _f32(3, 4), _f32(3, 4)
    np.testing.assert_allclose(_run([a, b], y, [da, db]), da - db, atol=ATOL)
    with pytest.raises(ValueError, match=r"subtract_three.*exactly 2 inputs.*3 inputs"):
        Subtract(name="subtract_three")([a, b, Input(shape=(4,))])


def test_broadcasting_like_keras2():
    a, b, c = Input(shape=(3,)), Input(shape=(4, 3)), Input(shape=(4, 1))
    y = Add()([a, b, c])
    assert y._keras_shape == (None, 4, 3)
    da, db, dc = _f32(2, 3), _f32(2, 4, 3), _f32(2, 4, 1)
    out = _run([a, b, c], y, [da, db, dc])
    np.testing.assert_allclose(out, da[:, None, :] + db + dc, atol=ATOL)
    assert out.shape == (2, 4, 3)


def test_broadcast_error_names_shapes():
    with pytest.raises(ValueError, match=r"multiply_bad.*\(None, 4\).*\(None, 5\)"):
        Multiply(name="multiply_bad")([Input(shape=(4,)), Input(shape=(5,))])


def test_merge_input_count_and_batch_size_errors():
    a = Input(shape=(4,))
    with pytest.raises(ValueError, match="at least 2 inputs"):
        Add()([a])
    with pytest.raises(ValueError, match=r"at least 2 inputs.*\(None, 4\)"):
        Add()(a)
    with pytest.raises(ValueError, match="different batch sizes"):
        Add()([Input(batch_shape=(2, 4)), Input(batch_shape=(3, 4))])


def test_merge_masks_are_anded():
    ia, ib = Input(shape=(4,)), Input(shape=(4,))
    ea = Embedding(5, 2, mask_zero=True)(ia)
    eb = Embedding(5, 2, mask_zero=True)(ib)
    plain = Embedding(5, 2)(ib)
    both = Add()([ea, eb])
    one = Maximum()([ea, plain])
    assert Add()([plain, Embedding(5, 2)(ia)])._keras_mask is None
    da = np.array([[1, 0, 2, 3]], np.float32)
    db = np.array([[1, 2, 0, 3]], np.float32)
    m_both, m_one = _run([ia, ib], [both._keras_mask, one._keras_mask], [da, db])
    np.testing.assert_array_equal(m_both, (da != 0) & (db != 0))
    np.testing.assert_array_equal(m_one, da != 0)


# --- Concatenate -------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_concatenate_matches_numpy(axis):
    a, b = Input(shape=(3, 4)), Input(shape=(3, 4))
    y = Concatenate(axis=axis)([a, b])
    da, db = _f32(2, 3, 4), _f32(2, 3, 4)
    out = _run([a, b], y, [da, db])
    np.testing.assert_array_equal(out, np.concatenate([da, db], axis=axis))
    assert y._keras_shape == (None,) + out.shape[1:]


def test_concatenate_unknown_sizes_and_functional_form():
    a, b = Input(shape=(None, 2)), Input(shape=(5, 3))
    assert layers.concatenate([a, b])._keras_shape == (None, 5, 5)
    c = Input(shape=(None, 3))
    assert layers.concatenate([c, b], axis=1)._keras_shape == (None, None, 3)


def test_concatenate_shape_error_names_shapes():
    with pytest.raises(ValueError, match=r"concat_bad.*\(None, 3, 4\).*\(None, 5, 4\)"):
        Concatenate(name="concat_bad")([Input(shape=(3, 4)), Input(shape=(5, 4))])
    with pytest.raises(ValueError, match="one rank"):
        Concatenate()([Input(shape=(3, 4)), Input(shape=(3,))])
    with pytest.raises(ValueError, match="at least 2"):
        Concatenate()([Input(shape=(3,))])


def test_concatenate_masks():
    ia, ib = Input(shape=(3,)), Input(shape=(3,))
    ea = Embedding(5, 2, mask_zero=True)(ia)
    eb = Embedding(5, 4)(ib)
    features = Concatenate()([ea, eb])
    time = Concatenate(axis=1)([ea, Embedding(5, 2)(ib)])
    da = np.array([[1, 0, 2]], np.float32)
    db = np.array([[0, 3, 1]], np.float32)
    m_feat, m_time, out = _run([ia, ib], [features._keras_mask, time._keras_mask, features],
                               [da, db])
    np.testing.assert_array_equal(m_feat, da != 0)
    np.testing.assert_array_equal(m_time, np.concatenate([da != 0, np.ones((1, 3), bool)], 1))
    assert out.shape == (1, 3, 6) and features._keras_shape == (None, 3, 6)


# --- Dot -------------------------------------------------------------------------------------

def test_dot_vectors_and_cosine():
    a, b = Input(shape=(5,)), Input(shape=(5,))
    plain = Dot(axes=1)([a, b])
    cosine = layers.dot([a, b], axes=-1, normalize=True)
    da, db = _f32(3, 5), _f32(3, 5)
    out, cos = _run([a, b], [plain, cosine], [da, db])
    np.testing.assert_allclose(out, (da * db).sum(1, keepdims=True), atol=ATOL)
    norms = np.linalg.norm(da, axis=1) * np.linalg.norm(db, axis=1)
    np.testing.assert_allclose(cos[:, 0], (da * db).sum(1) / norms, atol=ATOL)
    assert plain._keras_shape == cosine._keras_shape == (None, 1)


def test_dot_matrices_with_axis_pair():
    a, b = Input(shape=(3, 4)), Input(shape=(6, 4))
    y = Dot(axes=(2, 2))([a, b])
    z = Dot(axes=(1, 2))([Input(shape=(4, 3)), b])
    da, db = _f32(2, 3, 4), _f32(2, 6, 4)
    out = _run([a, b], y, [da, db])
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", da, db), atol=ATOL)
    assert y._keras_shape == (None, 3, 6) and z._keras_shape == (None, 3, 6)


def test_dot_errors():
    with pytest.raises(ValueError, match=r"dot_bad.*4 != 5.*\(None, 4\).*\(None, 5\)"):
        Dot(axes=1, name="dot_bad")([Input(shape=(4,)), Input(shape=(5,))])
    with pytest.raises(ValueError, match="exactly 2"):
        Dot(axes=1)([Input(shape=(4,))] * 3)
    with pytest.raises(ValueError, match="non-batch"):
        Dot(axes=0)([Input(shape=(4,)), Input(shape=(4,))])
    with pytest.raises(ValueError, match="pair of ints"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="axes"):
        Dot(axes="1")


# --- functional forms, config ------------------------------------------------------------------

def test_functional_forms_and_configs():
    a, b = Input(shape=(2,)), Input(shape=(2,))
    da, db = _f32(1, 2), _f32(1, 2)
    checks = [
        (layers.add([a, b]), da + db), (layers.subtract([a, b]), da - db),
        (layers.multiply([a, b]), da * db), (layers.average([a, b]), (da + db) / 2),
        (layers.maximum([a, b]), np.maximum(da, db)), (layers.minimum([a, b]), np.minimum(da, db)),
        (layers.concatenate([a, b], axis=-1), np.concatenate([da, db], -1)),
        (layers.dot([a, b], axes=1), (da * db).sum(1, keepdims=True)),
    ]
    outs = _run([a, b], [y for y, _ in checks], [da, db])
    for out, (_, expected) in zip(outs, checks):
        np.testing.assert_allclose(out, expected, atol=ATOL)
    model = Model([a, b], [y for y, _ in checks])
    clone = Model.from_config(json.loads(json.dumps(model.get_config())))
    for got, expected in zip(clone.predict([da, db]), outs):
        np.testing.assert_allclose(got, expected, atol=ATOL)
    dot = layers.deserialize(layers.serialize(Dot(axes=(1, 2), normalize=True)))
    assert dot.axes == (1, 2) and dot.normalize
    assert layers.deserialize(layers.serialize(Concatenate(axis=1))).axis == 1
