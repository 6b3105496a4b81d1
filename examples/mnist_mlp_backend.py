"""Train an MLP on MNIST with nothing but the K interface.

A 784-512-512-10 ReLU network trained with SGD + Nesterov momentum on
whichever backend is active (NumPy by default, POLYKERAS_BACKEND=tensorflow
etc.). Shows the backend spine end to end: placeholders, variables,
K.gradients, one compiled training function with updates, a progress bar and
the test accuracy.

    python examples/mnist_mlp_backend.py [--epochs 20]
"""
import argparse

import numpy as np

from polykeras import backend as K
from polykeras.datasets import mnist
from polykeras.utils import Progbar


def dense(n_in, n_out, rng):
    """Glorot-uniform kernel and zero bias."""
    limit = np.sqrt(6. / (n_in + n_out))
    return K.variable(rng.uniform(-limit, limit, (n_in, n_out))), K.variable(np.zeros(n_out))


def build(rng, lr=0.05, momentum=0.9, dropout=0.2):
    x = K.placeholder(shape=(None, 784), name="pixels")
    y = K.placeholder(shape=(None, 10), name="labels")
    params = [*dense(784, 512, rng), *dense(512, 512, rng), *dense(512, 10, rng)]
    h = x
    for kernel, bias in (params[0:2], params[2:4]):
        h = K.relu(K.dot(h, kernel) + bias)
        h = K.in_train_phase(lambda h=h: K.dropout(h, dropout), h)
    probs = K.softmax(K.dot(h, params[4]) + params[5])
    loss = K.mean(K.categorical_crossentropy(y, probs))
    accuracy = K.mean(K.cast(K.equal(K.argmax(probs, -1), K.argmax(y, -1)), "float32"))
    updates = []
    for param, grad in zip(params, K.gradients(loss, params)):
        velocity = K.zeros(K.int_shape(param))
        new_velocity = momentum * velocity - lr * grad
        updates += [K.update(velocity, new_velocity),
                    K.update(param, param + momentum * new_velocity - lr * grad)]
    train = K.function([x, y, K.learning_phase()], [loss, accuracy], updates=updates)
    test = K.function([x, y], [loss, accuracy])
    return train, test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.
    y_train = np.eye(10, dtype="float32")[y_train]
    y_test = np.eye(10, dtype="float32")[y_test]
    print(f"backend: {K.backend()}; {len(x_train)} train samples, {len(x_test)} test samples")

    rng = np.random.default_rng(0)
    train, test = build(rng)
    for epoch in range(args.epochs):
        print(f"Epoch {epoch + 1}/{args.epochs}")
        bar = Progbar(len(x_train))
        order = rng.permutation(len(x_train))
        for start in range(0, len(x_train), args.batch_size):
            batch = order[start:start + args.batch_size]
            loss, acc = train([x_train[batch], y_train[batch], 1])
            bar.update(min(start + args.batch_size, len(x_train)),
                       [("loss", float(loss)), ("acc", float(acc))])
    test_loss, test_acc = test([x_test, y_test])
    print(f"Test loss: {test_loss:.4f}")
    print(f"Test accuracy: {test_acc:.4f}")


if __name__ == "__main__":
    main()
