"""The layer conformance table: :class:`LayerCase`, deterministic data, case discovery.

Every layer family describes its cases in ``conformance/layer_specs_<family>.py``
as a module-level list ``CASES`` of :class:`LayerCase`. :func:`all_cases` imports
every such module and returns the cases in a stable order; ``test_layers.py``
checks each of them on the active backend against the NumPy backend's results
(computed by ``layer_reference.py``).

Weights and inputs are deterministic: :func:`case_weights` and
:func:`case_inputs` draw them from a generator seeded with the CRC-32 of the
case id, so the NumPy reference process and the backend under test see the
same numbers.

Like ``op_specs*.py``, this module is imported by its plain name (the folder
is on ``sys.path``): ``from layer_cases import LayerCase``.
"""
import copy
import dataclasses
import glob
import importlib
import os
import zlib
from typing import Optional

import numpy as np

from polykeras import backend as K
from polykeras import layers
from polykeras.models import Model

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATTERN = "layer_specs_*.py"
FLOAT_DTYPES = ("float16", "float32", "float64")
INPUT_DTYPES = FLOAT_DTYPES + ("int32", "int64")


@dataclasses.dataclass(frozen=True)
class LayerCase:
    """One layer configuration checked by the layer conformance suite.

    Args:
        id: unique across all spec modules, ``"Layer/variant"`` style.
        layer: class name, resolved with ``polykeras.layers.deserialize``.
        kwargs: JSON-able constructor arguments.
        input_shapes: one full shape (batch axis included) per input.
        input_dtype: ``"float32"``, or ``"int32"`` for indices (Embedding).
        input_range: ``(low, high)`` of the uniform inputs; ``[low, high)`` for ints.
        gradients: also check gradients w.r.t. inputs and trainable weights
            against central finite differences (float64).
        training_differs: the training-mode output must differ from the
            inference-mode output (Dropout, noise, BatchNormalization).
        positive_weights: weights whose name contains one of these substrings
            get values in ``[0.5, 1.5]`` instead of ``[-0.5, 0.5]``.
        atol, rtol: tolerance of the comparison with the NumPy backend.
        grad_atol, grad_rtol: tolerance of the finite-difference comparison.
        mask: the layer receives an input mask: ``Masking(0.)`` is put in front
            of the first input, whose inputs have some time steps zeroed.
        note: why a check does not apply to this case, if one does not.

    Raises:
        ValueError: a malformed field (names the case and the field).

    Example:
        >>> LayerCase("Dense/relu", "Dense", dict(units=3, activation="relu"),
        ...           input_shapes=[(2, 4)], gradients=True)
    """

    id: str
    layer: str
    kwargs: dict = dataclasses.field(default_factory=dict)
    input_shapes: Optional[list] = None
    input_dtype: str = "float32"
    input_range: tuple = (-1.0, 1.0)
    gradients: bool = False
    training_differs: bool = False
    positive_weights: tuple = ("variance",)
    atol: float = 1e-5
    rtol: float = 1e-5
    grad_atol: float = 1e-4
    grad_rtol: float = 1e-3
    mask: bool = False
    note: str = ""

    def __post_init__(self):
        where = f"LayerCase {self.id!r}"
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"LayerCase: `id` must be a non-empty string. Received: {self.id!r}")
        if not isinstance(self.layer, str) or not self.layer:
            raise ValueError(f"{where}: `layer` must be a class name. Received: {self.layer!r}")
        if not isinstance(self.kwargs, dict):
            raise ValueError(f"{where}: `kwargs` must be a dict. Received: {self.kwargs!r}")
        if not self.input_shapes or not isinstance(self.input_shapes, (list, tuple)):
            raise ValueError(f"{where}: `input_shapes` must be a non-empty list of full "
                             f"shapes (batch axis included). Received: {self.input_shapes!r}")
        shapes = []
        for shape in self.input_shapes:
            if not isinstance(shape, (list, tuple)) or not all(
                    isinstance(d, int) and d > 0 for d in shape) or len(shape) < 1:
                raise ValueError(f"{where}: each input shape must be a tuple of positive ints "
                                 f"including the batch axis. Received: {shape!r}")
            shapes.append(tuple(shape))
        object.__setattr__(self, "input_shapes", shapes)
        if self.input_dtype not in INPUT_DTYPES:
            raise ValueError(f"{where}: `input_dtype` must be one of {INPUT_DTYPES}. "
                             f"Received: {self.input_dtype!r}")
        if len(self.input_range) != 2 or not self.input_range[0] < self.input_range[1]:
            raise ValueError(f"{where}: `input_range` must be (low, high) with low < high. "
                             f"Received: {self.input_range!r}")
        object.__setattr__(self, "input_range", tuple(self.input_range))
        if isinstance(self.positive_weights, str):
            object.__setattr__(self, "positive_weights", (self.positive_weights,))
        if self.mask:
            first = self.input_shapes[0]
            if self.input_dtype not in FLOAT_DTYPES or len(first) < 3:
                raise ValueError(f"{where}: `mask=True` needs a float first input with a time "
                                 f"axis (batch, time, ...). Received: dtype="
                                 f"{self.input_dtype}, shape={first}")

    @property
    def seed(self):
        """The case's random seed: the CRC-32 of its id."""
        return zlib.crc32(self.id.encode("utf-8"))

    @property
    def float_inputs(self):
        """Whether the inputs are floats (and so differentiable)."""
        return self.input_dtype in FLOAT_DTYPES


