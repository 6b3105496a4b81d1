"""The conformance spec table: what an op spec is, and the registry of all specs.

An :class:`OpSpec` describes one ``K`` function: how to build the ``K``
expression from its tensor arguments, the cases to run (inputs generated from
a seeded NumPy generator, plus static parameters), an independent NumPy
reference, the tolerance, the expected dtype and whether the op is
differentiable. The family modules ``op_specs_*.py`` fill the registry with
:func:`spec`; :func:`all_specs` imports them all.

Example:
    >>> spec("square", lambda x: K.square(x), lambda x: x ** 2,
    ...      [case("2d", In((4, 3)))], grad=True)
"""
import dataclasses
import importlib
import zlib
from typing import Any, Callable, Optional

import numpy as np

#: float32 defaults of DESIGN.md decision 6.
ATOL = 1e-5
RTOL = 1e-5

FAMILY_MODULES = ("op_specs_math", "op_specs_manip", "op_specs_nn", "op_specs_conv",
                  "op_specs_misc")

_REGISTRY = []


@dataclasses.dataclass
class In:
    """One tensor argument of a case.

    Attributes:
        shape: the concrete shape fed at run time.
        gen: how values are drawn: ``normal``, ``uniform`` (in ``[low, high)``),
            ``positive`` (in ``[0.5, 2)``), ``away`` (``|x|`` in ``[0.1, 2)``,
            away from kinks at 0), ``halves`` (multiples of 0.5, exercising
            round-half-to-even), ``ties`` (small integer-valued floats, so that
            comparisons and ``in_top_k`` meet equal values), ``int`` (integers in
            ``[low, high)``), ``bool``, ``probs`` (positive, summing to one on the
            last axis), ``onehot`` (one-hot rows on the last axis).
        dtype: dtype name of the array.
        kind: ``placeholder``, ``variable`` (a ``K.variable``) or ``constant``.
        batch: whether the placeholder's first dimension is ``None``;
            default: for inputs of rank >= 2.
        diff: whether gradient tests differentiate with respect to it.
        value: a fixed array instead of generated values.
    """
    shape: tuple = ()
    gen: str = "normal"
    dtype: str = "float32"
    kind: str = "placeholder"
    batch: Optional[bool] = None
    diff: bool = True
    low: float = -1.0
    high: float = 1.0
    value: Any = None

    def static_shape(self):
        """Shape of the placeholder: first dim ``None`` when ``batch``."""
        batch = len(self.shape) >= 2 if self.batch is None else self.batch
        if batch and self.kind == "placeholder" and self.shape:
            return (None,) + tuple(self.shape[1:])
        return tuple(self.shape)

    def generate(self, rng):
        """A NumPy array of ``shape`` and ``dtype`` drawn from ``rng``."""
        if self.value is not None:
            return np.array(self.value, dtype=self.dtype)
        shape, gen = tuple(self.shape), self.gen
        if gen == "normal":
            a = rng.standard_normal(shape)
        elif gen == "uniform":
            a = rng.uniform(self.low, self.high, shape)
        elif gen == "positive":
            a = rng.uniform(0.5, 2.0, shape)
        elif gen == "away":
            a = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        elif gen == "halves":
            a = rng.integers(-6, 7, shape) * 0.5
        elif gen == "ties":
            a = rng.integers(-2, 3, shape).astype(float)
        elif gen == "int":
            a = rng.integers(int(self.low), int(self.high), shape)
        elif gen == "bool":
            a = rng.random(shape) < 0.5
        elif gen == "probs":
            a = rng.uniform(0.05, 1.0, shape)
            a = a / a.sum(axis=-1, keepdims=True)
        elif gen == "onehot":
            a = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
        else:
            raise ValueError(f"Unknown generator {gen!r}. Received: In(gen={gen!r})")
        return np.asarray(a).astype(self.dtype)

    def is_float(self):
        return np.dtype(self.dtype).kind == "f"


@dataclasses.dataclass
class Case:
    """One run of a spec: its tensor inputs and static keyword parameters."""
    id: str
    inputs: list
    params: dict


def case(case_id, *inputs, **params):
    """A :class:`Case` named ``case_id`` with tensor ``inputs`` and ``params``."""
    return Case(case_id, list(inputs), params)


