"""Static shape and dtype rules of the math, manipulation and random K functions.

Pure recording: nothing here runs a backend. Each test checks the static
shape/dtype of results, how static arguments are normalized in the recorded
node, and the errors raised for bad input.
"""
import numpy as np
import pytest

import polykeras.backend as K
from polykeras.backend import graph, shapes
from polykeras.backend.ops import manipulation


def P(*shape, dtype="float32"):
    return K.placeholder(shape=shape, dtype=dtype)


def recorded_ops(*tensors):
    """Names of every op recorded to compute ``tensors``."""
    return [node.op for node in graph.schedule(list(tensors))]


def assert_declared(*tensors):
    ops = [op for op in recorded_ops(*tensors) if op not in ("placeholder", "variable")]
    assert ops and all(op in K.OPS for op in ops), ops


# --- products -------------------------------------------------------------------

@pytest.mark.parametrize("x, y, expected", [
    ((2, 3), (3, 4), (2, 4)),
    ((None, 3), (3, 4), (None, 4)),
    ((2, 3, 4), (4, 5), (2, 3, 5)),
    ((2, 3, 4), (7, 4, 5), (2, 3, 7, 5)),
    ((None, 4), (None, 4, 5), (None, None, 5)),
    ((3,), (3, 4), (4,)),
    ((2, 3), (3,), (2,)),
    ((3,), (3,), ()),
])
def test_dot_shapes(x, y, expected):
    out = K.dot(P(*x), P(*y))
    assert K.int_shape(out) == expected and out.dtype == "float32"
    assert out.node.op == "dot"


def test_dot_rejects_mismatched_inner_sizes():
    with pytest.raises(ValueError, match=r"x.shape=\(2, 3\), y.shape=\(4, 5\)"):
        K.dot(P(2, 3), P(4, 5))


@pytest.mark.parametrize("x, y, axes, expected_shape, expected_axes", [
    ((32, 20), (32, 20), None, (32, 1), (1, 1)),
    ((32, 20), (32, 20), 1, (32, 1), (1, 1)),
    ((None, 20), (None, 20), (-1, -1), (None, 1), (1, 1)),
    ((32, 20), (32, 30, 20), (1, 2), (32, 30), (1, 2)),
    ((None, 3, 4), (None, 4, 5), None, (None, 3, 5), (2, 1)),
    ((None, 3, 4), (None, 5, 4), 2, (None, 3, 5), (2, 2)),
    ((None, 3, 4), (None, 5, 4), [2, 2], (None, 3, 5), (2, 2)),
    ((8, 3, 4), (8, 3, 5), (1, 1), (8, 4, 5), (1, 1)),
    ((8, 3, 4), (8, 4), None, (8, 3), (2, 1)),
    ((8, 2, 3, 4), (8, 4, 5), None, (8, 2, 3, 5), (3, 1)),
])
def test_batch_dot_shapes_and_normalized_axes(x, y, axes, expected_shape, expected_axes):
    out = K.batch_dot(P(*x), P(*y), axes=axes)
    assert K.int_shape(out) == expected_shape
    assert out.node.kwargs["axes"] == expected_axes
    assert all(isinstance(a, int) and a >= 1 for a in out.node.kwargs["axes"])


@pytest.mark.parametrize("x, y, axes, match", [
    ((32, 20), (32, 20), 0, "non-batch axes"),
    ((32, 20), (32, 20), (1, 2), "non-batch axes"),
    ((32, 20), (32, 21), 1, "must match"),
    ((32, 20), (16, 20), 1, "must match"),
    ((32,), (32, 3), None, "rank >= 2"),
    ((32, 3), (32, 3), ((1,), (1,)), "int or a pair"),
])
def test_batch_dot_errors(x, y, axes, match):
    with pytest.raises(ValueError, match=match):
        K.batch_dot(P(*x), P(*y), axes=axes)


def test_transpose_and_gather():
    assert K.int_shape(K.transpose(P(None, 3, 4))) == (4, 3, None)
    ref = P(10, 4)
    out = K.gather(ref, P(None, 2, dtype="int32"))
    assert K.int_shape(out) == (None, 2, 4) and out.dtype == "float32"
    listed = K.gather(ref, [1, 2, 3])
    assert K.int_shape(listed) == (3, 4) and listed.node.args[1].dtype == "int32"
    with pytest.raises(ValueError, match="integer indices"):
        K.gather(ref, P(3))


