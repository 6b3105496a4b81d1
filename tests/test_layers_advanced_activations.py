"""LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax and ReLU against NumPy formulas,
and (in the tensorflow environment) against tf_keras with identical weights.

Runs on the active backend (``POLYKERAS_BACKEND=numpy|tensorflow|...``).
"""
import json

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.engine import Input, Sequential
from polykeras.layers import (ELU, LeakyReLU, Masking, PReLU, ReLU, Softmax,
                              ThresholdedReLU)

ATOL = 1e-5
rng = np.random.default_rng(11)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_relu(x, max_value=None, negative_slope=0., threshold=0.):
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    return y if max_value is None else np.minimum(y, max_value)


# layer, sample shape, NumPy formula of the output
ELEMENTWISE = [
    (lambda: LeakyReLU(), lambda x: np.where(x > 0, x, 0.3 * x)),
    (lambda: LeakyReLU(alpha=0.05), lambda x: np.where(x > 0, x, 0.05 * x)),
    (lambda: ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
    (lambda: ELU(alpha=0.4), lambda x: np.where(x > 0, x, 0.4 * np.expm1(x))),
    (lambda: ThresholdedReLU(), lambda x: np.where(x > 1., x, 0.)),
    (lambda: ThresholdedReLU(theta=0.25), lambda x: np.where(x > 0.25, x, 0.)),
    (lambda: Softmax(), lambda x: _np_softmax(x, -1)),
    (lambda: Softmax(axis=1), lambda x: _np_softmax(x, 1)),
    (lambda: ReLU(), _np_relu),
    (lambda: ReLU(max_value=0.8, negative_slope=0.1, threshold=0.2),
     lambda x: _np_relu(x, 0.8, 0.1, 0.2)),
    (lambda: ReLU(max_value=1.5, threshold=0.3), lambda x: _np_relu(x, 1.5, 0., 0.3)),
]


def test_elementwise_activations_match_numpy_and_round_trip():
    """One compiled function for every layer: each output against its formula."""
    x = Input(shape=(3, 4))
    built = [(make(), formula) for make, formula in ELEMENTWISE]
    outputs = [layer(x) for layer, _ in built]
    data = 2. * _f32(5, 3, 4)
    results = K.function([x], outputs)([data])
    for (layer, formula), out, y in zip(built, results, outputs):
        np.testing.assert_allclose(out, formula(data.astype(np.float64)), atol=ATOL,
                                   err_msg=layer.get_config().__repr__())
        assert y._keras_shape == (None, 3, 4) and layer.count_params() == 0
        config = json.loads(json.dumps(layers.serialize(layer)))
        clone = layers.deserialize(config)
        assert type(clone) is type(layer) and clone.get_config() == layer.get_config()


def test_prelu_per_element_and_shared_slopes():
    x = Input(shape=(2, 3, 4))
    full, shared = PReLU(), PReLU(shared_axes=[1, 2])
    y_full, y_shared = full(x), shared(x)
    assert [w.shape for w in full.get_weights()] == [(2, 3, 4)]
    assert [w.shape for w in shared.get_weights()] == [(1, 1, 4)]
    assert full.count_params() == 24 and shared.count_params() == 4
    np.testing.assert_array_equal(full.get_weights()[0], 0.)      # alpha_initializer="zeros"
    alpha_full, alpha_shared = _f32(2, 3, 4), _f32(1, 1, 4)
    full.set_weights([alpha_full])
    shared.set_weights([alpha_shared])
    data = _f32(3, 2, 3, 4)
    out_full, out_shared = K.function([x], [y_full, y_shared])([data])
    np.testing.assert_allclose(out_full, np.where(data > 0, data, alpha_full * data), atol=ATOL)
    np.testing.assert_allclose(out_shared, np.where(data > 0, data, alpha_shared * data),
                               atol=ATOL)
    clone = layers.deserialize(json.loads(json.dumps(layers.serialize(shared))))
    assert clone.shared_axes == [1, 2] and clone.get_config() == shared.get_config()


def test_prelu_learns_its_slopes_under_constraint_and_regularizer():
    layer = PReLU(alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg",
                  shared_axes=1, input_shape=(3, 2))
    model = Sequential([layer])
    assert len(model.losses) == 1
    model.compile("sgd", "mse")
    data = -np.abs(_f32(8, 3, 2))            # negative inputs: the output is alpha * x
    before = layer.get_weights()[0].copy()
    model.fit(data, 5. * data, epochs=2, batch_size=4, verbose=0)   # pushes alpha up
    after = layer.get_weights()[0]
    assert after.shape == (1, 2) and np.all(after > before)
    model.fit(data, -5. * data, epochs=3, batch_size=4, verbose=0)  # pushes alpha negative
    assert np.all(layer.get_weights()[0] >= 0.)                     # clipped by non_neg


def test_masks_pass_through_activation_layers():
    x = Input(shape=(3, 2))
    masked = Masking(0.)(x)
    for layer in (LeakyReLU(), PReLU(), ELU(), ThresholdedReLU(), Softmax(), ReLU()):
        assert layer(masked)._keras_mask is not None, layer.name


@pytest.mark.parametrize("make, message", [
    (lambda: ReLU(max_value=-1.), r"ReLU .*`max_value`.*>= 0.*max_value=-1.0"),
    (lambda: ReLU(negative_slope=-0.1), r"ReLU .*`negative_slope`.*>= 0"),
    (lambda: ReLU(threshold="high"), r"ReLU .*`threshold`.*number"),
    (lambda: ReLU(threshold=-0.5), r"ReLU .*`threshold`.*>= 0.*threshold=-0.5"),
    (lambda: LeakyReLU(alpha=None), r"LeakyReLU .*`alpha`.*number.*alpha=None"),
    (lambda: ELU(alpha="one"), r"ELU .*`alpha`"),
    (lambda: ThresholdedReLU(theta=[1.]), r"ThresholdedReLU .*`theta`"),
    (lambda: Softmax(axis=1.5), r"Softmax .*`axis`.*int"),
    (lambda: PReLU(shared_axes=[0]), r"PReLU .*shared_axes.*batch axis 0"),
])
def test_bad_arguments_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs_name_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"Softmax 'sm0'.*axis 0.*input_shape=\(None, 3\)"):
        Softmax(axis=0, name="sm0")(Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"PReLU 'pr3'.*shared_axes.*\[3\].*\(None, 4, 2\)"):
        PReLU(shared_axes=3, name="pr3")(Input(shape=(4, 2)))
    with pytest.raises(ValueError, match=r"PReLU 'pr_none'.*known.*\(None, None, 2\)"):
        PReLU(name="pr_none")(Input(shape=(None, 2)))
    layer = PReLU(name="pr_fixed")
    layer(Input(shape=(4, 2)))
    with pytest.raises(ValueError, match=r"pr_fixed.*axis 1.*value 4"):
        layer(Input(shape=(5, 2)))