@dataclasses.dataclass
class OpSpec:
    """How to check one K function.

    Attributes:
        name: the K function (test ids are ``<name>-<case id>``).
        build: ``build(*tensors, **params)`` returning the K expression (or a
            list of expressions for several outputs).
        reference: ``reference(*arrays, **params)`` in NumPy, written here
            independently of any backend (arrays arrive as float64 copies when
            they are float, so references compute in double precision).
        cases: the :class:`Case` list.
        family: op family for the summary (math, manip, nn, conv, ...).
        atol, rtol: value tolerance.
        grad: the op is differentiable (a gradient test runs for each case
            with float inputs, in float64).
        dtype: expected result dtype: ``None`` for the dtype of the first
            float input (else of the first input), a dtype name, a list
            of those for several outputs, or a callable of the case params
            returning one of those.
        grad_cases: ids of the cases used by the gradient test (default all).
    """
    name: str
    build: Callable
    reference: Callable
    cases: list
    family: str = "misc"
    atol: float = ATOL
    rtol: float = RTOL
    grad: bool = False
    dtype: Any = None
    grad_cases: Optional[tuple] = None

    def seed(self, case_):
        """A seed fixed by the spec and case names."""
        return zlib.crc32(f"{self.name}-{case_.id}".encode())

    def arrays(self, case_, float_dtype=None):
        """The generated input arrays of ``case_`` (floats cast to ``float_dtype``)."""
        rng = np.random.default_rng(self.seed(case_))
        out = []
        for inp in case_.inputs:
            a = inp.generate(rng)
            if float_dtype and inp.is_float():
                a = a.astype(float_dtype)
            out.append(a)
        return out

    def expected(self, case_, arrays):
        """Reference outputs (a list) cast to the expected dtypes."""
        ref_in = [a.astype(np.float64) if a.dtype.kind == "f" else a.copy() for a in arrays]
        result = self.reference(*ref_in, **case_.params)
        multi = isinstance(result, (list, tuple))
        results = list(result) if multi else [result]
        dtype = self.dtype(case_.params) if callable(self.dtype) else self.dtype
        dtypes = dtype if isinstance(dtype, (list, tuple)) else [dtype] * len(results)
        default = next((a.dtype for a in arrays if a.dtype.kind == "f"),
                       arrays[0].dtype if arrays else np.dtype("float32"))
        return [np.asarray(r).astype(d or default) for r, d in zip(results, dtypes)], multi


def spec(name, build, reference, cases, **options):
    """Register an :class:`OpSpec` (see its attributes for ``options``)."""
    s = OpSpec(name, build, reference, list(cases), **options)
    _REGISTRY.append(s)
    return s


def all_specs():
    """Every registered spec, importing the family modules on first call."""
    if not _REGISTRY:
        for module in FAMILY_MODULES:
            importlib.import_module(module)
    return list(_REGISTRY)


def all_cases(predicate=None):
    """``(spec, case)`` pairs, optionally filtered by ``predicate(spec, case)``."""
    return [(s, c) for s in all_specs() for c in s.cases
            if predicate is None or predicate(s, c)]


def case_id(pair):
    """pytest id of a ``(spec, case)`` pair."""
    s, c = pair
    return f"{s.name}-{c.id}"


def make_inputs(K, s, c, arrays):
    """Create the K tensors of a case.

    Returns:
        ``(tensors, placeholders, feeds, variables)``: the arguments for
        ``build``, the placeholders with their fed arrays, and the variables.
    """
    tensors, placeholders, feeds, variables = [], [], [], []
    for i, (inp, a) in enumerate(zip(c.inputs, arrays)):
        if inp.kind == "variable":
            t = K.variable(a, dtype=str(a.dtype), name=f"{s.name}_v{i}")
            variables.append(t)
        elif inp.kind == "constant":
            t = K.constant(a, dtype=str(a.dtype))
        else:
            t = K.placeholder(shape=inp.static_shape(), dtype=str(a.dtype), name=f"{s.name}_x{i}")
            placeholders.append(t)
            feeds.append(a)
        tensors.append(t)
    return tensors, placeholders, feeds, variables


def as_list(x):
    """``x`` as a list of outputs."""
    return list(x) if isinstance(x, (list, tuple)) else [x]


def compatible_shape(static, actual):
    """True when a static shape (``None`` = unknown) fits an actual shape."""
    if static is None:
        return True
    static = tuple(static)
    return len(static) == len(actual) and all(
        s is None or s == a for s, a in zip(static, actual))


def assert_matches(actual, expected, atol, rtol, what=""):
    """Compare one output with its reference: shape, dtype and values.

    Raises:
        AssertionError: saying which of them differs.
    """
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (
        f"{what}: expected shape {expected.shape}. Received: shape={actual.shape}")
    assert str(actual.dtype) == str(expected.dtype), (
        f"{what}: expected dtype {expected.dtype}. Received: dtype={actual.dtype}")
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol,
                                   err_msg=f"{what}: values differ", equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=f"{what}: values differ")
