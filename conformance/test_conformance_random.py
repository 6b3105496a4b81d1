"""Random ops: shapes, dtypes, moments on large samples, seeding, dropout.

Moments are checked on 100,000 draws with bounds of about 4 standard errors,
so a correct backend fails a bound with probability below 1e-4 per check
(and seeded draws make the outcome fixed for a given backend anyway).
"""
import numpy as np
import pytest

from polykeras import backend as K

SHAPE = (200, 500)
N = SHAPE[0] * SHAPE[1]

RANDOM_OPS = {
    "random_normal": lambda shape, **kw: K.random_normal(shape, mean=1.5, stddev=2., **kw),
    "random_uniform": lambda shape, **kw: K.random_uniform(shape, minval=-2., maxval=3., **kw),
    "random_binomial": lambda shape, **kw: K.random_binomial(shape, p=0.3, **kw),
    "truncated_normal": lambda shape, **kw: K.truncated_normal(shape, mean=1., stddev=0.5,
                                                               **kw),
}
# (mean, std) of each distribution above; truncated at 2 stddev the std is
# 0.5 * sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) = 0.43982.
MOMENTS = {"random_normal": (1.5, 2.), "random_uniform": (0.5, 5. / np.sqrt(12.)),
           "random_binomial": (0.3, np.sqrt(0.21)), "truncated_normal": (1., 0.43982)}


def _draw(op, shape=SHAPE, **kw):
    return K.function([], [RANDOM_OPS[op](shape, **kw)])


@pytest.mark.parametrize("op", sorted(RANDOM_OPS))
@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_shape_and_dtype(op, dtype):
    """Static and actual shape and dtype (``None``: floatx)."""
    t = RANDOM_OPS[op]((3, 4), dtype=dtype)
    expected = dtype or K.floatx()
    assert K.int_shape(t) == (3, 4)
    assert K.dtype(t) == expected
    value = K.function([], [t])([])[0]
    assert value.shape == (3, 4) and str(value.dtype) == expected


@pytest.mark.parametrize("op", sorted(RANDOM_OPS))
def test_dynamic_shape(op):
    """A shape built from ``K.shape(x)`` follows the fed batch size."""
    x = K.placeholder(shape=(None, 3))
    t = RANDOM_OPS[op]([K.shape(x)[0], 5])
    assert K.int_shape(t) == (None, 5)
    f = K.function([x], [t])
    assert f([np.zeros((7, 3))])[0].shape == (7, 5)
    assert f([np.zeros((2, 3))])[0].shape == (2, 5)


@pytest.mark.parametrize("op", sorted(RANDOM_OPS))
def test_moments(op):
    """Sample mean and standard deviation of 100,000 draws."""
    values = _draw(op, seed=11)([])[0].astype(np.float64)
    mean, std = MOMENTS[op]
    assert abs(values.mean() - mean) < 4 * std / np.sqrt(N), (
        f"{op}: expected mean {mean}. Received: {values.mean()}")
    assert abs(values.std() - std) < 4 * std / np.sqrt(N) * 1.5, (
        f"{op}: expected std {std}. Received: {values.std()}")


def test_value_ranges():
    """Uniform in [minval, maxval), binomial in {0, 1}, truncated within 2 stddev."""
    u = _draw("random_uniform", seed=3)([])[0]
    assert u.min() >= -2. and u.max() < 3.
    b = _draw("random_binomial", seed=3)([])[0]
    assert set(np.unique(b).tolist()) == {0., 1.}
    t = _draw("truncated_normal", seed=3)([])[0]
    assert t.min() >= 0. and t.max() <= 2., (t.min(), t.max())


@pytest.mark.parametrize("p", [0.0, 0.1, 0.75, 1.0])
def test_binomial_proportions(p):
    """The share of ones is ``p``."""
    b = K.function([], [K.random_binomial(SHAPE, p=p, seed=5)])([])[0]
    assert abs(b.mean() - p) < 4 * np.sqrt(p * (1 - p) / N) + 1e-12, (p, b.mean())


