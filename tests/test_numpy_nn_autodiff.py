"""The NumPy backend's nn, conv/pool, control-flow and CTC primitives.

* every VJP rule of those families against central finite differences in
  float64, through ``K.function`` / ``K.gradients`` on placeholders (and
  the rule itself called directly with a random cotangent);
* convolutions, transposed convolutions and pooling against naive
  direct-loop references written here, over strides, paddings, dilations and
  both data formats;
* ``rnn`` backpropagation through time (masking, ``go_backwards``) and the
  functional loops against finite differences;
* CTC loss against brute-force path enumeration, decoding against brute-force
  search.
"""
import itertools

import numpy as np
import pytest

import polykeras.backend as K
from polykeras_numpy import control, conv, ctc, nn
from polykeras_numpy.autodiff import Tape
from polykeras_numpy.backend import NumpyBackend

RNG = np.random.RandomState(4321)
B = NumpyBackend()


@pytest.fixture(autouse=True)
def numpy_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYKERAS_HOME", str(tmp_path / "home"))
    with K.use_backend("numpy"):
        yield


def U(*shape, low=-1.0, high=1.0):
    """Uniform float64 test input."""
    return RNG.uniform(low, high, size=shape)


def distinct(*shape):
    """Distinct values at least 0.1 apart (no ties for max pooling), shuffled."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.1 - n * 0.05).reshape(shape)


def probabilities(*shape):
    """Softmax rows of moderate logits (float64)."""
    e = np.exp(RNG.uniform(-1.5, 1.5, size=shape))
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------
# finite differences
# ---------------------------------------------------------------------------

def numeric_gradient(f, arrays, i, eps=1e-6):
    """Central differences of the scalar ``f(arrays)`` w.r.t. ``arrays[i]``."""
    numeric = np.zeros_like(arrays[i])
    for j in range(arrays[i].size):
        plus = [a.copy() for a in arrays]
        minus = [a.copy() for a in arrays]
        plus[i].flat[j] += eps
        minus[i].flat[j] -= eps
        numeric.flat[j] = (f(plus) - f(minus)) / (2 * eps)
    return numeric


def check_gradients(build, arrays, rtol=1e-5, atol=1e-7):
    """``K.gradients`` of ``sum(build(*inputs) * w)`` against central differences.

    Only the floating-point inputs are differentiated.
    """
    inputs = [K.placeholder(shape=a.shape, dtype=str(a.dtype)) for a in arrays]
    out = build(*inputs)
    weights = K.constant(RNG.uniform(0.5, 1.5, size=out.shape), dtype=out.dtype)
    loss = K.sum(out * weights)
    wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    forward = K.function(inputs, [loss])
    backward = K.function(inputs, K.gradients(loss, [inputs[i] for i in wrt]))
    analytic = backward(list(arrays))
    for i, grad in zip(wrt, analytic):
        numeric = numeric_gradient(lambda a: forward(a)[0], arrays, i)
        assert grad.shape == arrays[i].shape and grad.dtype == arrays[i].dtype
        np.testing.assert_allclose(grad, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient w.r.t. input {i}")


# Each case: (op whose rule it checks, builder over K, inputs).
CASES = [
    ("relu", lambda x: K.relu(x), [U(3, 4, low=-2, high=2)]),
    ("sigmoid", lambda x: K.sigmoid(x), [U(3, 4, low=-6, high=6)]),
    ("tanh", lambda x: K.tanh(x), [U(3, 4, low=-3, high=3)]),
    ("softplus", lambda x: K.softplus(x), [U(3, 4, low=-6, high=6)]),
    ("softmax", lambda x: K.softmax(x), [U(3, 5, low=-3, high=3)]),
    ("softmax", lambda x: K.softmax(x, axis=1), [U(2, 4, 3, low=-3, high=3)]),
    ("conv1d", lambda x, k: K.conv1d(x, k, strides=2, padding="same"), [U(2, 7, 3), U(3, 3, 2)]),
    ("conv1d", lambda x, k: K.conv1d(x, k, padding="causal", dilation_rate=2),
     [U(2, 6, 2), U(2, 2, 3)]),
    ("conv1d", lambda x, k: K.conv1d(x, k, data_format="channels_first"),
     [U(2, 3, 6), U(3, 3, 2)]),
    ("conv2d", lambda x, k: K.conv2d(x, k), [U(2, 5, 4, 2), U(3, 2, 2, 3)]),
    ("conv2d", lambda x, k: K.conv2d(x, k, strides=(2, 2), padding="same"),
     [U(2, 5, 6, 2), U(3, 3, 2, 2)]),
    ("conv2d", lambda x, k: K.conv2d(x, k, padding="same", dilation_rate=(2, 1),
                                     data_format="channels_first"),
     [U(1, 2, 5, 4), U(2, 3, 2, 3)]),
    ("conv3d", lambda x, k: K.conv3d(x, k, strides=(1, 2, 1), padding="same"),
     [U(1, 3, 4, 3, 2), U(2, 2, 2, 2, 2)]),
    ("conv3d", lambda x, k: K.conv3d(x, k, data_format="channels_first"),
     [U(1, 2, 3, 3, 4), U(2, 2, 3, 2, 1)]),
    ("depthwise_conv2d", lambda x, k: K.depthwise_conv2d(x, k, padding="same"),
     [U(2, 4, 5, 2), U(3, 3, 2, 2)]),
    ("depthwise_conv2d", lambda x, k: K.depthwise_conv2d(
        x, k, strides=(2, 2), data_format="channels_first"), [U(1, 3, 5, 5), U(2, 2, 3, 1)]),
    ("conv2d_transpose", lambda x, k: K.conv2d_transpose(
        x, k, (2, 6, 5, 2), strides=(2, 2), padding="same"), [U(2, 3, 3, 3), U(3, 3, 2, 3)]),
    ("conv2d_transpose", lambda x, k: K.conv2d_transpose(
        x, k, (1, 2, 6, 5), strides=(1, 1), padding="valid", dilation_rate=(2, 1),
        data_format="channels_first"), [U(1, 3, 2, 3), U(3, 3, 2, 3)]),
    ("conv3d_transpose", lambda x, k: K.conv3d_transpose(
        x, k, (1, 4, 3, 5, 2), strides=(2, 1, 2), padding="same"),
     [U(1, 2, 3, 3, 2), U(2, 2, 3, 2, 2)]),
    ("pool2d", lambda x: K.pool2d(x, (2, 2), strides=(2, 2), pool_mode="max"),
     [distinct(2, 4, 5, 2)]),
    ("pool2d", lambda x: K.pool2d(x, (3, 3), strides=(2, 2), padding="same", pool_mode="max",
                                  data_format="channels_first"), [distinct(1, 2, 5, 4)]),
    ("pool2d", lambda x: K.pool2d(x, (3, 2), strides=(2, 1), padding="same", pool_mode="avg"),
     [U(2, 5, 4, 2)]),
    ("pool3d", lambda x: K.pool3d(x, (2, 2, 2), strides=(1, 2, 2), pool_mode="max"),
     [distinct(1, 3, 4, 4, 2)]),
    ("pool3d", lambda x: K.pool3d(x, (2, 3, 2), strides=(2, 2, 2), padding="same",
                                  pool_mode="avg", data_format="channels_first"),
     [U(1, 2, 3, 5, 3)]),
    ("select", lambda c, x, y: K.switch(c, x, y),
     [RNG.rand(3, 2) > 0.5, U(3, 2, 4), U(3, 2, 4)]),
    ("select", lambda c, x: K.switch(c, x, x * 2.0), [RNG.rand(4) > 0.5, U(4, 3)]),
    ("ctc_batch_cost", lambda yt, yp, il, ll: K.ctc_batch_cost(yt, yp, il, ll),
     [np.array([[1, 1, 0], [2, 0, 0], [0, 2, 1]], dtype=np.int32), probabilities(3, 7, 4),
      np.array([[7], [5], [6]], dtype=np.int32), np.array([[2], [1], [3]], dtype=np.int32)]),
]


@pytest.mark.parametrize("op, build, arrays", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_gradient_matches_finite_differences(op, build, arrays):
    check_gradients(build, arrays)


# The same rules called directly: rule(g, ans, *args, **kwargs) with a random g.
RULE_CASES = [
    ("sigmoid", [U(2, 3, low=-5, high=5)], {}),
    ("softmax", [U(2, 3, 4)], {"axis": 0}),
    ("conv2d", [U(1, 4, 5, 2), U(2, 3, 2, 2)],
     {"strides": (2, 1), "padding": "same", "data_format": "channels_last",
      "dilation_rate": (1, 1)}),
    ("conv2d_transpose", [U(1, 2, 3, 2), U(3, 2, 3, 2)],
     {"output_shape": [np.int64(1), np.int32(4), 5, 3], "strides": (2, 2),
      "padding": "same", "data_format": "channels_last", "dilation_rate": (1, 1)}),
    ("depthwise_conv2d", [U(1, 4, 4, 2), U(2, 2, 2, 3)],
     {"strides": (1, 1), "padding": "valid", "data_format": "channels_last",
      "dilation_rate": (2, 2)}),
    ("pool2d", [distinct(1, 5, 5, 1)],
     {"pool_size": (3, 3), "strides": (2, 2), "padding": "same", "data_format": "channels_last",
      "pool_mode": "max"}),
    ("select", [np.array([True, False, True]), U(3, 2), U(2)], {}),
]


@pytest.mark.parametrize("op, arrays, kwargs", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_called_directly(op, arrays, kwargs):
    method = getattr(B, op)
    rule = getattr(type(B), op).vjp
    ans = method(*arrays, **kwargs)
    g = U(*ans.shape)
    grads = rule(g, ans, *arrays, **kwargs)
    for i, a in enumerate(arrays):
        if a.dtype.kind != "f":
            assert grads[i] is None
            continue
        numeric = numeric_gradient(lambda arr: np.sum(g * method(*arr, **kwargs)), arrays, i)
        np.testing.assert_allclose(grads[i], numeric, rtol=1e-5, atol=1e-7)


MIXINS = [(nn, nn.NNOps), (conv, conv.ConvOps), (control, control.ControlOps),
          (ctc, ctc.CtcOps)]


def test_every_rule_has_a_finite_difference_case():
    checked = {case[0] for case in CASES}
    for _, cls in MIXINS:
        for name, member in vars(cls).items():
            if getattr(member, "vjp", None) is not None:
                assert name in checked, f"no finite-difference case for {name!r}"


@pytest.mark.parametrize("module, cls", MIXINS, ids=[m.__name__ for m, _ in MIXINS])
def test_non_differentiable_ops_are_declared(module, cls):
    for name in module.NON_DIFFERENTIABLE:
        assert callable(getattr(cls, name))
        assert getattr(getattr(cls, name), "vjp", None) is None
    for name, member in vars(cls).items():
        if callable(member) and hasattr(member, "vjp") and member.vjp is None:
            assert name in module.NON_DIFFERENTIABLE


# ---------------------------------------------------------------------------
# naive references (direct loops) for conv and pooling
# ---------------------------------------------------------------------------

def ref_geometry(n, k, s, d, padding):
    """(pad before, output size) of one spatial axis, TensorFlow rules."""
    eff = d * (k - 1) + 1
    if padding == "valid":
        return 0, (n - eff) // s + 1
    out = (n + s - 1) // s
    return max((out - 1) * s + eff - n, 0) // 2, out


def ref_conv(x, w, strides, padding, dilation, depthwise=False):
    """Channels-last direct convolution; ``w`` is ``(*k, C, O)`` (``(*k, C, M)``)."""
    nsp = x.ndim - 2
    ksize = w.shape[:nsp]
    geo = [ref_geometry(n, k, s, d, padding)
           for n, k, s, d in zip(x.shape[1:-1], ksize, strides, dilation)]
    outs = [o for _, o in geo]
    channels = x.shape[-1] * w.shape[-1] if depthwise else w.shape[-1]
    out = np.zeros((x.shape[0],) + tuple(outs) + (channels,))
    for pos in np.ndindex(*outs):
        acc = np.zeros((x.shape[0], channels))
        for tap in np.ndindex(*ksize):
            idx = [p * s - before + t * d for p, t, s, d, (before, _) in
                   zip(pos, tap, strides, dilation, geo)]
            if all(0 <= i < n for i, n in zip(idx, x.shape[1:-1])):
                pixel = x[(slice(None),) + tuple(idx)]
                if depthwise:
                    acc += (pixel[:, :, None] * w[tap]).reshape(x.shape[0], -1)
                else:
                    acc += pixel @ w[tap]
        out[(slice(None),) + pos] = acc
    return out


def ref_conv_transpose(x, w, out_spatial, strides, padding, dilation):
    """Scatter definition: each input pixel adds ``w[tap] @ x`` at its output cells."""
    nsp = x.ndim - 2
    ksize = w.shape[:nsp]
    geo = [ref_geometry(n, k, s, d, padding)
           for n, k, s, d in zip(out_spatial, ksize, strides, dilation)]
    out = np.zeros((x.shape[0],) + tuple(out_spatial) + (w.shape[-2],))
    for pos in np.ndindex(*x.shape[1:-1]):
        for tap in np.ndindex(*ksize):
            idx = [p * s - before + t * d for p, t, s, d, (before, _) in
                   zip(pos, tap, strides, dilation, geo)]
            if all(0 <= i < n for i, n in zip(idx, out_spatial)):
                out[(slice(None),) + tuple(idx)] += x[(slice(None),) + pos] @ w[tap].T
    return out


def ref_pool(x, pool_size, strides, padding, mode):
    """Channels-last direct pooling over the real (unpadded) cells of each window."""
    geo = [ref_geometry(n, k, s, 1, padding)
           for n, k, s in zip(x.shape[1:-1], pool_size, strides)]
    outs = [o for _, o in geo]
    out = np.zeros((x.shape[0],) + tuple(outs) + (x.shape[-1],))
    for pos in np.ndindex(*outs):
        cells = []
        for tap in np.ndindex(*pool_size):
            idx = [p * s - before + t for p, t, s, (before, _) in zip(pos, tap, strides, geo)]
            if all(0 <= i < n for i, n in zip(idx, x.shape[1:-1])):
                cells.append(x[(slice(None),) + tuple(idx)])
        cells = np.stack(cells)
        out[(slice(None),) + pos] = cells.max(axis=0) if mode == "max" else cells.mean(axis=0)
    return out


def first(x):
    return np.moveaxis(x, -1, 1)


def last(x):
    return np.moveaxis(x, 1, -1)


CONV_GRID = [
    # (spatial shape, kernel size, strides, padding, dilation)
    ((7,), (3,), (1,), "valid", (1,)),
    ((8,), (3,), (3,), "same", (1,)),
    ((9,), (2,), (1,), "same", (3,)),
    ((6, 7), (3, 3), (1, 1), "same", (1, 1)),
    ((6, 7), (3, 2), (2, 3), "same", (1, 1)),
    ((7, 6), (2, 3), (2, 2), "valid", (1, 1)),
    ((8, 7), (3, 3), (1, 1), "same", (2, 3)),
    ((8, 8), (2, 2), (1, 2), "valid", (3, 1)),
    ((4, 5, 4), (2, 3, 2), (1, 2, 1), "same", (1, 1, 1)),
    ((5, 4, 4), (3, 2, 2), (2, 1, 1), "valid", (1, 2, 1)),
]


@pytest.mark.parametrize("spatial, ksize, strides, padding, dilation", CONV_GRID)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_matches_direct_loops(spatial, ksize, strides, padding, dilation, data_format):
    x = U(2, *spatial, 3).astype(np.float32)
    w = U(*ksize, 3, 4).astype(np.float32)
    expected = ref_conv(x.astype(np.float64), w.astype(np.float64), strides, padding, dilation)
    op = getattr(B, f"conv{len(spatial)}d")
    feed = first(x) if data_format == "channels_first" else x
    got = op(feed, w, strides=strides, padding=padding, data_format=data_format,
             dilation_rate=dilation)
    assert got.dtype == np.float32
    if data_format == "channels_first":
        got = last(got)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("spatial, ksize, strides, padding, dilation", CONV_GRID)
def test_conv_gathered_in_small_blocks_gives_the_same_values_and_gradients(
        monkeypatch, spatial, ksize, strides, padding, dilation):
    # Blocks of a few output rows of one sample (the path a large image takes)
    # against whole-batch blocks and the direct loops.
    x = U(3, *spatial, 3).astype(np.float32)
    w = U(*ksize, 3, 4).astype(np.float32)
    op = getattr(B, f"conv{len(spatial)}d")
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}

    def run():
        with Tape() as tape:
            out = op(x, w, **kwargs)
            return out, tape.gradients(B.square(out), [x, w])

    out, (dx, dw) = run()
    monkeypatch.setattr(conv, "_BLOCK_BYTES", 64)
    assert len(conv._blocks((3,) + out.shape[1:-1] + (w[..., 0].size,), 4)) > 3
    small_out, (small_dx, small_dw) = run()
    expected = ref_conv(x.astype(np.float64), w.astype(np.float64), strides, padding, dilation)
    np.testing.assert_allclose(small_out, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(small_out, out, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(small_dx, dx, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(small_dw, dw, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("spatial, ksize, strides, padding, dilation",
                         [c for c in CONV_GRID if len(c[0]) == 2])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_conv_matches_direct_loops(spatial, ksize, strides, padding, dilation,
                                             data_format):
    x = U(2, *spatial, 3)
    w = U(*ksize, 3, 2)
    expected = ref_conv(x, w, strides, padding, dilation, depthwise=True)
    feed = first(x) if data_format == "channels_first" else x
    got = B.depthwise_conv2d(feed, w, strides=strides, padding=padding,
                             data_format=data_format, dilation_rate=dilation)
    if data_format == "channels_first":
        got = last(got)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("spatial, ksize, strides, padding, dilation", CONV_GRID[3:])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_transpose_matches_scatter_loops(spatial, ksize, strides, padding, dilation,
                                              data_format):
    if len(spatial) == 3 and dilation != (1, 1, 1):
        dilation = (1, 1, 1)  # conv3d_transpose has no dilation_rate
    outs = [ref_geometry(n, k, s, d, padding)[1]
            for n, k, s, d in zip(spatial, ksize, strides, dilation)]
    x = U(2, *outs, 3)
    w = U(*ksize, 4, 3)  # (*k, out, in)
    expected = ref_conv_transpose(x, w, spatial, strides, padding, dilation)
    if data_format == "channels_first":
        feed, shape = first(x), [np.int32(2), 4] + list(spatial)
    else:
        feed, shape = x, [np.int64(2)] + list(spatial) + [4]
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    if len(spatial) == 2:
        got = B.conv2d_transpose(feed, w, output_shape=shape, dilation_rate=dilation, **kwargs)
    else:
        got = B.conv3d_transpose(feed, w, output_shape=shape, **kwargs)
    if data_format == "channels_first":
        got = last(got)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_conv_transpose_rejects_an_inconsistent_output_shape():
    with pytest.raises(ValueError, match="output_shape"):
        B.conv2d_transpose(U(1, 3, 3, 2), U(3, 3, 1, 2), output_shape=[1, 9, 9, 1],
                           strides=(2, 2), padding="same")


POOL_GRID = [
    ((6, 7), (2, 2), (2, 2), "valid"),
    ((6, 7), (3, 3), (2, 2), "same"),
    ((5, 5), (2, 3), (1, 2), "same"),
    ((7, 5), (3, 2), (3, 1), "valid"),
    ((4, 5, 3), (2, 2, 2), (2, 2, 1), "same"),
    ((5, 4, 4), (3, 2, 2), (1, 2, 2), "valid"),
]


@pytest.mark.parametrize("spatial, pool_size, strides, padding", POOL_GRID)
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pool_matches_direct_loops(spatial, pool_size, strides, padding, mode, data_format):
    x = U(2, *spatial, 3).astype(np.float32)
    expected = ref_pool(x.astype(np.float64), pool_size, strides, padding, mode)
    op = getattr(B, f"pool{len(spatial)}d")
    feed = first(x) if data_format == "channels_first" else x
    got = op(feed, pool_size=pool_size, strides=strides, padding=padding,
             data_format=data_format, pool_mode=mode)
    assert got.dtype == np.float32
    if data_format == "channels_first":
        got = last(got)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_max_pool_gradient_goes_to_one_winner_per_window():
    x = np.ones((1, 2, 2, 1))
    with Tape() as tape:
        out = B.pool2d(x, pool_size=(2, 2), strides=(1, 1), pool_mode="max")
        (dx,) = tape.gradients(out, [x])
    assert dx.sum() == 1.0 and np.count_nonzero(dx) == 1


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_tiling_max_pool_gradient_goes_to_the_first_maximum_of_each_window(padding):
    # strides equal to the pool size: the windows tile the input (the fast path)
    x = np.zeros((1, 5, 4, 2))
    x[0, 1, 1, 1] = x[0, 0, 3, 1] = x[0, 1, 2, 1] = 1.0  # a tie at (0, 3) and (1, 2)
    with Tape() as tape:
        out = B.pool2d(x, pool_size=(2, 2), strides=(2, 2), padding=padding, pool_mode="max")
        (dx,) = tape.gradients(out, [x])
    expected = np.zeros_like(x)
    rows = 3 if padding == "same" else 2  # 'same' adds a window over the fifth row
    for r in range(rows):
        for c in range(2):
            expected[0, 2 * r, 2 * c, 0] = 1.0  # all-zero window: its first cell
    expected[0, 2, 0, 1] = expected[0, 2, 2, 1] = 1.0
    expected[0, 1, 1, 1] = expected[0, 0, 3, 1] = 1.0  # (0, 3) comes first in window order
    if padding == "same":
        expected[0, 4, 0, 1] = expected[0, 4, 2, 1] = 1.0
    np.testing.assert_array_equal(dx, expected)


def ref_max_pool_grad(x, g, pool_size, strides, padding):
    """Direct loops: each window's output gradient goes to the first of its
    real cells, in window order, that holds the window's maximum."""
    geo = [ref_geometry(n, k, s, 1, padding)
           for n, k, s in zip(x.shape[1:-1], pool_size, strides)]
    dx = np.zeros_like(x)
    for sample, channel in np.ndindex(x.shape[0], x.shape[-1]):
        for pos in np.ndindex(*g.shape[1:-1]):
            cells = [tuple(p * s - before + t for p, t, s, (before, _) in
                           zip(pos, tap, strides, geo)) for tap in np.ndindex(*pool_size)]
            cells = [c for c in cells if all(0 <= i < n for i, n in zip(c, x.shape[1:-1]))]
            values = [x[(sample,) + c + (channel,)] for c in cells]
            dx[(sample,) + cells[int(np.argmax(values))] + (channel,)] += \
                g[(sample,) + pos + (channel,)]
    return dx


