"""pytest plumbing of the conformance suite: spec imports, skip files, summary.

* The suite's helper modules (``op_specs*.py``) live beside this file; their
  folder is put on ``sys.path`` so the tests import them under any pytest
  import mode (``prepend`` or ``importlib``).
* Known gaps of the active backend are listed in
  ``conformance/skips/<backend>.txt``: one line per glob, ``glob  # reason``.
  The glob is matched (``*`` and ``?`` only; ``[`` is literal) against the
  test id starting at the file name, e.g.
  ``test_conformance_ops.py::test_values[conv3d_transpose-*]``. A line without
  a reason is an error.
* At the end, a per-backend table of passed/skipped/failed counts per family.
"""
import collections
import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

SKIPS_DIR = os.path.join(HERE, "skips")
_state = {"backend": None, "families": {}, "outcomes": {}, "rules": []}


def pytest_configure(config):
    """Declare the suite's marker."""
    config.addinivalue_line(
        "markers", "conformance_family(name): the op family a conformance test belongs to")


def backend_name():
    """Name of the backend the suite runs against."""
    from polykeras import backend as K
    return K.backend()


class SkipRule:
    """One line of a skip file."""

    def __init__(self, path, lineno, pattern, reason):
        self.path, self.lineno, self.pattern, self.reason = path, lineno, pattern, reason
        self.regex = re.compile(
            "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                    for ch in pattern) + r"\Z")
        self.used = 0

    def matches(self, short_id):
        return self.regex.match(short_id) is not None


def read_skip_file(path):
    """The :class:`SkipRule` list of a skip file (empty when there is none).

    Raises:
        pytest.UsageError: a line has no ``# reason``.
    """
    rules = []
    if not os.path.exists(path):
        return rules
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            pattern, sep, reason = text.partition("#")
            pattern, reason = pattern.strip(), reason.strip()
            if not sep or not reason or not pattern:
                raise pytest.UsageError(
                    f"{path}:{lineno}: each skip line must be 'test_id_glob  # reason' with a "
                    f"non-empty reason. Received: {text!r}")
            rules.append(SkipRule(path, lineno, pattern, reason))
    return rules


def short_id(nodeid):
    """The test id from the file name on (``test_x.py::test_y[param]``)."""
    path, sep, rest = nodeid.partition("::")
    return os.path.basename(path) + sep + rest


def family_of(item):
    marker = item.get_closest_marker("conformance_family")
    if marker is not None:
        return marker.args[0]
    name = os.path.basename(str(item.fspath))
    return name.replace("test_conformance_", "").replace(".py", "")


def pytest_collection_modifyitems(session, config, items):
    """Apply the active backend's skip file and remember each test's family."""
    ours = [item for item in items if str(item.fspath).startswith(HERE + os.sep)]
    if not ours:
        return
    backend = backend_name()
    rules = read_skip_file(os.path.join(SKIPS_DIR, f"{backend}.txt"))
    _state.update(backend=backend, rules=rules)
    for item in ours:
        key = (item.module.__name__.rsplit(".", 1)[-1], family_of(item))
        _state["families"][item.nodeid] = key
        sid = short_id(item.nodeid)
        for rule in rules:
            if rule.matches(sid):
                rule.used += 1
                item.add_marker(pytest.mark.skip(
                    reason=f"skips/{backend}.txt:{rule.lineno}: {rule.reason}"))
                break


def pytest_runtest_logreport(report):
    """Record one outcome per test: failed if any phase failed."""
    if report.nodeid not in _state["families"]:
        return
    outcomes = _state["outcomes"]
    if report.failed:
        outcomes[report.nodeid] = "failed"
    elif report.skipped:
        outcomes.setdefault(report.nodeid, "skipped")
    elif report.when == "call":
        outcomes.setdefault(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter):
    """Print passed/skipped/failed counts per family for the active backend."""
    if not _state["outcomes"]:
        return
    counts = collections.defaultdict(collections.Counter)
    for nodeid, outcome in _state["outcomes"].items():
        module, family = _state["families"][nodeid]
        counts[(module, family)][outcome] += 1
    tr = terminalreporter
    tr.section(f"polykeras conformance: backend {_state['backend']!r}")
    tr.write_line(f"{'module':<30} {'family':<12} {'passed':>7} {'skipped':>8} {'failed':>7}")
    total = collections.Counter()
    for (module, family), c in sorted(counts.items()):
        total.update(c)
        tr.write_line(f"{module:<30} {family:<12} {c['passed']:>7} {c['skipped']:>8} "
                      f"{c['failed']:>7}")
    tr.write_line(f"{'total':<43} {total['passed']:>7} {total['skipped']:>8} "
                  f"{total['failed']:>7}")
    unused = [r for r in _state["rules"] if not r.used]
    for rule in unused:
        tr.write_line(f"note: {os.path.basename(rule.path)}:{rule.lineno} "
                      f"{rule.pattern!r} matched no collected test")


@pytest.fixture(autouse=True)
def _clean_backend_state():
    """Restore floatx, the learning phase and uids after every test."""
    from polykeras import backend as K
    floatx = K.floatx()
    yield
    K.set_floatx(floatx)
    K.clear_session()
