"""Optimizers against NumPy references of each algorithm, plus state, config and lookup.

Every trajectory test trains the same least-squares problem (a weight matrix
and a bias, fresh mini-batches each step) through ``K.function`` with the
optimizer's updates, and compares the parameters after every step with a
float64 NumPy implementation of the algorithm written here. Hyperparameters
live in float32 variables, so the references use their float32-rounded values.
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import optimizers
from polykeras.utils.serialization import custom_object_scope

STEPS = 6
_rng = np.random.default_rng(1234)
X_BATCHES = _rng.normal(size=(2 * STEPS, 4, 3)).astype("float32")
Y_BATCHES = _rng.normal(size=(2 * STEPS, 4, 2)).astype("float32")
W0 = (0.5 * _rng.normal(size=(3, 2))).astype("float32")
B0 = np.array([0.1, -0.2], dtype="float32")


def f32(value):
    """A hyperparameter as the float32 variable holds it, in float64."""
    return float(np.float32(value))


# --- the problem --------------------------------------------------------------------------


def numpy_gradients(params, step):
    w, b = params
    x, y = X_BATCHES[step].astype("float64"), Y_BATCHES[step].astype("float64")
    residual = x @ w + b - y
    scale = 2. / residual.size
    return [scale * x.T @ residual, scale * residual.sum(axis=0)]


class Trainer:
    """Variables ``w``, ``b`` trained by ``optimizer`` with one ``K.function``."""

    def __init__(self, optimizer, w=W0, b=B0, w_constraint=None):
        self.optimizer = optimizer
        self.w = K.variable(w, constraint=w_constraint)
        self.b = K.variable(b)
        x, y = K.placeholder(shape=(None, 3)), K.placeholder(shape=(None, 2))
        loss = K.mean(K.square(K.dot(x, self.w) + self.b - y))
        updates = optimizer.get_updates(loss, [self.w, self.b])
        self.step_fn = K.function([x, y], [loss], updates)

    def params(self):
        return [K.get_value(self.w), K.get_value(self.b)]

    def run(self, steps):
        """Train on the batches of ``steps``; the parameters after each step."""
        trajectory = []
        for step in steps:
            self.step_fn([X_BATCHES[step], Y_BATCHES[step]])
            trajectory.append(self.params())
        return trajectory


def reference_trajectory(update, steps=range(STEPS), clipnorm=0., clipvalue=0.,
                         constraint=None):
    """Run a NumPy update rule ``update(params, grads, k) -> params`` (k from 0)."""
    params = [W0.astype("float64"), B0.astype("float64")]
    trajectory, active = [], set()
    for k, step in enumerate(steps):
        grads = numpy_gradients(params, step)
        if clipnorm:
            norm = np.sqrt(sum(np.sum(g * g) for g in grads))
            active.add(norm > clipnorm)
            grads = [g * clipnorm / max(norm, clipnorm) for g in grads]
        if clipvalue:
            active.add(any(np.abs(g).max() > clipvalue for g in grads))
            grads = [np.clip(g, -clipvalue, clipvalue) for g in grads]
        params = update(params, grads, k)
        if constraint is not None:
            params = [constraint(params[0]), params[1]]
        trajectory.append(params)
    if clipnorm or clipvalue:
        assert active == {True, False}, "clipping should act on some steps and not others"
    return trajectory


def assert_trajectories_close(actual, expected, rtol=1e-5, atol=1e-6):
    assert len(actual) == len(expected)
    for step, (got, want) in enumerate(zip(actual, expected)):
        for name, g, w in zip(("w", "b"), got, want):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol,
                                       err_msg=f"param {name} after step {step + 1}")


# --- NumPy references ------------------------------------------------------------------------


def decayed(lr, decay, k):
    return f32(lr) / (1. + f32(decay) * k)


def ref_sgd(lr=0.01, momentum=0., decay=0., nesterov=False):
    velocity = [np.zeros_like(W0, "float64"), np.zeros_like(B0, "float64")]

    def update(params, grads, k):
        rate, mom = decayed(lr, decay, k), f32(momentum)
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            velocity[i] = mom * velocity[i] - rate * g
            out.append(p + mom * velocity[i] - rate * g if nesterov else p + velocity[i])
        return out
    return update


def ref_rmsprop(lr=0.001, rho=0.9, epsilon=1e-7, decay=0.):
    acc = [np.zeros(W0.shape), np.zeros(B0.shape)]

    def update(params, grads, k):
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            acc[i] = f32(rho) * acc[i] + (1. - f32(rho)) * g ** 2
            out.append(p - decayed(lr, decay, k) * g / (np.sqrt(acc[i]) + epsilon))
        return out
    return update


def ref_adagrad(lr=0.01, epsilon=1e-7, decay=0.):
    acc = [np.zeros(W0.shape), np.zeros(B0.shape)]

    def update(params, grads, k):
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            acc[i] = acc[i] + g ** 2
            out.append(p - decayed(lr, decay, k) * g / (np.sqrt(acc[i]) + epsilon))
        return out
    return update


def ref_adadelta(lr=1.0, rho=0.95, epsilon=1e-7, decay=0.):
    acc = [np.zeros(W0.shape), np.zeros(B0.shape)]
    delta = [np.zeros(W0.shape), np.zeros(B0.shape)]

    def update(params, grads, k):
        r, out = f32(rho), []
        for i, (p, g) in enumerate(zip(params, grads)):
            acc[i] = r * acc[i] + (1. - r) * g ** 2
            change = g * np.sqrt(delta[i] + epsilon) / np.sqrt(acc[i] + epsilon)
            delta[i] = r * delta[i] + (1. - r) * change ** 2
            out.append(p - decayed(lr, decay, k) * change)
        return out
    return update


def ref_adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, decay=0., amsgrad=False):
    m = [np.zeros(W0.shape), np.zeros(B0.shape)]
    v = [np.zeros(W0.shape), np.zeros(B0.shape)]
    v_max = [np.zeros(W0.shape), np.zeros(B0.shape)]

    def update(params, grads, k):
        b1, b2, t = f32(beta_1), f32(beta_2), k + 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = b1 * m[i] + (1. - b1) * g
            v[i] = b2 * v[i] + (1. - b2) * g ** 2
            v_max[i] = np.maximum(v_max[i], v[i])
            m_hat = m[i] / (1. - b1 ** t)
            denominator = np.sqrt(v_max[i] if amsgrad else v[i])
            # lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps), as Keras 2 writes it
            out.append(p - decayed(lr, decay, k) * np.sqrt(1. - b2 ** t) * m_hat
                       / (denominator + epsilon))
        return out
    return update


def ref_adamax(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7, decay=0.):
    m = [np.zeros(W0.shape), np.zeros(B0.shape)]
    u = [np.zeros(W0.shape), np.zeros(B0.shape)]

    def update(params, grads, k):
        b1, b2, t = f32(beta_1), f32(beta_2), k + 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = b1 * m[i] + (1. - b1) * g
            u[i] = np.maximum(b2 * u[i], np.abs(g))
            out.append(p - decayed(lr, decay, k) / (1. - b1 ** t) * m[i] / (u[i] + epsilon))
        return out
    return update


def ref_nadam(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7, schedule_decay=0.004):
    m = [np.zeros(W0.shape), np.zeros(B0.shape)]
    v = [np.zeros(W0.shape), np.zeros(B0.shape)]
    mus = [1.]  # product of the momentum schedule so far

    def mu(t):
        return f32(beta_1) * (1. - 0.5 * 0.96 ** (t * schedule_decay))

    def update(params, grads, k):
        b1, b2, t = f32(beta_1), f32(beta_2), k + 1
        mus.append(mus[-1] * mu(t))
        product_now, product_next = mus[-1], mus[-1] * mu(t + 1)
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = b1 * m[i] + (1. - b1) * g
            v[i] = b2 * v[i] + (1. - b2) * g ** 2
            m_bar = ((1. - mu(t)) * g / (1. - product_now)
                     + mu(t + 1) * m[i] / (1. - product_next))
            v_hat = v[i] / (1. - b2 ** t)
            out.append(p - f32(lr) * m_bar / (np.sqrt(v_hat) + epsilon))
        return out
    return update


REFERENCES = {"SGD": ref_sgd, "RMSprop": ref_rmsprop, "Adagrad": ref_adagrad,
              "Adadelta": ref_adadelta, "Adam": ref_adam, "Adamax": ref_adamax,
              "Nadam": ref_nadam}

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.2, "momentum": 0.5, "decay": 0.3}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "rho": 0.8, "decay": 0.2}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "decay": 0.5}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.9, "decay": 0.1}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "beta_1": 0.8, "beta_2": 0.5, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "decay": 0.25}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "beta_2": 0.9, "decay": 0.1}),
    ("Nadam", {"lr": 0.02}),
    ("Nadam", {"lr": 0.02, "beta_1": 0.8, "schedule_decay": 0.1}),
]


@pytest.mark.parametrize("name, config", CASES,
                         ids=[f"{n}-{'-'.join(c) or 'defaults'}" for n, c in CASES])
def test_trajectory_matches_numpy_reference(name, config):
    trainer = Trainer(getattr(optimizers, name)(**config))
    expected = reference_trajectory(REFERENCES[name](**config))
    assert_trajectories_close(trainer.run(range(STEPS)), expected)
    assert int(K.get_value(trainer.optimizer.iterations)) == STEPS


def test_amsgrad_takes_a_different_path_from_adam_here():
    # Guards the amsgrad case above: with beta_2=0.5 the second moment shrinks,
    # so the running maximum matters.
    config = {"lr": 0.05, "beta_1": 0.8, "beta_2": 0.5}
    plain = reference_trajectory(ref_adam(**config))
    ams = reference_trajectory(ref_adam(amsgrad=True, **config))
    assert not np.allclose(plain[-1][0], ams[-1][0], rtol=1e-4)


@pytest.mark.parametrize("name, config, clip", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, {"clipnorm": 1.5}),
    ("Adam", {"lr": 0.05}, {"clipnorm": 1.2}),
    ("SGD", {"lr": 0.1}, {"clipvalue": 1.0}),
    ("RMSprop", {"lr": 0.01}, {"clipvalue": 0.9}),
    ("SGD", {"lr": 0.1}, {"clipnorm": 2.0, "clipvalue": 0.6}),
])
def test_gradient_clipping_matches_reference(name, config, clip):
    trainer = Trainer(getattr(optimizers, name)(**config, **clip))
    expected = reference_trajectory(REFERENCES[name](**config), **clip)
    assert_trajectories_close(trainer.run(range(STEPS)), expected)


def test_clipnorm_uses_the_global_norm_of_all_gradients():
    w, u = K.variable([3.]), K.variable([4.])
    grads = optimizers.SGD(clipnorm=1.).get_gradients(K.sum(w * w + u * u) / 2., [w, u])
    f = K.function([], grads)
    np.testing.assert_allclose(np.concatenate(f([])), [0.6, 0.8], rtol=1e-6)


def test_constraint_is_applied_to_the_new_value():
    def unit_interval(w):
        return np.clip(w, 0., 1.)
    trainer = Trainer(optimizers.SGD(lr=0.5, momentum=0.5),
                      w_constraint=lambda w: K.clip(w, 0., 1.))
    trajectory = trainer.run(range(STEPS))
    expected = reference_trajectory(ref_sgd(lr=0.5, momentum=0.5), constraint=unit_interval)
    assert_trajectories_close(trajectory, expected)
    unconstrained = reference_trajectory(ref_sgd(lr=0.5, momentum=0.5))
    assert any((p[0] < 0).any() or (p[0] > 1).any() for p in unconstrained)
    assert all(((w >= 0) & (w <= 1)).all() for w, _ in trajectory)


def test_learning_rate_changes_between_steps_take_effect():
    optimizer = optimizers.SGD(lr=0.1)
    trainer = Trainer(optimizer)
    first = trainer.run(range(2))
    K.set_value(optimizer.lr, 0.05)
    second = trainer.run(range(2, 4))
    optimizer.learning_rate = 0.02  # assigning a number sets the variable
    third = trainer.run(range(4, 6))
    assert K.is_variable(optimizer.lr) and optimizer.learning_rate is optimizer.lr
    rates = [0.1, 0.1, 0.05, 0.05, 0.02, 0.02]

    def update(params, grads, k):
        return [p - f32(rates[k]) * g for p, g in zip(params, grads)]
    assert_trajectories_close(first + second + third, reference_trajectory(update))


# --- optimizer state -----------------------------------------------------------------------

STATE_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "decay": 0.1}),
    ("Adagrad", {"lr": 0.1}),
    ("Adadelta", {"decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "decay": 0.1}),
    ("Adamax", {"lr": 0.05}),
    ("Nadam", {"lr": 0.02}),
]


@pytest.mark.parametrize("name, config", STATE_CASES, ids=[n for n, _ in STATE_CASES])
def test_weights_round_trip_continues_the_same_trajectory(name, config):
    cls = getattr(optimizers, name)
    original = Trainer(cls(**config))
    original.run(range(3))
    params, state = original.params(), original.optimizer.get_weights()
    continued = original.run(range(3, STEPS))

    optimizer = cls.from_config(original.optimizer.get_config())
    assert optimizer.get_weights() == []
    restored = Trainer(optimizer, w=params[0], b=params[1])
    restored.optimizer.set_weights(state)
    assert_trajectories_close(restored.run(range(3, STEPS)), continued, rtol=0, atol=0)

    weights = original.optimizer.weights
    assert weights[0] is original.optimizer.iterations
    assert int(state[0]) == 3 and state[0].dtype == np.int64
    assert len({id(w) for w in weights}) == len(weights)


def test_weights_layout_is_iterations_then_slots_per_kind():
    optimizer = optimizers.Adam(amsgrad=True)
    trainer = Trainer(optimizer)
    shapes = [K.int_shape(w) for w in optimizer.weights]
    assert shapes == [(), (3, 2), (2,), (3, 2), (2,), (3, 2), (2,)]
    nadam = Trainer(optimizers.Nadam()).optimizer
    assert nadam.weights[1] is nadam.m_schedule
    assert len(trainer.optimizer.get_weights()) == 7


def test_set_weights_checks_count_and_shapes():
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match="no state yet"):
        optimizer.set_weights([np.zeros(())])
    Trainer(optimizer)
    state = optimizer.get_weights()
    with pytest.raises(ValueError, match="expects 5 arrays.*Received: 2 arrays"):
        optimizer.set_weights(state[:2])
    state[2] = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"weight 2 .*shape \(2,\).*shape \(2, 3\)"):
        optimizer.set_weights(state)


def test_set_weights_accepts_keras_2_2_4_layouts():
    rmsprop = Trainer(optimizers.RMSprop(lr=0.01))
    rmsprop.run(range(2))
    accumulators = rmsprop.optimizer.get_weights()[1:]  # 2.2.4 saved no iterations
    rmsprop.optimizer.set_weights(accumulators)
    assert int(K.get_value(rmsprop.optimizer.iterations)) == 0
    np.testing.assert_array_equal(rmsprop.optimizer.get_weights()[1], accumulators[0])

    adam = Trainer(optimizers.Adam()).optimizer
    state = adam.get_weights()
    adam.set_weights(state + [np.zeros(1, "float32")] * 2)  # unused vhats of 2.2.4

    nadam = Trainer(optimizers.Nadam(lr=0.02))
    nadam.run(range(4))
    state = nadam.optimizer.get_weights()
    fresh = Trainer(optimizers.Nadam(lr=0.02)).optimizer
    fresh.set_weights([state[0]] + state[2:])  # 2.2.4 saved no m_schedule
    np.testing.assert_allclose(K.get_value(fresh.m_schedule), state[1], rtol=1e-6)

    sgd = Trainer(optimizers.SGD()).optimizer  # Keras 2.3, momentum 0: iterations only
    sgd.set_weights([np.array(7, "int64")])
    assert int(K.get_value(sgd.iterations)) == 7


# --- configuration and lookup -----------------------------------------------------------------

CONFIG_CASES = [
    ("SGD", {"lr": 0.5, "momentum": 0.25, "decay": 0.125, "nesterov": True, "clipnorm": 1.5}),
    ("RMSprop", {"lr": 0.25, "rho": 0.5, "epsilon": 1e-4, "decay": 0.5, "clipvalue": 2.}),
    ("Adagrad", {"lr": 0.25, "epsilon": 1e-3, "decay": 0.5}),
    ("Adadelta", {"lr": 0.5, "rho": 0.75, "epsilon": 1e-5, "decay": 0.25}),
    ("Adam", {"lr": 0.25, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3, "decay": 0.5,
              "amsgrad": True}),
    ("Adamax", {"lr": 0.25, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3, "decay": 0.5}),
    ("Nadam", {"lr": 0.25, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3, "schedule_decay": 0.5}),
]


@pytest.mark.parametrize("name, config", CONFIG_CASES, ids=[n for n, _ in CONFIG_CASES])
def test_config_round_trip(name, config):
    optimizer = getattr(optimizers, name)(**config)
    # Values exact in float32, so the config returns them unchanged.
    assert optimizer.get_config() == config
    text = json.dumps(optimizers.serialize(optimizer))
    rebuilt = optimizers.deserialize(json.loads(text))
    assert type(rebuilt) is type(optimizer)
    assert rebuilt.get_config() == config


def test_config_keys_are_keras_2_names():
    assert set(optimizers.SGD().get_config()) == {"lr", "momentum", "decay", "nesterov"}
    assert set(optimizers.Adam().get_config()) == {"lr", "beta_1", "beta_2", "decay",
                                                   "epsilon", "amsgrad"}
    assert set(optimizers.Nadam().get_config()) == {"lr", "beta_1", "beta_2", "epsilon",
                                                    "schedule_decay"}


def test_defaults_and_epsilon():
    adam = optimizers.Adam()
    assert adam.epsilon == K.epsilon()
    assert K.get_value(adam.lr) == np.float32(0.001)
    assert K.get_value(optimizers.Adadelta().lr) == 1.0
    assert optimizers.RMSprop(epsilon=1e-3).epsilon == 1e-3
    assert K.get_value(optimizers.SGD(learning_rate=0.25).lr) == 0.25  # Keras 2.3 name


@pytest.mark.parametrize("identifier, cls", [
    ("adam", optimizers.Adam), ("Adam", optimizers.Adam), ("ADAM", optimizers.Adam),
    ("sgd", optimizers.SGD), ("SGD", optimizers.SGD), ("RMSProp", optimizers.RMSprop),
    ("nadam", optimizers.Nadam), ("adamax", optimizers.Adamax),
    ("adagrad", optimizers.Adagrad), ("Adadelta", optimizers.Adadelta),
])
def test_get_by_name(identifier, cls):
    assert type(optimizers.get(identifier)) is cls


def test_get_instance_dict_and_aliases():
    optimizer = optimizers.RMSprop()
    assert optimizers.get(optimizer) is optimizer
    built = optimizers.get({"class_name": "SGD", "config": {"lr": 0.5, "momentum": 0.5}})
    assert isinstance(built, optimizers.SGD) and K.get_value(built.momentum) == 0.5
    assert optimizers.sgd is optimizers.SGD and optimizers.nadam is optimizers.Nadam


def test_base_class_and_clipping_are_exported_here():
    # They live in polykeras.optimizer_base; Keras 2 code imports them from keras.optimizers.
    from polykeras import optimizer_base
    assert optimizers.Optimizer is optimizer_base.Optimizer
    assert optimizers.clip_norm is optimizer_base.clip_norm
    assert all(hasattr(optimizers, name) for name in optimizers.__all__)
    assert all(issubclass(cls, optimizers.Optimizer) for cls in optimizers._BUILTINS.values())


def test_get_rejects_unknown_names_and_types():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'.*Did you mean.*adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier.*42"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(optimizers.Adam)


def test_custom_optimizers_resolve_by_name():
    class Custom(optimizers.SGD):
        pass
    with custom_object_scope({"Custom": Custom}):
        rebuilt = optimizers.deserialize(optimizers.serialize(Custom(lr=0.5)))
    assert type(rebuilt) is Custom and K.get_value(rebuilt.lr) == 0.5
    rebuilt = optimizers.deserialize({"class_name": "Custom", "config": {}},
                                     custom_objects={"Custom": Custom})
    assert type(rebuilt) is Custom


def test_unexpected_arguments_are_named():
    with pytest.raises(TypeError, match="'momentun'"):
        optimizers.SGD(lr=0.1, momentun=0.9)
    with pytest.raises(TypeError, match="lr to be a number.*'fast'"):
        optimizers.Adam(lr="fast")
    with pytest.raises(ValueError, match="clipnorm >= 0.*-1"):
        optimizers.SGD(clipnorm=-1)


# --- gradients ---------------------------------------------------------------------------------


def test_unconnected_params_are_named():
    used = K.variable([1., 2.], name="used_weight")
    unused = K.variable([3.], name="orphan_weight")
    with pytest.raises(ValueError, match=r"1 of 2 have no gradient.*'orphan_weight'"):
        optimizers.Adam().get_updates(K.sum(used * used), [used, unused])


def test_params_reached_only_through_stop_gradient_are_unconnected():
    w, frozen = K.variable([1.]), K.variable([2.], name="frozen_weight")
    loss = K.sum(w * K.stop_gradient(frozen))
    with pytest.raises(ValueError, match="'frozen_weight'.*stop_gradient"):
        optimizers.SGD().get_gradients(loss, [w, frozen])
    assert len(optimizers.SGD().get_gradients(loss, [w])) == 1