@pytest.mark.parametrize("spatial, pool_size, strides, padding", POOL_GRID)
def test_max_pool_gradient_with_ties_matches_direct_loops(spatial, pool_size, strides, padding):
    # three levels only: most windows hold tied maxima, and overlapping
    # windows share cells (each adds its gradient to its own first maximum)
    x = RNG.randint(0, 3, size=(2, *spatial, 3)).astype(np.float32)
    g = U(2, *ref_pool(x, pool_size, strides, padding, "max").shape[1:]).astype(np.float32)
    out = getattr(B, f"pool{len(spatial)}d")(x, pool_size=pool_size, strides=strides,
                                              padding=padding, pool_mode="max")
    (dx,) = conv._pool_vjp(g, out, x, pool_size=pool_size, strides=strides, padding=padding)
    np.testing.assert_allclose(dx, ref_max_pool_grad(x, g, pool_size, strides, padding),
                               rtol=1e-6, atol=1e-6)


def test_conv_through_k_function_with_a_symbolic_batch_size():
    x = K.placeholder((None, 4, 4, 3))
    kernel = K.constant(U(3, 3, 2, 3), dtype="float32")
    y = K.conv2d_transpose(x, kernel, (K.shape(x)[0], 8, 8, 2), strides=(2, 2),
                           padding="same")
    value = K.function([x], [y])([U(5, 4, 4, 3).astype(np.float32)])[0]
    assert value.shape == (5, 8, 8, 2) and value.dtype == np.float32


