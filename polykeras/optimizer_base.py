"""The base class of the optimizers, :class:`Optimizer`, and gradient clipping.

:class:`Optimizer` takes the arguments every optimizer shares (``clipnorm``,
``clipvalue``), computes the clipped gradients of a step, gets and sets the
optimizer's state, and gives its subclasses helpers for their variables,
learning-rate decay, slots and constrained updates. The built-in optimizers
are in :mod:`polykeras.optimizers`, which exports :class:`Optimizer` and
:func:`clip_norm` too.

Hyperparameters (``lr``, ``momentum``, ``decay``, ``rho``, ``beta_1``,
``beta_2``) are ``K`` variables, so callbacks change them between steps with
``K.set_value(model.optimizer.lr, 0.01)``; assigning a number
(``optimizer.lr = 0.01``) sets the variable's value too.
"""
import numbers

import numpy as np

from polykeras import backend as K
from polykeras.optimizer_compat import _keras2_arguments

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
