"""Configuration, variables, placeholders, introspection, updates and programs."""
import collections

import numpy as np

from polykeras.backend import config, graph, selection, shapes
from polykeras.backend.ops import is_symbolic, register_op, static_dtype, static_shape

__all__ = [
    "epsilon",
    "set_epsilon",
    "floatx",
    "set_floatx",
    "cast_to_floatx",
    "image_data_format",
    "set_image_data_format",
    "normalize_data_format",
    "backend",
    "get_uid",
    "reset_uids",
    "clear_session",
    "learning_phase",
    "set_learning_phase",
    "variable",
    "constant",
    "placeholder",
    "is_placeholder",
    "is_tensor",
    "is_variable",
    "is_keras_tensor",
    "int_shape",
    "ndim",
    "dtype",
    "count_params",
    "shape",
    "cast",
    "zeros",
    "ones",
    "eye",
    "zeros_like",
    "ones_like",
    "identity",
    "random_uniform_variable",
    "random_normal_variable",
    "get_value",
    "batch_get_value",
    "set_value",
    "batch_set_value",
    "eval",
    "update",
    "update_add",
    "update_sub",
    "moving_average_update",
    "gradients",
    "stop_gradient",
    "print_tensor",
    "function",
]

_uids = collections.defaultdict(int)
_learning_phase = {"fixed": None}
LEARNING_PHASE = graph.Placeholder((), "bool", name="keras_learning_phase", default=False)


# --- configuration ---------------------------------------------------------

def epsilon():
    """The fuzz factor used in numeric expressions (default ``1e-7``)."""
    return selection.settings()["epsilon"]


def set_epsilon(value):
    """Set the fuzz factor, e.g. ``K.set_epsilon(1e-5)``."""
    selection.settings()["epsilon"] = config.validate_epsilon(value)


def floatx():
    """The default float type as a string, e.g. ``'float32'``."""
    return selection.settings()["floatx"]


def set_floatx(value):
    """Set the default float type: ``'float16'``, ``'float32'`` or ``'float64'``."""
    selection.settings()["floatx"] = config.validate_floatx(str(value))


def cast_to_floatx(x):
    """Cast a NumPy array (or scalar) to the default float type; returns NumPy."""
    return np.asarray(x, dtype=floatx())


def image_data_format():
    """``'channels_last'`` or ``'channels_first'``."""
    return selection.settings()["image_data_format"]


def set_image_data_format(data_format):
    """Set the default image data format."""
    selection.settings()["image_data_format"] = config.validate_image_data_format(data_format)


def normalize_data_format(value):
    """``value`` validated, or the default data format when ``None``."""
    if value is None:
        return image_data_format()
    return config.validate_image_data_format(value, source="data_format")


def backend():
    """Name of the active backend, e.g. ``'numpy'``."""
    return selection.current().name


def get_uid(prefix=""):
    """A counter per prefix: 1 on the first call, then 2, 3..."""
    _uids[prefix] += 1
    return _uids[prefix]


def reset_uids():
    """Reset the counters of :func:`get_uid`."""
    _uids.clear()


def clear_session():
    """Reset layer-name counters and the learning phase."""
    reset_uids()
    _learning_phase["fixed"] = None


def learning_phase():
    """The learning phase: a boolean placeholder (0 = test, 1 = train) fed by
    programs, or the Python int fixed with :func:`set_learning_phase`."""
    if _learning_phase["fixed"] is not None:
        return _learning_phase["fixed"]
    return LEARNING_PHASE


def set_learning_phase(value):
    """Fix the learning phase to 0 (test) or 1 (train) for graphs built afterwards."""
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: {value!r}")
    _learning_phase["fixed"] = int(value)


# --- variables and placeholders ---------------------------------------------

def variable(value, dtype=None, name=None, constraint=None):
    """A variable holding ``value`` (array-like) on the active backend.

    Example:
        >>> v = K.variable(np.ones((2, 3)))
        >>> K.eval(v).shape
        (2, 3)
    """
    if is_tensor(value):
        value = eval(value)
    array = np.array(value, dtype=dtype or floatx())
    name = name or f"variable_{get_uid('variable')}"
    native = selection.current().create_variable(array, str(array.dtype), name)
    return graph.Variable(native, array.shape, array.dtype, name=name, constraint=constraint)


@register_op
def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor; a scalar ``value`` is filled into ``shape``.

    Example:
        >>> K.eval(K.constant(2., shape=(2,)))
        array([2., 2.], dtype=float32)
    """
    array = np.array(value, dtype=dtype or floatx())
    if shape is not None:
        array = np.broadcast_to(array, tuple(shape)).copy()
    return graph.record("constant", (), {"value": array, "dtype": str(array.dtype),
                                         "shape": array.shape, "name": name},
                        shape=array.shape, dtype=array.dtype)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A program input of the given static shape (``None`` for unknown dims).

    Example:
        >>> x = K.placeholder(shape=(None, 4))
        >>> K.int_shape(x)
        (None, 4)
    """
    if sparse:
        raise ValueError("Sparse placeholders are not supported. Received: sparse=True")
    if shape is None and ndim is not None:
        shape = (None,) * ndim
    return graph.Placeholder(shape, dtype or floatx(), name=name)


