"""The symbolic graph: recording, operators, scheduling, tracing, programs."""
import numpy as np
import pytest

import polykeras.backend as K
from polykeras.backend import graph


def test_operators_record_ops_with_broadcast_shapes():
    x = K.placeholder(shape=(None, 3))
    y = K.placeholder(shape=(3,))
    assert (x + y).node.op == "add" and K.int_shape(x + y) == (None, 3)
    assert (2. - x).node.op == "subtract" and (2. - x).node.args == (2., x)
    assert (x * y).node.op == "multiply"
    assert (x / 2).node.op == "divide"
    assert (-x).node.op == "negative"
    assert (x ** 2).node.op == "pow"
    assert (x > y).dtype == "bool"
    with pytest.raises(ValueError, match="cannot be broadcast"):
        x + K.placeholder(shape=(4,))


@pytest.mark.parametrize("key, expected", [
    ((slice(None), 0), (None, 4)),
    ((0,), (3, 4)),
    ((slice(1, 3),), (2, 3, 4)),
    ((Ellipsis, None), (None, 3, 4, 1)),
    ((slice(None), slice(None, None, 2)), (None, 2, 4)),
    ((slice(None), -1, slice(1, None)), (None, 3)),
])
def test_getitem_static_shapes(key, expected):
    x = K.placeholder(shape=(None, 3, 4))
    assert K.int_shape(x[key]) == expected


def test_getitem_rejects_tensor_indices_and_too_many_indices():
    x = K.placeholder(shape=(2, 3))
    with pytest.raises(TypeError, match="K.gather"):
        x[K.placeholder(shape=(), dtype="int32")]
    with pytest.raises(IndexError, match="Too many indices"):
        x[0, 0, 0]


def test_symbolic_tensors_have_no_truth_value():
    with pytest.raises(TypeError, match="no truth value"):
        bool(K.placeholder(shape=(2,)))


def test_schedule_orders_dependencies_first_and_shares_nodes():
    x = K.placeholder(shape=(2,))
    a = x * 2.
    b = a + a
    c = b - x
    order = graph.schedule([c])
    ids = [n.id for n in order]
    assert ids.index(a.node.id) < ids.index(b.node.id) < ids.index(c.node.id)
    assert len(ids) == len(set(ids)) == 4


def test_traced_function_captures_outer_tensors_and_variables():
    outer = K.placeholder(shape=(3,))
    w = K.variable(np.ones(3))

    def step(t):
        return t * w + outer

    traced = graph.TracedFunction(step, [K.placeholder(shape=(3,))])
    assert {id(c) for c in traced.captures} == {id(w), id(outer)}
    assert K.int_shape(traced.outputs) == (3,)
    node = graph.Node("uses_traced", (traced,))
    assert {id(d) for d in node.dependencies()} == {id(w), id(outer)}


def test_traced_functions_must_return_tensors():
    with pytest.raises(TypeError, match="must return tensors"):
        graph.TracedFunction(lambda t: "text", [K.placeholder(shape=(1,))])


def test_program_lists_variables_and_gradient_use():
    x = K.placeholder(shape=(None, 2))
    w = K.variable(np.ones((2,)))
    loss = K.sum(x * w)
    program = graph.Program([x], [loss], [(w, w - 1.)])
    assert program.variables == [w]
    assert not program.has_gradients
    assert graph.Program([x], K.gradients(loss, [w]), []).has_gradients


def test_function_validates_inputs():
    x = K.placeholder(shape=(None, 2), name="features")
    f = K.function([x], [K.sum(x)])
    with pytest.raises(ValueError, match="expects 1 input"):
        f([])
    with pytest.raises(ValueError, match=r"'features' expects shape \(None, 2\).*\(3, 5\)"):
        f([np.zeros((3, 5))])
    with pytest.raises(TypeError, match="must be placeholders"):
        K.function([K.variable(1.)], [x])
    with pytest.raises(ValueError, match="Invalid argument"):
        K.function([x], [x], fetches=[])


def test_updates_must_target_variables():
    x = K.placeholder(shape=(2,))
    with pytest.raises(TypeError, match="Only variables can be updated"):
        K.update(x, x)
    with pytest.raises(TypeError, match="variable, new_value"):
        K.function([x], [x], updates=[x])


def test_learning_phase_is_fed_only_when_used():
    x = K.placeholder(shape=(2,))
    assert not K.function([x], [x * 2.]).feeds_learning_phase
    uses = K.function([x], [K.cast(K.learning_phase(), "float32") * x])
    assert uses.feeds_learning_phase
    fed = K.function([x, K.learning_phase()], [K.cast(K.learning_phase(), "float32") * x])
    assert not fed.feeds_learning_phase


def test_set_learning_phase_fixes_a_python_int():
    try:
        K.set_learning_phase(1)
        assert K.learning_phase() == 1
        with pytest.raises(ValueError, match="0 or 1"):
            K.set_learning_phase(2)
    finally:
        K.clear_session()
    assert K.is_placeholder(K.learning_phase())


def test_introspection():
    v = K.variable(np.zeros((2, 3)), name="kernel")
    p = K.placeholder(ndim=2)
    assert K.is_variable(v) and not K.is_variable(p)
    assert K.is_tensor(p) and not K.is_tensor(np.zeros(2))
    assert K.is_placeholder(p) and K.int_shape(p) == (None, None)
    assert K.ndim(v) == 2 and K.dtype(v) == "float32" and K.count_params(v) == 6
    assert not K.is_keras_tensor(p)
    with pytest.raises(ValueError, match="Expected a symbolic tensor"):
        K.is_keras_tensor(np.zeros(2))
    with pytest.raises(ValueError, match="fully known shape"):
        K.count_params(p)
    with pytest.raises(ValueError, match="Sparse placeholders"):
        K.placeholder(shape=(2,), sparse=True)


def test_set_value_checks_the_shape():
    v = K.variable(np.zeros((2, 3)), name="bias")
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable 'bias' of shape \(2, 3\)"):
        K.set_value(v, np.zeros(3))


def test_missing_op_names_backend_and_op():
    class Bare(K.Backend):
        name = "bare"

    with K.use_backend(Bare()):
        assert K.backend() == "bare"
        with pytest.raises(K.BackendOpNotImplemented, match="'bare' backend does not implement "
                                                           "the op 'sum'"):
            Bare().sum
    assert K.backend() != "bare"
