"""Layer conformance: every case of ``layer_specs_*.py`` on the active backend.

Each :class:`~layer_cases.LayerCase` is built once (a module-scoped fixture:
``Input`` tensors, ``Masking`` when the case asks for a mask, the layer, a
Functional model, deterministic weights) and checked against the NumPy
backend's results, computed once per session by ``layer_reference.py`` in a
subprocess (also when the active backend is NumPy):

1. ``test_outputs``: output values, dtypes and masks in inference mode;
2. ``test_static_shapes``: ``compute_output_shape`` (with the batch size and
   with a free batch axis), the Keras shape and ``K.int_shape`` against the
   real output shape;
3. ``test_weights``: ``get_weights()`` shapes, dtypes and order, ``count_params``;
4. ``test_config_round_trip``: ``from_config`` of the JSON-encoded config gives
   the same config and, with the same weights, the same outputs;
5. ``test_training_mode``: training-mode output differs from inference mode
   exactly when ``training_differs`` (and equals the reference when the
   NumPy backend's training output is deterministic);
6. ``test_gradients`` (cases with ``gradients=True``): ``K.gradients`` in
   float64 against central finite differences, for the float inputs and the
   trainable weights.

Checks 1, 4 and 5 share one compiled function per case (outputs, masks and the
round-trip copy's outputs, with the learning phase as an input).
"""
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from layer_cases import BuiltCase, as_list, case_inputs, case_weights, discover, masked_steps

HERE = os.path.dirname(os.path.abspath(__file__))
DISCOVERED = discover()
CASES = [case for _, case in DISCOVERED]
FD_STEP = 1e-6
MAX_COORDS = 20
REFERENCE_TIMEOUT = 1800


def _family(module_name):
    return module_name.replace("layer_specs_", "")


def _params(keep=lambda case: True):
    return [pytest.param(case, id=case.id, marks=pytest.mark.conformance_family(_family(module)))
            for module, case in DISCOVERED if keep(case)]


# --- the NumPy reference ------------------------------------------------------------------

class Reference:
    """The results of ``layer_reference.py``, looked up by case id."""

    def __init__(self, path):
        with np.load(path) as data:
            self.arrays = {key: data[key] for key in data.files if key != "meta"}
            metas = json.loads(str(data["meta"]))
        self.index = {meta["id"]: (i, meta) for i, meta in enumerate(metas)}

    def result(self, case):
        """``meta`` of ``case`` plus its arrays (``out``, ``masks``, ``train`` lists).

        Raises:
            AssertionError: the NumPy backend could not build or run the case.
        """
        if case.id not in self.index:
            raise AssertionError(f"{case.id}: no NumPy reference was computed for this case.")
        i, meta = self.index[case.id]
        assert meta.get("error") is None, (
            f"{case.id}: the NumPy backend (the reference) fails on this case:\n{meta['error']}")
        n = len(meta["outputs"])
        return dict(meta,
                    out=[self.arrays[f"c{i}_out{k}"] for k in range(n)],
                    train=[self.arrays[f"c{i}_train{k}"] for k in range(n)],
                    mask_values=[self.arrays.get(f"c{i}_mask{k}") for k in range(n)])


def _run_reference(path, ids):
    ids_path = path + ".ids.json"
    with open(ids_path, "w", encoding="utf-8") as handle:
        json.dump(ids, handle)
    import polykeras
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(polykeras.__file__)))
    env = dict(os.environ, POLYKERAS_BACKEND="numpy",
               PYTHONPATH=os.pathsep.join(filter(None, [package_root,
                                                        os.environ.get("PYTHONPATH")])))
    command = [sys.executable, os.path.join(HERE, "layer_reference.py"), path, "--ids", ids_path]
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=REFERENCE_TIMEOUT)
    if done.returncode != 0 or not os.path.exists(path):
        raise RuntimeError(f"The NumPy reference process failed (exit {done.returncode}): "
                           f"{' '.join(command)}\n{done.stderr[-4000:]}")


