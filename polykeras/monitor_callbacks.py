"""Callbacks that act on the model, mostly as a monitored metric evolves (Keras 2.2.4
API): :class:`ModelCheckpoint` saves it, :class:`EarlyStopping` stops training,
:class:`ReduceLROnPlateau` lowers the learning rate when a metric stops
improving and :class:`LearningRateScheduler` sets it from a schedule.

All are importable from :mod:`polykeras.callbacks`, as in Keras 2::

    from polykeras.callbacks import EarlyStopping, ModelCheckpoint

    model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[
        EarlyStopping(monitor="val_loss", patience=3),
        ModelCheckpoint("best.h5", monitor="val_loss", save_best_only=True)])

``mode="auto"`` looks for a maximum when the monitored name contains ``acc``
or ``fmeasure`` and for a minimum otherwise. When the monitored metric is
missing from an epoch's logs, the callback warns (RuntimeWarning) and leaves
that epoch out.

Learning rates are read and written with ``K.get_value`` / ``K.set_value`` on
``model.optimizer.lr``, so these callbacks work the same on every backend.
"""
import inspect
import os
import warnings

import numpy as np

from polykeras import backend as K
from polykeras.callbacks import Callback

__all__ = ["EarlyStopping", "LearningRateScheduler", "ModelCheckpoint", "ReduceLROnPlateau"]

_MODES = ("auto", "min", "max")


# --- monitoring a metric -------------------------------------------------------

def _direction(owner, mode, monitor):
    """``"min"`` or ``"max"`` for ``mode``; ``auto`` picks max for accuracies."""
    if mode not in _MODES:
        warnings.warn(f"{owner}: expected `mode` to be one of {list(_MODES)}. Received: "
                      f"mode={mode!r}; falling back to 'auto'.", RuntimeWarning, stacklevel=3)
        mode = "auto"
    if mode == "auto":
        return "max" if ("acc" in monitor or "fmeasure" in monitor) else "min"
    return mode


def _monitored(owner, monitor, logs):
    """The monitored value, or ``None`` with a warning when the logs lack it."""
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        warnings.warn(f"{owner} is conditioned on metric `{monitor}`, which is not available. "
                      f"Available metrics are: {', '.join(logs)}", RuntimeWarning, stacklevel=3)
    return value


def _lr_variable(model, owner):
    optimizer = getattr(model, "optimizer", None)
    for name in ("lr", "learning_rate"):
        if hasattr(optimizer, name):
            return getattr(optimizer, name)
    raise ValueError(f"{owner} expected the optimizer to have an `lr` attribute (a variable). "
                     f"Received: optimizer={optimizer!r}")


