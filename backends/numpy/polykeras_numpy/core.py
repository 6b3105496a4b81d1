"""Variables, programs, the structural ops and the operators of the NumPy backend.

Also home of the dtype rules shared by the elementwise ops: Python scalars
are *weak* (``float32_array + 1.`` stays float32, on NumPy 1.x as on 2.x)
and two arrays combine to ``np.result_type`` of their dtypes, never by value.
"""
from contextlib import nullcontext

import numpy as np

from polykeras_numpy.autodiff import (IndexedGradient, active_tape, grad_like, primitive,
                                      wants_grad)
from polykeras_numpy.conv import BLOCKED_OPS
from polykeras_numpy.parallel import cores, elementwise

#: ops of this module through which no gradient flows (their results are constants).
NON_DIFFERENTIABLE = ("shape", "zeros_like", "ones_like", "stop_gradient", "floordiv")


# --- dtype rules ---------------------------------------------------------------

def default_float():
    """The configured floatx of polykeras as a NumPy dtype."""
    from polykeras.backend import floatx
    return np.dtype(floatx())


def _is_weak(value):
    return isinstance(value, (bool, int, float)) and not isinstance(value, np.generic)


def _weak_dtype(scalar, dtype):
    """dtype taken by a Python scalar combined with an array of ``dtype``."""
    if isinstance(scalar, bool) or dtype.kind in "fc":
        return dtype
    if isinstance(scalar, int):
        return dtype if dtype.kind in "iu" else np.dtype("int64")
    return default_float()


def operands(x, y):
    """``x`` and ``y`` as NumPy arrays of their common dtype.

    Python scalars take the dtype of the other operand (a float with an
    integer tensor gives floatx); two arrays promote by dtype only.

    Example:
        >>> a, b = operands(np.ones(2, np.float32), 2.)
        >>> b.dtype
        dtype('float32')
    """
    if _is_weak(x) and _is_weak(y):
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            dtype = default_float()
        else:
            dtype = np.result_type(x.dtype, y.dtype)
    elif _is_weak(y):
        x = np.asarray(x)
        dtype = _weak_dtype(y, x.dtype)
    elif _is_weak(x):
        y = np.asarray(y)
        dtype = _weak_dtype(x, y.dtype)
    else:
        x, y = np.asarray(x), np.asarray(y)
        dtype = np.result_type(x.dtype, y.dtype)
    return np.asarray(x, dtype=dtype), np.asarray(y, dtype=dtype)


def as_float_division(values, dtype):
    """``values`` cast for true division of ``dtype`` tensors: integers give
    float32 (float64 for 64-bit integers), floats stay."""
    if dtype.kind in "fc":
        return values.astype(dtype, copy=False)
    return values.astype(np.float64 if dtype.itemsize == 8 else np.float32, copy=False)


def to_shape(shape):
    """A shape-like list (ints, NumPy int scalars, 0-d arrays) as a tuple of ints."""
    if isinstance(shape, np.ndarray) and shape.ndim == 1:
        return tuple(int(d) for d in shape)
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, np.ndarray) and shape.ndim == 0):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def axis_tuple(axis):
    """``axis`` (None, int or list) in the form NumPy reductions accept."""
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


# --- gradient rules ---------------------------------------------------------------

def _add_vjp(g, ans, x, y):
    return grad_like(g, x), grad_like(g, y)


def _subtract_vjp(g, ans, x, y):
    return grad_like(g, x), grad_like(-g, y) if wants_grad(y) else None


def _multiply_vjp(g, ans, x, y):
    return (grad_like(elementwise(np.multiply, g, y), x) if wants_grad(x) else None,
            grad_like(elementwise(np.multiply, g, x), y) if wants_grad(y) else None)


def _divide_vjp(g, ans, x, y):
    return (grad_like(g / y, x) if wants_grad(x) else None,
            grad_like(-g * ans / y, y) if wants_grad(y) else None)


def _mod_vjp(g, ans, x, y):
    # x mod y = x - floor(x / y) * y, with floor piecewise constant.
    return grad_like(g, x), grad_like(-g * np.floor_divide(x, y), y) if wants_grad(y) else None


def _negative_vjp(g, ans, x):
    return (-g,)


def _getitem_vjp(g, ans, x, key):
    return (IndexedGradient(np.shape(x), key, g),)


def _cast_vjp(g, ans, x, dtype):
    return (grad_like(g, x),)


def _pass_vjp(g, ans, x, *rest, **kwargs):
    return (g,)


def _new_value(value, dtype, fed):
    """What a variable updated to ``value`` holds: ``value`` itself when it is
    an array of ``dtype`` owning its memory and not one of the ``fed`` arrays
    (an op's fresh result, not worth copying after every training step), else
    a copy, so that a variable never shares memory with the caller's arrays.
    Nothing modifies a value in place."""
    if (isinstance(value, np.ndarray) and value.dtype == dtype and value.flags.owndata
            and not any(value is a for a in fed)):
        return value
    return np.array(value, dtype=dtype)


class NumpyVariable:
    """A variable: a NumPy array replaced (never mutated) on assignment."""
    __slots__ = ("value", "name")

    def __init__(self, value, name):
        self.value = value
        self.name = name