def _shared_reference(folder, ids):
    """Compute the reference once per ``ids`` in ``folder``, also across xdist workers."""
    key = hashlib.sha1("\n".join(ids).encode("utf-8")).hexdigest()[:16]
    path = os.path.join(folder, f"layer_reference_{key}.npz")
    lock = path + ".lock"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.time() + REFERENCE_TIMEOUT
        while not os.path.exists(path) and not os.path.exists(lock + ".failed"):
            if time.time() > deadline:
                raise RuntimeError(f"Timed out waiting for the layer reference {path}")
            time.sleep(0.5)
        if os.path.exists(lock + ".failed"):
            with open(lock + ".failed", encoding="utf-8") as handle:
                raise RuntimeError(handle.read())
        return path
    try:
        _run_reference(path, ids)
    except Exception as exc:
        with open(lock + ".failed", "w", encoding="utf-8") as handle:
            handle.write(str(exc))
        raise
    return path


@pytest.fixture(scope="session")
def reference(request, tmp_path_factory):
    """The NumPy reference for the collected layer cases, computed once per session."""
    this_file = os.path.abspath(__file__)
    ids = sorted({item.callspec.params["case"].id for item in request.session.items
                  if os.path.abspath(str(item.fspath)) == this_file
                  and "case" in getattr(getattr(item, "callspec", None), "params", {})})
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # shared by the workers of one run
    return Reference(_shared_reference(str(folder), ids))


# --- one built model per case -------------------------------------------------------------

class CaseUnderTest:
    """A built case, its round-trip copy and the (lazily computed) results of its function."""

    def __init__(self, case):
        self.case = case
        self.built = BuiltCase(case)
        self.inputs = case_inputs(case)
        self.round_trip_error = None
        self.round_trip_outputs = []
        try:
            self.config = json.loads(json.dumps(self.built.layer.get_config()))
            self.copy = layers.deserialize({"class_name": type(self.built.layer).__name__,
                                            "config": json.loads(json.dumps(self.config))})
            self.round_trip_outputs = as_list(self.copy(
                self.built.layer_inputs[0] if len(self.built.layer_inputs) == 1
                else list(self.built.layer_inputs)))
            self.copy.set_weights(self.built.layer.get_weights())
        except Exception as exc:  # reported by test_config_round_trip only
            self.round_trip_error = exc
            self.round_trip_outputs = []
        self._run = None
        self._results = {}

    def results(self, training):
        """``(outputs, masks, round_trip_outputs)`` in the given mode (computed once)."""
        if training not in self._results:
            if self._run is None:
                self._run = self.built.program(self.round_trip_outputs)
            self._results[training] = self._run(self.inputs, training)
        return self._results[training]


@pytest.fixture(scope="module", params=_params())
def case(request):
    """The :class:`~layer_cases.LayerCase` under test (tests are grouped by case)."""
    return request.param


@pytest.fixture(scope="module")
def under_test(case):
    """The case built on the active backend, shared by checks 1-5."""
    return CaseUnderTest(case)


def _compare(actual, expected, atol, rtol, what):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (
        f"{what}: expected shape {expected.shape}. Received: {actual.shape}")
    assert actual.dtype == expected.dtype, (
        f"{what}: expected dtype {expected.dtype}. Received: {actual.dtype}")
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol, equal_nan=True,
                                   err_msg=f"{what}: values differ")
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=f"{what}: values differ")


# --- 1. outputs -----------------------------------------------------------------------------

def test_outputs(case, under_test, reference):
    """Inference-mode outputs and output masks equal the NumPy backend's."""
    ref = reference.result(case)
    outputs, masks, _ = under_test.results(training=False)
    assert len(outputs) == len(ref["out"]), (
        f"{case.id}: expected {len(ref['out'])} output(s). Received: {len(outputs)}")
    for k, (out, expected) in enumerate(zip(outputs, ref["out"])):
        _compare(out, expected, case.atol, case.rtol, f"{case.id} output {k}")
    for k, (mask, expected) in enumerate(zip(masks, ref["mask_values"])):
        assert (mask is None) == (expected is None), (
            f"{case.id} output {k}: the NumPy backend gives "
            f"{'no mask' if expected is None else 'a mask'}. Received: "
            f"{'no mask' if mask is None else 'a mask'}")
        if mask is not None:
            _compare(mask, expected, 0, 0, f"{case.id} mask of output {k}")


