"""Control flow: rnn (vs a NumPy loop, and its gradients), switch, map_fn, foldl, foldr."""
import itertools

import numpy as np
import pytest

from polykeras import backend as K

B, T, D, U = 3, 5, 4, 2


def _rnn_reference(x, w, u, h0, acc0, mask, go_backwards, const):
    """The step below, looped in NumPy; masked steps keep the previous output and states."""
    steps = range(T - 1, -1, -1) if go_backwards else range(T)
    h, acc, prev, outputs = h0, acc0, np.zeros_like(h0), []
    for t in steps:
        out = np.tanh(x[:, t] @ w + h @ u + (const if const is not None else 0.))
        new_acc = acc + x[:, t].sum(axis=1, keepdims=True)
        if mask is not None:
            m = mask[:, t][:, None]
            out, h, acc = np.where(m, out, prev), np.where(m, out, h), np.where(m, new_acc, acc)
        else:
            h, acc = out, new_acc
        prev = out
        outputs.append(out)
    return outputs[-1], np.stack(outputs, axis=1), [h, acc]


def _rnn_graph(x, w, u, h0, acc0, mask, go_backwards, unroll, const):
    def step(x_t, states):
        h, acc = states[0], states[1]
        pre = K.dot(x_t, w) + K.dot(h, u)
        if const is not None:
            pre = pre + states[2]
        out = K.tanh(pre)
        return out, [out, acc + K.sum(x_t, axis=1, keepdims=True)]
    return K.rnn(step, x, [h0, acc0], go_backwards=go_backwards, mask=mask, unroll=unroll,
                 constants=[const] if const is not None else None)


def _mask():
    """Holes inside the sequences; first and last steps kept, because the output of
    a masked first step (zeros or the initial state) differs between Keras 2's
    own backends."""
    mask = np.ones((B, T), bool)
    mask[0, 2:4] = False
    mask[1, 2] = False
    mask[2, 1] = False
    return mask


def _rnn_setup(dtype, use_mask, use_const, seed=0):
    rng = np.random.default_rng(seed)
    arrays = dict(x=rng.standard_normal((B, T, D)), w=rng.standard_normal((D, U)) * 0.5,
                  u=rng.standard_normal((U, U)) * 0.5, h0=rng.standard_normal((B, U)) * 0.1,
                  acc0=rng.standard_normal((B, 1)), const=rng.standard_normal((B, U)))
    arrays = {k: v.astype(dtype) for k, v in arrays.items()}
    if not use_const:
        arrays["const"] = None
    arrays["mask"] = _mask() if use_mask else None
    return arrays


FLAGS = list(itertools.product([False, True], repeat=4))


@pytest.mark.parametrize("go_backwards, unroll, use_mask, use_const", FLAGS,
                         ids=["-".join(n for n, f in zip(("backwards", "unroll", "mask", "const"),
                                                        flags) if f) or "plain"
                              for flags in FLAGS])
def test_rnn_matches_loop(go_backwards, unroll, use_mask, use_const):
    """last output, outputs and final states vs a NumPy loop; static shapes."""
    a = _rnn_setup("float32", use_mask, use_const)
    x = K.placeholder(shape=(None, T, D))
    h0, acc0 = K.placeholder(shape=(None, U)), K.placeholder(shape=(None, 1))
    w, u = K.variable(a["w"]), K.variable(a["u"])
    mask = K.placeholder(shape=(None, T), dtype="bool") if use_mask else None
    const = K.placeholder(shape=(None, U)) if use_const else None
    last, outputs, states = _rnn_graph(x, w, u, h0, acc0, mask, go_backwards, unroll, const)
    assert K.int_shape(last) in ((None, U), (B, U))
    assert K.int_shape(outputs) in ((None, T, U),)
    assert len(states) == 2 and K.int_shape(states[1]) == (None, 1)
    inputs = [x, h0, acc0] + ([mask] if use_mask else []) + ([const] if use_const else [])
    feeds = [a["x"], a["h0"], a["acc0"]] + ([a["mask"]] if use_mask else []) + (
        [a["const"]] if use_const else [])
    got = K.function(inputs, [last, outputs] + list(states))(feeds)
    want_last, want_outputs, want_states = _rnn_reference(
        a["x"], a["w"], a["u"], a["h0"], a["acc0"], a["mask"], go_backwards, a["const"])
    for g, want, what in zip(got, [want_last, want_outputs] + want_states,
                             ["last_output", "outputs", "state h", "state acc"]):
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-5, err_msg=what)


@pytest.mark.parametrize("unroll, use_mask", [(False, False), (True, False), (False, True),
                                              (True, True)])