def _scalar(value):
    """A NumPy scalar of the variable's dtype (prints like Keras: ``0.001``)."""
    return np.asarray(value)[()]


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) at the end of epochs.

    ``filepath`` is a ``str.format`` template filled with ``epoch`` (1-based) and
    the epoch logs, e.g. ``"weights-{epoch:02d}-{val_loss:.2f}.h5"``.

    Args:
        filepath: where to save; may contain ``{epoch}`` and ``{<metric>}`` fields.
        monitor: metric watched by ``save_best_only``.
        verbose: 1 prints a line for each save decision.
        save_best_only: save only when ``monitor`` improves on the best seen so far.
        save_weights_only: call ``model.save_weights`` instead of ``model.save``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy / fmeasure
            metrics, min otherwise).
        period: number of epochs between checkpoints.

    Example:
        >>> checkpoint = ModelCheckpoint("model-{epoch:03d}-{val_loss:.3f}.h5",
        ...                              save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[checkpoint])
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.epochs_since_last_save = 0
        self.mode = _direction("ModelCheckpoint", mode, monitor)
        self.monitor_op = np.less if self.mode == "min" else np.greater
        self.best = np.inf if self.mode == "min" else -np.inf

    def format_filepath(self, epoch, logs):
        """The file path for ``epoch`` (0-based), filled from ``logs``."""
        fields = dict(logs or {})
        fields["epoch"] = epoch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as exc:
            raise KeyError(
                f"ModelCheckpoint filepath {self.filepath!r} expected the key {exc.args[0]!r} "
                f"in the epoch logs. Received logs with keys: {sorted(fields)}") from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self.format_filepath(epoch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: saving model to {filepath}")
            self._save(filepath)
            return
        current = _monitored("ModelCheckpoint (save_best_only)", self.monitor, logs)
        if current is None:
            return
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from "
                      f"{self.best:0.5f} to {current:0.5f}, saving model to {filepath}")
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from "
                  f"{self.best:0.5f}")

    def _save(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class EarlyStopping(Callback):
    """Stops training when a monitored metric has stopped improving.

    An epoch improves when the metric beats the best so far (or ``baseline``)
    by more than ``min_delta``; after ``patience`` epochs without improvement,
    ``model.stop_training`` is set.

    Args:
        monitor: metric to watch.
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy / fmeasure
            metrics, min otherwise).
        baseline: a value the metric must beat; training stops if it does not
            within ``patience`` epochs.
        restore_best_weights: on stopping, set the model's weights back to those
            of the best epoch (weights are not restored when training ends
            without stopping early).

    Attributes:
        wait: epochs since the last improvement.
        best: best value seen (``baseline`` until beaten).
        stopped_epoch: the epoch (0-based) at which training stopped, else 0.

    Example:
        >>> stopper = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        >>> model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[stopper])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.mode = _direction("EarlyStopping", mode, monitor)
        self.monitor_op = np.less if self.mode == "min" else np.greater
        # Signed so that `monitor_op(current - min_delta, best)` means "better by min_delta".
        self.min_delta = abs(min_delta) if self.mode == "max" else -abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self._stopped = False

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self._stopped = False
        self.best_weights = None
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.mode == "min" else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored("EarlyStopping", self.monitor, logs)
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        self.stopped_epoch = epoch
        self._stopped = True
        self.model.stop_training = True
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch")
            self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self._stopped and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")


# --- learning rate ---------------------------------------------------------------

class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` when a metric has stopped improving.

    After ``patience`` epochs without an improvement larger than ``min_delta``,
    ``lr`` becomes ``max(lr * factor, min_lr)``; then ``cooldown`` epochs pass
    before counting again. The current rate is added to the epoch logs as ``lr``.

    Args:
        monitor: metric to watch.
        factor: multiplier of the learning rate, below 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy / fmeasure
            metrics, min otherwise).
        min_delta: smallest change that counts as an improvement (Keras 1 called
            it ``epsilon``, still accepted with a DeprecationWarning).
        cooldown: epochs to wait after a reduction before resuming normal operation.
        min_lr: lower bound of the learning rate.

    Example:
        >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5,
        ...                               min_lr=0.001)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("ReduceLROnPlateau: the `epsilon` argument is deprecated; "
                          "use `min_delta` instead.", DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError("ReduceLROnPlateau got unexpected keyword arguments. "
                            f"Received: {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau expected a `factor` below 1.0. "
                             f"Received: factor={factor}")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.mode = _direction("ReduceLROnPlateau", mode, monitor)
        self._reset()

    def _reset(self):
        self.best = np.inf if self.mode == "min" else -np.inf
        self.wait = 0
        self.cooldown_counter = 0

    def monitor_op(self, current, best):
        """Whether ``current`` improves on ``best`` by more than ``min_delta``."""
        if self.mode == "min":
            return np.less(current, best - self.min_delta)
        return np.greater(current, best + self.min_delta)

    def in_cooldown(self):
        """Whether a reduction happened less than ``cooldown`` epochs ago."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        lr_variable = _lr_variable(self.model, "ReduceLROnPlateau")
        lr = _scalar(K.get_value(lr_variable))
        if logs is not None:
            logs["lr"] = lr
        current = _monitored("ReduceLROnPlateau", self.monitor, logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        # Compare in the variable's precision: a float32 0.001 is not above min_lr=0.001.
        if lr > np.asarray(self.min_lr, dtype=np.asarray(lr).dtype):
            new_lr = max(float(lr) * self.factor, self.min_lr)
            K.set_value(lr_variable, new_lr)
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning rate "
                      f"to {new_lr:g}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from a schedule.

    Args:
        schedule: function ``schedule(epoch)`` or ``schedule(epoch, lr)``
            (``epoch`` 0-based, ``lr`` the current rate as a float) returning the
            new rate as a float.
        verbose: 1 prints the rate set at each epoch.

    Example:
        >>> def halve_every_10(epoch, lr):
        ...     return lr * 0.5 if epoch and epoch % 10 == 0 else lr
        >>> model.fit(x, y, epochs=50, callbacks=[LearningRateScheduler(halve_every_10)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError("LearningRateScheduler expected `schedule` to be callable. "
                            f"Received: schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _takes_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        lr_variable = _lr_variable(self.model, "LearningRateScheduler")
        lr = float(K.get_value(lr_variable))
        if self._takes_lr is None:
            # Signature unknown: try the two-argument form first, as Keras 2 did.
            try:
                new_lr = self.schedule(epoch, lr)
            except TypeError:
                new_lr = self.schedule(epoch)
        elif self._takes_lr:
            new_lr = self.schedule(epoch, lr)
        else:
            new_lr = self.schedule(epoch)
        if isinstance(new_lr, bool) or not isinstance(new_lr, (float, np.floating)):
            # ValueError, as in Keras 2.
            raise ValueError(  # noqa: TRY004
                "The output of the `schedule` function should be a float. "
                f"Received: {new_lr!r} (of type {type(new_lr).__name__}) at epoch {epoch}")
        K.set_value(lr_variable, new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate "
                  f"to {new_lr}.")


def _takes_two_arguments(function):
    """True/False when ``function`` can/cannot be called with two positional
    arguments; ``None`` when its signature cannot be read."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = 0
    for parameter in parameters:
        if parameter.kind == parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2
