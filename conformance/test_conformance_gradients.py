"""Gradients of every differentiable op spec against central finite differences.

For each case, in float64 (``K.set_floatx('float64')`` and float64 inputs),
``K.gradients(sum(expr * W), inputs_and_variables)`` with a random weight
``W`` is compared with central differences (step 1e-6) of the backend's own
forward function. Coordinates are checked one by one (a seeded subset of at
most :data:`MAX_COORDS` per input) plus one random direction over all of them.
"""
import numpy as np
import pytest

from polykeras import backend as K
from op_specs import all_cases, as_list, case_id, make_inputs

STEP = 1e-6
RTOL = 1e-4
ATOL = 1e-4
MAX_COORDS = 40


def _differentiable(s, c):
    if not s.grad or (s.grad_cases is not None and c.id not in s.grad_cases):
        return False
    return any(i.is_float() and i.diff for i in c.inputs)


def _params():
    return [pytest.param(p, id=case_id(p), marks=pytest.mark.conformance_family(p[0].family))
            for p in all_cases(_differentiable)]


def _build_loss(s, c, tensors, placeholders, feeds, rng):
    outputs = as_list(s.build(*tensors, **c.params))
    values = K.function(placeholders, outputs)(feeds)
    loss = 0.
    for out, val in zip(outputs, values):
        if np.asarray(val).dtype.kind != "f":
            continue
        weight = rng.uniform(0.5, 1.5, np.shape(val)) * rng.choice([-1., 1.], np.shape(val))
        loss = loss + K.sum(out * K.constant(weight, dtype=str(np.asarray(val).dtype)))
    return loss


class _Forward:
    """The loss as a function of one input array (placeholder feed or variable)."""

    def __init__(self, f_loss, feeds, target, feed_index):
        self.f_loss, self.feeds = f_loss, feeds
        self.target, self.feed_index = target, feed_index

    def base(self):
        return (self.feeds[self.feed_index] if self.feed_index is not None
                else K.get_value(self.target))

    def __call__(self, value):
        feeds = list(self.feeds)
        if self.feed_index is not None:
            feeds[self.feed_index] = value
        else:
            K.set_value(self.target, value)
        return float(np.asarray(self.f_loss(feeds)[0]))


@pytest.mark.parametrize("pair", _params())
def test_gradient_matches_finite_differences(pair):
    """K.gradients agrees with central differences of the backend's forward pass."""
    s, c = pair
    K.set_floatx("float64")
    rng = np.random.default_rng(s.seed(c) + 1)
    arrays = s.arrays(c, float_dtype="float64")
    tensors, placeholders, feeds, _ = make_inputs(K, s, c, arrays)
    loss = _build_loss(s, c, tensors, placeholders, feeds, rng)
    assert K.is_tensor(loss), f"{s.name}: no float output to differentiate"
    targets = []
    for inp, t in zip(c.inputs, tensors):
        if inp.is_float() and inp.diff and inp.kind != "constant":
            index = next((i for i, p in enumerate(placeholders) if p is t), None)
            targets.append((t, index))
    grads = K.gradients(loss, [t for t, _ in targets])
    assert len(grads) == len(targets)
    f_loss = K.function(placeholders, [loss])
    grad_values = K.function(placeholders, grads)(feeds)
    for n, ((target, index), g) in enumerate(zip(targets, grad_values)):
        forward = _Forward(f_loss, feeds, target, index)
        base = forward.base().copy()
        g = np.asarray(g)
        what = f"{s.name}[{c.id}] d/d(input {n})"
        assert g.shape == base.shape, f"{what}: expected shape {base.shape}. Received: {g.shape}"
        flat = np.arange(base.size)
        if base.size > MAX_COORDS:
            flat = rng.choice(base.size, MAX_COORDS, replace=False)
        numeric, analytic = [], []
        for k in flat:
            bump = np.zeros(base.size)
            bump[k] = STEP
            bump = bump.reshape(base.shape)
            numeric.append((forward(base + bump) - forward(base - bump)) / (2 * STEP))
            analytic.append(g.reshape(-1)[k])
        direction = rng.standard_normal(base.shape)
        numeric.append((forward(base + STEP * direction) - forward(base - STEP * direction))
                       / (2 * STEP))
        analytic.append(float(np.sum(g * direction)))
        if index is None:
            K.set_value(target, base)
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{what}: gradient differs from finite differences "
                                           "(last entry: random direction)")
