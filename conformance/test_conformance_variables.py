"""Variables, eval, introspection (is_*, int_shape, dtype...), config, input errors,
and the error of an op a backend lacks."""
import numpy as np
import pytest

from polykeras import backend as K
from polykeras.backend import Backend, BackendOpNotImplemented


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_variable_value_round_trip(dtype):
    """get_value returns what variable/set_value stored, with its dtype."""
    value = np.arange(6).reshape(2, 3).astype(dtype)
    v = K.variable(value, dtype=dtype)
    assert K.dtype(v) == dtype and K.int_shape(v) == (2, 3)
    got = K.get_value(v)
    assert isinstance(got, np.ndarray) and str(got.dtype) == dtype
    np.testing.assert_array_equal(got, value)
    K.set_value(v, value * 2)
    np.testing.assert_array_equal(K.get_value(v), value * 2)
    got[...] = 0  # a copy: mutating it leaves the variable alone
    np.testing.assert_array_equal(K.get_value(v), value * 2)


def test_variable_defaults_and_sources():
    """Lists and scalars become floatx variables; K.eval reads variables."""
    v = K.variable([[1, 2], [3, 4]])
    assert K.dtype(v) == K.floatx()
    np.testing.assert_array_equal(K.eval(v), [[1., 2.], [3., 4.]])
    s = K.variable(3.)
    assert K.int_shape(s) == () and float(K.eval(s)) == 3.


