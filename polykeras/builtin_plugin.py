"""The built-in layers, losses, metrics, optimizers... registered as a plugin.

This module is the ``builtins`` entry point of the ``polykeras.plugins``
group, so the core's own objects reach the registries through the same hooks
as a third-party plugin's (DESIGN decision 8). Each hook enumerates its
family from the family's modules at call time (nothing is listed here), and
the families are imported only when a registry is first built.
"""
from polykeras.hookspecs import hookimpl


def _register_items(register, objects):
    for name, obj in objects.items():
        register(obj, name=name)


@hookimpl
def polykeras_register_layers(register):
    """Every layer class that :mod:`polykeras.layers` exports, plus the model classes."""
    from polykeras import layers
    from polykeras.engine import Layer, Model, Sequential
    for name in layers.__all__:
        obj = getattr(layers, name)
        if isinstance(obj, type) and issubclass(obj, Layer):
            register(obj, name=name)
    register(Model)
    register(Sequential)


@hookimpl
def polykeras_register_losses(register):
    """Every built-in loss by name, aliases included."""
    from polykeras import losses
    _register_items(register, losses.BUILTIN_LOSSES)


@hookimpl
def polykeras_register_metrics(register):
    """Every built-in metric by name: the accuracies and the losses."""
    from polykeras import metrics
    _register_items(register, metrics.BUILTIN_METRICS)


@hookimpl
def polykeras_register_optimizers(register):
    """The optimizer classes, by class name and lower-case alias."""
    from polykeras import optimizers
    _register_items(register, optimizers._BUILTINS)


@hookimpl
def polykeras_register_initializers(register):
    """The initializer classes and functions with their aliases."""
    from polykeras import initializers
    _register_items(register, initializers._INITIALIZERS)


@hookimpl
def polykeras_register_regularizers(register):
    """``L1L2`` and the ``l1``/``l2``/``l1_l2`` factories."""
    from polykeras import regularizers
    _register_items(register, regularizers._REGULARIZERS)


@hookimpl
def polykeras_register_constraints(register):
    """The constraint classes with their aliases."""
    from polykeras import constraints
    _register_items(register, constraints._CONSTRAINTS)


@hookimpl
def polykeras_register_activations(register):
    """The activation functions."""
    from polykeras import activations
    _register_items(register, activations._ACTIVATIONS)


@hookimpl
def polykeras_register_callbacks(register):
    """Every callback class that :mod:`polykeras.callbacks` exports."""
    from polykeras import callbacks
    for name in dir(callbacks):
        obj = getattr(callbacks, name)
        if isinstance(obj, type) and issubclass(obj, callbacks.Callback) \
                and not name.startswith("_"):
            register(obj, name=name)
