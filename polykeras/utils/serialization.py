"""Turning Keras objects into configs and back, and the custom-object scope.

Every family (layers, losses, metrics, optimizers, initializers,
regularizers, constraints, activations) resolves names the same way, in this
order: ``custom_objects`` passed by the caller, the objects of the active
:func:`custom_object_scope`, then the plugin registry for that family, which
holds the built-ins (registered by :mod:`polykeras.builtin_plugin`) and the
objects of every installed plugin.
"""
import difflib
import inspect
import threading

_scopes = threading.local()
_global_custom_objects = {}


def get_custom_objects():
    """The process-wide dict of custom objects (name -> class or function).

    Example:
        >>> get_custom_objects()["my_loss"] = my_loss
    """
    return _global_custom_objects


class CustomObjectScope:
    """Makes ``objects`` resolvable by name inside a ``with`` block.

    Example:
        >>> with CustomObjectScope({"MyLayer": MyLayer}):
        ...     model = model_from_json(text)
    """

    def __init__(self, *objects):
        self.objects = {}
        for mapping in objects:
            self.objects.update(mapping)

    def __enter__(self):
        if not hasattr(_scopes, "stack"):
            _scopes.stack = []
        _scopes.stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()


def custom_object_scope(*objects):
    """Shorthand for :class:`CustomObjectScope`."""
    return CustomObjectScope(*objects)


def _scoped_objects():
    merged = dict(_global_custom_objects)
    for mapping in getattr(_scopes, "stack", []):
        merged.update(mapping)
    return merged


def serialize_keras_object(instance):
    """``{"class_name": ..., "config": ...}`` for objects with ``get_config``;
    the ``__name__`` of functions; ``None`` for ``None``."""
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": type(instance).__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError(f"Cannot serialize {instance!r}: it has neither get_config nor a __name__.")


def resolve_name(name, module_objects, custom_objects=None, kind="object", registry=None):
    """The object registered under ``name``, or a ``ValueError`` listing close matches.

    Args:
        name: the name to look up.
        module_objects: the family's built-ins (name -> object), searched
            when the registry does not have ``name`` (the built-ins are in the
            registry unless the ``builtins`` plugin is disabled).
        custom_objects: caller-supplied objects, searched first.
        kind: what is looked up, for the error message (``"loss"``).
        registry: plugin registry kind (``"losses"``), searched after the
            custom objects: the built-ins and every plugin's objects.

    Raises:
        ValueError: no object has that name; the message suggests close names.

    Example:
        >>> resolve_name("relu", {}, kind="activation", registry="activations")
    """
    scoped = _scoped_objects()
    for mapping in (custom_objects or {}, scoped):
        if name in mapping:
            return mapping[name]
    plugin_objects = {}
    if registry is not None:
        from polykeras.plugins import manager
        plugin_objects = manager.registry(registry)
        if name in plugin_objects:
            return plugin_objects[name]
    if name in module_objects:
        return module_objects[name]
    known = sorted(set(module_objects) | set(plugin_objects) | set(scoped)
                   | set(custom_objects or {}))
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ValueError(f"Unknown {kind}: {name!r}.{hint} Pass custom objects with "
                     f"custom_objects={{{name!r}: ...}} or register them through a plugin.")


def default_instance(found, factories=()):
    """What a bare name stands for in a layer argument: a ready-to-use object.

    ``kernel_initializer='glorot_uniform'`` or ``kernel_regularizer='l2'`` name
    a class or a factory function; the argument needs an instance, so a class
    is instantiated and a listed factory is called with its defaults. Any
    other function (a custom one registered under the name) is returned as is.

    Example:
        >>> from polykeras.constraints import NonNeg
        >>> isinstance(default_instance(NonNeg), NonNeg)
        True
    """
    if isinstance(found, type) or any(found is factory for factory in factories):
        return found()
    return found


def deserialize_keras_object(identifier, module_objects, custom_objects=None,
                             kind="object", registry=None):
    """Rebuild an object from a name or a ``{"class_name", "config"}`` dict.

    Classes are rebuilt with ``cls.from_config(config)`` when they have it,
    else ``cls(**config)``; a dict naming a function with an empty (or no)
    config gives the function itself, as does a name alone; a name alone
    gives a class itself.
    """
    if isinstance(identifier, dict):
        if not isinstance(identifier.get("class_name"), str):
            raise ValueError(f"A serialized {kind} needs 'class_name' and 'config'. "
                             f"Received: {identifier!r}")
        found = resolve_name(identifier["class_name"], module_objects, custom_objects,
                             kind, registry)
        config = identifier.get("config")
        if not isinstance(found, type) and not config:
            return found
        if "config" not in identifier:
            raise ValueError(f"A serialized {kind} needs 'class_name' and 'config'. "
                             f"Received: {identifier!r}")
        if not hasattr(found, "from_config"):
            return found(**config)
        if "custom_objects" in inspect.signature(found.from_config).parameters:
            return found.from_config(config, custom_objects=custom_objects)
        return found.from_config(config)
    if isinstance(identifier, str):
        return resolve_name(identifier, module_objects, custom_objects, kind, registry)
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")