# ---------------------------------------------------------------------------
# nn forwards
# ---------------------------------------------------------------------------

def test_activations_are_stable_and_keep_dtype():
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=np.float32)
    sig = B.sigmoid(x)
    assert sig.dtype == np.float32 and np.all(np.isfinite(sig))
    np.testing.assert_allclose(sig, [0.0, 9.357623e-14, 0.5, 1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(B.softplus(x), [0.0, 9.357623e-14, np.log(2), 30.0, 1000.0],
                               rtol=1e-6)
    sm = B.softmax(np.array([[1000.0, 1000.0, -1000.0]], dtype=np.float32), axis=-1)
    assert sm.dtype == np.float32
    np.testing.assert_allclose(sm, [[0.5, 0.5, 0.0]])
    np.testing.assert_allclose(B.tanh(x), np.tanh(x))


def test_in_top_k_counts_ties_in():
    predictions = np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.3, 0.0],
                            [0.3, 0.3, 0.3, 0.3], [np.nan, 0.1, 0.2, 0.3]], dtype=np.float32)
    targets = np.array([2, 2, 3, 3], dtype=np.int32)
    np.testing.assert_array_equal(B.in_top_k(predictions, targets, 1),
                                  [True, False, True, True])
    np.testing.assert_array_equal(B.in_top_k(predictions, targets, 2),
                                  [True, True, True, True])
    np.testing.assert_array_equal(B.in_top_k(predictions, np.array([9, -1, 0, 0]), 4),
                                  [False, False, True, False])
    assert B.in_top_k(predictions, targets, 1).dtype == np.bool_


