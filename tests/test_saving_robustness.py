"""Saving survives crashes and loading survives hostile files.

* Atomic save: a process killed (SIGKILL) in the middle of saving leaves the
  previous file loadable; an exception during a save leaves it byte for byte.
* Fuzzing: more than 500 mutated copies of a saved model (bit flips,
  truncations, attributes of the wrong type, deleted groups and datasets,
  datasets of the wrong shape, datasets declaring huge shapes, configs
  declaring huge layers) are loaded in a child process. Each must load or
  raise ``ValueError`` / ``OSError``; any other exception, a crash of the
  process or a load taking longer than the time limit fails the test.
"""
import collections
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

from polykeras import backend as K
from polykeras.layers import Conv2D, Dense, Flatten, Input
from polykeras.models import Model, load_model
from polykeras.saving import hdf5_model

PER_FILE_SECONDS = 30


def _child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


# --- atomic save ---------------------------------------------------------------------------

SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from polykeras.layers import Dense, Input
    from polykeras.models import Model
    x = Input(shape=(600,))
    model = Model(x, Dense(700, name="big")(Dense(600, name="wide")(x)))
    version = 0
    while True:
        version += 1
        model.set_weights([np.full(w.shape, version, "float32") for w in model.get_weights()])
        model.save(sys.argv[1])
        print(version, flush=True)
""")


def test_a_save_killed_midway_leaves_the_previous_file_loadable(tmp_path):
    path = str(tmp_path / "model.h5")
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    rng = np.random.RandomState(0)
    for attempt in range(4):
        env = dict(_child_env(), POLYKERAS_BACKEND="numpy")
        child = subprocess.Popen([sys.executable, str(script), path], stdout=subprocess.PIPE,
                                 env=env, text=True)
        try:
            first = child.stdout.readline()  # one complete save, then kill during a later one
            assert first.strip().isdigit(), f"the saving process failed: {first!r}"
            time.sleep(rng.uniform(0.0, 0.4))
            child.send_signal(signal.SIGKILL)
            completed = [first] + child.stdout.read().split()
        finally:
            child.kill()
            child.wait()
        last_done = int(completed[-1])
        model = load_model(path, compile=False)
        values = {float(np.unique(w)[0]) for w in model.get_weights()}
        assert len(values) == 1, "the file mixes two saves"
        version = values.pop()
        # The file is the last completed save, or the one being renamed when killed.
        assert version in (last_done, last_done + 1), (attempt, version, last_done)
        for leftover in os.listdir(tmp_path):
            if leftover.startswith(".model.h5.tmp-"):
                os.remove(tmp_path / leftover)


def test_an_error_during_save_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    x = Input(shape=(3,))
    model = Model(x, Dense(2)(x))
    path = tmp_path / "m.h5"
    model.save(str(path))
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(hdf5_model, "save_weights_to_hdf5_group", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        model.save(str(path))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.h5"]  # the temporary file is removed


# --- fuzzing --------------------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import json, sys, warnings
    from polykeras.models import load_model
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        path = line.strip()
        print(json.dumps({"start": path}), flush=True)
        try:
            load_model(path)
            outcome = "loaded"
        except ValueError:
            outcome = "ValueError"
        except OSError:
            outcome = "OSError"
        except BaseException as exc:
            outcome = "UNEXPECTED " + type(exc).__name__ + ": " + str(exc)[:300]
        print(json.dumps({"path": path, "outcome": outcome}), flush=True)
""")


def _base_model_file(path):
    x = Input(shape=(6, 6, 1), name="image")
    h = Conv2D(2, (3, 3), activation="relu", name="conv")(x)
    y = Dense(3, activation="softmax", name="out")(Flatten(name="flat")(h))
    model = Model(x, y)
    model.compile("adam", "categorical_crossentropy", metrics=["acc"])
    rng = np.random.RandomState(0)
    model.train_on_batch(rng.rand(4, 6, 6, 1), np.eye(3)[[0, 1, 2, 0]])
    model.save(path)


def _datasets(f):
    found = []
    f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset)
                 else None)
    return found


def _objects(f):
    found = []
    f.visit(found.append)
    return found


def _wrong_values(rng):
    return [np.int64(7), np.arange(5, dtype="float32"), b"\xff\xfe garbage", b"",
            json.dumps([1, 2, 3]).encode(), json.dumps({"class_name": 5}).encode(),
            json.dumps({"class_name": "Model", "config": "layers"}).encode(),
            np.array([b"a", b"b"]), "{" * 2000, np.float64(rng.rand()),
            json.dumps({"class_name": "Nope", "config": {}}).encode()]


def _mutate_attrs(path, rng):
    with h5py.File(path, "r+") as f:
        holders = [f] + [f[name] for name in _objects(f)]
        holder = holders[rng.randint(len(holders))]
        names = list(holder.attrs) or ["layer_names"]
        name = names[rng.randint(len(names))]
        values = _wrong_values(rng)
        holder.attrs[name] = values[rng.randint(len(values))]


def _delete_object(path, rng):
    with h5py.File(path, "r+") as f:
        names = _objects(f)
        del f[names[rng.randint(len(names))]]


