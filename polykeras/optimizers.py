"""Optimizers: from a loss and a list of weights to the ``K.update`` ops of one step.

An optimizer's :meth:`~Optimizer.get_updates` returns the updates that
``K.function(inputs, outputs, updates)`` applies after each call: one training
step. Everything is written over ``K.*``, so each optimizer runs on every
backend. The arithmetic follows Keras 2.2.4 (argument names, defaults,
learning-rate decay ``lr / (1 + decay * iterations)``, global-norm clipping).
The base class :class:`Optimizer` and :func:`clip_norm`, exported here too,
are in :mod:`polykeras.optimizer_base` (hyperparameters as ``K`` variables,
clipping, state); the reading of configs saved by other Keras 2 releases is
in :mod:`polykeras.optimizer_compat`.

The state an optimizer keeps (:attr:`Optimizer.weights`) starts with
``iterations`` (an int64 variable counting the steps taken), then the slot
variables in the order of the params, one group per kind of slot::

    SGD       iterations, moments
    RMSprop   iterations, accumulators
    Adagrad   iterations, accumulators
    Adadelta  iterations, accumulators, delta accumulators
    Adam      iterations, first moments, second moments (, max second moments if amsgrad)
    Adamax    iterations, first moments, infinity norms
    Nadam     iterations, m_schedule, first moments, second moments

This is the layout of Keras 2.3, which saved files share with later Keras 2
releases. :meth:`Optimizer.set_weights` also accepts the lists Keras 2.2.4
wrote: RMSprop, Adagrad and Adadelta without ``iterations`` (restored as 0),
Adam with its unused shape-(1,) placeholders, and Nadam without
``m_schedule`` (recomputed from ``iterations``).

Names resolve like every other family (see :mod:`polykeras.utils.serialization`):
custom objects, the custom-object scope, this module, then plugins
registering ``optimizers``; built-in names are case-insensitive as in Keras 2.
"""
import numpy as np