# ---------------------------------------------------------------------------
# control flow
# ---------------------------------------------------------------------------

def test_scalar_switch_calls_only_the_chosen_branch():
    calls = []

    def branch(value):
        def fn():
            calls.append(value)
            return np.float32(value)
        return fn
    assert B.switch(np.array(False), branch(1.0), branch(2.0)) == 2.0
    assert calls == [2.0]
    assert B.switch(True, np.float32([3.0]), branch(4.0)).tolist() == [3.0]


def test_tensor_switch_expands_trailing_axes_and_keeps_dtype():
    cond = np.array([True, False])
    x = np.ones((2, 3), np.float32)
    out = B.switch(cond, x, 0.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 1, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match="rank"):
        B.switch(np.ones((2, 3, 4), bool), x, x)


def simple_rnn_step(W, U_):
    def step(x_t, states):
        h = B.tanh(B.add(B.dot(x_t, W), B.dot(states[0], U_)))
        return h, [h]
    return step


def reference_rnn(x, W, U_, h0, mask, go_backwards):
    h, prev, outs = h0, np.zeros_like(h0), []
    times = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in times:
        new = np.tanh(x[:, t] @ W + h @ U_)
        m = mask[:, t, None]
        h = np.where(m, new, h)
        prev = np.where(m, new, prev)
        outs.append(prev)
    return prev, np.stack(outs, axis=1), h


