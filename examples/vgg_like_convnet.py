"""The VGG-like convnet of the Keras 2 Sequential guide, on random images.

Two Conv2D(32)-pairs-then-Conv2D(64)-pairs blocks with max pooling and
dropout, then Dense(256)-Dropout-Dense(10) softmax, trained with SGD +
Nesterov momentum on random 100x100 RGB images (channels_last).

    python examples/vgg_like_convnet.py [--samples 100] [--size 100] [--epochs 10]
"""
import argparse

import numpy as np

import polykeras as keras
from polykeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from polykeras.models import Sequential
from polykeras.optimizers import SGD


def build(size=100):
    """The convnet for ``size x size x 3`` inputs, compiled."""
    model = Sequential()
    model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(size, size, 3)))
    model.add(Conv2D(32, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(256, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy",
                  optimizer=SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True))
    return model


def main(samples=100, size=100, epochs=10, batch_size=32, seed=0):
    """Trains on random data; returns (model, history, test loss)."""
    rng = np.random.RandomState(seed)
    x_train = rng.random_sample((samples, size, size, 3)).astype("float32")
    y_train = keras.utils.to_categorical(rng.randint(10, size=(samples, 1)), num_classes=10)
    x_test = rng.random_sample((samples // 5, size, size, 3)).astype("float32")
    y_test = keras.utils.to_categorical(rng.randint(10, size=(samples // 5, 1)), num_classes=10)
    model = build(size)
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0)
    return model, history, model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    model, history, score = main(args.samples, args.size, args.epochs)
    model.summary()
    print(f"train loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}; "
          f"test loss {score:.4f}")