from polykeras import backend as K
from polykeras.optimizer_base import Optimizer, _number, clip_norm
from polykeras.optimizer_compat import _prepend_iterations
from polykeras.utils import serialization

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "clip_norm",
    "deserialize",
    "get",
    "nadam",
    "rmsprop",
    "serialize",
    "sgd",
]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum.

    Each step: ``v = momentum * v - lr * g``; then ``w = w + v``, or with
    ``nesterov``, ``w = w + momentum * v - lr * g``.

    Args:
        lr: learning rate (``learning_rate`` is accepted too).
        momentum: float >= 0 weighting the previous step's velocity.
        decay: learning-rate decay over steps, ``lr / (1 + decay * iterations)``.
        nesterov: whether to use Nesterov momentum.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=SGD(lr=0.1, momentum=0.9, nesterov=True))
    """

    def __init__(self, lr=0.01, momentum=0., decay=0., nesterov=False, **kwargs):
        self._init_state(lr, kwargs, momentum=momentum)
        self._init_decay(decay)
        self.nesterov = bool(nesterov)

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        lr = self._decayed_lr()
        moments = self._slots(params, "moment")
        self.weights = [self.iterations] + moments
        for p, g, m in zip(params, grads, moments):
            velocity = self.momentum * m - lr * g
            self.updates.append(K.update(m, velocity))
            if self.nesterov:
                self._update_param(p, p + self.momentum * velocity - lr * g)
            else:
                self._update_param(p, p + velocity)
        return self.updates

    def _upgrade_weights(self, weights):
        # Keras 2.3 keeps no moments when momentum is 0: only ``iterations``.
        if len(weights) == 1 and len(self.weights) > 1:
            return weights + [np.zeros(K.int_shape(m), dtype=m.dtype) for m in self.weights[1:]]
        return weights

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "momentum", "decay")
        config["nesterov"] = self.nesterov
        return {**super().get_config(), **config}


class RMSprop(Optimizer):
    """RMSprop: divides each gradient by a running root mean square of its history.

    Each step: ``a = rho * a + (1 - rho) * g**2``; ``w = w - lr * g / (sqrt(a) + epsilon)``.

    Args:
        lr: learning rate (``learning_rate`` is accepted too).
        rho: decay of the running average of squared gradients.
        epsilon: fuzz factor; ``None`` means ``K.epsilon()``.
        decay: learning-rate decay over steps, ``lr / (1 + decay * iterations)``.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=RMSprop(lr=0.001))
    """

    def __init__(self, lr=0.001, rho=0.9, epsilon=None, decay=0., **kwargs):
        self._init_state(lr, kwargs, rho=rho)
        self._init_decay(decay)
        self.epsilon = self._epsilon(epsilon)

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        lr = self._decayed_lr()
        accumulators = self._slots(params, "accumulator")
        self.weights = [self.iterations] + accumulators
        for p, g, a in zip(params, grads, accumulators):
            new_a = self.rho * a + (1. - self.rho) * K.square(g)
            self.updates.append(K.update(a, new_a))
            self._update_param(p, p - lr * g / (K.sqrt(new_a) + self.epsilon))
        return self.updates

    def _upgrade_weights(self, weights):
        return _prepend_iterations(self, weights)

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "rho", "decay")
        config["epsilon"] = self.epsilon
        return {**super().get_config(), **config}


class Adagrad(Optimizer):
    """Adagrad: per-entry learning rates shrinking with the sum of squared gradients.

    Each step: ``a = a + g**2``; ``w = w - lr * g / (sqrt(a) + epsilon)``.

    Args:
        lr: learning rate (``learning_rate`` is accepted too).
        epsilon: fuzz factor; ``None`` means ``K.epsilon()``.
        decay: learning-rate decay over steps, ``lr / (1 + decay * iterations)``.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=Adagrad())
    """

    def __init__(self, lr=0.01, epsilon=None, decay=0., **kwargs):
        self._init_state(lr, kwargs)
        self._init_decay(decay)
        self.epsilon = self._epsilon(epsilon)

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        lr = self._decayed_lr()
        accumulators = self._slots(params, "accumulator")
        self.weights = [self.iterations] + accumulators
        for p, g, a in zip(params, grads, accumulators):
            new_a = a + K.square(g)
            self.updates.append(K.update(a, new_a))
            self._update_param(p, p - lr * g / (K.sqrt(new_a) + self.epsilon))
        return self.updates

    def _upgrade_weights(self, weights):
        return _prepend_iterations(self, weights)

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "decay")
        config["epsilon"] = self.epsilon
        return {**super().get_config(), **config}


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of updates and of gradients.

    Each step: ``a = rho * a + (1 - rho) * g**2``;
    ``u = g * sqrt(d + epsilon) / sqrt(a + epsilon)``; ``w = w - lr * u``;
    ``d = rho * d + (1 - rho) * u**2``.

    Args:
        lr: learning rate; 1.0 is the original algorithm.
        rho: decay of the running averages.
        epsilon: fuzz factor; ``None`` means ``K.epsilon()``.
        decay: learning-rate decay over steps, ``lr / (1 + decay * iterations)``.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=Adadelta())
    """

    def __init__(self, lr=1.0, rho=0.95, epsilon=None, decay=0., **kwargs):
        self._init_state(lr, kwargs, rho=rho)
        self._init_decay(decay)
        self.epsilon = self._epsilon(epsilon)

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        lr = self._decayed_lr()
        accumulators = self._slots(params, "accumulator")
        delta_accumulators = self._slots(params, "delta_accumulator")
        self.weights = [self.iterations] + accumulators + delta_accumulators
        for p, g, a, d in zip(params, grads, accumulators, delta_accumulators):
            new_a = self.rho * a + (1. - self.rho) * K.square(g)
            self.updates.append(K.update(a, new_a))
            step = g * K.sqrt(d + self.epsilon) / K.sqrt(new_a + self.epsilon)
            self._update_param(p, p - lr * step)
            self.updates.append(K.update(d, self.rho * d + (1. - self.rho) * K.square(step)))
        return self.updates

    def _upgrade_weights(self, weights):
        return _prepend_iterations(self, weights)

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "rho", "decay")
        config["epsilon"] = self.epsilon
        return {**super().get_config(), **config}