# --- reductions -------------------------------------------------------------------

@pytest.mark.parametrize("fn", [K.max, K.min, K.sum, K.prod, K.mean, K.any, K.all])
@pytest.mark.parametrize("axis, keepdims, expected_axis, expected_shape", [
    (None, False, None, ()),
    (None, True, None, (1, 1, 1)),
    (-1, False, 2, (None, 3)),
    (1, True, 1, (None, 1, 4)),
    ((0, -1), False, [0, 2], (3,)),
    ([1, 2], True, [1, 2], (None, 1, 1)),
])
def test_reduction_shapes_and_axes(fn, axis, keepdims, expected_axis, expected_shape):
    out = fn(P(None, 3, 4), axis=axis, keepdims=keepdims)
    assert K.int_shape(out) == expected_shape
    assert out.node.kwargs == {"axis": expected_axis, "keepdims": keepdims}
    expected_dtype = "bool" if fn in (K.any, K.all) else "float32"
    assert out.dtype == expected_dtype


def test_reduction_dtypes_and_errors():
    ints = P(2, 3, dtype="int32")
    assert K.sum(ints).dtype == "int32" and K.max(ints, 0).dtype == "int32"
    assert K.mean(ints).dtype == "float32"
    with pytest.raises(ValueError, match="out of range"):
        K.sum(P(2, 3), axis=2)
    with pytest.raises(ValueError, match="distinct axes"):
        K.max(P(2, 3), axis=[1, -1])


def test_cumulative_and_arg_reductions():
    x = P(None, 3, 4)
    assert K.int_shape(K.cumsum(x)) == (None, 3, 4)
    assert K.cumprod(x, axis=-1).node.kwargs == {"axis": 2}
    arg = K.argmax(x)
    assert K.int_shape(arg) == (None, 3) and arg.dtype == "int64"
    assert arg.node.kwargs == {"axis": 2}
    assert K.int_shape(K.argmin(x, axis=0)) == (3, 4) and K.argmin(x, 0).dtype == "int64"
    with pytest.raises(ValueError, match="single int axis"):
        K.argmax(x, axis=None)
    with pytest.raises(ValueError, match="single int axis"):
        K.cumsum(x, axis=[0, 1])


@pytest.mark.parametrize("fn", [K.var, K.std, K.logsumexp])
def test_composite_reductions(fn):
    x = P(None, 3, 4)
    out = fn(x, axis=1)
    assert K.int_shape(out) == (None, 4) and out.dtype == "float32"
    assert K.int_shape(fn(x, axis=[1, 2], keepdims=True)) == (None, 1, 1)
    assert K.int_shape(fn(x)) == ()
    assert fn.__name__ not in recorded_ops(out)
    assert fn.__name__ not in K.OPS
    assert_declared(out)
    assert fn(P(2, 3, dtype="int32")).dtype == "float32"


def test_logsumexp_subtracts_the_max():
    ops = recorded_ops(K.logsumexp(P(2, 3), axis=1))
    assert {"max", "subtract", "exp", "sum", "log", "stop_gradient"} <= set(ops)


# --- elementwise ------------------------------------------------------------------

@pytest.mark.parametrize("fn", [K.square, K.abs, K.sqrt, K.exp, K.log, K.round, K.sign,
                                K.sin, K.cos])
def test_unary_keep_shape_and_dtype(fn):
    out = fn(P(None, 3, dtype="float64"))
    assert K.int_shape(out) == (None, 3) and out.dtype == "float64"
    assert out.node.op == fn.__name__


@pytest.mark.parametrize("fn", [K.sqrt, K.exp, K.log, K.sin, K.cos])
def test_float_functions_cast_integers(fn):
    out = fn(P(2, dtype="int32"))
    assert out.dtype == "float32" and "cast" in recorded_ops(out)


@pytest.mark.parametrize("fn", [K.equal, K.not_equal, K.greater, K.greater_equal,
                                K.less, K.less_equal])
def test_comparisons_broadcast_to_bool(fn):
    out = fn(P(None, 1, 3), P(4, 1))
    assert K.int_shape(out) == (None, 4, 3) and out.dtype == "bool"


@pytest.mark.parametrize("fn", [K.maximum, K.minimum, K.pow])
def test_binary_broadcast(fn):
    assert K.int_shape(fn(P(None, 1), P(5))) == (None, 5)
    assert fn(P(2), 2.).dtype == "float32"


