"""Values, static shapes and dtypes of every op spec against its NumPy reference.

Each case runs through ``K.function(placeholders, outputs)``; the first case
of every spec also runs with constants only, through ``K.eval``.
"""
import numpy as np
import pytest

from polykeras import backend as K
from op_specs import all_cases, all_specs, as_list, assert_matches, case_id, compatible_shape
from op_specs import make_inputs

CASES = all_cases()


def _param(pair):
    return pytest.param(pair, id=case_id(pair),
                        marks=pytest.mark.conformance_family(pair[0].family))


@pytest.mark.parametrize("pair", [_param(p) for p in CASES])
def test_values(pair):
    """Function outputs match the reference in value, shape, static shape and dtype."""
    s, c = pair
    arrays = s.arrays(c)
    expected, multi = s.expected(c, arrays)
    tensors, placeholders, feeds, _ = make_inputs(K, s, c, arrays)
    outputs = as_list(s.build(*tensors, **c.params))
    assert len(outputs) == len(expected), (
        f"{s.name}: expected {len(expected)} output(s). Received: {len(outputs)}")
    for i, out in enumerate(outputs):
        assert K.is_tensor(out), f"{s.name}: output {i} is not a tensor. Received: {out!r}"
    actual = K.function(placeholders, outputs)(feeds)
    for i, (out, act, exp) in enumerate(zip(outputs, actual, expected)):
        what = f"{s.name}[{c.id}] output {i}"
        static = K.int_shape(out)
        assert compatible_shape(static, exp.shape), (
            f"{what}: static shape {static} does not fit the computed shape {exp.shape}")
        assert K.dtype(out) == str(exp.dtype), (
            f"{what}: static dtype should be {exp.dtype}. Received: K.dtype={K.dtype(out)}")
        assert_matches(act, exp, s.atol, s.rtol, what)


def _first_cases():
    out = []
    for s in all_specs():
        c = s.cases[0]
        if c.inputs and all(i.kind != "variable" for i in c.inputs):
            out.append(pytest.param((s, c), id=case_id((s, c)),
                                    marks=pytest.mark.conformance_family(s.family)))
    return out


@pytest.mark.parametrize("pair", _first_cases())
def test_eval_constants(pair):
    """The first case of each spec, with constant inputs, evaluated by ``K.eval``."""
    s, c = pair
    arrays = s.arrays(c)
    expected, _ = s.expected(c, arrays)
    tensors = [K.constant(a, dtype=str(a.dtype)) for a in arrays]
    outputs = as_list(s.build(*tensors, **c.params))
    for i, (out, exp) in enumerate(zip(outputs, expected)):
        what = f"{s.name}[{c.id}] output {i}"
        assert compatible_shape(K.int_shape(out), exp.shape), (
            f"{what}: static shape {K.int_shape(out)} does not fit {exp.shape}")
        assert_matches(np.asarray(K.eval(out)), exp, s.atol, s.rtol, what)
