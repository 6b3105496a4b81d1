"""Programs, variables and the structural ops of the Theano/PyTensor backend.

A program is replayed once on symbolic inputs and compiled into a single
``function`` whose ``updates`` assign the program's new variable values
(and whose default updates advance the random streams it draws from).
"""
import weakref
from contextlib import nullcontext

import numpy as np
from polykeras_numpy.parallel import cores


def is_python_scalar(value):
    """True for Python ``bool``/``int``/``float`` (weakly typed in binary ops)."""
    return isinstance(value, (bool, int, float))


class CoreOps:
    """Programs, variables, constants, casts and gradients."""

    def _tensor(self, value):
        """``value`` as a symbolic tensor (arrays become constants of their dtype)."""
        if is_python_scalar(value):
            value = np.asarray(value, dtype=self.lib.floatx if isinstance(value, float)
                               else ("bool" if isinstance(value, bool) else "int64"))
        return self.T.as_tensor_variable(value)

    def _like(self, value, other):
        """A Python scalar ``value`` converted to ``other``'s dtype when that keeps it
        exact (so ``x + 1.`` stays float32); tensors are returned as tensors."""
        if not is_python_scalar(value):
            return self._tensor(value)
        dtype = np.dtype(other.dtype)
        if dtype.kind == "f" and not isinstance(value, bool):
            return self.T.constant(np.asarray(value, dtype=dtype))
        if dtype.kind in "iu" and isinstance(value, int) and not isinstance(value, bool):
            return self.T.constant(np.asarray(value, dtype=dtype))
        if dtype.kind == "b" and isinstance(value, bool):
            return self.T.constant(np.asarray(value, dtype=dtype))
        return self._tensor(value)

    def _operands(self, x, y):
        """Both operands of a binary op as tensors, Python scalars taking the
        other operand's dtype."""
        if is_python_scalar(x) and not is_python_scalar(y):
            y = self._tensor(y)
            return self._like(x, y), y
        x = self._tensor(x)
        return x, self._like(y, x)

    # --- programs ------------------------------------------------------------

    def compile(self, program):
        """Compile ``program`` into one library function (cached per program)."""
        cached = self._compiled.get(program)
        if cached is not None:
            return cached
        inputs = []
        for i, placeholder in enumerate(program.inputs):
            if placeholder.shape is None:
                raise ValueError(
                    f"The {self.name} backend needs inputs of known rank. "
                    f"Received: placeholder {placeholder.name!r} with shape=None")
            inputs.append(self.lib.tensor_input(placeholder.dtype, placeholder.shape,
                                                f"{placeholder.name}_{i}"))
        self._scan_updates = []
        outputs, new_values = program.run(self, inputs)
        symbolic_outputs = []
        for out, value in zip(program.outputs, outputs):
            value = self._tensor(value)
            if out.dtype is not None and value.dtype != out.dtype:
                value = self.T.cast(value, out.dtype)
            symbolic_outputs.append(value)
        updates = []
        for (var, _), value in zip(program.updates, new_values):
            updates.append((var.native, self.lib.match_type(var.native, self._tensor(value))))
        updates.extend(self._scan_updates)
        self._scan_updates = []
        fn = self.lib.function(inputs, symbolic_outputs, updates=updates,
                               on_unused_input="ignore")

        # NumPy kernels share the cores out themselves, with BLAS single-threaded.
        hold = cores if self.lib.runs_numpy_kernels(fn) else nullcontext

        def run(arrays):
            with hold():
                return [np.asarray(o) for o in fn(*arrays)]
        run.function = fn
        self._compiled[program] = run
        return run

    def create_variable(self, value, dtype, name):
        """A shared variable holding a copy of ``value``."""
        return self.lib.shared_variable(np.array(value, dtype=dtype), name)

    def read_variable(self, native):
        """The shared variable itself (programs read it symbolically)."""
        return native

    def get_value(self, native):
        """A NumPy copy of the shared variable's value."""
        return np.array(native.get_value(borrow=False))

    def set_value(self, native, value):
        """Assign ``value`` (cast to the variable's dtype)."""
        native.set_value(np.array(value, dtype=native.dtype))

    def info(self):
        """Library version and float type."""
        return [f"{self.lib.name} {self.lib.version}", f"floatX {self.lib.floatx}",
                f"device {getattr(self.lib.th.config, 'device', 'cpu')}"]

    # --- structure -------------------------------------------------------------

    def constant(self, value, dtype=None, shape=None, name=None):
        """A constant holding ``value`` (already of the right dtype and shape)."""
        return self.T.constant(np.asarray(value, dtype=dtype), name=name)

    def shape(self, x):
        """The dynamic shape as an int32 vector."""
        x = self._tensor(x)
        if x.ndim == 0:
            return self.T.constant(np.zeros((0,), dtype="int32"))
        return self.T.cast(self.T.stack([x.shape[i] for i in range(x.ndim)]), "int32")

    def cast(self, x, dtype):
        """``x`` converted to ``dtype``."""
        x = self._tensor(x)
        if dtype == "bool":
            return self.T.neq(x, 0)
        return x if x.dtype == dtype else self.T.cast(x, dtype)

    def zeros_like(self, x, dtype=None, name=None):
        """Zeros with the shape of ``x``."""
        x = self._tensor(x)
        return self.T.zeros_like(x, dtype=dtype or x.dtype)

    def ones_like(self, x, dtype=None, name=None):
        """Ones with the shape of ``x``."""
        x = self._tensor(x)
        return self.T.ones_like(x, dtype=dtype or x.dtype)

    def identity(self, x, name=None):
        """``x`` itself (symbolic values are immutable)."""
        return self._tensor(x)

    def stop_gradient(self, variables):
        """``variables`` with gradients disconnected."""
        return self.th.gradient.disconnected_grad(self._tensor(variables))

    def print_tensor(self, x, message=""):
        """``x``, printing ``message`` and its value whenever it is computed."""
        return self.th.printing.Print(message)(self._tensor(x))

    def gradients(self, loss, variables):
        """d(sum of ``loss``)/d(each of ``variables``); zeros where unconnected."""
        T = self.T
        loss = self._tensor(loss)
        if loss.ndim:
            loss = T.sum(loss)
        if not loss.dtype.startswith("float"):
            raise TypeError(f"Gradients need a floating-point loss. Received: dtype={loss.dtype}")
        variables = [self._tensor(v) for v in variables]
        wrt = [v for v in variables if v.dtype.startswith("float")]
        grads = dict(zip(map(id, wrt), self.lib.grad(
            loss, wrt, disconnected_inputs="ignore", return_disconnected="zero"))) if wrt else {}
        result = []
        for v in variables:
            g = grads.get(id(v))
            if g is None:
                result.append(T.zeros_like(v))
            else:
                result.append(self.lib.match_type(v, g) if g.ndim == v.ndim else g)
        return result


def new_cache():
    """A per-backend cache of compiled programs that does not keep programs alive."""
    return weakref.WeakKeyDictionary()