def test_clip_normalizes_bounds():
    x = P(None, 3)
    out = K.clip(x, 0., 1.)
    assert K.int_shape(out) == (None, 3) and out.node.kwargs == {"min_value": 0.,
                                                                  "max_value": 1.}
    assert K.clip(x, 2., 1.).node.kwargs == {"min_value": 2., "max_value": 2.}
    assert K.clip(x, None, 1.).node.kwargs["min_value"] == -np.inf
    assert K.clip(x, 0., None).node.kwargs["max_value"] == np.inf
    assert K.clip(P(2, dtype="int32"), 0, 1).dtype == "int32"


# --- joining ---------------------------------------------------------------------

@pytest.mark.parametrize("shapes_in, axis, expected, expected_axis", [
    ([(None, 2), (None, 3)], -1, (None, 5), 1),
    ([(4, 2), (None, 2)], 0, (None, 2), 0),
    ([(4, 2), (3, 2), (1, 2)], 0, (8, 2), 0),
    ([(None, 3, 2), (5, None, 1)], 2, (5, 3, 3), 2),
])
def test_concatenate_shapes(shapes_in, axis, expected, expected_axis):
    out = K.concatenate([P(*s) for s in shapes_in], axis=axis)
    assert K.int_shape(out) == expected and out.node.kwargs == {"axis": expected_axis}


def test_concatenate_errors_and_dtypes():
    with pytest.raises(ValueError, match=r"shapes=\[\(2, 3\), \(3, 3\)\]"):
        K.concatenate([P(2, 3), P(3, 3)])
    with pytest.raises(ValueError, match="one rank"):
        K.concatenate([P(2, 3), P(2, 3, 1)])
    with pytest.raises(ValueError, match="out of range"):
        K.concatenate([P(2, 3), P(2, 3)], axis=2)
    with pytest.raises(ValueError, match="non-empty"):
        K.concatenate([])
    mixed = K.concatenate([P(2, dtype="int32"), P(3)])
    assert mixed.dtype == "float32" and "cast" in recorded_ops(mixed)
    with_array = K.concatenate([P(None, 2), np.zeros((1, 2))], axis=0)
    assert K.int_shape(with_array) == (None, 2)
    assert with_array.node.args[0][1].node.op == "constant"


def test_stack():
    out = K.stack([P(None, 3), P(4, None)], axis=-1)
    assert K.int_shape(out) == (4, 3, 2) and out.node.kwargs == {"axis": 2}
    assert K.int_shape(K.stack([P(3), P(3), P(3)])) == (3, 3)
    with pytest.raises(ValueError, match="one shape"):
        K.stack([P(2, 3), P(3, 3)])


# --- reshaping --------------------------------------------------------------------

@pytest.mark.parametrize("in_shape, target, expected", [
    ((2, 3, 4), (6, 4), (6, 4)),
    ((2, 3, 4), (-1, 4), (6, 4)),
    ((2, 3, 4), (4, -1), (4, 6)),
    ((2, 3, 4), [-1], (24,)),
    ((None, 3, 4), (-1, 12), (None, 12)),
    ((None, 3, 4), (-1, 2, 6), (None, 2, 6)),
    ((None, 3, 4), (3, -1), (3, None)),
    ((2, 3, 4), np.array([4, 6]), (4, 6)),
])
def test_reshape_static_shapes(in_shape, target, expected):
    out = K.reshape(P(*in_shape), target)
    assert K.int_shape(out) == expected
    assert all(isinstance(d, int) for d in out.node.kwargs["shape"])


def test_reshape_with_symbolic_sizes():
    x = P(None, 3, 4)
    batch = K.shape(x)[0]
    out = K.reshape(x, (batch, -1))
    assert K.int_shape(out) == (None, 12) and out.node.kwargs["shape"][0] is batch
    assert K.int_shape(K.reshape(x, (batch, 2, -1))) == (None, 2, 6)
    other = P(None, 7)
    assert K.int_shape(K.reshape(x, (K.shape(other)[0], -1))) == (None, None)
    known = P(5, 7)
    resolved = K.reshape(x, (K.shape(known)[0], -1))
    assert resolved.node.kwargs["shape"][0] == 5 and K.int_shape(resolved) == (5, None)
    from_tensor = K.reshape(x, K.shape(x))
    assert K.int_shape(from_tensor) == (None, 3, 4)
    assert from_tensor.node.kwargs["shape"][1:] == [3, 4]
    assert K.int_shape(K.reshape(P(None, None), (K.shape(x)[0], -1))) == (None, None)