def case_inputs(case, dtype=None):
    """The case's input arrays, one per entry of ``case.input_shapes``.

    Floats are uniform in ``case.input_range``; ints uniform in
    ``[low, high)``. With ``case.mask``, the first input has sample 0's last
    time step and sample 1's first time step (and a middle one when there are
    at least 4) set to zero, so ``Masking(0.)`` masks them.

    Args:
        case: a :class:`LayerCase`.
        dtype: float dtype to use instead of ``case.input_dtype`` (float64 for
            the gradient check); ignored for int inputs.

    Returns:
        A list of NumPy arrays.
    """
    rng = np.random.default_rng(case.seed)
    low, high = case.input_range
    arrays = []
    for shape in case.input_shapes:
        if case.float_inputs:
            arrays.append(rng.uniform(low, high, shape).astype(dtype or case.input_dtype))
        else:
            arrays.append(rng.integers(int(low), int(high), shape).astype(case.input_dtype))
    if case.mask:
        arrays[0][masked_steps(case, arrays[0])] = 0
    return arrays


def masked_steps(case, x):
    """A boolean index ``(batch, time)`` of the time steps :func:`case_inputs` zeroes.

    Args:
        case: a :class:`LayerCase` with ``mask=True``.
        x: an array of the first input's shape (only its shape is used).

    Returns:
        A boolean array of shape ``x.shape[:2]``.
    """
    batch, steps = x.shape[:2]
    zeroed = np.zeros((batch, steps), dtype=bool)
    if case.mask and steps > 1:
        zeroed[0, -1] = True
        if batch > 1:
            zeroed[1, 0] = True
            if steps >= 4:
                zeroed[1, steps // 2] = True
    return zeroed


def case_weights(case, names, shapes, dtypes):
    """Deterministic weight values for a built layer.

    Args:
        case: a :class:`LayerCase`.
        names: weight names (matched against ``case.positive_weights``).
        shapes: weight shapes, in ``get_weights()`` order.
        dtypes: weight dtypes (int weights get small non-negative ints).

    Returns:
        A list of arrays for ``set_weights``: uniform in ``[-0.5, 0.5]``, or in
        ``[0.5, 1.5]`` for positive weights. The values depend only on the case
        id and the shapes, so they are the same on every backend.
    """
    rng = np.random.default_rng(case.seed + 1)
    values = []
    for name, shape, dtype in zip(names, shapes, dtypes):
        shape = tuple(shape)
        if np.dtype(dtype).kind in "iu":
            values.append(rng.integers(0, 3, shape).astype(dtype))
        elif any(part in name for part in case.positive_weights):
            values.append(rng.uniform(0.5, 1.5, shape).astype(dtype))
        else:
            values.append(rng.uniform(-0.5, 0.5, shape).astype(dtype))
    return values


def make_layer(case):
    """A new, unbuilt layer from ``case.layer`` and ``case.kwargs``.

    Resolved with ``polykeras.layers.deserialize`` (so wrappers may pass their
    inner layer as a ``{"class_name", "config"}`` dict).
    """
    return layers.deserialize({"class_name": case.layer, "config": copy.deepcopy(case.kwargs)})


def as_list(x):
    """``x`` as a list (a list or tuple is copied, anything else wrapped)."""
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _single(items):
    return items[0] if len(items) == 1 else items


class BuiltCase:
    """A case's layer in a Functional model on fresh ``Input`` tensors, weights set.

    The model is ``Input(batch_shape=...)`` per input, ``Masking(0.)`` on the
    first one when ``case.mask``, then the layer. The layer's weights get
    :func:`case_weights`.

    Args:
        case: a :class:`LayerCase`.
        float_dtype: dtype of float inputs (default ``case.input_dtype``); the
            layer's own dtype follows ``K.floatx()``.

    Attributes:
        inputs: the model's ``Input`` tensors.
        layer_inputs: what the layer is called on (the Masking output first).
        layer: the layer under test.
        outputs: the layer's output tensors (a list).
        masks: the outputs' masks (symbolic tensors or ``None``).
        model: the Functional model from ``inputs`` to ``outputs``.

    Example:
        >>> built = BuiltCase(case)
        >>> outputs, masks, _ = built.program()(case_inputs(case), training=False)
    """

    def __init__(self, case, float_dtype=None):
        self.case = case
        dtype = (float_dtype or case.input_dtype) if case.float_inputs else case.input_dtype
        self.inputs = [layers.Input(batch_shape=shape, dtype=dtype)
                       for shape in case.input_shapes]
        self.layer_inputs = list(self.inputs)
        if case.mask:
            masking = layers.deserialize({"class_name": "Masking",
                                          "config": {"mask_value": 0.0}})
            self.layer_inputs[0] = masking(self.inputs[0])
        self.layer = make_layer(case)
        self.outputs = as_list(self.layer(_single(self.layer_inputs)))
        self.masks = [getattr(out, "_keras_mask", None) for out in self.outputs]
        self.model = Model(_single(self.inputs), _single(self.outputs))
        names, shapes, dtypes = self.weight_specs()
        self.layer.set_weights(case_weights(case, names, shapes, dtypes))

    def weight_specs(self):
        """``(names, shapes, dtypes)`` of the layer's weights in ``get_weights()`` order."""
        weights = self.layer.weights
        return ([w.name for w in weights], [tuple(K.int_shape(w)) for w in weights],
                [str(K.dtype(w)) for w in weights])

    def program(self, extra_outputs=()):
        """Compile one function giving the outputs, their masks and ``extra_outputs``.

        Args:
            extra_outputs: more tensors on the same inputs (a round-trip copy).

        Returns:
            ``run(arrays, training)`` returning ``(outputs, masks, extras)``:
            lists of arrays, ``masks`` holding ``None`` where an output has none.

        Raises:
            RuntimeError: the learning phase is fixed (``K.set_learning_phase``).
        """
        phase = K.learning_phase()
        if not K.is_tensor(phase):
            raise RuntimeError("The layer conformance suite feeds the learning phase, but it "
                               f"is fixed to {phase!r} by K.set_learning_phase.")
        mask_tensors = [m for m in self.masks if m is not None]
        extra_outputs = list(extra_outputs)
        function = K.function(self.inputs + [phase],
                              self.outputs + mask_tensors + extra_outputs)
        n_out, n_mask = len(self.outputs), len(mask_tensors)

        def run(arrays, training):
            values = function(list(arrays) + [np.array(bool(training))])
            values = [np.asarray(v) for v in values]
            outputs, extras = values[:n_out], values[n_out + n_mask:]
            computed = iter(values[n_out:n_out + n_mask])
            masks = [None if m is None else next(computed) for m in self.masks]
            return outputs, masks, extras
        return run


class SpecModuleError(ImportError):
    """A ``layer_specs_*.py`` module failed to import or defines bad cases."""


def spec_modules():
    """Names of the spec modules beside this file, sorted (``layer_specs_core``...)."""
    paths = sorted(glob.glob(os.path.join(HERE, SPEC_PATTERN)))
    return [os.path.splitext(os.path.basename(p))[0] for p in paths]


def discover():
    """Every :class:`LayerCase` of every spec module, with the module's name.

    Returns:
        A list of ``(module_name, case)``, ordered by module name, then by
        position in the module's ``CASES``.

    Raises:
        SpecModuleError: a module fails to import, has no ``CASES`` list,
            lists something that is not a :class:`LayerCase`, or reuses an id
            (both modules are named).
    """
    found, owners = [], {}
    for name in spec_modules():
        path = os.path.join(HERE, name + ".py")
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            raise SpecModuleError(
                f"Layer spec module {name!r} ({path}) failed to import: "
                f"{type(exc).__name__}: {exc}") from exc
        module_cases = getattr(module, "CASES", None)
        if not isinstance(module_cases, (list, tuple)):
            raise SpecModuleError(f"Layer spec module {name!r} ({path}) must define a list "
                                  f"`CASES`. Received: {type(module_cases).__name__}")
        for item in module_cases:
            # Compared by class name: a second import of layer_cases under
            # another name would make a distinct but equivalent class.
            if type(item).__name__ != "LayerCase":
                raise SpecModuleError(f"Layer spec module {name!r}: CASES must hold LayerCase "
                                      f"objects. Received: {item!r}")
            if item.id in owners:
                raise SpecModuleError(
                    f"Duplicate layer case id {item.id!r}: defined in {owners[item.id]!r} "
                    f"and again in {name!r}. Case ids must be unique across spec modules.")
            owners[item.id] = name
            found.append((name, item))
    return found


def all_cases():
    """Every :class:`LayerCase` of every spec module (see :func:`discover`)."""
    return [case for _, case in discover()]
