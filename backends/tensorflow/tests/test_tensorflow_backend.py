"""Behaviour specific to the TensorFlow backend.

Compilation (one ``tf.function`` per program, traced once, no retracing on a
new batch size), update semantics, gradients, random state, dtype rules, the
GPU memory settings (pure decision and parsing logic, and their application
on a stand-in for ``tf``), and the code paths that exist only in this
backend (strided+dilated convolutions, unequal depthwise strides, float64 3D
pooling, dilated transposed convolutions, the float64 CTC loss), compared
with the NumPy backend through ``K.function``.

Only the tensorflow tox environment runs this module.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from polykeras import backend as K
from polykeras.backend import selection
from polykeras_tensorflow import gpu
from polykeras_tensorflow.backend import TensorflowBackend
from polykeras_tensorflow.common import tf


@pytest.fixture
def tf_backend():
    with K.use_backend("tensorflow") as backend:
        yield backend


def _rng(seed=0):
    return np.random.default_rng(seed)


def _f32(rng, *shape):
    return rng.standard_normal(shape).astype("float32")


def evaluate(backend, build, arrays):
    """Outputs of ``build(*placeholders)`` on ``backend``, fed with ``arrays``."""
    with K.use_backend(backend):
        placeholders = [K.placeholder(shape=(None,) + a.shape[1:], dtype=str(a.dtype))
                        for a in arrays]
        outputs = build(*placeholders)
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        return K.function(placeholders, outputs)(list(arrays))


def assert_like_numpy(build, *arrays, atol=1e-5):
    """TensorFlow and NumPy agree on values, shapes and dtypes."""
    got = evaluate("tensorflow", build, arrays)
    expected = evaluate("numpy", build, arrays)
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, f"output {i}: shape {g.shape} != NumPy's {e.shape}"
        assert g.dtype == e.dtype, f"output {i}: dtype {g.dtype} != NumPy's {e.dtype}"
        np.testing.assert_allclose(g, e, atol=atol, rtol=1e-5, err_msg=f"output {i}")


# --- compilation ----------------------------------------------------------------------------

def test_one_tf_function_traced_once_for_any_batch_size(tf_backend):
    x = K.placeholder(shape=(None, 3))
    f = K.function([x], [K.sum(x * 2., axis=1)])
    for batch in (1, 4, 7):
        out = f([np.ones((batch, 3), "float32")])[0]
        np.testing.assert_array_equal(out, np.full(batch, 6., "float32"))
    compiled = f._compiled
    assert isinstance(compiled.tf_function, tf.types.experimental.PolymorphicFunction)
    assert compiled.tracing_count == 1


@pytest.mark.parametrize("key", [
    (slice(None), slice(1, 3)),  # a block: tf.slice
    (Ellipsis, slice(None, -1)),  # a block after an Ellipsis
    (slice(1, None),),  # bounded on the batch axis, whose length is open: strided slice
    (slice(None), slice(None, None, 2)),  # step 2: strided slice
    (slice(None), 2, slice(0, 3)),  # an int index: strided slice
])
def test_getitem_values_and_gradients_on_an_open_batch_axis(tf_backend, key):
    x = K.placeholder(shape=(None, 5, 4))
    part = x[key]
    f = K.function([x], [part, K.gradients(K.sum(part * part), [x])[0]])
    value = np.arange(3 * 5 * 4, dtype="float32").reshape(3, 5, 4)
    got, grad = f([value])
    expected_grad = np.zeros_like(value)
    expected_grad[key] = 2 * value[key]
    np.testing.assert_array_equal(got, value[key])
    np.testing.assert_array_equal(grad, expected_grad)


def test_input_signature_follows_placeholders(tf_backend):
    x = K.placeholder(shape=(None, 2, None), dtype="int32")
    y = K.placeholder(shape=None, dtype="float64")
    f = K.function([x, y], [K.cast(x, "float64") * 2 + K.sum(y)])
    out = f([np.ones((3, 2, 5), "int32"), np.ones((2, 2), "float64")])[0]
    specs = f._compiled.tf_function.input_signature
    assert specs[0].shape.as_list() == [None, 2, None] and specs[0].dtype == tf.int32
    assert specs[1].shape.rank is None and specs[1].dtype == tf.float64
    np.testing.assert_array_equal(out, np.full((3, 2, 5), 6.))
    assert out.dtype == np.float64


def test_learning_phase_is_a_bool_input(tf_backend):
    x = K.placeholder(shape=(None, 2))
    y = K.in_train_phase(x * 0., x)
    f = K.function([x, K.learning_phase()], [y])
    ones = np.ones((2, 2), "float32")
    np.testing.assert_array_equal(f([ones, True])[0], np.zeros((2, 2)))
    np.testing.assert_array_equal(f([ones, False])[0], ones)
    assert f._compiled.tracing_count == 1


# --- updates and variables -----------------------------------------------------------------

def test_outputs_see_the_old_state_and_updates_are_simultaneous(tf_backend):
    a = K.variable([1., 2.])
    b = K.variable([10., 20.])
    f = K.function([], [a * 1., b + 0.], updates=[K.update(a, b), K.update(b, a)])
    out_a, out_b = f([])
    np.testing.assert_array_equal(out_a, [1., 2.])
    np.testing.assert_array_equal(out_b, [10., 20.])
    np.testing.assert_array_equal(K.get_value(a), [10., 20.])
    np.testing.assert_array_equal(K.get_value(b), [1., 2.])
    f([])
    np.testing.assert_array_equal(K.get_value(a), [1., 2.])


def test_update_counter_and_set_value(tf_backend):
    step = K.variable(0, dtype="int64")
    f = K.function([], [step], updates=[K.update_add(step, 1)])
    assert [int(f([])[0]) for _ in range(3)] == [0, 1, 2]
    K.set_value(step, 10)
    assert int(f([])[0]) == 10 and int(K.get_value(step)) == 11
    assert isinstance(step.native, tf.Variable) and step.native.dtype == tf.int64


def test_training_step_with_gradients_and_updates(tf_backend):
    rng = _rng(1)
    w = K.variable(_f32(rng, 3, 1))
    x = K.placeholder(shape=(None, 3))
    t = K.placeholder(shape=(None, 1))
    loss = K.mean(K.square(K.dot(x, w) - t))
    grad, = K.gradients(loss, [w])
    f = K.function([x, t], [loss], updates=[K.update_sub(w, 0.1 * grad)])
    xs = _f32(rng, 32, 3)
    ts = xs @ np.array([[1.], [-2.], [0.5]], "float32")
    losses = [float(f([xs, ts])[0]) for _ in range(60)]
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(K.get_value(w).ravel(), [1., -2., 0.5], atol=1e-2)


# --- gradients -----------------------------------------------------------------------------

def test_gradients_of_variables_placeholders_and_intermediates(tf_backend):
    w = K.variable([1., 2., 3.])
    x = K.placeholder(shape=(3,))
    h = w * x
    loss = K.sum(K.square(h))
    unused = K.variable([5., 5.])
    integer = K.cast(x, "int32")
    grads = K.gradients(loss, [w, x, h, unused, integer])
    values = K.function([x], grads)([np.array([1., -1., 2.], "float32")])
    xs, ws = np.array([1., -1., 2.]), np.array([1., 2., 3.])
    np.testing.assert_allclose(values[0], 2 * ws * xs ** 2)
    np.testing.assert_allclose(values[1], 2 * ws ** 2 * xs)
    np.testing.assert_allclose(values[2], 2 * ws * xs)
    np.testing.assert_array_equal(values[3], [0., 0.])
    np.testing.assert_array_equal(values[4], [0, 0, 0])
    assert values[4].dtype == np.int32


def test_gradient_of_a_gather_is_dense(tf_backend):
    table = K.variable(np.arange(8, dtype="float32").reshape(4, 2))
    idx = K.placeholder(shape=(None,), dtype="int32")
    grad, = K.gradients(K.sum(K.gather(table, idx)), [table])
    out = K.function([idx], [grad])([np.array([0, 2, 2], "int32")])[0]
    np.testing.assert_array_equal(out, [[1, 1], [0, 0], [2, 2], [0, 0]])


def test_gradients_through_while_loop_rnn_match_numpy():
    rng = _rng(2)
    w, u = _f32(rng, 3, 4), _f32(rng, 4, 4)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], "float32")

    def build(x, m):
        def step(x_t, states):
            h = K.tanh(K.dot(x_t, K.constant(w)) + K.dot(states[0], K.constant(u)))
            return h, [h]
        init = K.zeros_like(x[:, 0, :1]) * K.constant(np.zeros((1, 4), "float32"))
        _, outputs, _ = K.rnn(step, x, [init], mask=m)
        return K.gradients(K.sum(outputs * outputs), [x])
    assert_like_numpy(build, _f32(rng, 3, 5, 3), mask)


# --- rnn and control flow ----------------------------------------------------------------------

@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_rnn_matches_numpy(go_backwards, unroll, masked):
    rng = _rng(3)
    w, u = _f32(rng, 3, 4), _f32(rng, 4, 4)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], "float32")

    def build(x, m):
        def step(x_t, states):
            h = K.tanh(K.dot(x_t, K.constant(w)) + K.dot(states[0], K.constant(u)))
            return h * 2., [h, states[1] + K.sum(x_t, axis=1, keepdims=True)]
        init = K.zeros_like(x[:, 0, :1]) * K.constant(np.zeros((1, 4), "float32"))
        last, outputs, states = K.rnn(step, x, [init, K.zeros_like(x[:, 0, :1])],
                                      go_backwards=go_backwards, mask=m if masked else None,
                                      unroll=unroll, input_length=5)
        return [last, outputs] + list(states)
    assert_like_numpy(build, _f32(rng, 3, 5, 3), mask)


def test_random_ops_inside_loops_draw_per_step(tf_backend):
    x = K.placeholder(shape=(4, 1000))
    rows = K.map_fn(lambda row: row + K.random_uniform((1000,)), x)
    out = K.function([x], [rows])([np.zeros((4, 1000), "float32")])[0]
    assert not np.array_equal(out[0], out[1])
    assert 0.45 < out.mean() < 0.55


def test_scalar_switch_runs_one_branch(tf_backend, capfd):
    c = K.placeholder(shape=(), dtype="bool")
    x = K.placeholder(shape=(2,))
    y = K.switch(c, lambda: K.print_tensor(x * 2., "then-branch "), lambda: x - 1.)
    f = K.function([c, x], [y])
    capfd.readouterr()
    np.testing.assert_array_equal(f([False, np.ones(2, "float32")])[0], [0., 0.])
    assert "then-branch" not in capfd.readouterr().err
    np.testing.assert_array_equal(f([True, np.ones(2, "float32")])[0], [2., 2.])
    assert "then-branch [2 2]" in capfd.readouterr().err
    assert f._compiled.tracing_count == 1


# --- random ----------------------------------------------------------------------------------

def test_seeded_random_sequences_repeat_when_rebuilt(tf_backend):
    def draws(seed):
        f = K.function([], [K.random_normal((3, 4), seed=seed)])
        return [f([])[0] for _ in range(3)]
    first, again, other = draws(7), draws(7), draws(8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], other[0])


def test_random_shape_from_a_tensor(tf_backend):
    x = K.placeholder(shape=(None, 3))
    noise = K.random_binomial((K.shape(x)[0], 3), p=1.0, dtype="float64")
    out = K.function([x], [noise])([np.zeros((5, 3), "float32")])[0]
    assert out.shape == (5, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out, np.ones((5, 3)))


# --- dtype rules --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "float64", "int32", "int64"])
def test_python_scalars_keep_the_tensor_dtype(dtype):
    def build(x):
        return [x * 2 + 1, 3 - x, K.maximum(x, 0), K.pow(x, 2), K.equal(x, 1)]
    assert_like_numpy(build, np.arange(-2, 4, dtype=dtype).reshape(2, 3))


def test_mixed_tensor_dtypes_meet_at_numpy_result_type():
    assert_like_numpy(lambda a, b: [a + b, a / b, K.cast(a, "int32") / 2],
                      np.ones((2, 2), "float32"), np.full((2, 2), 3., "float64"))


# --- code paths of this backend only ------------------------------------------------------------

@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_strided_dilated_conv2d(padding, data_format):
    rng = _rng(4)
    x, k = _f32(rng, 2, 9, 8, 3), _f32(rng, 3, 3, 3, 4)
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    def build(x):
        y = K.conv2d(x, K.constant(k), strides=(2, 3), padding=padding,
                     data_format=data_format, dilation_rate=(2, 2))
        return [y, K.gradients(K.sum(y * y), [x])[0]]
    assert_like_numpy(build, x, atol=1e-4)


def test_strided_dilated_conv1d_and_conv3d():
    rng = _rng(5)
    k1, k3 = _f32(rng, 3, 3, 5), _f32(rng, 2, 2, 2, 3, 5)
    assert_like_numpy(lambda x: K.conv1d(x, K.constant(k1), strides=2, padding="same",
                                         dilation_rate=2), _f32(rng, 2, 11, 3))
    assert_like_numpy(lambda x: K.conv3d(x, K.constant(k3), strides=(2, 2, 2), padding="same",
                                         dilation_rate=(2, 1, 2)), _f32(rng, 2, 7, 6, 5, 3))


@pytest.mark.parametrize("strides,dilation", [((1, 2), (1, 1)), ((2, 2), (2, 2))])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_depthwise_conv2d_cases_tf_refuses(strides, dilation, padding):
    rng = _rng(6)
    k = _f32(rng, 3, 2, 3, 2)

    def build(x):
        y = K.depthwise_conv2d(x, K.constant(k), strides=strides, padding=padding,
                               data_format="channels_first", dilation_rate=dilation)
        return [y, K.gradients(K.sum(y * y), [x])[0]]
    assert_like_numpy(build, _f32(rng, 2, 3, 9, 8), atol=1e-4)


@pytest.mark.parametrize("strides,padding,out", [((1, 1), "same", 9), ((2, 2), "same", 10),
                                                 ((1, 1), "valid", 9)])
def test_dilated_conv2d_transpose(strides, padding, out):
    rng = _rng(7)
    k = _f32(rng, 3, 3, 5, 3)
    size = 5 if (strides, padding) != ((1, 1), "same") else 9

    def build(x):
        y = K.conv2d_transpose(x, K.constant(k), (K.shape(x)[0], out, out, 5), strides=strides,
                               padding=padding, dilation_rate=(2, 2))
        return [y, K.gradients(K.sum(y * y), [x])[0]]
    assert_like_numpy(build, _f32(rng, 2, size, size, 3), atol=1e-4)


@pytest.mark.parametrize("pool_mode", ["max", "avg"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_float64_pool3d_matches_float32_kernels(pool_mode, padding):
    rng = _rng(8)
    x = _f32(rng, 2, 2, 5, 4, 5)

    def pooled(dtype):
        def build(x):
            y = K.pool3d(x, (2, 3, 2), strides=(2, 2, 1), padding=padding,
                         data_format="channels_first", pool_mode=pool_mode)
            return [y, K.gradients(K.sum(y * y), [x])[0]]
        return evaluate("tensorflow", build, [x.astype(dtype)])
    wide, narrow = pooled("float64"), pooled("float32")
    assert wide[0].dtype == np.float64
    for a, b in zip(wide, narrow):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_float64_ctc_loss_matches_the_tensorflow_kernel():
    rng = _rng(9)
    probs = np.exp(_f32(rng, 3, 6, 4))
    probs /= probs.sum(-1, keepdims=True)
    labels = np.array([[0, 1, 1], [2, 0, 0], [1, 2, 0]], "int32")
    input_length = np.array([[6], [5], [4]], "int32")
    label_length = np.array([[3], [1], [2]], "int32")

    def cost(dtype):
        def build(t, p, i, n):
            loss = K.ctc_batch_cost(t, p, i, n)
            return [loss, K.gradients(K.sum(loss), [p])[0]]
        return evaluate("tensorflow", build,
                        [labels, probs.astype(dtype), input_length, label_length])
    wide, narrow = cost("float64"), cost("float32")
    assert wide[0].dtype == np.float64 and wide[0].shape == (3, 1)
    np.testing.assert_allclose(wide[0], narrow[0], rtol=1e-5)
    np.testing.assert_allclose(wide[1], narrow[1], atol=1e-4)


def test_ctc_beam_search_matches_numpy():
    rng = _rng(10)
    probs = np.exp(2 * _f32(rng, 2, 6, 4))
    probs /= probs.sum(-1, keepdims=True)
    lengths = np.array([6, 4], "int32")
    assert_like_numpy(lambda p, n: K.ctc_decode(p, n, greedy=False, beam_width=5,
                                                top_paths=2)[0], probs, lengths)


def test_keras2_batch_dot_and_dot():
    rng = _rng(11)
    assert_like_numpy(lambda x, y: [K.batch_dot(x, y, axes=(1, 3)), K.batch_dot(x, x, axes=1)],
                      _f32(rng, 2, 3, 4, 5), _f32(rng, 2, 6, 7, 3))
    assert_like_numpy(lambda x, y: K.dot(x, y), _f32(rng, 2, 3, 4), _f32(rng, 5, 4, 6))


# --- GPU settings -----------------------------------------------------------------------------

def test_memory_plan_decisions():
    assert gpu.memory_plan(2, False, None) == []
    assert gpu.memory_plan(2, True, None) == [("growth", 0, None), ("growth", 1, None)]
    assert gpu.memory_plan(2, True, 0.25, [8000, 81559]) == [("limit", 0, 2000),
                                                             ("limit", 1, 20389)]
    assert gpu.memory_plan(0, True, 0.5, []) == []
    with pytest.raises(ValueError, match="total memory"):
        gpu.memory_plan(2, False, 0.5, [8000, None])
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        gpu.memory_plan(1, False, 1.5, [8000])


def test_nvidia_smi_and_visible_devices_parsing():
    assert gpu.parse_nvidia_smi_memory("81559\n 40960 \n\n") == [81559, 40960]
    assert gpu.parse_nvidia_smi_memory("16384 MiB\n") == [16384]
    with pytest.raises(ValueError, match="Received: 'N/A'"):
        gpu.parse_nvidia_smi_memory("N/A\n")
    assert gpu.visible_indices(None, 3) == [0, 1, 2]
    assert gpu.visible_indices("2,0", 4) == [2, 0]
    assert gpu.visible_indices("", 4) == []
    assert gpu.visible_indices("1,7,0", 4) == [1]
    assert gpu.visible_indices("GPU-8f2c", 4) is None


class _FakeConfig:
    """Records what the backend asks of ``tf.config``."""

    def __init__(self, gpus, initialized=False):
        self.gpus, self.initialized, self.calls = gpus, initialized, []
        self.experimental = self
        self.LogicalDeviceConfiguration = lambda memory_limit: ("logical", memory_limit)

    def list_physical_devices(self, kind):
        return list(self.gpus) if kind == "GPU" else []

    def set_memory_growth(self, device, enable):
        if self.initialized:
            raise RuntimeError("Physical devices cannot be modified after being initialized")
        self.calls.append(("growth", device, enable))

    def set_logical_device_configuration(self, device, configs):
        self.calls.append(("logical", device, configs))


class _FakeTF:
    def __init__(self, config):
        self.config = config


def test_apply_memory_growth_on_every_gpu():
    config = _FakeConfig(["gpu0", "gpu1"])
    plan = gpu.apply_memory_settings(_FakeTF(config), True, None, {})
    assert plan == [("growth", 0, None), ("growth", 1, None)]
    assert config.calls == [("growth", "gpu0", True), ("growth", "gpu1", True)]


def test_apply_memory_fraction_uses_the_visible_devices_totals(monkeypatch):
    config = _FakeConfig(["gpu0", "gpu1"])
    monkeypatch.setattr(gpu.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    monkeypatch.setattr(gpu.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
        a, 0, stdout="1000\n2000\n4000\n"))
    plan = gpu.apply_memory_settings(_FakeTF(config), True, 0.5,
                                     {"CUDA_VISIBLE_DEVICES": "2,0"})
    assert plan == [("limit", 0, 2000), ("limit", 1, 500)]
    assert config.calls == [("logical", "gpu0", [("logical", 2000)]),
                            ("logical", "gpu1", [("logical", 500)])]


def test_apply_memory_fraction_without_totals_falls_back_with_a_warning(monkeypatch):
    config = _FakeConfig(["gpu0"])
    monkeypatch.setattr(gpu.shutil, "which", lambda name: None)
    with pytest.warns(UserWarning, match="gpu_memory_fraction not applied"):
        plan = gpu.apply_memory_settings(_FakeTF(config), True, 0.5, {})
    assert plan == [("growth", 0, None)]


def test_apply_too_late_warns_instead_of_failing():
    config = _FakeConfig(["gpu0"], initialized=True)
    with pytest.warns(UserWarning, match="already initialized"):
        assert gpu.apply_memory_settings(_FakeTF(config), True, None, {}) == []


def test_no_gpu_means_nothing_to_configure():
    config = _FakeConfig([])
    assert gpu.apply_memory_settings(_FakeTF(config), True, 0.5, {}) == []
    assert config.calls == []


def test_backend_applies_gpu_settings_once_per_process(monkeypatch):
    seen = []
    monkeypatch.setitem(gpu._state, "plan", None)
    monkeypatch.setattr(selection, "settings", lambda: {
        "floatx": "float32", "epsilon": 1e-7, "gpu_memory_growth": True,
        "gpu_memory_fraction": 0.3})
    monkeypatch.setattr(gpu, "apply_memory_settings",
                        lambda tf_, growth, fraction, env: seen.append((growth, fraction)) or [
                            ("limit", 0, 300)])
    backend = TensorflowBackend()
    assert seen == [(True, 0.3)]
    assert backend.memory_plan == [("limit", 0, 300)]
    assert "GPU:0 memory limit 300 MiB" in backend.info()
    assert TensorflowBackend().memory_plan == [("limit", 0, 300)]
    assert seen == [(True, 0.3)]


def test_info_lists_version_and_devices(tf_backend):
    lines = tf_backend.info()
    assert lines[0] == f"tensorflow {tf.__version__}"
    assert any("CPU:0" in line for line in lines[1:])


# --- imports ----------------------------------------------------------------------------------

def test_plugin_module_does_not_import_tensorflow_and_logging_is_quiet():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = ("import sys, os\n"
            "import polykeras_tensorflow.plugin\n"
            "print('tensorflow' in sys.modules)\n"
            "import polykeras_tensorflow.common\n"
            "print('tensorflow' in sys.modules, os.environ['TF_CPP_MIN_LOG_LEVEL'])\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split("\n")
    assert out[:2] == ["False", "True 2"]
