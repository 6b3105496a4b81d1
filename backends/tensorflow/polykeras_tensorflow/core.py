"""Programs, variables and the structural ops of the TensorFlow backend.

``compile`` wraps each program in ONE ``tf.function`` whose input signature
comes from the program's placeholders (``None`` for unknown dimensions), so
calls with a new batch size never retrace. The function replays the program,
computes every output and every new variable value from the old state, then
assigns the updates.
"""
import re

from polykeras_tensorflow.common import as_tf_dtype, np, tf, to_tensor


def _variable_name(name):
    """A TensorFlow-legal op name from a Keras variable name (``dense_1/kernel:0``)."""
    name = re.sub(r"[^A-Za-z0-9_.\-/]", "_", str(name or "variable"))
    return name if re.match(r"[A-Za-z0-9.]", name) else f"v{name}"


def input_signature(placeholders):
    """``tf.TensorSpec`` per placeholder: its dtype, ``None`` for unknown dims."""
    return [tf.TensorSpec(shape=None if p.shape is None else list(p.shape),
                          dtype=as_tf_dtype(p.dtype), name=_spec_name(p.name, i))
            for i, p in enumerate(placeholders)]


def _spec_name(name, index):
    return re.sub(r"[^A-Za-z0-9_]", "_", f"in{index}_{name}")


class CompiledProgram:
    """The callable returned by ``compile``: NumPy arrays in, NumPy arrays out.

    Attributes:
        tf_function: the ``tf.function`` running the program.
        program: the compiled :class:`polykeras.backend.graph.Program`.
    """

    def __init__(self, backend, program):
        self.program = program
        self.backend = backend
        self._targets = [(var.native, var.dtype) for var, _ in program.updates]
        self.tf_function = tf.function(self._step, input_signature=input_signature(
            program.inputs), autograph=False, reduce_retracing=False)
        self.concrete_function = self.tf_function.get_concrete_function()

    def _step(self, *inputs):
        outputs, new_values = self.program.run(self.backend, list(inputs))
        outputs = [tf.identity(to_tensor(o)) for o in outputs]
        new_values = [tf.identity(to_tensor(v, dtype))
                      for v, (_, dtype) in zip(new_values, self._targets)]
        assigns = []
        with tf.control_dependencies(outputs + new_values):
            for (native, _), value in zip(self._targets, new_values):
                assigns.append(native.assign(value, read_value=False))
        with tf.control_dependencies(assigns):
            return [tf.identity(o) for o in outputs]

    @property
    def tracing_count(self):
        """How many times the program has been traced (1 after compile)."""
        return self.tf_function.experimental_get_tracing_count()

    def __call__(self, arrays):
        outputs = self.tf_function(*[np.asarray(a) for a in arrays])
        return [o.numpy() for o in outputs]


class CoreOps:
    """Programs, variables, constants, casts and gradients."""

    def compile(self, program):
        """One ``tf.function`` per program, traced once here."""
        return CompiledProgram(self, program)

    def create_variable(self, value, dtype, name):
        """A ``tf.Variable`` created eagerly (outside any ``tf.function``)."""
        with tf.init_scope():
            return tf.Variable(np.asarray(value, dtype=dtype), dtype=as_tf_dtype(dtype),
                               name=_variable_name(name))

    def read_variable(self, native):
        """The variable's value tensor, read once per run, before any update."""
        return native.value()

    def get_value(self, native):
        """A NumPy copy of the variable."""
        return np.array(native.numpy())

    def set_value(self, native, value):
        """Assign a NumPy array to the variable."""
        native.assign(np.asarray(value, dtype=native.dtype.as_numpy_dtype))

    def constant(self, value, dtype=None, shape=None, name=None):
        """The constant tensor of a NumPy array."""
        return tf.constant(np.asarray(value))

    def shape(self, x):
        """Dynamic shape as int32."""
        return tf.shape(to_tensor(x), out_type=tf.int32)

    def cast(self, x, dtype):
        """``x`` converted to ``dtype``."""
        return tf.cast(to_tensor(x), as_tf_dtype(dtype))

    def zeros_like(self, x, dtype=None, name=None):
        """Zeros with the shape of ``x``."""
        x = to_tensor(x)
        return tf.zeros_like(x, dtype=as_tf_dtype(dtype) if dtype else x.dtype)

    def ones_like(self, x, dtype=None, name=None):
        """Ones with the shape of ``x``."""
        x = to_tensor(x)
        return tf.ones_like(x, dtype=as_tf_dtype(dtype) if dtype else x.dtype)

    def identity(self, x, name=None):
        """A copy of ``x``."""
        return tf.identity(to_tensor(x))

    def stop_gradient(self, variables):
        """``variables`` treated as a constant by ``gradients``."""
        return tf.stop_gradient(to_tensor(variables))

    def print_tensor(self, x, message=""):
        """``x``, printing ``message`` and its value to stderr whenever computed."""
        x = to_tensor(x)
        printed = tf.print(message, x, summarize=-1, sep="")
        with tf.control_dependencies([printed]):
            return tf.identity(x)

    def gradients(self, loss, variables):
        """``tf.gradients`` of the summed loss; zeros for unconnected tensors."""
        loss = to_tensor(loss)
        targets = [to_tensor(v) for v in variables]
        floats = [i for i, t in enumerate(targets) if t.dtype.is_floating or t.dtype.is_complex]
        grads = [None] * len(targets)
        if floats and (loss.dtype.is_floating or loss.dtype.is_complex):
            found = tf.gradients(loss, [targets[i] for i in floats],
                                 unconnected_gradients=tf.UnconnectedGradients.ZERO)
            for i, g in zip(floats, found):
                grads[i] = None if g is None else tf.convert_to_tensor(g)
        return [tf.zeros_like(t) if g is None else tf.cast(g, t.dtype)
                for t, g in zip(targets, grads)]
