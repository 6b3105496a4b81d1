"""Optimizers: from a loss and a list of weights to the ``K.update`` ops of one step.

An optimizer's :meth:`~Optimizer.get_updates` returns the updates that
``K.function(inputs, outputs, updates)`` applies after each call: one training
step. Everything is written over ``K.*``, so each optimizer runs on every
backend. The arithmetic follows Keras 2.2.4 (argument names, defaults,
learning-rate decay ``lr / (1 + decay * iterations)``, global-norm clipping).

Hyperparameters (``lr``, ``momentum``, ``decay``, ``rho``, ``beta_1``,
``beta_2``) are ``K`` variables, so callbacks change them between steps with
``K.set_value(model.optimizer.lr, 0.01)``; assigning a number
(``optimizer.lr = 0.01``) sets the variable's value too.

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
import numbers

import numpy as np

from polykeras import backend as K
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

#: attributes holding hyperparameter variables; assigning a number sets the value.
_HYPERPARAMETERS = frozenset({"lr", "momentum", "decay", "rho", "beta_1", "beta_2"})


def clip_norm(g, c, n):
    """Scale gradient ``g`` by ``c / max(n, c)``: unchanged while ``n <= c``.

    Args:
        g: a gradient tensor.
        c: the largest norm allowed (a number > 0).
        n: the norm measured (a scalar tensor), for ``clipnorm`` the global
            norm of all the gradients of a step.

    Returns:
        ``g`` scaled so that a norm of ``n`` becomes at most ``c``.

    Example:
        >>> g = K.constant([3., 4.])
        >>> K.eval(clip_norm(g, 1., K.sqrt(K.sum(K.square(g)))))
        array([0.6, 0.8], dtype=float32)
    """
    if c <= 0:
        return g
    return g * (c / K.maximum(n, c))


def _number(owner, name, value):
    """``value`` as a float, or a TypeError naming the optimizer and argument."""
    if K.is_tensor(value):
        value = K.eval(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (numbers.Real, np.ndarray, np.generic)) or np.ndim(value) != 0:
        raise TypeError(f"{owner} expects {name} to be a number. "
                        f"Received: {name}={value!r} (of type {type(value).__name__})")
    return float(value)


def _unconnected(loss, params):
    """The params the loss does not depend on (``K.stop_gradient`` cuts the path)."""
    reached, stack = set(), [loss]
    while stack:
        node = stack.pop().node
        if node.id in reached:
            continue
        reached.add(node.id)
        if node.op != "stop_gradient":
            stack.extend(node.dependencies())
    return [p for p in params if not (K.is_tensor(p) and p.node.id in reached)]


class Optimizer:
    """Base class of optimizers; subclasses implement :meth:`get_updates`.

    Args:
        clipnorm: if > 0, all gradients of a step are scaled by
            ``clipnorm / max(global_norm, clipnorm)`` where ``global_norm`` is
            the L2 norm of all of them together.
        clipvalue: if > 0, each gradient entry is clipped to
            ``[-clipvalue, clipvalue]`` (after ``clipnorm``).

    Attributes:
        updates: the updates of the last :meth:`get_updates` call.
        weights: the optimizer's state variables, ``iterations`` first (empty
            until :meth:`get_updates` has run).

    Example:
        >>> class PlainSGD(Optimizer):
        ...     def __init__(self, lr=0.01, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.iterations = K.variable(0, dtype="int64")
        ...         self.lr = K.variable(lr)
        ...     def get_updates(self, loss, params):
        ...         grads = self.get_gradients(loss, params)
        ...         self.updates = [K.update_add(self.iterations, 1)]
        ...         self.updates += [K.update(p, p - self.lr * g) for p, g in zip(params, grads)]
        ...         self.weights = [self.iterations]
        ...         return self.updates
    """

    def __init__(self, **kwargs):
        cls = type(self).__name__
        for name, value in kwargs.items():
            if name not in ("clipnorm", "clipvalue"):
                raise TypeError(f"Unexpected keyword argument passed to optimizer {cls}: "
                                f"{name!r}. Expected the arguments of {cls} or clipnorm, "
                                f"clipvalue. Received: {name}={value!r}")
        for name, value in kwargs.items():
            value = _number(cls, name, value)
            if value < 0:
                raise ValueError(f"{cls} expects {name} >= 0 (0 disables it). "
                                 f"Received: {name}={value}")
            # Only set when given, as Keras 2 did (code tests hasattr(opt, "clipnorm")).
            setattr(self, name, value)
        self.updates = []
        self.weights = []

    def __setattr__(self, name, value):
        current = self.__dict__.get(name)
        if name in _HYPERPARAMETERS and K.is_variable(current) and not K.is_tensor(value):
            K.set_value(current, _number(type(self).__name__, name, value))
        else:
            object.__setattr__(self, name, value)

    @property
    def learning_rate(self):
        """The learning-rate variable; the same object as ``lr``."""
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value):
        self.lr = value

    def get_updates(self, loss, params):
        """The updates of one training step.

        Args:
            loss: a scalar symbolic tensor.
            params: the variables to train.

        Returns:
            a list of updates for ``K.function(..., updates=...)``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_updates().")

    def get_gradients(self, loss, params):
        """Gradients of ``loss`` with respect to ``params``, clipped as configured.

        Args:
            loss: a scalar symbolic tensor.
            params: a list of variables the loss depends on.

        Returns:
            a list of gradient tensors, one per param.

        Raises:
            ValueError: some params do not contribute to the loss, so they have
                no gradient (Keras 2 reported these as ``None`` gradients).

        Example:
            >>> w = K.variable([3., 4.])
            >>> g, = SGD(clipnorm=1.).get_gradients(K.sum(w * w) / 10., [w])
            >>> K.eval(g)
            array([0.6, 0.8], dtype=float32)
        """
        params = list(params)
        if not K.is_tensor(loss):
            raise TypeError("get_gradients expects the loss to be a symbolic tensor computed "
                            f"from the params. Received: loss={loss!r}")
        missing = _unconnected(loss, params)
        if missing:
            names = ", ".join(repr(getattr(p, "name", p)) for p in missing)
            raise ValueError(
                f"Every param passed to {type(self).__name__} must contribute to the loss, "
                f"but {len(missing)} of {len(params)} have no gradient (they would be None "
                f"in Keras 2): {names}. Usually a layer's weights are listed as trainable "
                "although its output does not reach the loss, or the loss reaches them only "
                "through K.stop_gradient; make them non-trainable or drop them from params.")
        if not params:
            return []
        grads = K.gradients(loss, params)
        clipnorm = getattr(self, "clipnorm", 0) or 0
        if clipnorm > 0:
            norm = K.sqrt(sum(K.sum(K.square(g)) for g in grads))
            grads = [clip_norm(g, clipnorm, norm) for g in grads]
        clipvalue = getattr(self, "clipvalue", 0) or 0
        if clipvalue > 0:
            grads = [K.clip(g, -clipvalue, clipvalue) for g in grads]
        return grads

    def get_weights(self):
        """The values of :attr:`weights` as NumPy arrays (``iterations`` first).

        Example:
            >>> state = model.optimizer.get_weights()
        """
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Assign NumPy arrays to :attr:`weights`, e.g. from :meth:`get_weights`.

        The optimizer must have built its state first (:meth:`get_updates`,
        which compiling and training a model calls).

        Args:
            weights: a list of arrays, one per entry of :attr:`weights`, of the
                same shapes.

        Raises:
            ValueError: the number of arrays or one of their shapes does not match.

        Example:
            >>> new_optimizer.set_weights(old_optimizer.get_weights())
        """
        cls = type(self).__name__
        weights = self._upgrade_weights([np.asarray(w) for w in weights])
        if len(weights) != len(self.weights):
            hint = "" if self.weights else (" It has no state yet: call get_updates first "
                                            "(compiling and training a model does).")
            raise ValueError(f"{cls}.set_weights expects {len(self.weights)} arrays, one per "
                             f"optimizer weight.{hint} Received: {len(weights)} arrays.")
        for index, (variable, value) in enumerate(zip(self.weights, weights)):
            expected = tuple(K.int_shape(variable))
            if value.shape != expected:
                raise ValueError(f"{cls}.set_weights expects weight {index} "
                                 f"({variable.name!r}) to have shape {expected}. "
                                 f"Received: an array of shape {value.shape}.")
        K.batch_set_value(list(zip(self.weights, weights)))

    def _upgrade_weights(self, weights):
        """Convert a weight list in an older Keras layout into the current one."""
        return weights

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict.

        Returns:
            a dict with ``clipnorm`` / ``clipvalue`` when they were given, plus
            each subclass's own arguments.

        Example:
            >>> SGD(lr=0.5, clipnorm=1.).get_config()["clipnorm"]
            1.0
        """
        return {name: getattr(self, name) for name in ("clipnorm", "clipvalue")
                if name in self.__dict__}

    @classmethod
    def from_config(cls, config):
        """A new optimizer built from :meth:`get_config`'s output.

        Configs saved by later Keras 2 releases (tf_keras) load too: their
        ``learning_rate`` is ``lr``, and their extra keys (``name``,
        ``jit_compile``, ``use_ema=False``...) are dropped while they hold a
        value meaning "not used".

        Args:
            config: a dict of constructor arguments.

        Raises:
            ValueError: the config uses a tf_keras feature polykeras lacks
                (``weight_decay``, ``use_ema``, ``global_clipnorm``, RMSprop
                ``centered`` or ``momentum``), naming it.

        Example:
            >>> Adam.from_config(Adam(lr=0.01).get_config())
        """
        return cls(**_keras2_arguments(cls.__name__, config))

    # --- helpers for subclasses -------------------------------------------------

    def _init_state(self, lr, kwargs, **hyperparameters):
        """Create ``iterations``, ``lr`` and the other hyperparameter variables."""
        cls = type(self).__name__
        if "learning_rate" in kwargs:  # the Keras 2.3 name of ``lr``
            lr = kwargs.pop("learning_rate")
        Optimizer.__init__(self, **kwargs)
        self.iterations = K.variable(0, dtype="int64", name=f"{cls}/iterations")
        self.lr = K.variable(_number(cls, "lr", lr), name=f"{cls}/lr")
        for name, value in hyperparameters.items():
            setattr(self, name, K.variable(_number(cls, name, value), name=f"{cls}/{name}"))

    def _init_decay(self, decay):
        self.initial_decay = _number(type(self).__name__, "decay", decay)
        self.decay = K.variable(self.initial_decay, name=f"{type(self).__name__}/decay")

    def _epsilon(self, epsilon):
        return K.epsilon() if epsilon is None else _number(type(self).__name__, "epsilon",
                                                           epsilon)

    def _start_step(self, loss, params):
        """The gradients, with ``self.updates`` reset to the iteration count update."""
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        return grads

    def _decayed_lr(self):
        """``lr / (1 + decay * iterations)`` when built with ``decay > 0``, else ``lr``."""
        if self.initial_decay <= 0:
            return self.lr
        return self.lr * (1. / (1. + self.decay * K.cast(self.iterations,
                                                         K.dtype(self.decay))))

    def _slots(self, params, kind):
        """One zero variable per param, of its shape and dtype."""
        cls = type(self).__name__
        return [K.zeros(K.int_shape(p), dtype=K.dtype(p), name=f"{cls}/{kind}_{i}")
                for i, p in enumerate(params)]

    def _update_param(self, param, new_value):
        """Append the update of ``param``, through its constraint if it has one."""
        constraint = getattr(param, "constraint", None)
        if constraint is not None:
            new_value = constraint(new_value)
        self.updates.append(K.update(param, new_value))

    def _hyper_config(self, *names):
        return {name: float(K.get_value(getattr(self, name))) for name in names}


# Keys tf_keras optimizers save that polykeras has no argument for: some are
# ignored whatever their value, the others only while they hold a value that
# turns their feature off.
_TF_KERAS_IGNORED = frozenset({"name", "jit_compile", "is_legacy_optimizer", "ema_momentum",
                               "ema_overwrite_frequency", "initial_accumulator_value"})
_TF_KERAS_OFF = {"use_ema": (False,), "weight_decay": (None, 0.), "global_clipnorm": (None,),
                 "clipnorm": (None,), "clipvalue": (None,), "centered": (False,),
                 "momentum": (0.,)}


def _keras2_arguments(cls_name, config):
    """Constructor arguments from a config of any Keras 2 release."""
    config = dict(config)
    accepted = {"clipnorm", "clipvalue", "learning_rate"}
    accepted |= set(_BUILTINS[cls_name].__init__.__code__.co_varnames) \
        if cls_name in _BUILTINS else set(config)
    for key in [k for k in config if k not in accepted or config[k] is None]:
        value = config[key]
        if value is None or key in _TF_KERAS_IGNORED or (
                key in _TF_KERAS_OFF and value in _TF_KERAS_OFF[key]):
            del config[key]
        elif key in _TF_KERAS_OFF:
            raise ValueError(f"{cls_name} was saved with {key}={value!r}, a feature of later "
                             "Keras releases that polykeras does not implement (it follows "
                             "Keras 2.2.4). Compile the loaded model with a polykeras "
                             "optimizer instead.")
    if isinstance(config.get("learning_rate"), dict):
        raise ValueError(f"{cls_name} was saved with a learning-rate schedule "
                         f"({config['learning_rate'].get('class_name')!r}); polykeras "
                         "optimizers take a number (use a LearningRateScheduler callback).")
    return config


def _prepend_iterations(optimizer, weights):
    """Keras 2.2.4 layout of RMSprop, Adagrad and Adadelta: no ``iterations``."""
    if len(weights) == len(optimizer.weights) - 1:
        return [np.zeros((), dtype="int64")] + weights
    return weights


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
