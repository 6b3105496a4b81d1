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

This module holds the base classes, the logging callbacks and
:class:`LambdaCallback`; the callbacks that save the model, stop training or set
the learning rate (:class:`ModelCheckpoint`, :class:`EarlyStopping`,
:class:`ReduceLROnPlateau`, :class:`LearningRateScheduler`) live in
:mod:`polykeras.monitor_callbacks` and :class:`TensorBoard` in
:mod:`polykeras.tensorboard`. All are importable from here, as in Keras 2.
"""
import collections
import csv
import os
import time
import warnings

import numpy as np

from polykeras.utils.generic_utils import Progbar

__all__ = [
    "BaseLogger", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
    "ReduceLROnPlateau", "TerminateOnNaN",
]

# The clock used to time batch hooks; a module attribute so tests can replace it.
_now = time.perf_counter


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


# Defined in their own modules, which import Callback from here.
from polykeras.monitor_callbacks import (  # noqa: E402, F401
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
)
from polykeras.tensorboard import TensorBoard  # noqa: E402, F401
