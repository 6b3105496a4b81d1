"""``polykeras.regularizers`` and ``polykeras.constraints``: penalties and
projections against NumPy formulas, their gradients, argument errors,
configs and name resolution (aliases, custom objects, plugins, close-match
suggestions).

Runs on the active backend; each test evaluates its tensors in one
``K.function`` call.
"""
import json

import numpy as np
import pytest

import polykeras.backend as K
from polykeras import constraints, regularizers
from polykeras.utils.serialization import custom_object_scope

RNG = np.random.RandomState(2024)
W = RNG.normal(0., 1.5, size=(6, 4)).astype("float32")
KERNEL = RNG.normal(0., 0.8, size=(3, 3, 2, 5)).astype("float32")
EPS = 1e-7  # K.epsilon()


def evaluate(*tensors):
    """NumPy values of ``tensors``, computed by one program."""
    return K.function([], list(tensors))([])


# --- regularizers ------------------------------------------------------------------------

@pytest.mark.parametrize("l1, l2", [(0.01, 0.), (0., 0.02), (0.3, 0.05)])
def test_l1l2_penalty_matches_numpy(l1, l2):
    penalty = regularizers.L1L2(l1=l1, l2=l2)(K.constant(W))
    assert K.ndim(penalty) == 0
    (value,) = evaluate(penalty)
    w = W.astype("float64")
    assert float(value) == pytest.approx(l1 * np.abs(w).sum() + l2 * (w ** 2).sum(), rel=1e-5)


def test_factories_and_their_defaults():
    assert regularizers.l1().get_config() == {"l1": 0.01, "l2": 0.}
    assert regularizers.l2().get_config() == {"l1": 0., "l2": 0.01}
    assert regularizers.l1_l2().get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.l1(0.5).get_config() == {"l1": 0.5, "l2": 0.}
    assert regularizers.l2(l=0.25).l2 == 0.25
    assert regularizers.l1_l2(l1=0.1, l2=0.2).get_config() == {"l1": 0.1, "l2": 0.2}


def test_zero_penalties_are_symbolic_zero_scalars():
    x = K.constant(W)
    penalties = [regularizers.L1L2()(x), regularizers.Regularizer()(x)]
    for penalty in penalties:
        assert K.is_tensor(penalty) and K.ndim(penalty) == 0
    assert [float(v) for v in evaluate(*penalties)] == [0., 0.]


def test_penalty_gradient_is_l1_sign_plus_twice_l2_w():
    v = K.variable(W)
    loss = regularizers.l1_l2(l1=0.3, l2=0.05)(v)
    (grad,) = evaluate(K.gradients(loss, [v])[0])
    np.testing.assert_allclose(grad, 0.3 * np.sign(W) + 2 * 0.05 * W, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"l1": "0.1"}, r"`l1` must be a finite number.*Received: l1='0.1'"),
    ({"l2": float("nan")}, r"Received: l2=nan"),
    ({"l2": None}, r"Received: l2=None"),
])
def test_l1l2_rejects_non_numbers(kwargs, message):
    with pytest.raises(ValueError, match=message):
        regularizers.L1L2(**kwargs)


def test_regularizer_configs_round_trip_through_json():
    reg = regularizers.L1L2(l1=0.125, l2=3)
    config = json.loads(json.dumps(regularizers.serialize(reg)))
    assert config == {"class_name": "L1L2", "config": {"l1": 0.125, "l2": 3.}}
    restored = regularizers.deserialize(config)
    assert type(restored) is regularizers.L1L2 and restored.get_config() == reg.get_config()
    assert regularizers.L1L2.from_config(reg.get_config()).get_config() == reg.get_config()


