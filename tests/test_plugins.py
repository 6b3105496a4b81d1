"""Plugin discovery, broken plugins, disabling, and registries."""
import pytest

import polykeras.backend as K
from polykeras import plugins, cli

GOOD_BACKEND = """
from polykeras import hookimpl

@hookimpl
def polykeras_register_backend(register):
    register("tiny", "tinybackend_impl:Tiny", requires=("numpy",))
"""
TINY_IMPL = """
from polykeras.backend import Backend

class Tiny(Backend):
    name = "tiny"
"""
MISSING_LIB_BACKEND = """
from polykeras import hookimpl

@hookimpl
def polykeras_register_backend(register):
    register("needslib", "nowhere:Nothing", requires=("no_such_library_xyz",),
             install="pip install no-such-library-xyz")
"""
BROKEN_AT_IMPORT = """
raise ImportError("libfoo.so: cannot open shared object file")
"""


def test_a_third_party_backend_registers_and_activates(fresh_home, install_distribution,
                                                        monkeypatch):
    install_distribution("tiny-backend", {"polykeras.backends": {"tiny": "tinybackend"}},
                         {"tinybackend": GOOD_BACKEND, "tinybackend_impl": TINY_IMPL})
    assert "tiny" in plugins.manager.backends()
    assert "numpy" in plugins.manager.backends()
    monkeypatch.setenv("POLYKERAS_BACKEND", "tiny")
    assert K.backend() == "tiny"


def test_missing_library_says_what_to_install(fresh_home, install_distribution, monkeypatch):
    install_distribution("needslib-backend", {"polykeras.backends": {"needslib": "needslib"}},
                         {"needslib": MISSING_LIB_BACKEND})
    monkeypatch.setenv("POLYKERAS_BACKEND", "needslib")
    with pytest.raises(K.BackendNotFound) as err:
        K.backend()
    assert "no_such_library_xyz" in str(err.value)
    assert "pip install no-such-library-xyz" in str(err.value)


def test_broken_backend_plugin_is_reported_and_others_keep_working(
        fresh_home, install_distribution, monkeypatch):
    manager = install_distribution("broken-backend",
                                   {"polykeras.backends": {"broken": "brokenmod"}},
                                   {"brokenmod": BROKEN_AT_IMPORT})
    with pytest.warns(plugins.PluginWarning, match="broken-backend"):
        entries = manager.backends()
    assert "numpy" in entries and entries["numpy"].unavailable_reason() is None
    info = manager.plugins["broken"]
    assert info.status == "broken"
    assert "'broken'" in str(info.error) and "broken-backend 1.2.3" in str(info.error)
    assert isinstance(info.error.__cause__, ImportError)
    monkeypatch.setenv("POLYKERAS_BACKEND", "broken")
    with pytest.raises(K.BackendNotFound) as err:
        K.backend()
    assert "broken-backend" in str(err.value)
    assert isinstance(err.value.__cause__, plugins.PluginError)


def test_disabled_plugins_are_not_imported(fresh_home, install_distribution, monkeypatch):
    monkeypatch.setenv("POLYKERAS_DISABLE_PLUGINS", "broken, other")
    manager = install_distribution("broken-backend",
                                   {"polykeras.backends": {"broken": "brokenmod"}},
                                   {"brokenmod": BROKEN_AT_IMPORT})
    manager.load()
    assert manager.plugins["broken"].status == "disabled"
    assert manager.broken() == []
    assert "disabled" in manager.backends()["broken"].unavailable_reason()


def test_duplicate_backend_name_names_the_first_owner(fresh_home, install_distribution):
    manager = install_distribution(
        "dup-backend", {"polykeras.backends": {"first": "firstmod", "second": "secondmod"}},
        {"firstmod": GOOD_BACKEND, "secondmod": GOOD_BACKEND, "tinybackend_impl": TINY_IMPL})
    with pytest.warns(plugins.PluginWarning, match="already registered"):
        entries = manager.backends()
    assert entries["tiny"].plugin.name == "first"
    assert "numpy" in entries
    error = manager.plugins["second"].error
    assert "plugin 'second' from distribution dup-backend" in str(error)
    assert "already registered by plugin 'first'" in str(error)


def test_hook_with_wrong_arguments_is_reported(fresh_home, install_distribution):
    wrong = """
from polykeras import hookimpl

@hookimpl
def polykeras_register_layers(registry, extra):
    pass
"""
    with pytest.warns(plugins.PluginWarning, match="wrong-plugin"):
        manager = install_distribution("wrong-plugin", {"polykeras.plugins": {"wrong": "wrongmod"}},
                                       {"wrongmod": wrong})
        manager.load()
    assert manager.plugins["wrong"].status == "broken"
    assert "plugin 'wrong' from distribution wrong-plugin 1.2.3" in str(
        manager.plugins["wrong"].error)
    assert "Dense" in manager.registry("layers")   # the other plugins still register