@pytest.mark.parametrize("go_backwards", [False, True])
def test_rnn_forward_with_mask(go_backwards):
    x, W, U_, h0 = U(3, 5, 2), U(2, 4), U(4, 4), U(3, 4)
    mask = RNG.rand(3, 5) > 0.3
    mask[1] = False  # an item masked everywhere keeps zeros and its initial state
    last, outputs, states = B.rnn(simple_rnn_step(W, U_), x, [h0], go_backwards=go_backwards,
                                  mask=mask)
    ref_last, ref_outputs, ref_state = reference_rnn(x, W, U_, h0, mask, go_backwards)
    np.testing.assert_allclose(outputs, ref_outputs, rtol=1e-12)
    np.testing.assert_allclose(last, ref_last, rtol=1e-12)
    np.testing.assert_allclose(states[0], ref_state, rtol=1e-12)
    np.testing.assert_array_equal(outputs[1], 0.0)


@pytest.mark.parametrize("go_backwards, masked", [(False, False), (True, True)])
def test_rnn_backpropagation_through_time_on_the_tape(go_backwards, masked):
    arrays = [U(2, 4, 3), U(3, 3), U(3, 3) * 0.5, U(2, 3)]
    mask = np.array([[1, 1, 0, 1], [1, 0, 1, 0]], bool) if masked else None
    weights = U(2, 4, 3)

    def run(arrs):
        x, W, U_, h0 = arrs
        last, outputs, states = B.rnn(simple_rnn_step(W, U_), x, [h0],
                                      go_backwards=go_backwards, mask=mask)
        return B.add(B.sum(B.multiply(outputs, weights)), B.sum(states[0]))

    with Tape() as tape:
        loss = run(arrays)
        grads = tape.gradients(loss, arrays)
    for i, grad in enumerate(grads):
        numeric = numeric_gradient(run, arrays, i)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_rnn_gradients_through_k_rnn():
    def build(x, W, h0, mask):
        def step(x_t, states):
            h = K.tanh(K.dot(x_t, W) + states[0] * 0.5)
            return h, [h]
        last, outputs, states = K.rnn(step, x, [h0], mask=mask)
        return outputs + K.expand_dims(last, 1) + K.expand_dims(states[0], 1)
    check_gradients(build, [U(2, 3, 2), U(2, 3), U(2, 3),
                            np.array([[True, False, True], [True, True, False]])])


