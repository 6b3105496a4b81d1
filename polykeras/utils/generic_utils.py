"""Progress reporting, and the Python functions saved in configs.

:func:`func_dump` and :func:`func_load` write and read the Keras 2 format of
a function saved as bytecode (a ``Lambda``'s); :class:`SafeModeScope`
decides whether such bytecode may be rebuilt, which it may not unless the
caller opts in with ``safe_mode=False``.
"""
import binascii
import codecs
import marshal
import sys
import threading
import time
import types

import numpy as np

from polykeras import backend as K  # noqa: F401  (in the globals of rebuilt functions)

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


_safe_mode = threading.local()


def in_safe_mode():
    """Whether rebuilding Python code from a config is refused (the default: True)."""
    stack = getattr(_safe_mode, "stack", None)
    return stack[-1] if stack else True


class SafeModeScope:
    """Within this block, configs holding Python bytecode load only if ``safe_mode`` is False.

    Loading a ``Lambda`` whose function was saved as bytecode runs code that
    came from a file. That is refused by default; a caller who trusts the file
    opts in with ``safe_mode=False`` (here, or on ``Lambda.from_config`` /
    ``polykeras.layers.deserialize``).

    Args:
        safe_mode: ``True`` to refuse bytecode, ``False`` to allow it.

    Example:
        >>> with SafeModeScope(False):
        ...     model = Model.from_config(trusted_config)
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = bool(safe_mode)

    def __enter__(self):
        if not hasattr(_safe_mode, "stack"):
            _safe_mode.stack = []
        _safe_mode.stack.append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _safe_mode.stack.pop()


def is_named_function(fn):
    """A module-level function: saved by name rather than as bytecode."""
    if isinstance(fn, types.BuiltinFunctionType):
        return True
    return (isinstance(fn, types.FunctionType) and fn.__name__ != "<lambda>"
            and fn.__closure__ is None and "<locals>" not in fn.__qualname__)


def func_dump(fn):
    """A Python function as JSON-friendly data, in the Keras 2 format.

    Args:
        fn: a Python function (lambdas and closures included).

    Returns:
        ``(code, defaults, closure)``: the base64 of the marshalled code
        object, the default argument values and the closure cell values.

    Example:
        >>> code, defaults, closure = func_dump(lambda x, k=2: x * k)
    """
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def _cell(value):
    return (lambda: value).__closure__[0]


def func_load(code, defaults=None, closure=None, globs=None, where="Lambda"):
    """Rebuild a function from :func:`func_dump`'s output. This runs code from the data:
    callers check :func:`in_safe_mode` first.

    Args:
        code: the base64 code string, or the whole ``(code, defaults, closure)``.
        defaults, closure: as written by :func:`func_dump`.
        globs: the function's globals (default: this module's, which hold ``K``
            and ``np`` as in Keras 2).
        where: what is being loaded, for error messages.

    Raises:
        ValueError: the bytecode was written by another Python version.

    Example:
        >>> func_load(func_dump(lambda x: x + 1))(1)
        2
    """
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raw = code.encode("raw_unicode_escape")  # Keras < 2.1.2 wrote raw bytes
    try:
        code_object = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as exc:
        raise ValueError(
            f"{where}: the function in the config is Python bytecode that this Python "
            f"({sys.version.split()[0]}) cannot read; bytecode only loads in the Python "
            "version that saved it. Rebuild the layer from code, or pass the function "
            f"through custom_objects. Cause: {exc}") from exc
    if not isinstance(code_object, types.CodeType):
        raise ValueError(f"{where}: expected Python bytecode of a function in the config. "
                         f"Received an object of type {type(code_object).__name__}.")
    cells = None if closure is None else tuple(_cell(v) for v in closure)
    return types.FunctionType(code_object, globs if globs is not None else globals(),
                              name=code_object.co_name,
                              argdefs=tuple(defaults) if defaults is not None else None,
                              closure=cells)