# --- 2. static shapes -----------------------------------------------------------------------

def _shape_list(shape, count):
    if count == 1 and not (isinstance(shape, list) and shape and isinstance(shape[0], tuple)):
        return [shape]
    return list(shape)


def test_static_shapes(case, under_test, reference):
    """compute_output_shape, the Keras shape and K.int_shape match the real output shape.

    The real shape is the NumPy backend's (``test_outputs`` checks that the
    active backend computes the same), so this check needs no compiled function.
    """
    ref = reference.result(case)
    built = under_test.built
    real_shapes = [tuple(shape) for shape, _ in ref["outputs"]]
    count = len(real_shapes)
    assert len(built.outputs) == count, (
        f"{case.id}: the NumPy backend gives {count} output(s). Received: {len(built.outputs)}")
    in_shapes = [tuple(s) for s in case.input_shapes]
    single = in_shapes[0] if len(in_shapes) == 1 else in_shapes
    static = _shape_list(built.layer.compute_output_shape(single), count)
    free_batch = [(None,) + s[1:] for s in in_shapes]
    unbatched = _shape_list(built.layer.compute_output_shape(
        free_batch[0] if len(free_batch) == 1 else free_batch), count)
    assert len(static) == count, (
        f"{case.id}: compute_output_shape gives {len(static)} shape(s) for {count} output(s)")
    for k, (tensor, real) in enumerate(zip(built.outputs, real_shapes)):
        what = f"{case.id} output {k}"
        assert tuple(static[k]) == real, (
            f"{what}: compute_output_shape({single}) = {static[k]}; real shape {real}")
        expected_free = (None,) + real[1:]
        assert tuple(unbatched[k]) == expected_free, (
            f"{what}: compute_output_shape with a free batch axis = {unbatched[k]}; "
            f"expected {expected_free}")
        assert tuple(tensor._keras_shape) == real, (
            f"{what}: Keras shape {tensor._keras_shape}; real shape {real}")
        int_shape = K.int_shape(tensor)
        assert len(int_shape) == len(real) and all(
            s is None or s == r for s, r in zip(int_shape, real)), (
            f"{what}: K.int_shape {int_shape} does not fit the real shape {real}")


# --- 3. weights -----------------------------------------------------------------------------

def test_weights(case, under_test, reference):
    """get_weights() shapes, dtypes and order are the NumPy backend's; count_params adds up."""
    ref = reference.result(case)
    layer = under_test.built.layer
    values = layer.get_weights()
    actual = [[list(v.shape), str(v.dtype)] for v in values]
    assert actual == ref["weights"], (
        f"{case.id}: get_weights() (shape, dtype) in order should be {ref['weights']}. "
        f"Received: {actual}")
    _, shapes, dtypes = under_test.built.weight_specs()
    assert [[list(s), d] for s, d in zip(shapes, dtypes)] == actual, (
        f"{case.id}: the weights' static shapes/dtypes disagree with get_weights()")
    expected = case_weights(case, [w.name for w in layer.weights], shapes, dtypes)
    for k, (value, wanted) in enumerate(zip(values, expected)):
        np.testing.assert_array_equal(value, wanted,
                                      err_msg=f"{case.id}: weight {k} after set_weights")
    total = int(sum(v.size for v in values))
    assert layer.count_params() == total, (
        f"{case.id}: count_params() should be {total}. Received: {layer.count_params()}")
    assert under_test.built.model.count_params() == total


# --- 4. config round trip -------------------------------------------------------------------