def test_reshape_errors():
    with pytest.raises(ValueError, match="at most one -1"):
        K.reshape(P(2, 3), (-1, -1))
    with pytest.raises(ValueError, match="6 elements"):
        K.reshape(P(2, 3), (4, 2))
    with pytest.raises(ValueError, match="do not divide"):
        K.reshape(P(2, 3), (-1, 4))
    with pytest.raises(TypeError, match="entries must be ints"):
        K.reshape(P(2, 3), (None, 3))
    with pytest.raises(ValueError, match="entries must be ints"):
        K.reshape(P(2, 3), (P(), 3))
    with pytest.raises(ValueError, match="1-D of known length"):
        K.reshape(P(2, 3), P(None, dtype="int32"))


def test_flatten_and_batch_flatten():
    assert K.int_shape(K.flatten(P(2, 3, 4))) == (24,)
    assert K.int_shape(K.flatten(P(None, 3))) == (None,)
    assert K.int_shape(K.batch_flatten(P(None, 3, 4))) == (None, 12)
    assert K.int_shape(K.batch_flatten(P(5, 3, 4))) == (5, 12)
    assert K.int_shape(K.batch_flatten(P(5, None, 4))) == (5, None)
    assert K.int_shape(K.batch_flatten(P(None, None, 4))) == (None, None)


def test_permute_expand_squeeze():
    x = P(None, 2, 3)
    out = K.permute_dimensions(x, [0, 2, 1])
    assert K.int_shape(out) == (None, 3, 2) and out.node.kwargs == {"pattern": (0, 2, 1)}
    with pytest.raises(ValueError, match="permutation"):
        K.permute_dimensions(x, (0, 1))
    with pytest.raises(ValueError, match="permutation"):
        K.permute_dimensions(x, (0, 1, 1))
    assert K.int_shape(K.expand_dims(x)) == (None, 2, 3, 1)
    assert K.expand_dims(x).node.kwargs == {"axis": 3}
    assert K.int_shape(K.expand_dims(x, 0)) == (1, None, 2, 3)
    assert K.int_shape(K.expand_dims(x, -2)) == (None, 2, 1, 3)
    with pytest.raises(ValueError, match="out of range"):
        K.expand_dims(x, 4)
    assert K.int_shape(K.squeeze(P(2, 1, 3), -2)) == (2, 3)
    assert K.squeeze(P(2, 1, 3), -2).node.kwargs == {"axis": 1}
    assert K.int_shape(K.squeeze(P(2, None), 1)) == (2,)
    with pytest.raises(ValueError, match="size 1"):
        K.squeeze(P(2, 3), 1)


def test_slice():
    x = P(4, 5, None)
    assert K.int_shape(K.slice(x, (1, 0, 0), (2, -1, 3))) == (2, 5, 3)
    assert K.int_shape(K.slice(x, [0, 2, 1], [4, 3, -1])) == (4, 3, None)
    with pytest.raises(ValueError, match="one start and one size per axis"):
        K.slice(x, (0, 0), (1, 1))
    with pytest.raises(ValueError, match="size >= -1"):
        K.slice(x, (0, 0, 0), (1, -2, 1))


# --- repeating --------------------------------------------------------------------

def test_repeat_elements_tile_repeat():
    x = P(None, 3)
    out = K.repeat_elements(x, 2, axis=-1)
    assert K.int_shape(out) == (None, 6) and out.node.kwargs == {"rep": 2, "axis": 1}
    assert K.int_shape(K.repeat_elements(x, 2, axis=0)) == (None, 3)
    with pytest.raises(ValueError, match="rep"):
        K.repeat_elements(x, 1.5, axis=0)
    tiled = K.tile(x, (2, 3))
    assert K.int_shape(tiled) == (None, 9) and tiled.node.kwargs == {"n": [2, 3]}
    assert K.tile(x, 2).node.kwargs == {"n": [1, 2]}
    assert K.int_shape(K.tile(x, 2)) == (None, 6)
    assert K.int_shape(K.tile(x, (2, 1, 1))) == (2, None, 3)
    assert K.int_shape(K.tile(P(2, 3), (K.shape(x)[0], 1))) == (None, 3)
    assert K.int_shape(K.repeat(x, 4)) == (None, 4, 3)
    with pytest.raises(ValueError, match="rank 2"):
        K.repeat(P(None, 3, 2), 4)