def is_placeholder(x):
    """True for placeholders made by :func:`placeholder`."""
    return isinstance(x, graph.Placeholder)


def is_tensor(x):
    """True for symbolic tensors and variables."""
    return isinstance(x, graph.SymbolicTensor)


def is_variable(x):
    """True for variables made by :func:`variable`."""
    return isinstance(x, graph.Variable)


def is_keras_tensor(x):
    """True when ``x`` is a tensor output by a Keras layer or ``Input``.

    Raises:
        ValueError: ``x`` is not a tensor at all.
    """
    if not is_tensor(x):
        raise ValueError(f"Unexpectedly found an instance of type {type(x)!r}. "
                         "Expected a symbolic tensor instance.")
    return hasattr(x, "_keras_history")


def int_shape(x):
    """Static shape as a tuple of ints and ``None``; ``None`` if the rank is unknown."""
    return static_shape(x)


def ndim(x):
    """Rank of a tensor, or ``None`` if unknown."""
    shape = static_shape(x)
    return None if shape is None else len(shape)


def dtype(x):
    """dtype of a tensor as a string, e.g. ``'float32'``."""
    return static_dtype(x) or floatx()


def count_params(x):
    """Number of scalars in a tensor or variable of fully known shape."""
    n = shapes.numel(static_shape(x))
    if n is None:
        raise ValueError(f"count_params needs a fully known shape. Received: {int_shape(x)}")
    return n


@register_op
def shape(x):
    """The dynamic shape of ``x`` as an int32 vector tensor."""
    return graph.record("shape", (x,), shape=(ndim(x),), dtype="int32")


@register_op
def cast(x, dtype):
    """``x`` converted to ``dtype`` (a string such as ``'float16'``)."""
    dtype = str(np.dtype(dtype))
    return graph.record("cast", (x,), {"dtype": dtype}, shape=static_shape(x), dtype=dtype)


def zeros(shape, dtype=None, name=None):
    """A variable of zeros."""
    return variable(np.zeros(shape, dtype=dtype or floatx()), dtype, name)


def ones(shape, dtype=None, name=None):
    """A variable of ones."""
    return variable(np.ones(shape, dtype=dtype or floatx()), dtype, name)


def eye(size, dtype=None, name=None):
    """A variable holding the ``size`` x ``size`` identity matrix."""
    return variable(np.eye(size, dtype=dtype or floatx()), dtype, name)