def test_config_round_trip(case, under_test):
    """from_config(JSON config) rebuilds an identical layer computing the same outputs."""
    if under_test.round_trip_error is not None:
        raise under_test.round_trip_error
    config = json.loads(json.dumps(under_test.copy.get_config()))
    assert config == under_test.config, (
        f"{case.id}: the config changes through from_config.\nbefore: {under_test.config}\n"
        f"after:  {config}")
    outputs, _, copies = under_test.results(training=False)
    assert len(copies) == len(outputs)
    for k, (out, copy) in enumerate(zip(outputs, copies)):
        _compare(copy, out, case.atol, case.rtol, f"{case.id} round-trip output {k}")


# --- 5. training vs inference ---------------------------------------------------------------

def test_training_mode(case, under_test, reference):
    """Training mode differs from inference exactly when the case says so."""
    ref = reference.result(case)
    inference, _, _ = under_test.results(training=False)
    training, _, _ = under_test.results(training=True)
    for k, (train, infer) in enumerate(zip(training, inference)):
        what = f"{case.id} output {k} in training mode"
        assert train.shape == infer.shape and train.dtype == infer.dtype, (
            f"{what}: shape/dtype {train.shape}/{train.dtype}, inference mode gives "
            f"{infer.shape}/{infer.dtype}")
        if not case.training_differs:
            _compare(train, infer, case.atol, case.rtol, what + " (should equal inference)")
            continue
        assert np.all(np.isfinite(train)), f"{what}: non-finite values"
        assert not np.allclose(train, infer, atol=case.atol, rtol=case.rtol), (
            f"{what}: equals the inference-mode output, but the layer should behave "
            "differently in training")
        if ref["training_deterministic"]:
            _compare(train, ref["train"][k], case.atol, case.rtol, what)


# --- 6. gradients ---------------------------------------------------------------------------

def _loss_function(case, built, rng):
    """``K.function`` of ``sum(outputs * P)`` and its gradients, and the targets."""
    loss = None
    for k, out in enumerate(built.outputs):
        if not K.dtype(out).startswith("float"):
            continue
        shape = getattr(out, "_keras_shape", None)
        assert shape is not None and None not in shape, (
            f"{case.id} output {k}: the gradient check needs a fully known static shape. "
            f"Received: {shape}")
        projection = K.constant(rng.uniform(-1., 1., shape), dtype=K.dtype(out))
        term = K.sum(out * projection)
        loss = term if loss is None else loss + term
    assert loss is not None, f"{case.id}: gradients=True but no float output"
    targets = [(f"input {i}", i, p) for i, p in enumerate(built.inputs)
               if K.dtype(p).startswith("float")]
    targets += [(f"weight {w.name}", None, w) for w in built.layer.trainable_weights]
    assert targets, f"{case.id}: gradients=True but no float input or trainable weight"
    function = K.function(built.inputs + [K.learning_phase()],
                          [loss] + K.gradients(loss, [t for _, _, t in targets]))
    return function, targets


class _Loss:
    """The loss at given feeds, with one input or weight replaced (finite differences)."""

    def __init__(self, function, feeds):
        self.function, self.feeds = function, feeds

    def __call__(self, feed_index, weight, value):
        feeds = list(self.feeds)
        if feed_index is not None:
            feeds[feed_index] = value
        else:
            K.set_value(weight, value)
        return float(self.function(feeds)[0])


def _finite_differences(case, objective, feed_index, weight, base, grad, rng):
    """(analytic, numeric) derivatives at sampled coordinates and along one direction."""
    allowed = np.ones(base.shape, dtype=bool)
    if case.mask and feed_index == 0:
        allowed[masked_steps(case, base)] = False  # Masking is not smooth at zeroed steps
    coordinates = np.flatnonzero(allowed.reshape(-1))
    if coordinates.size > MAX_COORDS:
        coordinates = rng.choice(coordinates, MAX_COORDS, replace=False)
    directions = []
    for k in coordinates:
        bump = np.zeros(base.size)
        bump[k] = 1.
        directions.append(bump.reshape(base.shape))
    directions.append(rng.standard_normal(base.shape) * allowed)
    analytic, numeric = [], []
    for direction in directions:
        up = objective(feed_index, weight, base + FD_STEP * direction)
        down = objective(feed_index, weight, base - FD_STEP * direction)
        numeric.append((up - down) / (2 * FD_STEP))
        analytic.append(float(np.sum(grad * direction)))
    if weight is not None:
        K.set_value(weight, base)
    return analytic, numeric


