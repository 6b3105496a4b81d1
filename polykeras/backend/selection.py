"""Which backend is active, and switching it.

The active backend is resolved on first need from the environment and the
config file (see :mod:`polykeras.backend.config`) and held here, the one
place that knows it. :func:`use_backend` swaps it for a block of code.
"""
import contextlib

from polykeras import plugins
from polykeras.backend import config

_state = {"backend": None, "config": None}


class BackendNotFound(ValueError):
    """The requested backend is unknown or cannot be activated."""


def settings():
    """The validated configuration, read once."""
    if _state["config"] is None:
        _state["config"] = config.read_config()
    return _state["config"]


def load_backend(name, source="argument"):
    """Instantiate the backend registered as ``name``.

    Raises:
        BackendNotFound: unknown name (the message lists the installed ones)
            or a backend whose library is missing (it says what to install).
        plugins.PluginError: the backend's plugin is broken (cause chained).
    """
    entries = plugins.manager.backends()
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise BackendNotFound(
            f"Unknown backend {name!r} (from {source}). Installed backends: {known}.")
    entry = entries[name]
    if entry.plugin.status == "broken":
        raise BackendNotFound(
            f"Backend {name!r} (from {source}) is unavailable: {entry.unavailable_reason()}"
        ) from entry.plugin.error
    reason = entry.unavailable_reason()
    if reason:
        raise BackendNotFound(f"Backend {name!r} (from {source}) is unavailable: {reason}")
    return entry.load_class()()


def current():
    """The active backend instance, resolving it on first use."""
    if _state["backend"] is None:
        name, source = config.requested_backend(settings())
        _state["backend"] = load_backend(name, source)
    return _state["backend"]


@contextlib.contextmanager
def use_backend(backend):
    """Make ``backend`` (a name or an instance) active inside a ``with`` block.

    Variables and functions created inside belong to that backend.
    """
    if isinstance(backend, str):
        backend = load_backend(backend)
    previous = _state["backend"]
    _state["backend"] = backend
    try:
        yield backend
    finally:
        _state["backend"] = previous
