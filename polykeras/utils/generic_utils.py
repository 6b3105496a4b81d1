"""Progress reporting."""
import sys
import time

import numpy as np

# Keras 2 code imports the serialization helpers from generic_utils.
from polykeras.utils.serialization import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects,
    serialize_keras_object)


def time_per_step(seconds):
    """Keras's time per step: ``'2s/step'``, ``'15ms/step'`` or ``'67us/step'``."""
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progbar:
    """A Keras-style progress bar.

    Args:
        target: total number of steps, or ``None`` if unknown.
        width: bar width in characters.
        verbose: 1 draws a bar, 2 prints one line at the end, 0 is silent.
        interval: minimum seconds between redraws.
        stateful_metrics: names of metrics shown as-is instead of averaged.

    Example:
        >>> bar = Progbar(100)
        >>> bar.update(50, values=[("loss", 0.3)])
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.stream = stream or sys.stdout
        self._sums = {}
        self._order = []
        self._seen = 0
        self._start = time.time()
        self._last_draw = 0.
        self._dynamic = getattr(self.stream, "isatty", lambda: False)()

    def update(self, current, values=None):
        """Set the current step and fold in ``values``, a list of ``(name, value)``."""
        for name, value in values or []:
            if name not in self._sums:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._sums[name] = [value, 1]
            else:
                total, count = self._sums.get(name, [0., 0])
                steps = max(current - self._seen, 1)
                self._sums[name] = [total + value * steps, count + steps]
        self._seen = current
        now = time.time()
        finished = self.target is not None and current >= self.target
        if self.verbose == 1 and (finished or now - self._last_draw >= self.interval):
            self._draw(current, now, finished)
            self._last_draw = now
        elif self.verbose == 2 and finished:
            self.stream.write(f"{self._elapsed(now)} - {self._metrics()}\n")
            self.stream.flush()

    def add(self, n, values=None):
        """Advance by ``n`` steps."""
        self.update(self._seen + n, values)

    def _metrics(self):
        parts = []
        for name in self._order:
            total, count = self._sums[name]
            value = total / max(count, 1)
            parts.append(f"{name}: {value:.4f}" if abs(value) >= 1e-3 or value == 0
                         else f"{name}: {value:.4e}")
        return " - ".join(parts)

    def _elapsed(self, now):
        return f"{now - self._start:.0f}s"

    def _draw(self, current, now, finished):
        if self.target is not None:
            digits = int(np.floor(np.log10(max(self.target, 1)))) + 1
            done = int(self.width * current / max(self.target, 1))
            bar = "=" * max(done - 1, 0) + (">" if not finished and done else "=" * bool(done))
            line = f"{current:{digits}d}/{self.target} [{bar:<{self.width}}]"
        else:
            line = f"{current:7d}/Unknown"
        rate = (now - self._start) / max(current, 1)
        if finished:
            line += f" - {self._elapsed(now)} {time_per_step(rate)}"
        elif self.target is not None:
            line += f" - ETA: {rate * (self.target - current):.0f}s"
        if self._order:
            line += " - " + self._metrics()
        if self._dynamic:
            self.stream.write("\r" + line + ("\n" if finished else ""))
        elif finished:
            self.stream.write(line + "\n")
        self.stream.flush()
