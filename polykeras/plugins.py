"""The plugin manager: entry points, registries, and errors about plugins.

Plugins are found through the ``polykeras.backends`` and
``polykeras.plugins`` entry-point groups and loaded on first need. Plugin
modules must stay light: a backend's heavy library is imported only when
that backend is activated. A plugin that fails (import error, bad hook
signature, exception in a hook, duplicate name) is recorded with its
distribution and cause and reported, while the other plugins keep working.
``POLYKERAS_DISABLE_PLUGINS=name,...`` blocks plugins by entry-point name.
"""
import dataclasses
import importlib
import importlib.metadata
import importlib.util
import os
import warnings

import pluggy

from polykeras import hookspecs

ENTRY_POINT_GROUPS = ("polykeras.backends", "polykeras.plugins")
CORE_DISTRIBUTION = "polykeras"
REGISTRY_KINDS = ("layers", "losses", "metrics", "optimizers", "initializers",
                  "regularizers", "constraints", "activations", "callbacks")


class PluginError(RuntimeError):
    """A plugin could not be loaded or registered something invalid."""


class PluginWarning(UserWarning):
    """A broken plugin was skipped."""


@dataclasses.dataclass
class PluginInfo:
    """What is known about one plugin."""
    name: str
    group: str
    distribution: str
    version: str
    status: str = "loaded"      # loaded | disabled | broken
    error: BaseException = None

    def describe(self):
        return f"plugin {self.name!r} from distribution {self.distribution} {self.version}"


@dataclasses.dataclass
class BackendEntry:
    """A backend as registered by a plugin."""
    name: str
    loader: str
    plugin: PluginInfo
    requires: tuple = ()
    install: str = None

    def missing_requirements(self):
        return [req for req in self.requires if importlib.util.find_spec(req) is None]

    def unavailable_reason(self):
        """Why the backend cannot be activated, or ``None`` if it can."""
        if self.plugin.status != "loaded":
            return f"{self.plugin.describe()} is {self.plugin.status}"
        missing = self.missing_requirements()
        if missing:
            hint = f" — {self.install}" if self.install else ""
            return f"not installed (missing {', '.join(missing)}){hint}"
        return None

    def load_class(self):
        module_name, _, attr = self.loader.partition(":")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except Exception as exc:
            raise PluginError(
                f"Backend {self.name!r} ({self.plugin.describe()}) failed to import "
                f"{self.loader!r}: {exc}") from exc


