"""Callbacks: objects the training loop calls at the start and end of training,
epochs and batches (Keras 2.2.4 API).

The engine drives them through a :class:`CallbackList`::

    callbacks = CallbackList([BaseLogger()] + user_callbacks + [History()])
    callbacks.set_model(model)
    callbacks.set_params({"epochs": 3, "samples": 100, "metrics": ["loss", "val_loss"], ...})
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        for batch in ...:
            callbacks.on_batch_begin(batch, {"batch": batch, "size": 32})
            callbacks.on_batch_end(batch, {"batch": batch, "size": 32, "loss": 0.3})
        callbacks.on_epoch_end(epoch, epoch_logs)
    callbacks.on_train_end()

Logs dicts are passed on unchanged (the same object reaches every callback),
so a callback may add entries for the ones after it: :class:`BaseLogger`
writes the epoch averages, :class:`ReduceLROnPlateau` adds ``lr``.
Learning rates are read and written with ``K.get_value`` / ``K.set_value`` on
``model.optimizer.lr``, so callbacks work the same on every backend.
"""
import collections
import csv
import inspect
import os
import time
import warnings

import numpy as np

from polykeras import backend as K
from polykeras.utils.generic_utils import Progbar

__all__ = [
    "BaseLogger", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
    "ReduceLROnPlateau", "TerminateOnNaN",
]

# The clock used to time batch hooks; a module attribute so tests can replace it.
_now = time.perf_counter

_MODES = ("auto", "min", "max")


# --- base classes -------------------------------------------------------------

class Callback:
    """Base class of callbacks: every hook exists and does nothing.

    Attributes:
        params: dict set by the engine (``batch_size``, ``epochs``, ``steps``,
            ``samples``, ``verbose``, ``do_validation``, ``metrics``).
        model: the model being trained.
        validation_data: the validation arrays, set by the engine when it has them.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, logs["loss"])
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        """Store the training parameters (a dict) as ``self.params``."""
        self.params = params

    def set_model(self, model):
        """Store the model being trained as ``self.model``."""
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch; ``logs`` holds the epoch's metrics
        (with ``val_*`` entries when validating)."""

    def on_batch_begin(self, batch, logs=None):
        """Called before a batch; ``logs`` holds ``batch`` and ``size``."""

    def on_batch_end(self, batch, logs=None):
        """Called after a batch; ``logs`` holds ``batch``, ``size`` and the batch metrics."""

    def on_train_begin(self, logs=None):
        """Called once before the first epoch."""

    def on_train_end(self, logs=None):
        """Called once after the last epoch."""


