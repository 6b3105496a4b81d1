"""The one place that knows how Theano and PyTensor differ.

:class:`Library` imports ``theano`` or ``pytensor`` (only when a backend is
instantiated) and exposes the pieces the op mixins use under one set of
names: ``th`` (the library), ``T`` (its tensor module), ``function``,
``shared``, ``grad``, ``scan``, ``ifelse``, random streams, variable types,
Theano's ``nnet`` abstract convolution (transposed and depthwise
convolutions) and, on Theano, the ops of :mod:`.theano_conv` (convolution
and pooling on the NumPy backend's kernels); PyTensor 3 has neither, so its
conv/pool ops use the tap-sum implementations in :mod:`.conv`.
"""
import importlib
import sys
import warnings


class Library:
    """Bindings of one symbolic library.

    Args:
        name: ``"theano"`` or ``"pytensor"``.
    """

    def __init__(self, name):
        if name not in ("theano", "pytensor"):
            raise ValueError(f"Expected library 'theano' or 'pytensor'. Received: {name!r}")
        self.name = name
        self.th = importlib.import_module(name)
        self.T = importlib.import_module(f"{name}.tensor")
        self.version = getattr(self.th, "__version__", "?")
        self._function = self.th.function
        self.shared = self.th.shared
        self.grad = self.th.grad
        self.ifelse = importlib.import_module(f"{name}.ifelse").ifelse
        self.floatx = self.th.config.floatX
        self.square = getattr(self.T, "square", None) or self.T.sqr
        if name == "theano":
            nnet = importlib.import_module("theano.tensor.nnet")
            self.nnet = nnet
            self.abstract_conv = importlib.import_module("theano.tensor.nnet.abstract_conv")
            self.conv_ops = importlib.import_module("polykeras_theano.theano_conv")
            self._theano_mode = importlib.import_module("polykeras_theano.theano_mode")
            self.sigmoid = nnet.sigmoid
            self.softplus = nnet.softplus
            self._random_stream = importlib.import_module(
                "polykeras_theano.theano_random").GeneratorStream
            _python_scan_if_no_cython_scan()
        else:
            self.nnet = None
            self.abstract_conv = None
            self.conv_ops = None
            self.sigmoid = self.T.sigmoid
            self.softplus = self.T.softplus
            self._random_stream = importlib.import_module("pytensor.tensor.random").RandomStream

    # --- types -------------------------------------------------------------------

    def tensor_input(self, dtype, shape, name):
        """A symbolic input of ``dtype`` whose static dims of size 1 broadcast.

        Theano types only record that pattern; PyTensor types keep the whole
        static shape (``None`` for unknown dims), which lets ops such as the
        tap-sum convolution read kernel sizes from placeholders.
        """
        if self.name == "theano":
            return self.T.TensorType(dtype, tuple(d == 1 for d in shape))(name)
        return self.T.tensor(name=name, dtype=dtype, shape=tuple(shape))

    def function(self, inputs, outputs, updates=(), on_unused_input="ignore"):
        """The library's ``function``.

        PyTensor 3 defaults to its Numba linker, which JIT-compiles every new
        graph for seconds to minutes (polykeras builds many small graphs)
        and has no float16. Unless ``PYTENSOR_FLAGS`` names a mode, PyTensor
        functions are compiled with the C virtual machine (``CVM``), like
        Theano's; its per-op C code is cached on disk. Theano functions use
        :func:`.theano_mode.training_mode`.
        """
        kwargs = {}
        if self.name == "theano":
            kwargs["mode"] = self._theano_mode.training_mode()
        elif self.th.config.mode == "Mode":
            kwargs["mode"] = "CVM"
        return self._function(inputs, outputs, updates=list(updates),
                              on_unused_input=on_unused_input, **kwargs)

    def runs_numpy_kernels(self, fn):
        """Whether compiled ``fn`` contains ops of :mod:`.theano_conv`."""
        if self.conv_ops is None:
            return False
        return any(isinstance(node.op, self.conv_ops.NumpyKernelOp)
                   for node in fn.maker.fgraph.apply_nodes)

    def shared_variable(self, value, name):
        """A shared variable whose dims of size 1 are broadcastable, so that
        updates computed by broadcasting keep its type."""
        pattern = tuple(d == 1 for d in value.shape)
        if self.name == "theano":
            return self.shared(value, name=name, broadcastable=pattern)
        return self.shared(value, name=name, shape=tuple(1 if b else None for b in pattern))

    def broadcastable(self, x):
        """The broadcast pattern of ``x`` (True where the dim is known to be 1)."""
        return tuple(x.type.broadcastable)

    def match_type(self, target, value):
        """``value`` cast and re-broadcast to exactly the type of ``target``.

        Used for shared-variable updates and scan state, where the library
        requires identical types.
        """
        T = self.T
        value = T.as_tensor_variable(value)
        if value.dtype != target.dtype:
            value = T.cast(value, target.dtype)
        want = self.broadcastable(target)
        have = self.broadcastable(value)
        if value.ndim != target.ndim:
            raise ValueError(f"Expected a value of rank {target.ndim} to match {target}. "
                             f"Received: rank {value.ndim} ({value.type}).")
        if have == want:
            return value
        if self.name == "theano":
            return T.patternbroadcast(value, want)
        need = [i for i, (w, h) in enumerate(zip(want, have)) if w and not h]
        if need:
            value = T.specify_broadcastable(value, *need)
        return target.type.filter_variable(value, allow_convert=True)

    def loosen(self, x):
        """``x`` with no dimension known to broadcast (scan state must not change type)."""
        if not any(self.broadcastable(x)):
            return x
        if self.name == "theano":
            return self.T.unbroadcast(x, *range(x.ndim))
        # PyTensor: route through a shape-less reshape so no dim is static.
        shape = [x.shape[i] for i in range(x.ndim)]
        return self.T.reshape(x, self.T.stack(shape), ndim=x.ndim)

    def scan(self, fn, sequences=None, outputs_info=None, non_sequences=(), n_steps=None):
        """``scan`` returning ``(list_of_outputs, updates)`` on both libraries."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs, updates = self.th.scan(fn, sequences=sequences, outputs_info=outputs_info,
                                            non_sequences=list(non_sequences),
                                            n_steps=n_steps, return_list=True)
        return list(outputs), updates

    def with_gradient(self, inputs, outputs, pullback):
        """An op computing ``outputs`` from the placeholders ``inputs``, whose
        gradient is ``pullback(inputs, outputs, output_grads)`` (a list, one
        per input); inlined, so the optimizer fuses it like any other graph."""
        builders = importlib.import_module(f"{self.name}.compile.builders")
        key = "lop_overrides" if self.name == "theano" else "pullback"  # PyTensor's new name
        return builders.OpFromGraph(inputs, outputs, inline=True, **{key: pullback})

    def batched_matmul(self, x, y):
        """``(b, p, n) @ (b, n, q) -> (b, p, q)``.

        Theano's ``BatchedDot`` C code calls ``sgemm_`` directly, which is
        unresolved when Theano runs without a BLAS library
        (``blas__ldflags=``), so Theano contracts by broadcasting instead.
        """
        if self.name == "theano" and not self.th.config.blas__ldflags:
            return self.T.sum(x.dimshuffle(0, 1, 2, "x") * y.dimshuffle(0, "x", 1, 2), axis=2)
        return self.T.batched_dot(x, y)

    # --- random ------------------------------------------------------------------

    def random_stream(self, seed):
        """A random stream seeded with ``seed``; its draws update shared state
        through default updates that ``function`` applies on every call.

        Theano's is a :class:`.theano_random.GeneratorStream` (NumPy
        ``Generator`` objects, several times faster than Theano's own
        streams); PyTensor's streams use ``Generator`` objects already.
        """
        if self.name == "theano":
            return self._random_stream(seed=int(seed) % 2 ** 32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return self._random_stream(seed=int(seed))

    def uniform(self, stream, shape, low, high, dtype):
        """Uniform draws in ``[low, high)`` of ``dtype``."""
        if self.name == "theano":
            return stream.uniform(low, high, shape, dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            out = stream.uniform(low, high, size=shape)
        return self.T.cast(out, dtype)

    def normal(self, stream, shape, mean, std, dtype):
        """Normal draws of ``dtype``."""
        if self.name == "theano":
            return stream.normal(mean, std, shape, dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            out = stream.normal(mean, std, size=shape)
        return self.T.cast(out, dtype)


def _python_scan_if_no_cython_scan():
    """Run Theano's scan loop in Python when its C loop cannot be built.

    theano-pymc 1.1.2 ships a Cython-generated ``scan_perform.c`` that does
    not compile against Python >= 3.11 (``longintrepr.h`` moved); the scan
    op only falls back to its Python loop when no compiler exists, so every
    function containing a scan would fail. The inner function of the scan
    is still compiled to C either way.
    """
    scan_op = importlib.import_module("theano.scan.op")
    if getattr(scan_op.Scan, "_polykeras_patched", False):
        return
    if sys.version_info < (3, 11):
        try:
            importlib.import_module("theano.scan.scan_perform_ext")
            return
        except Exception:  # noqa: BLE001 - any failure to build the C loop
            pass
    original = scan_op.Scan.make_thunk

    def make_thunk(self, node, storage_map, compute_map, no_recycling, impl=None):
        return original(self, node, storage_map, compute_map, no_recycling, impl="py")
    scan_op.Scan.make_thunk = make_thunk
    scan_op.Scan._polykeras_patched = True
