"""Stacked LSTMs for sequence classification, from the Keras 2 Sequential guide.

Three LSTM(32) layers (the first two return full sequences) and a Dense(10)
softmax over sequences of 8 steps of 16 features; then the same model made
stateful: fixed ``batch_input_shape``, ``stateful=True``, ``shuffle=False``,
so the state after batch i is the initial state of batch i of the next call.

    python examples/stacked_lstm.py [--samples 1000] [--epochs 5]
"""
import argparse

import numpy as np

from polykeras.layers import LSTM, Dense
from polykeras.models import Sequential

DATA_DIM, TIMESTEPS, NUM_CLASSES = 16, 8, 10


def _data(rng, samples):
    x = rng.random_sample((samples, TIMESTEPS, DATA_DIM)).astype("float32")
    y = np.eye(NUM_CLASSES, dtype="float32")[rng.randint(NUM_CLASSES, size=samples)]
    return x, y


def stacked(samples=1000, epochs=5, batch_size=64, seed=0):
    """The stateless stack; returns (model, history)."""
    rng = np.random.RandomState(seed)
    x_train, y_train = _data(rng, samples)
    x_val, y_val = _data(rng, samples // 10)
    model = Sequential()
    model.add(LSTM(32, return_sequences=True, input_shape=(TIMESTEPS, DATA_DIM)))
    model.add(LSTM(32, return_sequences=True))
    model.add(LSTM(32))
    model.add(Dense(NUM_CLASSES, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                        validation_data=(x_val, y_val))
    return model, history


def stateful(batches=10, epochs=5, batch_size=32, seed=0):
    """The stateful stack; returns (model, history).

    The number of samples must be a multiple of ``batch_size``: each batch
    continues the sequences of the previous one.
    """
    rng = np.random.RandomState(seed)
    x_train, y_train = _data(rng, batch_size * batches)
    x_val, y_val = _data(rng, batch_size * 3)
    model = Sequential()
    model.add(LSTM(32, return_sequences=True, stateful=True,
                   batch_input_shape=(batch_size, TIMESTEPS, DATA_DIM)))
    model.add(LSTM(32, return_sequences=True, stateful=True))
    model.add(LSTM(32, stateful=True))
    model.add(Dense(NUM_CLASSES, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=False,
                        verbose=0, validation_data=(x_val, y_val))
    return model, history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    for name, (model, history) in (("stacked", stacked(args.samples, args.epochs)),
                                   ("stateful", stateful(args.samples // 32, args.epochs))):
        print(f"{name}: loss {history.history['loss'][0]:.4f} -> "
              f"{history.history['loss'][-1]:.4f}")
