"""Train a simple MLP on MNIST: the classic Keras 2 example, unchanged but the import.

Dense(512)-Dropout-Dense(512)-Dropout-Dense(10) with RMSprop. Gets to about
98% test accuracy after 20 epochs on every backend (select one with
POLYKERAS_BACKEND=numpy|tensorflow|theano|pytensor).

    python examples/mnist_mlp.py [--epochs 20]
"""
import argparse

import polykeras as keras
from polykeras.datasets import mnist
from polykeras.layers import Dense, Dropout
from polykeras.models import Sequential
from polykeras.optimizers import RMSprop


def main(epochs=20, batch_size=128, num_classes=10):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    x_test = x_test.reshape(10000, 784).astype("float32") / 255
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation="softmax"))
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=1,
              validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return score


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    main(epochs=parser.parse_args().epochs)