def test_map_fn_and_folds_gradients_through_k():
    check_gradients(lambda x: K.map_fn(lambda row: K.sum(row * row), x), [U(4, 3)])
    check_gradients(lambda x, a: K.foldl(lambda acc, row: acc * row + 1.0, x, a),
                    [U(3, 2), U(2)])
    check_gradients(lambda x, a: K.foldr(lambda acc, row: K.sin(acc) * row, x, a),
                    [U(3, 2), U(2)])


def test_map_fn_and_folds_forward():
    x = U(4, 3)
    np.testing.assert_allclose(B.map_fn(lambda r: B.sum(r), x), x.sum(axis=1))
    assert B.map_fn(lambda r: B.sum(r), x, dtype="float32").dtype == np.float32
    order = []

    def record(acc, row):
        order.append(row[0])
        return B.add(acc, row)
    np.testing.assert_allclose(B.foldr(record, x, np.zeros(3)), x.sum(axis=0))
    assert order == list(x[::-1, 0])
    np.testing.assert_allclose(B.foldl(B.subtract, x, None), x[0] - x[1:].sum(axis=0))


# ---------------------------------------------------------------------------
# CTC
# ---------------------------------------------------------------------------

def collapse(path, blank):
    out = [k for i, k in enumerate(path) if k != blank and (i == 0 or k != path[i - 1])]
    return tuple(out)