def test_reverse_arange_one_hot():
    x = P(None, 3, 4)
    assert K.reverse(x, -1).node.kwargs == {"axes": [2]}
    assert K.reverse(x, (0, -2)).node.kwargs == {"axes": [0, 1]}
    assert K.int_shape(K.reverse(x, 0)) == (None, 3, 4)
    r = K.arange(5)
    assert K.int_shape(r) == (5,) and r.dtype == "int32"
    assert r.node.kwargs == {"start": 0, "stop": 5, "step": 1, "dtype": "int32"}
    assert K.int_shape(K.arange(2, 9, 3)) == (3,)
    assert K.int_shape(K.arange(-3)) == (0,)
    assert K.int_shape(K.arange(0., 1., 0.25, dtype="float32")) == (4,)
    assert K.arange(0., 1., 0.25, dtype=np.float32).dtype == "float32"
    assert K.int_shape(K.arange(K.shape(x)[0])) == (None,)
    hot = K.one_hot(P(None, 7, dtype="int32"), 5)
    assert K.int_shape(hot) == (None, 7, 5) and hot.dtype == "float32"
    assert_declared(hot)


# --- padding and resizing ----------------------------------------------------------

def test_paddings():
    out = K.temporal_padding(P(None, 5, 2), (1, 2))
    assert K.int_shape(out) == (None, 8, 2)
    assert out.node.op == "pad" and out.node.kwargs == {"pad_width": ((0, 0), (1, 2), (0, 0))}
    assert K.int_shape(K.temporal_padding(P(None, None, 2))) == (None, None, 2)
    x = P(None, 4, 5, 3)
    assert K.int_shape(K.spatial_2d_padding(x, ((1, 0), (2, 2)), "channels_last")) == \
        (None, 5, 9, 3)
    first = K.spatial_2d_padding(x, data_format="channels_first")
    assert K.int_shape(first) == (None, 4, 7, 5)
    assert first.node.kwargs == {"pad_width": ((0, 0), (0, 0), (1, 1), (1, 1))}
    v = P(None, 1, 2, 3, 4)
    assert K.int_shape(K.spatial_3d_padding(v, data_format="channels_first")) == \
        (None, 1, 4, 5, 6)
    assert K.int_shape(K.spatial_3d_padding(v, ((0, 1), (0, 0), (2, 0)),
                                            "channels_last")) == (None, 2, 2, 5, 4)
    with pytest.raises(ValueError, match="rank 4"):
        K.spatial_2d_padding(P(None, 4, 5))
    with pytest.raises(ValueError, match="2 pairs"):
        K.spatial_2d_padding(x, (1, 1))
    with pytest.raises(ValueError, match="data_format"):
        K.spatial_2d_padding(x, data_format="channels_middle")


def test_padding_uses_default_data_format():
    x = P(None, 4, 5, 3)
    default = K.image_data_format()
    expected = (None, 6, 7, 3) if default == "channels_last" else (None, 4, 7, 5)
    assert K.int_shape(K.spatial_2d_padding(x)) == expected


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("data_format, shape, expected", [
    ("channels_last", (None, 4, 5, 3), (None, 8, 15, 3)),
    ("channels_first", (None, 3, 4, 5), (None, 3, 8, 15)),
])
def test_resize_images_shapes(interpolation, data_format, shape, expected):
    out = K.resize_images(P(*shape), 2, 3, data_format, interpolation=interpolation)
    assert K.int_shape(out) == expected and out.dtype == "float32"
    assert_declared(out)
    ops = set(recorded_ops(out))
    assert ("dot" in ops) == (interpolation == "bilinear")


def test_resize_images_errors():
    with pytest.raises(ValueError, match="statically known"):
        K.resize_images(P(None, None, 5, 3), 2, 2, "channels_last", interpolation="bilinear")
    with pytest.raises(ValueError, match="'nearest' or 'bilinear'"):
        K.resize_images(P(None, 4, 5, 3), 2, 2, "channels_last", interpolation="bicubic")
    with pytest.raises(ValueError, match="factors"):
        K.resize_images(P(None, 4, 5, 3), 0, 2, "channels_last")
    assert K.int_shape(K.resize_images(P(None, None, 5, 3), 2, 2, "channels_last")) == \
        (None, None, 10, 3)


