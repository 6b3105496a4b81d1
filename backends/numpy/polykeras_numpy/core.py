"""Variables, programs and the structural ops of the NumPy backend."""
import numpy as np

from polykeras_numpy.autodiff import Tape, active_tape, primitive


class NumpyVariable:
    """A variable: a NumPy array replaced (never mutated) on assignment."""
    __slots__ = ("value", "name")

    def __init__(self, value, name):
        self.value = value
        self.name = name


class CoreOps:
    """Programs, variables, constants, casts and gradients."""

    def compile(self, program):
        def run(arrays):
            if program.has_gradients:
                with Tape():
                    outputs, new_values = program.run(self, arrays)
            else:
                outputs, new_values = program.run(self, arrays)
            for (var, _), value in zip(program.updates, new_values):
                var.native.value = np.array(value, dtype=var.dtype)
            return [np.array(o) for o in outputs]
        return run

    def create_variable(self, value, dtype, name):
        return NumpyVariable(np.array(value, dtype=dtype), name)

    def read_variable(self, native):
        return native.value

    def get_value(self, native):
        return native.value.copy()

    def set_value(self, native, value):
        native.value = np.array(value, dtype=native.value.dtype)

    def constant(self, value, dtype=None, shape=None, name=None):
        return value

    def gradients(self, loss, variables):
        tape = active_tape()
        if tape is None:
            raise RuntimeError("K.gradients can only be evaluated inside a compiled function.")
        return tape.gradients(np.asarray(loss), [np.asarray(v) for v in variables])