def test_rnn_gradients_vs_finite_differences(unroll, use_mask):
    """Gradients through rnn w.r.t. weights (variables), inputs and initial state."""
    K.set_floatx("float64")
    a = _rnn_setup("float64", use_mask, False, seed=1)
    x = K.placeholder(shape=(None, T, D), dtype="float64")
    h0 = K.placeholder(shape=(None, U), dtype="float64")
    acc0 = K.constant(a["acc0"], dtype="float64")
    w, u = K.variable(a["w"], dtype="float64"), K.variable(a["u"], dtype="float64")
    mask = K.constant(a["mask"], dtype="bool") if use_mask else None
    last, outputs, states = _rnn_graph(x, w, u, h0, acc0, mask, False, unroll, None)
    weight = np.random.default_rng(3).standard_normal((B, T, U))
    loss = K.sum(outputs * K.constant(weight, dtype="float64")) + K.sum(K.square(last))
    targets = [w, u, x, h0]
    f_loss = K.function([x, h0], [loss])
    grads = K.function([x, h0], K.gradients(loss, targets))([a["x"], a["h0"]])
    eps = 1e-6
    for n, (target, g) in enumerate(zip(targets, grads)):
        base = K.get_value(target) if K.is_variable(target) else a[("x", "h0")[n - 2]]
        numeric = np.zeros(base.size)
        for k in range(base.size):
            vals = []
            for sign in (1., -1.):
                bumped = base.copy().reshape(-1)
                bumped[k] += sign * eps
                bumped = bumped.reshape(base.shape)
                if K.is_variable(target):
                    K.set_value(target, bumped)
                    vals.append(f_loss([a["x"], a["h0"]])[0])
                else:
                    feeds = [bumped, a["h0"]] if n == 2 else [a["x"], bumped]
                    vals.append(f_loss(feeds)[0])
            numeric[k] = (vals[0] - vals[1]) / (2 * eps)
        if K.is_variable(target):
            K.set_value(target, base)
        np.testing.assert_allclose(np.asarray(g).reshape(-1), numeric, rtol=1e-4, atol=1e-4,
                                   err_msg=f"d loss / d target {n}")


# --- switch ------------------------------------------------------------------------------

def test_switch_scalar_condition_from_graph():
    """A scalar condition computed in the graph selects a branch at run time."""
    x = K.placeholder(shape=(None, 2))
    y = K.switch(K.greater(K.sum(x), 0.), lambda: x * 2., lambda: x * 3.)
    f = K.function([x], [y])
    pos, neg = np.ones((2, 2), np.float32), -np.ones((2, 2), np.float32)
    np.testing.assert_allclose(f([pos])[0], pos * 2)
    np.testing.assert_allclose(f([neg])[0], neg * 3)


# --- map_fn / foldl / foldr -----------------------------------------------------------------

def test_map_fn():
    """map_fn applies fn to each row."""
    x = K.placeholder(shape=(None, 3))
    y = K.map_fn(lambda row: row * 2. + K.sum(row), x)
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = K.function([x], [y])([a])[0]
    np.testing.assert_allclose(out, a * 2 + a.sum(axis=1, keepdims=True))
    assert out.shape == (4, 3) and str(out.dtype) == "float32"


def test_map_fn_dtype():
    """map_fn with an explicit output dtype."""
    x = K.placeholder(shape=(None, 3))
    y = K.map_fn(lambda row: K.cast(K.argmax(row), "int32"), x, dtype="int32")
    a = np.array([[0., 2., 1.], [5., 1., 0.]], np.float32)
    out = K.function([x], [y])([a])[0]
    np.testing.assert_array_equal(out, [1, 0])


def _fold_ref(a, init, reverse):
    acc = init
    for row in (a[::-1] if reverse else a):
        acc = acc * 2. + row
    return acc


@pytest.mark.parametrize("name", ["foldl", "foldr"])
def test_folds(name):
    """foldl folds first-to-last, foldr last-to-first, with and without initializer."""
    x = K.placeholder(shape=(None, 3))
    fold = getattr(K, name)
    with_init = fold(lambda acc, row: acc * 2. + row, x, initializer=K.zeros_like(x[0]) + 1.)
    without = fold(lambda acc, row: acc * 2. + row, x)
    a = np.arange(12, dtype=np.float32).reshape(4, 3) - 5.
    reverse = name == "foldr"
    got_init, got = K.function([x], [with_init, without])([a])
    np.testing.assert_allclose(got_init, _fold_ref(a, np.ones(3), reverse))
    rest = a[:-1] if reverse else a[1:]
    np.testing.assert_allclose(got, _fold_ref(rest, a[-1] if reverse else a[0], reverse))


def test_fold_gradient():
    """Gradients flow through foldl."""
    w = K.variable([1., 2.])
    x = K.placeholder(shape=(None, 2))
    total = K.foldl(lambda acc, row: acc + row * w, x, initializer=K.zeros_like(w))
    g = K.function([x], K.gradients(K.sum(total), [w]))([np.ones((3, 2), np.float32)])[0]
    np.testing.assert_allclose(g, [3., 3.])
