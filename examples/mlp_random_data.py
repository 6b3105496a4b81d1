"""The two MLPs of the Keras 2 Sequential guide, trained on random data.

A 10-class softmax classifier (Dense 64-Dropout-Dense 64-Dropout-Dense 10,
SGD with Nesterov momentum) and a binary classifier (same body, sigmoid
output, RMSprop). Random inputs and labels: the point is the API, and that
the models fit (memorise) their training set on every backend.

    python examples/mlp_random_data.py [--samples 1000] [--epochs 20]
"""
import argparse

import numpy as np

import polykeras as keras
from polykeras.layers import Dense, Dropout
from polykeras.models import Sequential
from polykeras.optimizers import SGD


def multiclass(samples=1000, epochs=20, batch_size=128, seed=0):
    """Softmax classification over 10 classes; returns (history, test score)."""
    rng = np.random.RandomState(seed)
    x_train = rng.random_sample((samples, 20)).astype("float32")
    y_train = keras.utils.to_categorical(rng.randint(10, size=(samples, 1)), num_classes=10)
    x_test = rng.random_sample((samples // 10, 20)).astype("float32")
    y_test = keras.utils.to_categorical(rng.randint(10, size=(samples // 10, 1)), num_classes=10)

    model = Sequential()
    model.add(Dense(64, activation="relu", input_dim=20))
    model.add(Dropout(0.5))
    model.add(Dense(64, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy",
                  optimizer=SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return history, model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)


def binary(samples=1000, epochs=20, batch_size=128, seed=0):
    """Sigmoid classification; returns (history, test score)."""
    rng = np.random.RandomState(seed)
    x_train = rng.random_sample((samples, 20)).astype("float32")
    y_train = rng.randint(2, size=(samples, 1))
    x_test = rng.random_sample((samples // 10, 20)).astype("float32")
    y_test = rng.randint(2, size=(samples // 10, 1))

    model = Sequential([
        Dense(64, input_dim=20, activation="relu"), Dropout(0.5),
        Dense(64, activation="relu"), Dropout(0.5),
        Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return history, model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    for name, run in (("10-class", multiclass), ("binary", binary)):
        history, (loss, acc) = run(args.samples, args.epochs)
        print(f"{name}: train loss {history.history['loss'][0]:.4f} -> "
              f"{history.history['loss'][-1]:.4f}; test loss {loss:.4f}, accuracy {acc:.4f}")
