"""An out-of-tree backend, pip-installed from a wheel into a temp dir, passes conformance.

The test builds the wheel of a tiny backend distribution (``polykeras-tinynp``:
the NumPy backend's class under a new name, registered through the
``polykeras.backends`` entry point), installs it with ``pip install --target``
(offline: a wheel needs no build step), and runs a slice of the conformance
suite and ``polykeras info`` in subprocesses with ``POLYKERAS_BACKEND=tinynp``.
"""
import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIST, VERSION = "polykeras_tinynp", "0.1.0"
FILES = {
    "pk_tinynp/__init__.py": '"""A tiny third-party polykeras backend."""\n',
    "pk_tinynp/plugin.py": (
        "from polykeras import hookimpl\n\n\n"
        "@hookimpl\n"
        "def polykeras_register_backend(register):\n"
        "    register('tinynp', 'pk_tinynp.backend:TinyNumpy', requires=('numpy',),\n"
        "             install='pip install polykeras-tinynp')\n"),
    "pk_tinynp/backend.py": (
        "from polykeras_numpy.backend import NumpyBackend\n\n\n"
        "class TinyNumpy(NumpyBackend):\n"
        "    name = 'tinynp'\n\n"
        "    def info(self):\n"
        "        return ['tinynp: the NumPy kernels under another name']\n"),
    f"{DIST}-{VERSION}.dist-info/METADATA": (
        f"Metadata-Version: 2.1\nName: polykeras-tinynp\nVersion: {VERSION}\n"),
    f"{DIST}-{VERSION}.dist-info/WHEEL": (
        "Wheel-Version: 1.0\nGenerator: polykeras-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"),
    f"{DIST}-{VERSION}.dist-info/entry_points.txt": (
        "[polykeras.backends]\ntinynp = pk_tinynp.plugin\n"),
}


def _build_wheel(folder):
    """A py3-none-any wheel holding FILES, with a RECORD of sha256 hashes."""
    record = []
    path = folder / f"{DIST}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in FILES.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{name},sha256={digest.decode()},{len(data)}")
            wheel.writestr(name, data)
        record_name = f"{DIST}-{VERSION}.dist-info/RECORD"
        wheel.writestr(record_name, "\n".join(record + [f"{record_name},,"]) + "\n")
    return path


@pytest.fixture(scope="module")
def tinynp_env(tmp_path_factory):
    """Environment variables under which the installed tinynp backend is active."""
    folder = tmp_path_factory.mktemp("tinynp")
    site = folder / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--quiet", "--target", str(site),
                    str(_build_wheel(folder))], check=True, capture_output=True, text=True)
    env = dict(os.environ)
    env.update(POLYKERAS_BACKEND="tinynp", POLYKERAS_HOME=str(folder / "home"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(site),
                                                         env.get("PYTHONPATH")])))
    env.pop("POLYKERAS_DISABLE_PLUGINS", None)
    return env


def _run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_installed_backend_is_listed_and_active(tinynp_env):
    result = _run(["-m", "polykeras", "info"], tinynp_env)
    assert result.returncode == 0, result.stderr
    assert "* tinynp: available  [polykeras-tinynp 0.1.0]" in result.stdout
    assert "active backend: tinynp (from POLYKERAS_BACKEND)" in result.stdout
    assert "tinynp: the NumPy kernels under another name" in result.stdout


def test_a_conformance_slice_passes_on_the_installed_backend(tinynp_env):
    result = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                   "conformance/test_conformance_ops.py",
                   "conformance/test_conformance_gradients.py",
                   "conformance/test_conformance_function.py",
                   "-k", "softmax or batch_dot or conv2d or updates"], tinynp_env)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-3000:]
    assert "polykeras conformance: backend 'tinynp'" in report
    passed = re.search(r"^(\d+) passed", report, re.MULTILINE)
    assert passed and int(passed.group(1)) >= 50, report[-2000:]


def test_disabling_the_backend_plugin_says_so(tinynp_env):
    env = dict(tinynp_env, POLYKERAS_DISABLE_PLUGINS="tinynp")
    result = _run(["-c", "import polykeras.backend as K; K.backend()"], env)
    assert result.returncode != 0
    assert "tinynp" in result.stderr and "polykeras-tinynp" in result.stderr
    assert "disabled" in result.stderr