class Adam(Optimizer):
    """Adam: bias-corrected running means of the gradient and of its square.

    Each step (``t`` counting from 1):
    ``m = b1 * m + (1 - b1) * g``; ``v = b2 * v + (1 - b2) * g**2``;
    ``w = w - lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + epsilon)``.
    With ``amsgrad``, ``sqrt(v)`` is replaced by the square root of the
    largest ``v`` seen so far.

    Args:
        lr: learning rate (``learning_rate`` is accepted too).
        beta_1: decay of the first-moment estimate, in (0, 1).
        beta_2: decay of the second-moment estimate, in (0, 1).
        epsilon: fuzz factor; ``None`` means ``K.epsilon()``.
        decay: learning-rate decay over steps, ``lr / (1 + decay * iterations)``.
        amsgrad: whether to use the AMSGrad variant.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=Adam(lr=1e-3, amsgrad=True))
    """

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.,
                 amsgrad=False, **kwargs):
        self._init_state(lr, kwargs, beta_1=beta_1, beta_2=beta_2)
        self._init_decay(decay)
        self.epsilon = self._epsilon(epsilon)
        self.amsgrad = bool(amsgrad)

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        lr = self._decayed_lr()
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))
        ms = self._slots(params, "m")
        vs = self._slots(params, "v")
        vhats = self._slots(params, "vhat") if self.amsgrad else [None] * len(params)
        self.weights = [self.iterations] + ms + vs + (vhats if self.amsgrad else [])
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            v_t = self.beta_2 * v + (1. - self.beta_2) * K.square(g)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            if self.amsgrad:
                v_t = K.maximum(vhat, v_t)
                self.updates.append(K.update(vhat, v_t))
            self._update_param(p, p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon))
        return self.updates

    def _upgrade_weights(self, weights):
        # Keras 2.2.4 also saved one unused shape-(1,) variable per param without amsgrad.
        n = (len(self.weights) - 1) // 2
        if not self.amsgrad and n and len(weights) == 3 * n + 1 and all(
                w.shape == (1,) for w in weights[2 * n + 1:]):
            return weights[:2 * n + 1]
        return weights

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "beta_1", "beta_2", "decay")
        config.update(epsilon=self.epsilon, amsgrad=self.amsgrad)
        return {**super().get_config(), **config}