class CoreOps:
    """Programs, variables, constants, casts, gradients and the operators."""

    # --- machinery --------------------------------------------------------------

    def compile(self, program):
        """A callable running ``program`` on NumPy arrays (see ``Backend.compile``)."""
        # Imported here: execution runs the ops with this module's and math's helpers.
        from polykeras_numpy.execution import Plan
        streams = self._new_random_streams()
        plan = Plan(program)
        # A step with blocked convolutions holds the cores (BLAS single-threaded,
        # polykeras's threads share out blocks and large products); others leave
        # the threading to BLAS.
        hold = cores if any(node.op in BLOCKED_OPS for node in program.schedule) else nullcontext

        def run(arrays):
            if program.has_gradients:
                # Fresh objects per input: the tape identifies values by id, so
                # two inputs fed the same array must still be told apart.
                arrays = [a.view() if isinstance(a, np.ndarray) else a for a in arrays]
            previous = self.__dict__.get("_program_streams")
            self._program_streams = streams
            streams.start_run()
            try:
                with hold():
                    outputs, new_values = plan.run(self, arrays)
            finally:
                self._program_streams = previous
            for (var, _), value in zip(program.updates, new_values):
                var.native.value = _new_value(value, var.dtype, arrays)
            return [np.array(o) for o in outputs]
        return run

    def create_variable(self, value, dtype, name):
        """A :class:`NumpyVariable` holding a copy of ``value``."""
        return NumpyVariable(np.array(value, dtype=dtype), name)

    def read_variable(self, native):
        """The current value array of a variable."""
        return native.value

    def get_value(self, native):
        """A copy of a variable's value."""
        return native.value.copy()

    def set_value(self, native, value):
        """Replace a variable's value by a copy of ``value`` in its dtype."""
        native.value = np.array(value, dtype=native.value.dtype)

    def constant(self, value, dtype=None, shape=None, name=None):
        """The (already shaped and typed) constant array itself."""
        return value

    def gradients(self, loss, variables):
        """Gradients of sum(``loss``) w.r.t. each value of ``variables`` (taped run only)."""
        tape = active_tape()
        if tape is None:
            raise RuntimeError("K.gradients can only be evaluated inside a compiled function. "
                               "Received a call outside of a running program.")
        return tape.gradients(np.asarray(loss), [np.asarray(v) for v in variables])

    # --- structure ------------------------------------------------------------------

    @primitive(None)
    def shape(self, x):
        """The shape of ``x`` as an int32 vector."""
        return np.array(np.shape(x), dtype=np.int32)

    @primitive(_cast_vjp)
    def cast(self, x, dtype):
        """``x`` converted to ``dtype``; the gradient is cast back to ``x``'s dtype."""
        return np.array(x, dtype=dtype)

    @primitive(None)
    def zeros_like(self, x, dtype=None, name=None):
        """Zeros of ``x``'s shape, in ``dtype`` (default ``x``'s dtype)."""
        return np.zeros(np.shape(x), dtype=dtype or np.asarray(x).dtype)

    @primitive(None)
    def ones_like(self, x, dtype=None, name=None):
        """Ones of ``x``'s shape, in ``dtype`` (default ``x``'s dtype)."""
        return np.ones(np.shape(x), dtype=dtype or np.asarray(x).dtype)

    @primitive(_pass_vjp)
    def identity(self, x, name=None):
        """A copy of ``x``."""
        return np.array(x)

    @primitive(None)
    def stop_gradient(self, x):
        """A copy of ``x`` through which no gradient flows."""
        return np.array(x)

    @primitive(_pass_vjp)
    def print_tensor(self, x, message=""):
        """A copy of ``x``; prints ``message`` and the value to stdout."""
        print(message, np.asarray(x), flush=True)
        return np.array(x)

    # --- operators ------------------------------------------------------------------

    @primitive(_add_vjp)
    def add(self, x, y):
        """``x + y`` with broadcasting."""
        return elementwise(np.add, *operands(x, y))

    @primitive(_subtract_vjp)
    def subtract(self, x, y):
        """``x - y`` with broadcasting."""
        return elementwise(np.subtract, *operands(x, y))

    @primitive(_multiply_vjp)
    def multiply(self, x, y):
        """``x * y`` with broadcasting."""
        return elementwise(np.multiply, *operands(x, y))

    @primitive(_divide_vjp)
    def divide(self, x, y):
        """``x / y``; integer tensors give float32 (float64 for 64-bit integers)."""
        x, y = operands(x, y)
        return as_float_division(elementwise(np.true_divide, x, y), x.dtype)

    @primitive(None)
    def floordiv(self, x, y):
        """``x // y`` rounded towards minus infinity (Python semantics)."""
        x, y = operands(x, y)
        return np.floor_divide(x, y)

    @primitive(_mod_vjp)
    def mod(self, x, y):
        """``x % y`` with the sign of ``y`` (Python semantics)."""
        x, y = operands(x, y)
        return np.mod(x, y)

    @primitive(_negative_vjp)
    def negative(self, x):
        """``-x``."""
        return np.negative(x)

    @primitive(_getitem_vjp)
    def getitem(self, x, key):
        """``x[key]`` for a key of ints, slices, ``None`` and ``Ellipsis``."""
        return np.array(np.asarray(x)[key])