def brute_force_labelings(probs, blank):
    """Probability of every labeling, summed over all frame paths."""
    totals = {}
    for path in itertools.product(range(probs.shape[1]), repeat=probs.shape[0]):
        p = np.prod(probs[np.arange(probs.shape[0]), path])
        key = collapse(path, blank)
        totals[key] = totals.get(key, 0.0) + p
    return totals


def normalized(y):
    """What ctc_batch_cost uses as probabilities: (y + eps) renormalised."""
    y = y + 1e-7
    return y / y.sum(axis=-1, keepdims=True)


def test_ctc_loss_matches_path_enumeration():
    y = probabilities(3, 5, 3)
    labels = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.int32)
    label_length = np.array([[2], [1], [0]])
    input_length = np.array([[5], [4], [3]])
    loss = B.ctc_batch_cost(labels, y.astype(np.float32), input_length, label_length)
    assert loss.shape == (3, 1) and loss.dtype == np.float32
    for b in range(3):
        probs = normalized(y[b, :input_length[b, 0]])
        target = tuple(labels[b, :label_length[b, 0]])
        expected = -np.log(brute_force_labelings(probs, blank=2)[target])
        np.testing.assert_allclose(loss[b, 0], expected, rtol=1e-5)


def test_ctc_loss_of_an_impossible_label_is_inf_with_zero_gradient():
    y = probabilities(1, 2, 3)
    labels = np.array([[1, 1]])
    args = (labels, y, np.array([[2]]), np.array([[2]]))
    with Tape() as tape:
        loss = B.ctc_batch_cost(*args)
        (dy,) = tape.gradients(loss, [y])
    assert np.isinf(loss[0, 0]) and np.all(dy == 0)


