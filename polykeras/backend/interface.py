"""The class every backend derives from.

A backend is one object whose method names are the ``K.*`` op names (plus
the internal operator ops listed in :data:`OPS`), each taking backend values
where the ``K`` function takes tensors, with the same argument names. The
``K`` functions are documented once, in :mod:`polykeras.backend.ops`; a
backend only adds the machinery below. An op a backend does not implement
raises :class:`BackendOpNotImplemented` naming the backend and the op.
"""

#: name -> the K function that records it; filled by ``ops.register_op``.
OPS = {}


class BackendOpNotImplemented(NotImplementedError):
    """The active backend does not implement an op."""


class Backend:
    """Base class of backends.

    Subclasses set :attr:`name` and implement the machinery methods and the
    ops. Ops take and return backend values (``np.ndarray``, ``tf.Tensor``,
    Theano variables). Ops whose ``K`` function accepts a callable receive a
    native callable with the same calling convention.
    """

    #: the name users select the backend by.
    name = None

    def compile(self, program):
        """Compile a :class:`polykeras.backend.graph.Program`.

        Returns:
            a callable taking one NumPy array per ``program.inputs`` and
            returning the list of output values as NumPy arrays, after
            applying ``program.updates``.
        """
        raise BackendOpNotImplemented(f"backend {self.name!r} does not implement compile()")

    def create_variable(self, value, dtype, name):
        """Return a native variable holding ``value`` (a NumPy array of ``dtype``)."""
        raise BackendOpNotImplemented(f"backend {self.name!r} does not implement variables")

    def read_variable(self, native):
        """The value of a native variable as used inside a running program."""
        return native

    def get_value(self, native):
        """A NumPy copy of a native variable's value."""
        raise BackendOpNotImplemented(f"backend {self.name!r} does not implement get_value()")

    def set_value(self, native, value):
        """Assign a NumPy array to a native variable."""
        raise BackendOpNotImplemented(f"backend {self.name!r} does not implement set_value()")

    def info(self):
        """Lines describing the backend's library and devices, for ``polykeras info``."""
        return []

    def __getattr__(self, name):
        if name in OPS:
            raise BackendOpNotImplemented(
                f"The {self.name!r} backend does not implement the op {name!r}. "
                "See `polykeras info` and conformance/skips/ for known gaps.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def implemented_ops(backend):
    """Names of the ops ``backend`` implements."""
    return sorted(name for name in OPS if hasattr(type(backend), name))