class Adamax(Optimizer):
    """Adamax: the variant of Adam built on the infinity norm.

    Each step (``t`` counting from 1): ``m = b1 * m + (1 - b1) * g``;
    ``u = max(b2 * u, |g|)``; ``w = w - lr / (1 - b1**t) * m / (u + epsilon)``.

    Args:
        lr: learning rate (``learning_rate`` is accepted too).
        beta_1: decay of the first-moment estimate, in (0, 1).
        beta_2: decay of the infinity norm, in (0, 1).
        epsilon: fuzz factor; ``None`` means ``K.epsilon()``.
        decay: learning-rate decay over steps, ``lr / (1 + decay * iterations)``.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=Adamax())
    """

    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.,
                 **kwargs):
        self._init_state(lr, kwargs, beta_1=beta_1, beta_2=beta_2)
        self._init_decay(decay)
        self.epsilon = self._epsilon(epsilon)

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        lr = self._decayed_lr()
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr / (1. - K.pow(self.beta_1, t))
        ms = self._slots(params, "m")
        us = self._slots(params, "u")
        self.weights = [self.iterations] + ms + us
        for p, g, m, u in zip(params, grads, ms, us):
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            u_t = K.maximum(self.beta_2 * u, K.abs(g))
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(u, u_t))
            self._update_param(p, p - lr_t * m_t / (u_t + self.epsilon))
        return self.updates

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "beta_1", "beta_2", "decay")
        config["epsilon"] = self.epsilon
        return {**super().get_config(), **config}


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum and a warming momentum schedule.

    With ``t`` counting from 1 and ``mu_t = b1 * (1 - 0.5 * 0.96**(t * schedule_decay))``,
    ``m_schedule`` holds the product of the ``mu`` so far. Each step:
    ``m = b1 * m + (1 - b1) * g``; ``v = b2 * v + (1 - b2) * g**2``;
    ``m_bar = (1 - mu_t) * g / (1 - m_schedule * mu_t)
    + mu_{t+1} * m / (1 - m_schedule * mu_t * mu_{t+1})``;
    ``w = w - lr * m_bar / (sqrt(v / (1 - b2**t)) + epsilon)``.

    Args:
        lr: learning rate (``learning_rate`` is accepted too); not decayed.
        beta_1: decay of the first-moment estimate, in (0, 1).
        beta_2: decay of the second-moment estimate, in (0, 1).
        epsilon: fuzz factor; ``None`` means ``K.epsilon()``.
        schedule_decay: how fast the momentum schedule warms up.
        **kwargs: ``clipnorm``, ``clipvalue`` (see :class:`Optimizer`).

    Example:
        >>> model.compile(loss="mse", optimizer=Nadam())
    """

    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None,
                 schedule_decay=0.004, **kwargs):
        self._init_state(lr, kwargs, beta_1=beta_1, beta_2=beta_2)
        self.m_schedule = K.variable(1., name="Nadam/m_schedule")
        self.epsilon = self._epsilon(epsilon)
        self.schedule_decay = _number("Nadam", "schedule_decay", schedule_decay)

    def _momentum_cache(self, t):
        return self.beta_1 * (1. - 0.5 * K.pow(K.constant(0.96), t * self.schedule_decay))

    def get_updates(self, loss, params):
        """The updates of one step (see :meth:`Optimizer.get_updates`)."""
        grads = self._start_step(loss, params)
        t = K.cast(self.iterations, K.floatx()) + 1
        mu_t = self._momentum_cache(t)
        mu_next = self._momentum_cache(t + 1)
        m_schedule_new = self.m_schedule * mu_t
        m_schedule_next = m_schedule_new * mu_next
        self.updates.append(K.update(self.m_schedule, m_schedule_new))
        ms = self._slots(params, "m")
        vs = self._slots(params, "v")
        self.weights = [self.iterations, self.m_schedule] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            v_t = self.beta_2 * v + (1. - self.beta_2) * K.square(g)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            m_bar = ((1. - mu_t) * g / (1. - m_schedule_new)
                     + mu_next * m_t / (1. - m_schedule_next))
            v_hat = v_t / (1. - K.pow(self.beta_2, t))
            self._update_param(p, p - self.lr * m_bar / (K.sqrt(v_hat) + self.epsilon))
        return self.updates

    def _upgrade_weights(self, weights):
        # Keras 2.2.4 did not save m_schedule; it is a function of the step count.
        if len(weights) == len(self.weights) - 1 and weights and weights[0].shape == ():
            steps = int(weights[0])
            t = np.arange(1, steps + 1, dtype="float64")
            beta_1 = float(K.get_value(self.beta_1))
            caches = beta_1 * (1. - 0.5 * 0.96 ** (t * self.schedule_decay))
            m_schedule = np.asarray(np.prod(caches), dtype=self.m_schedule.dtype)
            return [weights[0], m_schedule] + weights[1:]
        return weights

    def get_config(self):
        """Constructor arguments (see :meth:`Optimizer.get_config`)."""
        config = self._hyper_config("lr", "beta_1", "beta_2")
        config.update(epsilon=self.epsilon, schedule_decay=self.schedule_decay)
        return {**super().get_config(), **config}


# Lowercase aliases, as in Keras 2.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam

_BUILTINS = {cls.__name__: cls for cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax,
                                           Nadam)}
_BUILTINS.update({name.lower(): cls for name, cls in list(_BUILTINS.items())})


def serialize(optimizer):
    """An optimizer as ``{"class_name": ..., "config": ...}``.

    Args:
        optimizer: an :class:`Optimizer` instance.

    Example:
        >>> serialize(SGD(lr=0.5))["class_name"]
        'SGD'
    """
    return serialization.serialize_keras_object(optimizer)


def _canonical_name(name, custom_objects):
    """``name`` if it resolves as given, else a built-in matched case-insensitively."""
    try:
        serialization.resolve_name(name, _BUILTINS, custom_objects, kind="optimizer",
                                   registry="optimizers")
        return name
    except ValueError:
        if name.lower() in _BUILTINS:
            return name.lower()
        raise


def deserialize(config, custom_objects=None):
    """An optimizer rebuilt from :func:`serialize`'s output (or a bare name).

    Args:
        config: ``{"class_name": ..., "config": {...}}``, or a name for the
            default instance.
        custom_objects: extra ``name -> class`` mappings, searched first.

    Raises:
        ValueError: the name is unknown (close matches are suggested).

    Example:
        >>> deserialize({"class_name": "Adam", "config": {"lr": 0.01}})
    """
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        config = dict(config, class_name=_canonical_name(config["class_name"], custom_objects))
    return serialization.deserialize_keras_object(config, _BUILTINS, custom_objects,
                                                  kind="optimizer", registry="optimizers")


def get(identifier):
    """An optimizer from an instance, a name or a config dict.

    Args:
        identifier: an :class:`Optimizer` (returned as is), a name such as
            ``"adam"`` (case-insensitive for built-ins; a default instance), or
            a dict as :func:`serialize` returns.

    Raises:
        ValueError: the identifier is none of these, or names no optimizer.

    Example:
        >>> get("rmsprop").get_config()["rho"]
        0.8999999761581421
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError("Could not interpret optimizer identifier: expected an Optimizer "
                     "instance, a name such as 'adam' or a config dict. "
                     f"Received: {identifier!r} (of type {type(identifier).__name__})")
