"""Write the cross-backend saving fixtures for the active backend.

For each small model below: random weights from a fixed seed, ``model.save``
to ``conformance/saved_models/<backend>/<name>.h5`` and the backend's own
predictions on a fixed input to ``<name>.npz`` (``x`` and ``y``).
``conformance/test_saving.py`` loads every backend's fixtures on the active
backend and compares predictions, so run this once per backend env::

    POLYKERAS_BACKEND=theano python conformance/saved_models/make_fixtures.py

The models together cover Dense, BatchNormalization, Conv2D, SeparableConv2D,
DepthwiseConv2D, Conv2DTranspose, pooling, Embedding, Conv1D, LSTM, GRU and
SimpleRNN, with tiny shapes (each file is a few KB).
"""
import os

import numpy as np

from polykeras import backend as K
from polykeras import layers
from polykeras.models import Model, Sequential

HERE = os.path.dirname(os.path.abspath(__file__))


def dense_model():
    return Sequential([layers.Dense(6, activation="relu", input_shape=(5,), name="d1"),
                       layers.BatchNormalization(name="bn"),
                       layers.Dense(3, activation="softmax", name="d2")], name="dense")


def conv_model():
    x = layers.Input(shape=(7, 7, 2), name="image")
    h = layers.Conv2D(3, (3, 2), padding="same", activation="relu", name="conv")(x)
    h = layers.SeparableConv2D(4, (2, 3), depth_multiplier=2, name="separable")(h)
    h = layers.DepthwiseConv2D((3, 3), depth_multiplier=1, padding="same",
                               name="depthwise")(h)
    h = layers.MaxPooling2D((2, 2), name="pool")(h)
    h = layers.Conv2DTranspose(2, (3, 2), strides=(2, 1), name="transposed")(h)
    y = layers.Dense(2, name="out")(layers.Flatten(name="flat")(h))
    return Model(x, y, name="conv")


def recurrent_model():
    tokens = layers.Input(shape=(6,), name="tokens")
    e = layers.Embedding(11, 4, name="embed")(tokens)
    e = layers.Conv1D(4, 2, padding="causal", name="conv1d")(e)
    branches = [layers.LSTM(3, name="lstm")(e), layers.GRU(3, name="gru")(e),
                layers.SimpleRNN(2, name="simple")(e)]
    y = layers.Dense(2, activation="sigmoid", name="out")(
        layers.Concatenate(name="merge")(branches))
    return Model(tokens, y, name="recurrent")


MODELS = {"dense": (dense_model, lambda rng: rng.uniform(-1, 1, (4, 5))),
          "conv": (conv_model, lambda rng: rng.uniform(-1, 1, (3, 7, 7, 2))),
          "recurrent": (recurrent_model, lambda rng: rng.randint(0, 11, (3, 6)))}


def randomize(model, rng):
    """Weights drawn uniformly from [-0.7, 0.7]; BatchNormalization variances from [0.5, 1.5]."""
    for layer in model.layers:
        values = [rng.uniform(0.5, 1.5, K.int_shape(w)) if "variance" in w.name
                  else rng.uniform(-0.7, 0.7, K.int_shape(w)) for w in layer.weights]
        if values:
            layer.set_weights([v.astype("float32") for v in values])


def main():
    out = os.path.join(HERE, K.backend())
    os.makedirs(out, exist_ok=True)
    for index, (name, (build, data)) in enumerate(sorted(MODELS.items())):
        rng = np.random.RandomState(100 + index)
        model = build()
        randomize(model, rng)
        x = data(rng).astype("float32")
        model.save(os.path.join(out, f"{name}.h5"), include_optimizer=False)
        np.savez(os.path.join(out, f"{name}.npz"), x=x, y=model.predict(x))
        print(f"wrote {os.path.join(out, name)}.h5/.npz")


if __name__ == "__main__":
    main()
