"""Shared layers, from the Keras 2 functional guide: are two tweets by the same person?

Each tweet is a (280, 256) sequence of one-hot characters; one LSTM(64)
instance encodes both (its weights are shared), the two encodings are
concatenated and a Dense sigmoid gives the probability.

    python examples/shared_lstm.py [--samples 256] [--epochs 3]
"""
import argparse

import numpy as np

from polykeras.layers import LSTM, Dense, Input, concatenate
from polykeras.models import Model


def build(length=280, alphabet=256):
    """The compiled model and its shared LSTM layer."""
    tweet_a = Input(shape=(length, alphabet))
    tweet_b = Input(shape=(length, alphabet))
    shared_lstm = LSTM(64)
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged_vector = concatenate([encoded_a, encoded_b], axis=-1)
    predictions = Dense(1, activation="sigmoid")(merged_vector)
    model = Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model, shared_lstm


def one_hot_tweets(rng, samples, length, alphabet):
    """Random character sequences, one-hot encoded."""
    chars = rng.randint(alphabet, size=(samples, length))
    return np.eye(alphabet, dtype="float32")[chars]


def main(samples=256, epochs=3, length=280, alphabet=256, batch_size=32, seed=0):
    """Trains on random tweets; returns (model, shared_lstm, history)."""
    rng = np.random.RandomState(seed)
    data_a = one_hot_tweets(rng, samples, length, alphabet)
    data_b = one_hot_tweets(rng, samples, length, alphabet)
    labels = rng.randint(2, size=(samples, 1)).astype("float32")
    model, shared_lstm = build(length, alphabet)
    history = model.fit([data_a, data_b], labels, epochs=epochs, batch_size=batch_size,
                        verbose=0)
    return model, shared_lstm, history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    model, shared_lstm, history = main(args.samples, args.epochs)
    print(f"loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}; "
          f"one LSTM with {shared_lstm.count_params()} parameters encodes both tweets: "
          f"{shared_lstm.get_output_at(0)} and {shared_lstm.get_output_at(1)}")