class CallbackList:
    """A list of callbacks called together, in order.

    Also warns (once per hook and training run) when the callbacks' batch hooks
    take longer than the batch itself, as Keras 2 did.

    Args:
        callbacks: list of :class:`Callback` instances.
        queue_length: number of recent batches whose hook times are compared
            (by median) with the batch time.

    Example:
        >>> history = History()
        >>> callbacks = CallbackList([BaseLogger(), history])
        >>> callbacks.set_params({"metrics": ["loss"]})
        >>> callbacks.on_train_begin()
    """

    def __init__(self, callbacks=None, queue_length=10):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            _check_callback(callback)
        self.queue_length = queue_length
        self.params = {}
        self.model = None
        self._reset_timing()
        self._warned = set()

    def append(self, callback):
        """Add a callback at the end of the list."""
        _check_callback(callback)
        self.callbacks.append(callback)

    def set_params(self, params):
        """Give ``params`` to every callback."""
        self.params = params
        self._call("set_params", params)

    def set_model(self, model):
        """Give ``model`` to every callback."""
        self.model = model
        self._call("set_model", model)

    def on_train_begin(self, logs=None):
        """Call ``on_train_begin`` on every callback."""
        self._warned = set()
        self._call("on_train_begin", _logs(logs))

    def on_train_end(self, logs=None):
        """Call ``on_train_end`` on every callback."""
        self._call("on_train_end", _logs(logs))

    def on_epoch_begin(self, epoch, logs=None):
        """Call ``on_epoch_begin`` on every callback."""
        self._call("on_epoch_begin", epoch, _logs(logs))
        self._reset_timing()

    def on_epoch_end(self, epoch, logs=None):
        """Call ``on_epoch_end`` on every callback (all see the same ``logs`` dict)."""
        self._call("on_epoch_end", epoch, _logs(logs))

    def on_batch_begin(self, batch, logs=None):
        """Call ``on_batch_begin`` on every callback."""
        self._timed_call("on_batch_begin", batch, _logs(logs))
        self._batch_start = _now()

    def on_batch_end(self, batch, logs=None):
        """Call ``on_batch_end`` on every callback."""
        if self._batch_start is not None:
            self._batch_time = _now() - self._batch_start
        self._timed_call("on_batch_end", batch, _logs(logs))

    def _call(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def _timed_call(self, hook, *args):
        start = _now()
        self._call(hook, *args)
        self._hook_times[hook].append(_now() - start)
        median = float(np.median(self._hook_times[hook]))
        if (hook not in self._warned and self._batch_time > 0.
                and median > 0.95 * self._batch_time and median > 0.1):
            self._warned.add(hook)
            warnings.warn(f"Method {hook}() is slow compared to the batch update: its callbacks "
                          f"take {median:.3f}s (median) while the batch takes "
                          f"{self._batch_time:.3f}s. Check your callbacks.", stacklevel=3)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def _reset_timing(self):
        self._batch_start = None
        self._batch_time = 0.
        self._hook_times = {name: collections.deque(maxlen=self.queue_length)
                            for name in ("on_batch_begin", "on_batch_end")}


def _logs(logs):
    # A dict given by the caller is passed on as is, even empty, so additions reach it.
    return {} if logs is None else logs


_HOOKS = ("set_params", "set_model", "on_epoch_begin", "on_epoch_end", "on_batch_begin",
          "on_batch_end", "on_train_begin", "on_train_end")


def _check_callback(callback):
    # Duck-typed like Keras (callbacks written against another Keras 2 work too), but a
    # class or a plain function is caught here rather than deep inside training.
    if isinstance(callback, type) or not all(callable(getattr(callback, name, None))
                                             for name in _HOOKS):
        raise TypeError("Expected a callback instance (a polykeras.callbacks.Callback or an "
                        "object with its methods). "
                        f"Received: {callback!r} (of type {type(callback).__name__})")


# --- logging --------------------------------------------------------------------

class BaseLogger(Callback):
    """Averages the batch metrics over each epoch, weighted by batch size, and
    writes them into the epoch logs (for the metric names in ``params["metrics"]``).

    The engine adds it first to every ``fit``.

    Args:
        stateful_metrics: names of metrics that are not averaged; their last
            batch value is used (e.g. a running total kept by the metric itself).

    Example:
        >>> callbacks = CallbackList([BaseLogger(stateful_metrics=["tp"]), History()])
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or ())
        self.seen = 0
        self.totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0)
        self.seen += size
        for name, value in logs.items():
            if name in ("batch", "size"):
                continue
            if name in self.stateful_metrics:
                self.totals[name] = value
            else:
                self.totals[name] = self.totals.get(name, 0.) + value * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name in self.params.get("metrics", ()):
            if name not in self.totals:
                continue
            if name in self.stateful_metrics:
                logs[name] = float(self.totals[name])
            elif self.seen:
                logs[name] = float(self.totals[name] / self.seen)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite.

    Prints ``Batch N: Invalid loss, terminating training`` and sets
    ``model.stop_training``.

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN()])
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.all(np.isfinite(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Prints metrics to stdout: a progress bar per epoch (``verbose=1``) or
    one line per epoch (``verbose=2``), following ``params["verbose"]``.

    The engine adds it when ``fit(verbose=...)`` is not 0.

    Args:
        count_mode: ``"samples"`` (the bar counts samples, target
            ``params["samples"]``) or ``"steps"`` (counts batches, target
            ``params["steps"]``).
        stateful_metrics: names of metrics shown as their last value instead of
            averaged over the epoch.

    Example:
        >>> callbacks = CallbackList([BaseLogger(), ProgbarLogger(count_mode="steps")])
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError("Expected `count_mode` to be 'samples' or 'steps'. "
                             f"Received: count_mode={count_mode!r}")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())
        self.verbose = 1
        self.epochs = None
        self.target = None
        self.seen = 0
        self.progbar = None
        self.log_values = []
        self._held = []

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs")

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.log_values = []
        self._held = []
        if not self.verbose:
            return
        print(f"Epoch {epoch + 1}/{self.epochs}" if self.epochs else f"Epoch {epoch + 1}")
        self.target = self.params.get("steps" if self.use_steps else "samples")
        self.progbar = Progbar(target=self.target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics)

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        self.log_values = [(name, logs[name]) for name in self.params.get("metrics", ())
                           if name in logs]
        self._held = []
        if not self.verbose:
            return
        if self.target is not None and self.seen >= self.target:
            # The last batch: on_epoch_end finishes the bar, with the validation metrics.
            self._held = self.log_values
        else:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose or self.progbar is None:
            return
        logs = logs or {}
        # Batch metrics come from the batches (the epoch logs hold their average,
        # which the bar computes itself); the epoch adds the others (val_*).
        batch_names = {name for name, _ in self.log_values}
        values = list(self._held) + [
            (name, logs[name]) for name in self.params.get("metrics", ())
            if name in logs and name not in batch_names]
        if self.target is None:
            # Unknown length (e.g. a generator without steps): the epoch is the whole of it.
            self.progbar.target = self.target = self.seen
        self.progbar.update(self.seen, values)


class History(Callback):
    """Records the epoch logs; the engine adds it to every ``fit`` and returns it.

    Attributes:
        epoch: list of the epoch indices seen.
        history: dict mapping each metric name to its list of per-epoch values.

    Sets ``model.history`` to itself.

    Example:
        >>> history = model.fit(x, y, epochs=2)
        >>> history.history["loss"]
        [0.52, 0.31]
    """

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}

    def set_model(self, model):
        super().set_model(model)
        if model is not None:
            model.history = self

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}
        if self.model is not None:
            self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file: one row per epoch, an ``epoch``
    column (0-based) then the metric names, sorted.

    Values that are sequences (not strings, not 0-d arrays) are written as
    ``[a, b, ...]`` in one quoted field. When training stops early, metrics
    missing from the last epoch's logs are written as ``NA``.

    Args:
        filename: path of the CSV file.
        separator: the field separator.
        append: append to an existing file instead of overwriting it; the header
            is written only when the file is empty, and an existing header's
            columns are kept.

    Example:
        >>> model.fit(x, y, callbacks=[CSVLogger("training.log")])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        self.keys = None
        self.writer = None
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                header = next(csv.reader(f, delimiter=self.sep), None)
            if header:
                self.append_header = False
                if header[0] == "epoch":
                    self.keys = header[1:]
        # Open for the whole run, closed by on_train_end.
        self.csv_file = open(  # noqa: SIM115
            self.filename, "a" if self.append else "w", newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.writer(self.csv_file, delimiter=self.sep, lineterminator="\n")
            if self.append_header:
                self.writer.writerow(["epoch", *self.keys])
        row = [epoch] + [_csv_value(logs[name]) if name in logs else "NA" for name in self.keys]
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    if isinstance(value, collections.abc.Iterable):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return value


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


# --- ad-hoc callbacks ------------------------------------------------------------

class LambdaCallback(Callback):
    """A callback built from plain functions, for quick one-offs.

    Args:
        on_epoch_begin: ``f(epoch, logs)``.
        on_epoch_end: ``f(epoch, logs)``.
        on_batch_begin: ``f(batch, logs)``.
        on_batch_end: ``f(batch, logs)``.
        on_train_begin: ``f(logs)``.
        on_train_end: ``f(logs)``.
        **kwargs: extra attributes set on the callback.

    Example:
        >>> print_loss = LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
        >>> model.fit(x, y, callbacks=[print_loss])
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback expected `{name}` to be callable or None. "
                                f"Received: {name}={function!r}")
            # An instance attribute shadows the no-op method of Callback.
            setattr(self, name, function)
from polykeras.tensorboard import TensorBoard  # noqa: E402, F401