def test_ctc_greedy_decode():
    blank = 3
    best = np.array([[0, 0, blank, 0, 1, 1, 2], [blank, 2, 2, blank, blank, 1, 1]])
    y = np.full((2, 7, 4), 0.1, np.float32)
    y[np.arange(2)[:, None], np.arange(7)[None, :], best] = 0.7
    decoded, log_prob = B.ctc_decode(y, np.array([7, 4]), greedy=True)
    assert len(decoded) == 1 and decoded[0].dtype == np.int64
    np.testing.assert_array_equal(decoded[0], [[0, 0, 1, 2], [2, -1, -1, -1]])
    np.testing.assert_allclose(log_prob, -np.log(0.7 + 1e-7) * np.array([[7], [4]]),
                               rtol=1e-6)


def test_ctc_beam_search_finds_the_most_probable_labelings():
    y = probabilities(2, 4, 3)
    input_length = np.array([4, 3])
    decoded, log_prob = B.ctc_decode(y, input_length, greedy=False, beam_width=50,
                                     top_paths=3)
    assert len(decoded) == 3 and log_prob.shape == (2, 3)
    for b in range(2):
        totals = brute_force_labelings(normalized(y[b, :input_length[b]]), blank=2)
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:3]
        for k, (labeling, p) in enumerate(ranked):
            row = decoded[k][b]
            assert tuple(row[row >= 0]) == labeling
            np.testing.assert_allclose(log_prob[b, k], np.log(p), rtol=1e-6)


def test_ctc_label_dense_to_sparse():
    labels = np.array([[5, 6, 7], [8, 9, 9]], dtype=np.int32)
    indices, values, shape = B.ctc_label_dense_to_sparse(labels, np.array([1, 3]))
    assert indices.dtype == np.int64 and shape.dtype == np.int64
    np.testing.assert_array_equal(indices, [[0, 0], [1, 0], [1, 1], [1, 2]])
    np.testing.assert_array_equal(values, [5, 8, 9, 9])
    np.testing.assert_array_equal(shape, [2, 3])


def test_ctc_decode_through_k_function():
    y = K.placeholder((None, 5, 4))
    lengths = K.placeholder((None,), dtype="int32")
    decoded, log_prob = K.ctc_decode(y, lengths, greedy=False, beam_width=4, top_paths=2)
    values = K.function([y, lengths], decoded + [log_prob])(
        [probabilities(3, 5, 4).astype(np.float32), np.array([5, 3, 1], np.int32)])
    assert len(values) == 3 and values[2].shape == (3, 2)
    assert all(v.dtype == np.int64 and v.shape[0] == 3 for v in values[:2])