@register_op
def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape of ``x``."""
    dtype = dtype or static_dtype(x) or floatx()
    return graph.record("zeros_like", (x,), {"dtype": dtype}, shape=static_shape(x), dtype=dtype)


@register_op
def ones_like(x, dtype=None, name=None):
    """Ones with the shape of ``x``."""
    dtype = dtype or static_dtype(x) or floatx()
    return graph.record("ones_like", (x,), {"dtype": dtype}, shape=static_shape(x), dtype=dtype)


@register_op
def identity(x, name=None):
    """A new tensor with the value of ``x``."""
    return graph.record("identity", (x,), shape=static_shape(x), dtype=dtype(x))


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable drawn uniformly from ``[low, high)``; the same seed gives the
    same values on every backend, and unseeded draws follow ``np.random.seed``."""
    rng = _numpy_rng(seed)
    return variable(rng.uniform(low, high, size=shape), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable drawn from a normal distribution; seeded draws match across backends."""
    rng = _numpy_rng(seed)
    return variable(rng.normal(mean, scale, size=shape), dtype, name)


def _numpy_rng(seed):
    """The generator initial values are drawn from, as the initializers draw them."""
    return np.random if seed is None else np.random.RandomState(seed)


# --- values ---------------------------------------------------------------------

def get_value(x):
    """A NumPy copy of a variable's value."""
    if not is_variable(x):
        raise TypeError(f"get_value expects a variable. Received: {x!r}")
    return selection.current().get_value(x.native)


def batch_get_value(xs):
    """:func:`get_value` of each variable in a list."""
    return [get_value(x) for x in xs]


def set_value(x, value):
    """Assign a NumPy value to a variable; the shape must match."""
    if not is_variable(x):
        raise TypeError(f"set_value expects a variable. Received: {x!r}")
    value = np.asarray(value, dtype=x.dtype)
    if value.shape != x.shape:
        raise ValueError(f"Cannot assign a value of shape {value.shape} to variable "
                         f"{x.name!r} of shape {x.shape}.")
    selection.current().set_value(x.native, value)


def batch_set_value(tuples):
    """:func:`set_value` for each ``(variable, value)`` pair."""
    for x, value in tuples:
        set_value(x, value)


def eval(x):
    """The value of a tensor or variable as a NumPy array.

    Example:
        >>> K.eval(K.sum(K.constant([1., 2.])))
        3.0
    """
    if is_variable(x):
        return get_value(x)
    if not is_tensor(x):
        return np.asarray(x)
    return function([], [x])([])[0]


# --- updates ---------------------------------------------------------------------

class Update(tuple):
    """A pending assignment ``(variable, new_value)``, applied by a function."""

    def __new__(cls, variable, value):
        if not is_variable(variable):
            raise TypeError(f"Only variables can be updated. Received: {variable!r}")
        return super().__new__(cls, (variable, value))


def update(x, new_x):
    """Assign ``new_x`` to variable ``x`` when a function runs."""
    return Update(x, new_x)


def update_add(x, increment):
    """Add ``increment`` to variable ``x`` when a function runs."""
    return Update(x, x + increment)


def update_sub(x, decrement):
    """Subtract ``decrement`` from variable ``x`` when a function runs."""
    return Update(x, x - decrement)


def moving_average_update(x, value, momentum):
    """``x = x * momentum + value * (1 - momentum)`` when a function runs."""
    return Update(x, x * momentum + value * (1. - momentum))


# --- programs -----------------------------------------------------------------------

@register_op
def gradients(loss, variables):
    """Gradients of ``loss`` (summed if not scalar) with respect to each of ``variables``.

    Example:
        >>> w = K.variable([1., 2.])
        >>> K.eval(K.gradients(K.sum(w * w), [w])[0])
        array([2., 4.], dtype=float32)
    """
    variables = list(variables)
    return graph.record("gradients", (loss, variables),
                        outputs=[(static_shape(v), dtype(v)) for v in variables])


@register_op
def stop_gradient(variables):
    """``variables`` (a tensor or a list) treated as constants by :func:`gradients`."""
    if isinstance(variables, (list, tuple)):
        return [stop_gradient(v) for v in variables]
    return graph.record("stop_gradient", (variables,), shape=static_shape(variables),
                        dtype=dtype(variables))


@register_op
def print_tensor(x, message=""):
    """``x`` unchanged; prints ``message`` and the value whenever it is computed."""
    return graph.record("print_tensor", (x,), {"message": message},
                        shape=static_shape(x), dtype=dtype(x))


def _normalize_updates(updates):
    pairs = []
    for item in updates or []:
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], (list, tuple)):
            pairs.extend(_normalize_updates(item))
            continue
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise TypeError(f"Each update must be a (variable, new_value) pair such as "
                            f"K.update returns. Received: {item!r}")
        var, value = item
        if not is_variable(var):
            raise TypeError(f"Only variables can be updated. Received: {var!r}")
        if not is_symbolic(value):
            value = constant(value, dtype=var.dtype)
        pairs.append((var, value))
    return pairs


class Function:
    """A compiled program: call it with a list of NumPy arrays, one per input."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        self.name = name
        self.inputs = list(inputs)
        self.single_output = not isinstance(outputs, (list, tuple))
        outputs = [outputs] if self.single_output else list(outputs)
        for item in self.inputs:
            if not is_placeholder(item):
                raise TypeError(f"Function inputs must be placeholders. Received: {item!r}")
        outputs = [o if is_symbolic(o) else constant(o) for o in outputs]
        program = graph.Program(self.inputs, outputs, _normalize_updates(updates))
        self.feeds_learning_phase = (LEARNING_PHASE not in self.inputs and any(
            n is LEARNING_PHASE.node for n in program.schedule))
        if self.feeds_learning_phase:
            program.inputs.append(LEARNING_PHASE)
        self.program = program
        self.backend = selection.current()
        self._compiled = None

    def __call__(self, inputs):
        if isinstance(inputs, dict):
            inputs = [inputs[p.name] for p in self.inputs]
        inputs = list(inputs)
        if len(inputs) != len(self.inputs):
            raise ValueError(f"Function expects {len(self.inputs)} input(s). "
                             f"Received: {len(inputs)}.")
        arrays = [_check_input(p, v) for p, v in zip(self.inputs, inputs)]
        if self.feeds_learning_phase:
            arrays.append(np.array(False))
        if self._compiled is None:
            self._compiled = self.backend.compile(self.program)
        outputs = self._compiled(arrays)
        return outputs[0] if self.single_output else list(outputs)


def _check_input(placeholder, value):
    array = np.asarray(value, dtype=placeholder.dtype)
    expected = placeholder.shape
    if expected is not None and (array.ndim != len(expected) or any(
            e is not None and e != a for e, a in zip(expected, array.shape))):
        raise ValueError(f"Input {placeholder.name!r} expects shape {expected}. "
                         f"Received an array of shape {array.shape}.")
    return array


def function(inputs, outputs, updates=None, **kwargs):
    """Compile a program from placeholders to outputs, applying ``updates``.

    Example:
        >>> x = K.placeholder(shape=(None, 2))
        >>> f = K.function([x], [K.sum(x, axis=1)])
        >>> f([np.ones((3, 2))])[0]
        array([2., 2., 2.], dtype=float32)
    """
    unknown = set(kwargs) - {"name"}
    if unknown:
        raise ValueError(f"Invalid argument(s) to K.function: {sorted(unknown)}.")
    return Function(inputs, outputs, updates, name=kwargs.get("name"))
