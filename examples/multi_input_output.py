"""The multi-input, multi-output model of the Keras 2 functional guide.

Headlines (100 word indices) go through Embedding + LSTM; an auxiliary loss
on the LSTM output helps train it; the LSTM output is concatenated with
auxiliary inputs (5 features) and goes through three Dense(64) layers to the
main output. The losses are weighted 1.0 (main) and 0.2 (auxiliary), given
either as lists in output order or as dicts keyed by output name.

    python examples/multi_input_output.py [--samples 1000] [--epochs 5]
"""
import argparse

import numpy as np

from polykeras.layers import LSTM, Dense, Embedding, Input, concatenate
from polykeras.models import Model


def build(vocabulary=10000, headline_length=100):
    """The uncompiled two-input, two-output model."""
    main_input = Input(shape=(headline_length,), dtype="int32", name="main_input")
    x = Embedding(output_dim=512, input_dim=vocabulary, input_length=headline_length)(main_input)
    lstm_out = LSTM(32)(x)
    auxiliary_output = Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    auxiliary_input = Input(shape=(5,), name="aux_input")
    x = concatenate([lstm_out, auxiliary_input])
    x = Dense(64, activation="relu")(x)
    x = Dense(64, activation="relu")(x)
    x = Dense(64, activation="relu")(x)
    main_output = Dense(1, activation="sigmoid", name="main_output")(x)
    return Model(inputs=[main_input, auxiliary_input], outputs=[main_output, auxiliary_output])


def data(samples, vocabulary=10000, headline_length=100, seed=0):
    """Random headlines, auxiliary features and binary labels."""
    rng = np.random.RandomState(seed)
    headlines = rng.randint(1, vocabulary, size=(samples, headline_length))
    additional = rng.random_sample((samples, 5)).astype("float32")
    labels = rng.randint(2, size=(samples, 1)).astype("float32")
    return headlines, additional, labels


def main(samples=1000, epochs=5, batch_size=32, as_dicts=False, vocabulary=10000,
         headline_length=100):
    """Trains with list- or dict-form arguments; returns (model, history)."""
    model = build(vocabulary, headline_length)
    headlines, additional, labels = data(samples, vocabulary, headline_length)
    if as_dicts:
        model.compile(optimizer="rmsprop",
                      loss={"main_output": "binary_crossentropy",
                            "aux_output": "binary_crossentropy"},
                      loss_weights={"main_output": 1., "aux_output": 0.2})
        history = model.fit({"main_input": headlines, "aux_input": additional},
                            {"main_output": labels, "aux_output": labels},
                            epochs=epochs, batch_size=batch_size, verbose=0)
    else:
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", loss_weights=[1., 0.2])
        history = model.fit([headlines, additional], [labels, labels],
                            epochs=epochs, batch_size=batch_size, verbose=0)
    return model, history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    for as_dicts in (False, True):
        model, history = main(args.samples, args.epochs, as_dicts=as_dicts)
        losses = {key: f"{values[0]:.4f} -> {values[-1]:.4f}"
                  for key, values in history.history.items()}
        print("dict form" if as_dicts else "list form", losses)