def _reference_bilinear_1d(values, factor):
    """TF1 resize_bilinear (align_corners=False, no half-pixel) along axis 0, with loops."""
    size = values.shape[0]
    out = []
    for o in range(size * factor):
        src = o / factor
        low = int(np.floor(src))
        high = min(low + 1, size - 1)
        w = src - low
        out.append((1 - w) * values[low] + w * values[high])
    return np.array(out)


@pytest.mark.parametrize("size, factor", [(1, 3), (3, 2), (4, 3), (5, 1)])
def test_bilinear_interpolation_matrix(size, factor):
    values = np.random.default_rng(0).normal(size=(size, 2))
    matrix = manipulation._linear_matrix(size, factor)
    assert matrix.shape == (size, size * factor)
    np.testing.assert_allclose(matrix.T @ values, _reference_bilinear_1d(values, factor))
    np.testing.assert_allclose(matrix.sum(axis=0), 1.)


def test_resize_volumes():
    x = P(None, 1, 2, 3, 4)
    assert K.int_shape(K.resize_volumes(x, 2, 3, 4, "channels_first")) == (None, 1, 4, 9, 16)
    assert K.int_shape(K.resize_volumes(x, 2, 3, 4, "channels_last")) == (None, 2, 6, 12, 4)
    with pytest.raises(ValueError, match="rank 5"):
        K.resize_volumes(P(None, 2, 3, 4), 2, 2, 2, "channels_last")


# --- random -----------------------------------------------------------------------

@pytest.mark.parametrize("fn, params", [
    (K.random_normal, {"mean": 1., "stddev": 2.}),
    (K.random_uniform, {"minval": -1., "maxval": 1.}),
    (K.random_binomial, {"p": 0.3}),
    (K.truncated_normal, {"mean": 0., "stddev": 0.5}),
])
def test_random_shapes_dtypes_and_recorded_arguments(fn, params):
    x = P(None, 3)
    out = fn((2, 3), seed=7, **params)
    assert K.int_shape(out) == (2, 3) and out.dtype == K.floatx()
    assert out.node.op == fn.__name__ and out.node.args == ()
    assert out.node.kwargs == dict(shape=[2, 3], dtype="float32", seed=7, **params)
    symbolic = fn(K.shape(x), **params)
    assert K.int_shape(symbolic) == (None, 3)
    assert symbolic.node.kwargs["shape"][1] == 3 and K.is_tensor(symbolic.node.kwargs["shape"][0])
    assert K.int_shape(fn((K.shape(x)[0], 4), **params)) == (None, 4)
    assert fn([5], dtype=np.float64, **params).dtype == "float64"
    with pytest.raises(TypeError, match="entries must be ints"):
        fn((2., 3), **params)
    with pytest.raises(ValueError, match="sizes >= 0"):
        fn((-1, 3), **params)


# --- shape helpers -----------------------------------------------------------------

def test_shape_helpers_on_unknown_rank():
    assert shapes.concatenate([None, None], 0) is None
    assert shapes.concatenate([None, (2, 3)], 0) == (None, 3)
    assert shapes.dot(None, (2, 3)) is None
    assert shapes.reshape(None, [-1, 3]) == (None, 3)
    assert shapes.tile(None, [2]) is None
    assert shapes.common_dtype(["int32", "float16", "float32"]) == "float32"
    assert shapes.common_dtype(["int32", "int64"]) == "int64"
    assert shapes.merge_dim(None, 3) == 3
    with pytest.raises(ValueError, match="Received: 2 and 3"):
        shapes.merge_dim(2, 3)
    u = K.placeholder(ndim=None)
    assert K.int_shape(K.sum(u, axis=1)) is None
    assert K.int_shape(K.reshape(u, (-1, 2))) == (None, 2)


def test_products_cast_mixed_dtypes_to_a_common_one():
    out = K.dot(P(2, 3, dtype="int32"), P(3, 4))
    assert out.dtype == "float32" and "cast" in recorded_ops(out)
    assert K.batch_dot(P(2, 3, dtype="float64"), P(2, 3)).dtype == "float64"
    assert K.dot(P(2, 3), np.ones((3, 4))).node.args[1].dtype == "float32"