def test_regularizer_get():
    assert regularizers.get(None) is None
    assert regularizers.get("l2").get_config() == {"l1": 0., "l2": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.get("L1L2").get_config() == {"l1": 0., "l2": 0.}
    assert regularizers.get({"class_name": "L1L2", "config": {"l1": 0.2}}).l1 == 0.2
    reg = regularizers.l2(0.5)
    assert regularizers.get(reg) is reg
    with pytest.raises(ValueError, match=r"Could not interpret regularizer identifier.*"
                                         r"Received: 0.1"):
        regularizers.get(0.1)
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l1_l3'. Did you mean: .*l1_l2"):
        regularizers.get("l1_l3")


def test_custom_regularizers_resolve_through_custom_objects():
    def total_abs(x):
        return 0.5 * K.sum(K.abs(x))

    class Offset(regularizers.Regularizer):
        def __init__(self, target=1.):
            self.target = target

        def __call__(self, x):
            return K.sum(K.square(x - self.target))

        def get_config(self):
            return {"target": self.target}

    assert regularizers.serialize(total_abs) == "total_abs"
    with custom_object_scope({"total_abs": total_abs}):
        assert regularizers.get("total_abs") is total_abs  # a function, not a factory
    restored = regularizers.deserialize(regularizers.serialize(Offset(2.)),
                                        custom_objects={"Offset": Offset})
    (value,) = evaluate(restored(K.constant(W)))
    assert float(value) == pytest.approx(((W.astype("float64") - 2.) ** 2).sum(), rel=1e-5)


# --- constraints ---------------------------------------------------------------------------

def np_norms(w, axis):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return np.sqrt((w.astype("float64") ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("w, axis", [(W, 0), (W, 1), (KERNEL, [0, 1, 2]), (KERNEL, 3)])
def test_max_norm_caps_the_norm_of_each_vector(w, axis):
    max_value = 2.5
    (got,) = evaluate(constraints.MaxNorm(max_value, axis=axis)(K.constant(w)))
    norms = np_norms(w, axis)
    expected = w * (np.minimum(norms, max_value) / (EPS + norms))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    new_norms = np_norms(got, axis)
    assert np.all(new_norms <= max_value * (1 + 1e-5))
    small = norms < max_value  # vectors already inside are kept
    np.testing.assert_allclose(np.broadcast_to(new_norms, norms.shape)[small], norms[small],
                               rtol=1e-5)


def test_max_norm_rescales_only_the_columns_above_the_cap():
    w = np.array([[3., 0.3, 0.03], [4., 0.4, 0.04]], dtype="float32")  # norms 5, 0.5, 0.05
    (got,) = evaluate(constraints.max_norm(1.)(K.constant(w)))
    np.testing.assert_allclose(got, [[0.6, 0.3, 0.03], [0.8, 0.4, 0.04]], rtol=1e-5)


def test_non_neg_zeroes_negative_weights():
    (got,) = evaluate(constraints.NonNeg()(K.constant(W)))
    np.testing.assert_array_equal(got, np.where(W >= 0, W, 0.))
    assert (W < 0).any()


@pytest.mark.parametrize("w, axis", [(W, 0), (W, 1), (KERNEL, [0, 1, 2])])
def test_unit_norm_rescales_to_norm_one(w, axis):
    (got,) = evaluate(constraints.UnitNorm(axis=axis)(K.constant(w)))
    np.testing.assert_allclose(got, w / (EPS + np_norms(w, axis)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np_norms(got, axis), 1., rtol=1e-5)


@pytest.mark.parametrize("rate", [1.0, 0.5, 0.])
def test_min_max_norm_moves_norms_toward_the_interval(rate):
    lo, hi = 1.5, 2.5
    (got,) = evaluate(constraints.MinMaxNorm(lo, hi, rate=rate, axis=0)(K.constant(W)))
    norms = np_norms(W, 0)
    assert (norms < lo).any() or (norms > hi).any()
    desired = rate * np.clip(norms, lo, hi) + (1 - rate) * norms
    np.testing.assert_allclose(got, W * desired / (EPS + norms), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_norms(got, 0), desired, rtol=1e-5)


def test_base_constraint_is_the_identity():
    x = K.constant(W)
    assert constraints.Constraint()(x) is x


@pytest.mark.parametrize("make, message", [
    (lambda: constraints.MaxNorm(-1.), (r"`max_value` must be a non-negative number. "
                                       r"Received: max_value=-1.0")),
    (lambda: constraints.MaxNorm("3"), r"Received: max_value='3'"),
    (lambda: constraints.MinMaxNorm(2., 1.), (r"min_value <= max_value. "
                                             r"Received: min_value=2.0, max_value=1.0")),
    (lambda: constraints.MinMaxNorm(rate=1.5), (r"`rate` must be a number in \[0, 1\]. "
                                               r"Received: rate=1.5")),
])
def test_constraint_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


CONSTRAINTS = [
    constraints.MaxNorm(3, axis=[0, 1, 2]),
    constraints.NonNeg(),
    constraints.UnitNorm(axis=1),
    constraints.MinMaxNorm(0.5, 2., rate=0.25, axis=0),
]


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=lambda c: type(c).__name__)
def test_constraint_configs_round_trip_through_json(constraint):
    config = json.loads(json.dumps(constraints.serialize(constraint)))
    assert config["class_name"] == type(constraint).__name__
    restored = constraints.deserialize(config)
    assert type(restored) is type(constraint)
    assert restored.get_config() == constraint.get_config()


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
    ("maxnorm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("nonneg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm),
    ("unitnorm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
])
def test_constraint_names_give_default_instances(name, cls):
    constraint = constraints.get(name)
    assert type(constraint) is cls and constraint.get_config() == cls().get_config()


def test_lowercase_aliases_are_the_classes():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0., "max_value": 1.,
                                                     "rate": 1., "axis": 0}


def test_constraint_get_and_custom_objects():
    assert constraints.get(None) is None
    assert constraints.get({"class_name": "UnitNorm", "config": {"axis": 2}}).axis == 2

    def clip_unit(w):
        return K.clip(w, -1., 1.)

    assert constraints.get(clip_unit) is clip_unit
    assert constraints.deserialize("clip_unit", custom_objects={"clip_unit": clip_unit}) \
        is clip_unit
    with custom_object_scope({"clip_unit": clip_unit}):
        assert constraints.get("clip_unit") is clip_unit
    with pytest.raises(ValueError, match=r"Could not interpret constraint identifier.*"
                                         r"Received: 3"):
        constraints.get(3)
    with pytest.raises(ValueError, match=r"Unknown constraint: 'max_nrom'. "
                                         r"Did you mean: .*max_norm"):
        constraints.get("max_nrom")


PLUGIN = """
from polykeras import hookimpl
from polykeras.constraints import Constraint
from polykeras.regularizers import Regularizer
import polykeras.backend as K

class Clip(Constraint):
    def __init__(self, bound=1.):
        self.bound = bound

    def __call__(self, w):
        return K.clip(w, -self.bound, self.bound)

    def get_config(self):
        return {"bound": self.bound}

class SumSquares(Regularizer):
    def __call__(self, x):
        return K.sum(K.square(x))

@hookimpl
def polykeras_register_constraints(register):
    register(Clip)

@hookimpl
def polykeras_register_regularizers(register):
    register(SumSquares)
"""


def test_plugins_register_constraints_and_regularizers(install_distribution):
    install_distribution("clip-plugin", {"polykeras.plugins": {"clip": "clipmod"}},
                         {"clipmod": PLUGIN})
    clip = constraints.deserialize({"class_name": "Clip", "config": {"bound": 0.5}})
    reg = regularizers.get("SumSquares")
    assert constraints.deserialize(constraints.serialize(clip)).get_config() == {"bound": 0.5}
    clipped, penalty = evaluate(clip(K.constant(W)), reg(K.constant(W)))
    np.testing.assert_allclose(clipped, np.clip(W, -0.5, 0.5))
    assert float(penalty) == pytest.approx(float((W.astype("float64") ** 2).sum()), rel=1e-5)


def test_module_exports_have_docstrings_with_examples():
    for module in (regularizers, constraints):
        for name in module.__all__:
            doc = getattr(module, name).__doc__ or ""
            assert "Example:" in doc, f"{module.__name__}.{name}"