def test_registries_collect_objects_and_refuse_duplicates(fresh_home, install_distribution):
    layers = """
from polykeras import hookimpl

class Fancy:
    pass

@hookimpl
def polykeras_register_layers(register):
    register(Fancy)
    register(Fancy, name="FancyAlias")
"""
    clash = """
from polykeras import hookimpl

@hookimpl
def polykeras_register_layers(register):
    register(object, name="Fancy")
"""
    manager = install_distribution("fancy-layers", {"polykeras.plugins": {
        "fancy": "fancymod", "clash": "clashmod"}}, {"fancymod": layers, "clashmod": clash})
    with pytest.warns(plugins.PluginWarning, match="already registered"):
        registry = manager.registry("layers")
    assert registry["Fancy"].__name__ == "Fancy" and registry["FancyAlias"] is registry["Fancy"]
    with pytest.raises(ValueError, match="Received: 'widgets'"):
        manager.registry("widgets")


def test_info_lists_backends_config_and_plugins(fresh_home, install_distribution):
    install_distribution("needslib-backend", {"polykeras.backends": {"needslib": "needslib"}},
                         {"needslib": MISSING_LIB_BACKEND})
    text = "\n".join(cli.info_lines())
    assert "* numpy: available" in text
    assert "needslib: not installed (missing no_such_library_xyz) — pip install" in text
    assert "active backend: numpy" in text
    assert str(fresh_home / "polykeras.json") in text
    assert "needslib (polykeras.backends): needslib-backend 1.2.3 — loaded" in text


def test_every_hook_is_exercised_by_a_registry():
    from polykeras import hookspecs
    hooks = {name for name in dir(hookspecs) if name.startswith("polykeras_")}
    covered = {"polykeras_register_backend"} | {
        f"polykeras_register_{kind}" for kind in plugins.REGISTRY_KINDS}
    assert hooks == covered


GOOD_LAYERS = """
from polykeras import hookimpl
from polykeras.layers import Layer


class Shiny(Layer):
    pass


@hookimpl
def polykeras_register_layers(register):
    register(Shiny)
"""


def test_layer_plugin_broken_at_import_is_reported_and_others_load(
        fresh_home, install_distribution):
    manager = install_distribution("mixed-plugins", {"polykeras.plugins": {
        "shiny": "shinymod", "crashy": "crashymod"}},
        {"shinymod": GOOD_LAYERS, "crashymod": BROKEN_AT_IMPORT})
    with pytest.warns(plugins.PluginWarning, match="'crashy' from distribution mixed-plugins"):
        registry = manager.registry("layers")
    assert "Shiny" in registry and "Dense" in registry
    assert [info.name for info in manager.broken()] == ["crashy"]
    assert isinstance(manager.plugins["crashy"].error.__cause__, ImportError)
    from polykeras import layers
    assert type(layers.deserialize({"class_name": "Shiny", "config": {}})).__name__ == "Shiny"
    text = "\n".join(cli.info_lines())
    assert "crashy (polykeras.plugins): mixed-plugins 1.2.3 — broken" in text
    assert "cannot open shared object file" in text
    assert "shiny (polykeras.plugins): mixed-plugins 1.2.3 — loaded" in text
    assert "    layers: Shiny" in text


@pytest.mark.parametrize("body, message", [
    ("register(object())", "without a name"),
    ("register(len)\n    register(len)", "'len' is registered twice"),
    ("raise RuntimeError('boom')", "raised in polykeras_register_losses: boom"),
])
def test_a_failing_registration_hook_drops_the_whole_plugin(fresh_home, install_distribution,
                                                            body, message):
    source = GOOD_LAYERS + f"""

@hookimpl
def polykeras_register_losses(register):
    {body}
"""
    manager = install_distribution("half-broken", {"polykeras.plugins": {"half": "halfmod"}},
                                   {"halfmod": source})
    with pytest.warns(plugins.PluginWarning, match=message):
        manager.registry("losses")
    assert "Shiny" not in manager.registry("layers")   # nothing of a broken plugin is kept
    assert "mean_squared_error" in manager.registry("losses")
    assert "half-broken" in str(manager.plugins["half"].error)


def test_disabled_layer_plugin_is_never_imported(fresh_home, install_distribution, monkeypatch):
    import sys
    monkeypatch.setenv("POLYKERAS_DISABLE_PLUGINS", "shiny")
    manager = install_distribution("shiny-layers", {"polykeras.plugins": {"shiny": "shinymod"}},
                                   {"shinymod": GOOD_LAYERS})
    assert "Shiny" not in manager.registry("layers")
    assert "shinymod" not in sys.modules
    assert manager.plugins["shiny"].status == "disabled"
    assert "shiny (polykeras.plugins): shiny-layers 1.2.3 — disabled" in "\n".join(
        cli.info_lines())
