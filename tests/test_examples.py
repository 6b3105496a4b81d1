"""The Keras 2 guide examples in examples/ run on the active backend (small sizes)."""
import importlib.util
import os

import numpy as np
import pytest

from polykeras import backend as K

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mlps_fit_their_random_training_set():
    example = load_example("mlp_random_data")
    np.random.seed(1)
    history, (loss, acc) = example.multiclass(samples=64, epochs=40, batch_size=8)
    losses = history.history["loss"]
    assert len(losses) == 40 and np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0
    # RMSprop's small steps memorise random binary labels slowly: after 40
    # epochs the loss had dropped by 0.04-0.12 (dropout noise is ~0.03),
    # after 70 by 0.10-0.17 (12 seeds on TensorFlow).
    history, (loss, acc) = example.binary(samples=64, epochs=70, batch_size=8)
    losses = history.history["loss"]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.05
    assert set(history.history) == {"loss", "accuracy"}


def test_vgg_like_convnet_shapes_and_parameters():
    example = load_example("vgg_like_convnet")
    model, history, test_loss = example.main(samples=8, size=16, epochs=1, batch_size=4)
    conv = lambda k, c_in, c_out: k * k * c_in * c_out + c_out  # noqa: E731
    # 16 -> conv 14 -> conv 12 -> pool 6 -> conv 4 -> conv 2 -> pool 1: 64 features.
    expected = (conv(3, 3, 32) + conv(3, 32, 32) + conv(3, 32, 64) + conv(3, 64, 64)
                + 64 * 256 + 256 + 256 * 10 + 10)
    assert model.count_params() == expected
    assert model.output_shape == (None, 10)
    assert np.isfinite(test_loss) and np.isfinite(history.history["loss"][0])


def test_stacked_lstm_and_its_stateful_variant():
    example = load_example("stacked_lstm")
    model, history = example.stacked(samples=32, epochs=1, batch_size=16)
    assert model.output_shape == (None, example.NUM_CLASSES)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}

    model, history = example.stateful(batches=2, epochs=1, batch_size=4)
    assert model.layers[0].batch_input_shape == (4, example.TIMESTEPS, example.DATA_DIM)
    x = np.random.RandomState(0).random_sample((4, example.TIMESTEPS, example.DATA_DIM))
    model.reset_states()
    first = model.predict(x.astype("float32"), batch_size=4)
    second = model.predict(x.astype("float32"), batch_size=4)
    assert not np.allclose(first, second), "state should carry over between calls"
    model.reset_states()
    np.testing.assert_allclose(model.predict(x.astype("float32"), batch_size=4), first,
                               rtol=1e-5, atol=1e-6)


def test_multi_input_output_list_and_dict_forms_agree():
    example = load_example("multi_input_output")
    runs = []
    for as_dicts in (False, True):
        np.random.seed(3)
        runs.append(example.main(samples=16, epochs=2, batch_size=8, as_dicts=as_dicts,
                                 vocabulary=50, headline_length=6))
    (model, by_list), (_, by_dict) = runs
    assert model.output_names == ["main_output", "aux_output"]
    for key in ("loss", "main_output_loss", "aux_output_loss"):
        np.testing.assert_allclose(by_list.history[key], by_dict.history[key], rtol=1e-5)
    # The total is the weighted sum of the per-output losses (weights 1.0 and 0.2).
    np.testing.assert_allclose(
        by_list.history["loss"],
        np.add(by_list.history["main_output_loss"],
               0.2 * np.asarray(by_list.history["aux_output_loss"])), rtol=1e-5)


def test_shared_lstm_encodes_both_tweets_with_one_set_of_weights():
    example = load_example("shared_lstm")
    model, shared_lstm, history = example.main(samples=8, epochs=1, length=5, alphabet=7,
                                               batch_size=4)
    lstms = [layer for layer in model.layers if layer is shared_lstm]
    assert len(lstms) == 1
    assert model.count_params() == shared_lstm.count_params() + (2 * 64 + 1)
    assert shared_lstm.get_output_shape_at(0) == shared_lstm.get_output_shape_at(1) == (None, 64)
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        shared_lstm.output
    # The same weights encode both inputs: equal tweets give equal encodings.
    encoder = K.function(model.inputs, [shared_lstm.get_output_at(0),
                                        shared_lstm.get_output_at(1)])
    tweet = example.one_hot_tweets(np.random.RandomState(0), 2, 5, 7)
    encoded_a, encoded_b = encoder([tweet, tweet])
    np.testing.assert_allclose(encoded_a, encoded_b, rtol=1e-6)
