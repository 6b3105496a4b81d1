"""Random draws for Theano from NumPy ``Generator`` objects (Theano only, not PyTensor).

theano-pymc 1.1 offers two random streams: its MRG generator, whose C code
draws a float32 uniform in ~14 ns, and one over NumPy's legacy
``RandomState``, which only draws float64 (~5 ns, plus a cast). A NumPy
``Generator`` draws float32 uniforms and normals directly (~1.5 ns), which
matters for dropout: the mask of the MNIST convnet's first dropout layer is
1.2 million draws per training step. PyTensor's own streams already use
``Generator`` objects.

Each draw gets its own generator, held in a shared variable whose default
update is the advanced generator, so every call of a compiled function
draws anew, and the draws of a stream seeded alike repeat in every new
function.
"""
import copy

import numpy as np
import theano
from theano import tensor as T
from theano.graph.basic import Apply
from theano.graph.op import Op

# ``Generator.random`` and ``Generator.standard_normal`` draw in these dtypes;
# other float types are drawn in float32 and cast.
_NATIVE_DTYPES = ("float32", "float64")


class GeneratorDraw(Op):
    """Samples of ``Generator.<method>(shape, dtype=dtype)`` from a shared generator.

    Inputs are the generator and the shape (an integer vector of known
    length); outputs are the advanced generator and the samples, which
    broadcast along the dims the shape fixes to 1 (a dropout mask of
    ``noise_shape=(n, 1)``).

    Args:
        method: ``"random"`` (uniform in ``[0, 1)``) or ``"standard_normal"``.
        dtype: ``"float32"`` or ``"float64"``.
    """

    __props__ = ("method", "dtype")

    def __init__(self, method, dtype):
        if method not in ("random", "standard_normal"):
            raise ValueError("Expected method 'random' or 'standard_normal'. "
                             f"Received: method={method!r}")
        if dtype not in _NATIVE_DTYPES:
            raise ValueError(f"Expected dtype 'float32' or 'float64'. Received: dtype={dtype!r}")
        self.method = method
        self.dtype = dtype

    def make_node(self, generator, shape):
        shape = T.cast(T.as_tensor_variable(shape, ndim=1), "int64")
        ones = tuple(_is_one(shape[i]) for i in range(T.get_vector_length(shape)))
        samples = T.TensorType(self.dtype, ones)()
        return Apply(self, [generator, shape], [generator.type(), samples])

    def perform(self, node, inputs, outputs):
        generator, shape = inputs
        generator = copy.deepcopy(generator)
        shape = tuple(int(d) for d in shape)
        samples = outputs[1][0]
        # Theano keeps the last call's buffer when the function keeps its
        # buffers (and never a buffer it returned to the caller): refill it.
        if not (isinstance(samples, np.ndarray) and samples.shape == shape
                and samples.dtype == self.dtype and samples.flags.c_contiguous
                and samples.flags.writeable):
            samples = np.empty(shape, self.dtype)
        getattr(generator, self.method)(dtype=self.dtype, out=samples)
        outputs[0][0] = generator
        outputs[1][0] = samples


class GeneratorStream:
    """A random stream whose draws each hold a generator spawned from ``seed``.

    Args:
        seed: a non-negative int.

    Example:
        >>> stream = GeneratorStream(seed=1)
        >>> mask = stream.uniform(0., 1., size=[2, 3], dtype="float32") < 0.5
    """

    def __init__(self, seed):
        self._seeds = np.random.SeedSequence(seed)

    def uniform(self, low, high, size, dtype):
        """Uniform draws in ``[low, high)`` of ``dtype`` and shape ``size``."""
        unit = self._draw("random", size, dtype)
        return T.cast(low + (high - low) * unit, dtype)

    def normal(self, mean, std, size, dtype):
        """Normal draws of ``dtype`` and shape ``size``."""
        return T.cast(mean + std * self._draw("standard_normal", size, dtype), dtype)

    def _draw(self, method, size, dtype):
        generator = theano.shared(np.random.default_rng(self._seeds.spawn(1)[0]))
        draw = GeneratorDraw(method, dtype if dtype in _NATIVE_DTYPES else "float32")
        advanced, samples = draw(generator, size)
        generator.default_update = advanced
        return samples


def _is_one(size):
    """Whether the symbolic scalar ``size`` is the constant 1."""
    try:
        return int(T.get_scalar_constant_value(size)) == 1
    except T.NotScalarConstantError:
        return False