def test_set_value_shape_error():
    """set_value with a different shape raises a ValueError naming both shapes."""
    v = K.variable(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        K.set_value(v, np.zeros((3, 2)))
    np.testing.assert_array_equal(K.get_value(v), np.zeros((2, 3)))


def test_batch_get_and_set_value():
    """batch_set_value then batch_get_value."""
    a, b = K.variable(np.zeros(2)), K.variable(np.zeros((1, 2)))
    K.batch_set_value([(a, np.array([1., 2.])), (b, np.array([[3., 4.]]))])
    got = K.batch_get_value([a, b])
    np.testing.assert_array_equal(got[0], [1., 2.])
    np.testing.assert_array_equal(got[1], [[3., 4.]])


def test_zeros_ones_eye_are_variables():
    """zeros/ones/eye are variables of the requested dtype."""
    for v, want in [(K.zeros((2, 3)), np.zeros((2, 3))), (K.ones((2,)), np.ones(2)),
                    (K.eye(3), np.eye(3))]:
        assert K.is_variable(v) and K.dtype(v) == K.floatx()
        np.testing.assert_array_equal(K.eval(v), want)
    assert K.dtype(K.zeros((2,), dtype="int32")) == "int32"


def test_eval_expressions():
    """K.eval computes constant expressions and variables mixed."""
    v = K.variable([1., 2., 3.])
    out = K.eval(K.sum(v * K.constant([1., 1., 2.])))
    assert float(out) == pytest.approx(9.)
    assert K.eval(K.constant(2., shape=(2, 2))).shape == (2, 2)


def test_count_params_and_shapes():
    """count_params, int_shape, ndim on variables and placeholders."""
    v = K.zeros((3, 4))
    assert K.count_params(v) == 12
    x = K.placeholder(shape=(None, 4, 5))
    assert K.int_shape(x) == (None, 4, 5) and K.ndim(x) == 3
    assert K.int_shape(K.placeholder(ndim=2)) == (None, None)
    assert K.ndim(K.placeholder(shape=())) == 0


def test_dtype_and_cast():
    """dtype of placeholders and variables; cast changes it statically and at run time."""
    x = K.placeholder(shape=(2,), dtype="float64")
    assert K.dtype(x) == "float64"
    y = K.cast(x, "int32")
    assert K.dtype(y) == "int32"
    out = K.function([x], [y])([np.array([1.7, -2.7])])[0]
    assert str(out.dtype) == "int32"
    np.testing.assert_array_equal(out, [1, -2])
    assert K.dtype(K.placeholder(shape=(2,))) == K.floatx()


def test_is_functions():
    """is_tensor, is_variable, is_placeholder, is_keras_tensor."""
    x, v = K.placeholder(shape=(2,)), K.variable([1.])
    assert K.is_tensor(x) and K.is_tensor(v) and K.is_tensor(x + 1.)
    assert not K.is_tensor(np.zeros(2)) and not K.is_tensor(1.)
    assert K.is_variable(v) and not K.is_variable(x)
    assert K.is_placeholder(x) and not K.is_placeholder(v) and not K.is_placeholder(x * 2.)
    assert not K.is_keras_tensor(x)
    with pytest.raises(ValueError):
        K.is_keras_tensor(np.zeros(2))


def test_placeholder_feed_errors():
    """A fed array of the wrong shape or the wrong number of inputs is a ValueError."""
    x = K.placeholder(shape=(None, 3))
    f = K.function([x], [x * 2.])
    with pytest.raises(ValueError, match=r"\(None, 3\)"):
        f([np.zeros((2, 4))])
    with pytest.raises(ValueError):
        f([np.zeros((2, 3, 1))])
    with pytest.raises(ValueError):
        f([np.zeros((2, 3)), np.zeros((2, 3))])


def test_missing_input_error():
    """A function whose outputs need a placeholder it was not given fails clearly."""
    x, y = K.placeholder(shape=(2,)), K.placeholder(shape=(2,))
    with pytest.raises(Exception, match="input"):
        K.function([x], [x + y])([np.zeros(2)])


def test_print_tensor_prints_and_passes_value(capfd):
    """print_tensor returns its input and prints the message when computed."""
    x = K.placeholder(shape=(2,))
    y = K.print_tensor(x, message="conformance-message")
    out = K.function([x], [y * 2.])([np.array([1., 2.], np.float32)])[0]
    np.testing.assert_allclose(out, [2., 4.])
    captured = capfd.readouterr()
    assert "conformance-message" in captured.out + captured.err


def test_config_functions():
    """epsilon, floatx, image_data_format: set and read back; bad values rejected."""
    eps, fmt = K.epsilon(), K.image_data_format()
    try:
        K.set_epsilon(1e-4)
        assert K.epsilon() == 1e-4
        K.set_floatx("float64")
        assert K.floatx() == "float64"
        assert K.dtype(K.variable(1.)) == "float64"
        assert str(K.cast_to_floatx([1, 2]).dtype) == "float64"
        K.set_image_data_format("channels_first")
        assert K.image_data_format() == "channels_first"
        assert K.normalize_data_format(None) == "channels_first"
        with pytest.raises(ValueError):
            K.set_floatx("float8")
        with pytest.raises(ValueError):
            K.set_image_data_format("channels_middle")
    finally:
        K.set_epsilon(eps)
        K.set_image_data_format(fmt)


def test_uids():
    """get_uid counts per prefix; reset_uids restarts."""
    K.reset_uids()
    assert [K.get_uid("dense"), K.get_uid("dense"), K.get_uid("conv")] == [1, 2, 1]
    K.reset_uids()
    assert K.get_uid("dense") == 1


class _TinyBackend(Backend):
    """A backend with programs and variables but only the ``add`` op."""

    name = "tiny"

    def compile(self, program):
        def run(arrays):
            outputs, _ = program.run(self, [np.asarray(a) for a in arrays])
            return [np.asarray(o) for o in outputs]
        return run

    def add(self, x, y):
        return np.add(x, y)


def test_missing_op_error_names_backend_and_op():
    """An op a backend lacks raises BackendOpNotImplemented naming both."""
    with K.use_backend(_TinyBackend()):
        assert K.backend() == "tiny"
        x = K.placeholder(shape=(2,))
        np.testing.assert_array_equal(K.function([x], [x + 1.])([np.ones(2)])[0], [2., 2.])
        f = K.function([x], [K.exp(x)])
        with pytest.raises(BackendOpNotImplemented) as info:
            f([np.ones(2)])
    message = str(info.value)
    assert "tiny" in message and "exp" in message