@pytest.mark.parametrize("grad_case", _params(lambda case: case.gradients))
def test_gradients(grad_case):
    """K.gradients of sum(outputs * P) match central finite differences in float64.

    ``P`` is a fixed random projection; the derivatives are taken w.r.t. the
    float inputs and the trainable weights, in inference mode, or in training
    mode for layers whose training output differs but is deterministic
    (BatchNormalization's batch statistics).
    """
    case = grad_case
    floatx = K.floatx()
    K.set_floatx("float64")
    try:
        built = BuiltCase(case, float_dtype="float64")
    finally:
        K.set_floatx(floatx)
    rng = np.random.default_rng(case.seed + 2)
    function, targets = _loss_function(case, built, rng)
    arrays = case_inputs(case, dtype="float64")
    training = False
    if case.training_differs:
        first, second = (function(arrays + [np.array(True)]) for _ in range(2))
        training = all(np.array_equal(a, b) for a, b in zip(first, second))
    feeds = arrays + [np.array(training)]
    grads = function(feeds)[1:]
    objective = _Loss(function, feeds)
    for (label, feed_index, tensor), grad in zip(targets, grads):
        weight = None if feed_index is not None else tensor
        base = np.array(feeds[feed_index] if weight is None else K.get_value(weight))
        grad = np.asarray(grad)
        what = f"{case.id}: d loss / d {label}"
        assert grad.shape == base.shape, (
            f"{what}: gradient shape {grad.shape}, expected {base.shape}")
        analytic, numeric = _finite_differences(case, objective, feed_index, weight, base,
                                                grad, rng)
        np.testing.assert_allclose(
            analytic, numeric, atol=case.grad_atol, rtol=case.grad_rtol,
            err_msg=f"{what} differs from finite differences (last entry: a random "
                    f"direction; {'training' if training else 'inference'} mode)")


# --- the table itself -----------------------------------------------------------------------

@pytest.mark.conformance_family("table")
def test_every_layer_class_checks_gradients():
    """Each layer class has a case with gradients=True, or a case whose note says why not."""
    by_class = {}
    for case in CASES:
        by_class.setdefault(case.layer, []).append(case)
    missing = sorted(name for name, cases in by_class.items()
                     if not any(c.gradients or c.note for c in cases))
    assert not missing, ("Layer classes without a gradients=True case (or a note saying why): "
                         f"{missing}")


#: Exported layer classes with no case of their own, and why.
WITHOUT_CASES = {
    "Layer": "the abstract base class",
    "InputLayer": "built by every case's Input()",
    "Wrapper": "the abstract base of TimeDistributed and Bidirectional",
    "ConvLSTM2DCell": "the step of ConvLSTM2D, checked through ConvLSTM2D's cases (the generic "
                      "RNN layer does not derive its spatial state shapes)",
    "Lambda": "its config holds Python code, refused by the JSON round trip by design",
}


def _class_names(value):
    """Class names in ``{"class_name": ...}`` dicts nested in ``value`` (wrapped layers, cells)."""
    if isinstance(value, dict):
        own = [value["class_name"]] if isinstance(value.get("class_name"), str) else []
        return own + [n for item in value.values() for n in _class_names(item)]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _class_names(item)]
    return []


@pytest.mark.conformance_family("table")
def test_every_layer_class_has_cases():
    """Every layer class polykeras.layers exports is checked by a case (aliases count once)."""
    covered = set()
    for case in CASES:
        for name in [case.layer] + _class_names(case.kwargs):
            cls = getattr(layers, name, None)
            if cls is not None:
                covered.add(cls)
    missing = sorted(name for name in layers.__all__
                     if isinstance(getattr(layers, name), type)
                     and issubclass(getattr(layers, name), layers.Layer)
                     and getattr(layers, name) not in covered and name not in WITHOUT_CASES)
    assert not missing, f"Layer classes without a conformance case: {missing}"

