"""Every hook a polykeras plugin can implement.

A plugin is a module named by an entry point in the ``polykeras.backends``
or ``polykeras.plugins`` group. It implements any of the hooks below with
``@polykeras.hookimpl``. Each registration hook receives a ``register``
callable; call it once per object. The built-in backends, layers, losses
and the rest register through these same hooks.
"""
import pluggy

hookspec = pluggy.HookspecMarker("polykeras")
hookimpl = pluggy.HookimplMarker("polykeras")


@hookspec
def polykeras_register_backend(register):
    """Register backends.

    Call ``register(name, loader, requires=(), install=None)`` where
    ``loader`` is ``"module:Class"`` for a :class:`polykeras.backend.Backend`
    subclass, imported only when the backend is activated; ``requires`` are
    the import names it needs (checked without importing them) and
    ``install`` the command that provides them.
    """


@hookspec
def polykeras_register_layers(register):
    """Register layer classes: ``register(cls)`` or ``register(cls, name=...)``."""


@hookspec
def polykeras_register_losses(register):
    """Register loss functions or classes by name."""


@hookspec
def polykeras_register_metrics(register):
    """Register metric functions by name."""


@hookspec
def polykeras_register_optimizers(register):
    """Register optimizer classes by name."""


@hookspec
def polykeras_register_initializers(register):
    """Register initializer classes or functions by name."""


@hookspec
def polykeras_register_regularizers(register):
    """Register regularizer classes or functions by name."""


@hookspec
def polykeras_register_constraints(register):
    """Register constraint classes by name."""


@hookspec
def polykeras_register_activations(register):
    """Register activation functions by name."""


@hookspec
def polykeras_register_callbacks(register):
    """Register callback classes by name."""
