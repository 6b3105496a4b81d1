"""Fixtures for the backend-independent tests of the core."""
import os
import sys
import textwrap

import pytest

from polykeras import plugins
from polykeras.backend import selection


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    """An empty POLYKERAS_HOME, no backend env vars, config re-read."""
    home = tmp_path / "home"
    monkeypatch.setenv("POLYKERAS_HOME", str(home))
    monkeypatch.delenv("POLYKERAS_BACKEND", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    saved = dict(selection._state)
    selection._state.update(backend=None, config=None)
    yield home
    selection._state.update(saved)


@pytest.fixture
def install_distribution(tmp_path, monkeypatch):
    """Install a real (metadata-only) distribution with modules into a temp path.

    Returns a function ``install(dist_name, entry_points, modules)`` where
    ``entry_points`` maps group -> {name: "module"} and ``modules`` maps
    module name -> source. A fresh plugin manager that sees it replaces the
    global one for the test.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    created = []

    def install(dist_name, entry_points, modules):
        info = site / f"{dist_name}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.2.3\n")
        lines = []
        for group, entries in entry_points.items():
            lines.append(f"[{group}]")
            lines.extend(f"{name} = {target}" for name, target in entries.items())
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
            created.append(module)
        manager = plugins.PluginManager()
        monkeypatch.setattr(plugins, "manager", manager)
        return manager

    yield install
    for module in created:
        sys.modules.pop(module, None)


@pytest.fixture(autouse=True)
def _no_plugin_filter(monkeypatch):
    monkeypatch.delenv("POLYKERAS_DISABLE_PLUGINS", raising=False)
    yield
    os.environ.pop("POLYKERAS_TEST_MARKER", None)