@pytest.mark.parametrize("op", sorted(RANDOM_OPS))
def test_calls_draw_anew(op):
    """Two calls of one compiled function give different draws, seeded or not."""
    for seed in (None, 7):
        f = _draw(op, shape=(50, 40), seed=seed)
        first, second = f([])[0], f([])[0]
        assert not np.array_equal(first, second), f"{op} seed={seed}: repeated draws"


@pytest.mark.parametrize("op", sorted(RANDOM_OPS))
def test_seed_reproducible(op):
    """Two functions built with the same seed give the same sequence of draws."""
    f, g = _draw(op, shape=(50, 40), seed=1234), _draw(op, shape=(50, 40), seed=1234)
    f1, f2 = f([])[0], f([])[0]
    g1, g2 = g([])[0], g([])[0]
    np.testing.assert_array_equal(f1, g1, err_msg=f"{op}: first draws differ for one seed")
    np.testing.assert_array_equal(f2, g2, err_msg=f"{op}: second draws differ for one seed")
    h = _draw(op, shape=(50, 40), seed=4321)
    assert not np.array_equal(h([])[0], f1), f"{op}: seeds 1234 and 4321 draw the same"


@pytest.mark.parametrize("op", sorted(RANDOM_OPS))
def test_same_seed_twice_in_one_function(op):
    """Two ops with the same seed in one function draw the same values."""
    a, b = RANDOM_OPS[op]((30, 20), seed=99), RANDOM_OPS[op]((30, 20), seed=99)
    va, vb = K.function([], [a, b])([])
    np.testing.assert_array_equal(va, vb)


def test_dropout_statistics():
    """Dropped share is ``level``; kept entries are scaled by ``1 / (1 - level)``."""
    x = K.placeholder(shape=(None, 500))
    f = K.function([x], [K.dropout(x, 0.4, seed=8)])
    y = f([np.ones(SHAPE, np.float32)])[0]
    assert y.shape == SHAPE and str(y.dtype) == "float32"
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1. / 0.6, rtol=1e-6)
    assert abs(1 - kept.mean() - 0.4) < 4 * np.sqrt(0.24 / N)
    y2 = f([np.ones(SHAPE, np.float32)])[0]
    assert not np.array_equal(y, y2), "dropout: two calls drop the same entries"


def test_dropout_noise_shape():
    """With ``noise_shape=(n, 1)`` whole rows are dropped or kept."""
    x = K.placeholder(shape=(400, 30))
    y = K.function([x], [K.dropout(x, 0.5, noise_shape=(400, 1), seed=2)])(
        [np.ones((400, 30), np.float32)])[0]
    rows = y != 0
    assert np.all(rows.all(axis=1) | (~rows).all(axis=1)), "dropout: rows partially dropped"
    assert 0.35 < rows[:, 0].mean() < 0.65


def test_dropout_seeded_reproducible():
    """Two dropout functions with the same seed drop the same entries."""
    x = K.placeholder(shape=(None, 50))
    ones = [np.ones((40, 50), np.float32)]
    a = K.function([x], [K.dropout(x, 0.3, seed=21)])(ones)[0]
    b = K.function([x], [K.dropout(x, 0.3, seed=21)])(ones)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make, mean, std", [
    (lambda seed: K.random_uniform_variable((300, 300), -1., 1., seed=seed), 0.,
     2. / np.sqrt(12.)),
    (lambda seed: K.random_normal_variable((300, 300), 2., 0.5, seed=seed), 2., 0.5),
], ids=["uniform_variable", "normal_variable"])
def test_random_variables(make, mean, std):
    """Random variables: shape, floatx dtype, moments; the same seed gives the same value."""
    v = make(5)
    value = K.get_value(v)
    assert K.is_variable(v) and value.shape == (300, 300) and str(value.dtype) == K.floatx()
    assert abs(value.mean() - mean) < 4 * std / 300 and abs(value.std() - std) < 0.01
    np.testing.assert_array_equal(K.get_value(make(5)), value)