def _reshape_dataset(path, rng):
    with h5py.File(path, "r+") as f:
        names = _datasets(f)
        name = names[rng.randint(len(names))]
        shape = tuple(int(d) for d in rng.randint(1, 5, size=rng.randint(0, 4)))
        del f[name]
        f.create_dataset(name, data=np.asarray(rng.rand(*shape), dtype="float32"))
        return name.split("/")[0]


def _huge_dataset(path, rng):
    with h5py.File(path, "r+") as f:
        names = _datasets(f)
        name = names[rng.randint(len(names))]
        del f[name]
        shape = (2 ** int(rng.randint(31, 40)),) + (1024,) * int(rng.randint(0, 2))
        f.create_dataset(name, shape=shape, dtype="float32", chunks=(1,) * len(shape))
        return name.split("/")[0]


def _huge_config(path, rng):
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        layer = config["config"]["layers"][rng.choice([1, 3])]
        key = "filters" if "filters" in layer["config"] else "units"
        layer["config"][key] = int(10 ** rng.randint(9, 15))
        f.attrs["model_config"] = json.dumps(config).encode()


def _bit_flips(path, rng):
    data = bytearray(open(path, "rb").read())
    for _ in range(rng.randint(1, 9)):
        position = rng.randint(len(data))
        data[position] ^= 1 << rng.randint(8)
    open(path, "wb").write(bytes(data))


def _truncate(path, rng):
    size = os.path.getsize(path)
    with open(path, "r+b") as handle:
        handle.truncate(int(rng.randint(0, size)))


MUTATIONS = {"bit_flips": (_bit_flips, 220), "truncation": (_truncate, 60),
             "attribute_type_swap": (_mutate_attrs, 90), "deleted_object": (_delete_object, 60),
             "shape_mismatch": (_reshape_dataset, 50), "huge_dataset": (_huge_dataset, 30),
             "huge_config": (_huge_config, 10)}


def _run_worker(paths):
    """Load ``paths`` in child processes; returns {path: outcome}, noting crashes and hangs."""
    outcomes, pending = {}, list(paths)
    while pending:
        child = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env=_child_env())
        child.stdin.write("\n".join(pending) + "\n")
        child.stdin.close()
        selector = selectors.DefaultSelector()
        selector.register(child.stdout, selectors.EVENT_READ)
        current, deadline = None, time.monotonic() + 120  # the first file includes start-up
        while True:
            if not selector.select(timeout=max(0., deadline - time.monotonic())):
                child.kill()
                outcomes[current or pending[0]] = "HANG"
                break
            line = child.stdout.readline()
            if not line:
                child.wait()
                if current is not None:
                    outcomes[current] = f"CRASH (exit status {child.returncode})"
                break
            message = json.loads(line)
            if "start" in message:
                current = message["start"]
                deadline = time.monotonic() + PER_FILE_SECONDS
            else:
                outcomes[message["path"]] = message["outcome"]
                current = None
        child.wait()
        selector.close()
        pending = [p for p in pending if p not in outcomes]
    return outcomes


def test_fuzzed_files_load_or_raise_value_or_os_errors(tmp_path):
    base = str(tmp_path / "base.h5")
    _base_model_file(base)
    K.clear_session()
    rng = np.random.RandomState(2024)
    kinds = {}
    for kind, (mutate, count) in MUTATIONS.items():
        for index in range(count):
            path = str(tmp_path / f"{kind}_{index:03d}.h5")
            shutil.copyfile(base, path)
            group = mutate(path, rng)
            kinds[path] = f"{kind}/{group}" if group else kind
    empty = str(tmp_path / "empty.h5")
    open(empty, "wb").close()
    text = str(tmp_path / "text.h5")
    with open(text, "w") as handle:
        handle.write("this is not an HDF5 file\n" * 10)
    kinds.update({empty: "empty", text: "not_hdf5"})
    assert len(kinds) >= 500

    outcomes = _run_worker(list(kinds))
    table = collections.Counter((kinds[p], outcome.split(":")[0]) for p, outcome in
                                outcomes.items())
    print(f"\nfuzz on backend {K.backend()}: {len(outcomes)} files")
    for (kind, outcome), count in sorted(table.items()):
        print(f"  {kind:32s} {outcome:12s} {count}")
    bad = {p: o for p, o in outcomes.items() if o not in ("loaded", "ValueError", "OSError")}
    assert not bad, f"{len(bad)} file(s) failed otherwise: {list(bad.items())[:5]}"
    for kind in ("empty", "not_hdf5"):
        assert table[(kind, "OSError")] == 1
    assert table[("truncation", "loaded")] == 0
    # A model weight of the wrong or a huge declared shape is an error; the same in the
    # optimizer state loads the model with a fresh optimizer (and a warning).
    for kind in ("huge_dataset", "shape_mismatch"):
        assert not table[(f"{kind}/model_weights", "loaded")]
        assert table[(f"{kind}/model_weights", "ValueError")] > 0
        assert not table[(f"{kind}/optimizer_weights", "ValueError")]