# --- against tf_keras (tensorflow environment) -----------------------------------------------

def test_outputs_match_tf_keras_with_identical_weights():
    tf_keras = pytest.importorskip("tf_keras")
    pairs = [
        (LeakyReLU(alpha=0.2), tf_keras.layers.LeakyReLU(alpha=0.2)),
        (ELU(alpha=0.7), tf_keras.layers.ELU(alpha=0.7)),
        (ThresholdedReLU(theta=0.4), tf_keras.layers.ThresholdedReLU(theta=0.4)),
        (Softmax(axis=1), tf_keras.layers.Softmax(axis=1)),
        (ReLU(max_value=1., negative_slope=0.3, threshold=0.1),
         tf_keras.layers.ReLU(max_value=1., negative_slope=0.3, threshold=0.1)),
        (PReLU(shared_axes=[1]), tf_keras.layers.PReLU(shared_axes=[1])),
    ]
    data = 2. * _f32(4, 3, 5)
    x = Input(shape=(3, 5))
    outputs = [ours(x) for ours, _ in pairs]
    results = K.function([x], outputs)([data])
    for (ours, theirs), out in zip(pairs, results):
        theirs.build((None, 3, 5))
        weights = [_f32(*w.shape) for w in ours.get_weights()]
        if weights:
            ours.set_weights(weights)
            theirs.set_weights(weights)
            out = K.function([x], [ours.output])([data])[0]
        assert [w.shape for w in ours.get_weights()] == \
            [tuple(w.shape) for w in theirs.get_weights()]
        np.testing.assert_allclose(out, theirs(data).numpy(), atol=ATOL, err_msg=ours.name)