class PluginManager:
    """Loads plugins once and builds the registries on demand."""

    def __init__(self):
        self.pm = pluggy.PluginManager("polykeras")
        self.pm.add_hookspecs(hookspecs)
        self.plugins = {}
        self._loaded = False
        self._backends = None
        self._registries = {}
        self._owners = {}

    def disabled_names(self):
        raw = os.environ.get("POLYKERAS_DISABLE_PLUGINS", "")
        return {name.strip() for name in raw.split(",") if name.strip()}

    def load(self):
        """Import every entry-point plugin not disabled; record failures.

        The plugins of the ``polykeras`` distribution itself (the built-in
        backends and the built-in layers, losses, ...) load first, so a
        third-party plugin that reuses a built-in name is the one reported.
        """
        if self._loaded:
            return
        self._loaded = True
        disabled = self.disabled_names()
        for group in ENTRY_POINT_GROUPS:
            found = list(importlib.metadata.entry_points(group=group))
            found.sort(key=lambda ep: _distribution_name(ep) != CORE_DISTRIBUTION)
            for ep in found:
                info = PluginInfo(ep.name, group, _distribution_name(ep),
                                  ep.dist.version if ep.dist else "?")
                if ep.name in self.plugins:
                    continue
                self.plugins[ep.name] = info
                if ep.name in disabled:
                    info.status = "disabled"
                    continue
                try:
                    self.pm.register(ep.load(), name=ep.name)
                except Exception as exc:
                    self._mark_broken(info, f"failed to load: {exc}", exc)

    def register_module(self, module, name, distribution="<local>", version="?",
                        group="polykeras.plugins"):
        """Register an already imported plugin module (tests, interactive use)."""
        self.load()
        info = PluginInfo(name, group, distribution, version)
        self.plugins[name] = info
        try:
            self.pm.register(module, name=name)
        except Exception as exc:
            self._mark_broken(info, f"failed to register: {exc}", exc)
        self._backends = None
        self._registries.clear()
        return info

    def _mark_broken(self, info, what, exc):
        info.status = "broken"
        info.error = PluginError(f"{info.describe()} {what}")
        info.error.__cause__ = exc
        warnings.warn(str(info.error), PluginWarning, stacklevel=3)

    def _call_each(self, hook_name, register_for):
        """Call one hook plugin by plugin, isolating failures."""
        self.load()
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order: first plugin wins
            info = self.plugins.get(impl.plugin_name)
            if info is None or info.status != "loaded":
                continue
            try:
                impl.function(register=register_for(info))
            except Exception as exc:
                self._mark_broken(info, f"raised in {hook_name}: {exc}", exc)

    def backends(self):
        """name -> :class:`BackendEntry` for every registered backend."""
        if self._backends is None:
            entries = {}

            def register_for(info):
                def register(name, loader, requires=(), install=None):
                    if name in entries:
                        raise PluginError(
                            f"backend name {name!r} is already registered by "
                            f"{entries[name].plugin.describe()}")
                    entries[name] = BackendEntry(name, loader, info, tuple(requires), install)
                return register
            self._call_each("polykeras_register_backend", register_for)
            for info in self.plugins.values():
                if info.group == "polykeras.backends" and info.status != "loaded" \
                        and info.name not in entries:
                    entries[info.name] = BackendEntry(info.name, "", info)
            self._backends = entries
        return self._backends

    def registry(self, kind):
        """name -> object registered by plugins for ``kind`` (e.g. ``"layers"``).

        The registries of every kind are built together, plugin by plugin: a
        plugin whose hook raises, or that registers a name another plugin (or
        the plugin itself) already registered, is marked broken and none of
        its objects are kept, in any kind.
        """
        if kind not in REGISTRY_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REGISTRY_KINDS)}. Received: {kind!r}")
        if not self._registries:
            self._build_registries()
        return self._registries[kind]

    def registered_by(self, plugin_name):
        """kind -> sorted names that the plugin ``plugin_name`` registered."""
        self.registry(REGISTRY_KINDS[0])
        return {kind: sorted(name for name, owner in self._owners[kind].items()
                             if owner.name == plugin_name)
                for kind in REGISTRY_KINDS
                if any(owner.name == plugin_name for owner in self._owners[kind].values())}

    def _build_registries(self):
        staged = {}  # plugin name -> kind -> {name: object}

        def register_for(kind):
            def for_plugin(info):
                mine = staged.setdefault(info.name, {}).setdefault(kind, {})

                def register(obj, name=None):
                    key = name or getattr(obj, "__name__", None)
                    if not isinstance(key, str) or not key:
                        raise PluginError(f"cannot register {obj!r} without a name")
                    if key in mine:
                        raise PluginError(f"{kind[:-1]} name {key!r} is registered twice")
                    mine[key] = obj
                return register
            return for_plugin
        for kind in REGISTRY_KINDS:
            self._call_each(f"polykeras_register_{kind}", register_for(kind))
        registries = {kind: {} for kind in REGISTRY_KINDS}
        owners = {kind: {} for kind in REGISTRY_KINDS}
        in_order = sorted(self.plugins.values(),
                          key=lambda info: info.distribution != CORE_DISTRIBUTION)
        for info in in_order:  # built-ins first, then load order
            if info.status != "loaded" or info.name not in staged:
                continue
            clash = [(kind, key) for kind, objects in staged[info.name].items()
                     for key in objects if key in registries[kind]]
            if clash:
                kind, key = clash[0]
                error = PluginError(f"{kind[:-1]} name {key!r} is already registered by "
                                    f"{owners[kind][key].describe()}")
                self._mark_broken(info, f"cannot register: {error}", error)
                continue
            for kind, objects in staged[info.name].items():
                registries[kind].update(objects)
                owners[kind].update(dict.fromkeys(objects, info))
        self._registries, self._owners = registries, owners

    def broken(self):
        """The plugins that failed, with their errors."""
        self.load()
        return [info for info in self.plugins.values() if info.status == "broken"]


def _distribution_name(entry_point):
    return entry_point.dist.metadata["Name"] if entry_point.dist else "<unknown>"


manager = PluginManager()
