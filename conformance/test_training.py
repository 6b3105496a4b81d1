"""Training conformance: 20 optimizer steps give the same losses and weights everywhere.

A two-layer MLP (tanh hidden layer, softmax output, categorical
crossentropy) is trained from fixed initial weights on a fixed batch order
with SGD (momentum, Nesterov) and Adam. The reference is the same
computation written directly in NumPy (float64 forward and backward pass,
the Keras 2 update rules), so every backend — NumPy included — is checked
against an independent implementation.
"""
import numpy as np
import pytest

import polykeras as keras

STEPS, BATCH, FEATURES, HIDDEN, CLASSES = 20, 16, 6, 8, 3
RTOL = 1e-4


def _data():
    rng = np.random.RandomState(7)
    x = rng.randn(STEPS * BATCH, FEATURES).astype("float32")
    labels = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1).astype(int)
    y = np.eye(CLASSES, dtype="float32")[labels]
    weights = [rng.randn(FEATURES, HIDDEN).astype("float32") * 0.5,
               rng.randn(HIDDEN).astype("float32") * 0.1,
               rng.randn(HIDDEN, CLASSES).astype("float32") * 0.5,
               rng.randn(CLASSES).astype("float32") * 0.1]
    return x, y, weights


def _reference_gradients(params, x, y):
    w1, b1, w2, b2 = params
    hidden = np.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum(y * np.log(probs), axis=1))
    d_logits = (probs - y) / len(x)
    d_hidden = d_logits @ w2.T * (1 - hidden ** 2)
    grads = [x.T @ d_hidden, d_hidden.sum(0), hidden.T @ d_logits, d_logits.sum(0)]
    return loss, grads


def _reference_sgd(lr, momentum, nesterov):
    def run(params, x, y):
        velocities = [np.zeros_like(p) for p in params]
        losses = []
        for step in range(STEPS):
            batch = slice(step * BATCH, (step + 1) * BATCH)
            loss, grads = _reference_gradients(params, x[batch], y[batch])
            losses.append(loss)
            for i, g in enumerate(grads):
                velocities[i] = momentum * velocities[i] - lr * g
                update = momentum * velocities[i] - lr * g if nesterov else velocities[i]
                params[i] = params[i] + update
        return losses, params
    return run


def _reference_adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def run(params, x, y):
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        losses = []
        for step in range(STEPS):
            batch = slice(step * BATCH, (step + 1) * BATCH)
            loss, grads = _reference_gradients(params, x[batch], y[batch])
            losses.append(loss)
            t = step + 1
            lr_t = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
            for i, g in enumerate(grads):
                m[i] = beta_1 * m[i] + (1 - beta_1) * g
                v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
                params[i] = params[i] - lr_t * m[i] / (np.sqrt(v[i]) + epsilon)
        return losses, params
    return run


CASES = {
    "sgd": (lambda: keras.optimizers.SGD(lr=0.1), _reference_sgd(0.1, 0., False)),
    "sgd_momentum_nesterov": (lambda: keras.optimizers.SGD(lr=0.05, momentum=0.9,
                                                           nesterov=True),
                              _reference_sgd(0.05, 0.9, True)),
    "adam": (lambda: keras.optimizers.Adam(lr=0.01, epsilon=1e-7), _reference_adam(0.01)),
}


def _model(optimizer, initial):
    model = keras.models.Sequential([
        keras.layers.Dense(HIDDEN, activation="tanh", input_shape=(FEATURES,)),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.set_weights(initial)
    model.compile(optimizer, "categorical_crossentropy")
    return model


@pytest.mark.parametrize("case", sorted(CASES))
def test_train_on_batch_matches_numpy_reference(case):
    make_optimizer, reference = CASES[case]
    x, y, initial = _data()
    model = _model(make_optimizer(), initial)
    losses = [model.train_on_batch(x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH])
              for i in range(STEPS)]
    ref_losses, ref_params = reference([w.astype(np.float64) for w in initial],
                                       x.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(losses, ref_losses, rtol=RTOL)
    for got, want in zip(model.get_weights(), ref_params):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-5)


def test_fit_epoch_matches_numpy_reference():
    make_optimizer, reference = CASES["adam"]
    x, y, initial = _data()
    model = _model(make_optimizer(), initial)
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    ref_losses, ref_params = reference([w.astype(np.float64) for w in initial],
                                       x.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(history.history["loss"][0], np.mean(ref_losses), rtol=RTOL)
    for got, want in zip(model.get_weights(), ref_params):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-5)
