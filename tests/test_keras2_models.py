"""The Keras 2 functional-guide architectures: build, summary shapes and counts, one training step.

Small input sizes keep them fast; every other number (filters, structure,
weight sharing) is the guide's design scaled down.
"""
import numpy as np

from polykeras.layers import (LSTM, Conv2D, Dense, Embedding, Flatten, Input, MaxPooling2D,
                              TimeDistributed, add, concatenate)
from polykeras.models import Model, Sequential


def conv_params(kernel, c_in, c_out):
    return kernel[0] * kernel[1] * c_in * c_out + c_out


def lstm_params(input_dim, units):
    return 4 * (input_dim * units + units * units + units)


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def train_one_step(model, inputs, targets):
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(inputs, targets)
    assert np.all(np.isfinite(loss))
    changed = [not np.array_equal(b, a) for b, a in zip(before, model.get_weights())]
    assert all(changed), "every weight of these models gets a gradient"


def test_inception_module():
    x = Input(shape=(8, 8, 3))
    tower_1 = Conv2D(4, (1, 1), padding="same", activation="relu")(x)
    tower_1 = Conv2D(4, (3, 3), padding="same", activation="relu")(tower_1)
    tower_2 = Conv2D(4, (1, 1), padding="same", activation="relu")(x)
    tower_2 = Conv2D(4, (5, 5), padding="same", activation="relu")(tower_2)
    tower_3 = MaxPooling2D((3, 3), strides=(1, 1), padding="same")(x)
    tower_3 = Conv2D(4, (1, 1), padding="same", activation="relu")(tower_3)
    output = concatenate([tower_1, tower_2, tower_3], axis=3)
    model = Model(x, output)
    expected = (2 * conv_params((1, 1), 3, 4) + conv_params((3, 3), 4, 4)
                + conv_params((5, 5), 4, 4) + conv_params((1, 1), 3, 4))
    assert model.output_shape == (None, 8, 8, 12)
    text = summary_text(model)
    assert f"Total params: {expected:,}" in text and "(None, 8, 8, 12)" in text
    model.compile("sgd", "mse")
    rng = np.random.RandomState(0)
    train_one_step(model, rng.rand(2, 8, 8, 3).astype("float32"),
                   rng.rand(2, 8, 8, 12).astype("float32"))


def test_residual_connection_on_a_conv_layer():
    x = Input(shape=(6, 6, 3))
    y = Conv2D(3, (3, 3), padding="same")(x)
    z = add([x, y])
    model = Model(x, z)
    assert model.output_shape == (None, 6, 6, 3)
    assert model.count_params() == conv_params((3, 3), 3, 3)
    data = np.random.RandomState(1).rand(2, 6, 6, 3).astype("float32")
    conv_only = Model(x, y).predict(data)
    np.testing.assert_allclose(model.predict(data), data + conv_only, rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    train_one_step(model, data, np.zeros_like(data))


def _vision_model(size=8):
    vision = Sequential()
    vision.add(Conv2D(4, (3, 3), activation="relu", padding="same", input_shape=(size, size, 3)))
    vision.add(Conv2D(4, (3, 3), activation="relu"))
    vision.add(MaxPooling2D((2, 2)))
    vision.add(Flatten())
    return vision


def test_visual_question_answering_model():
    vision_model = _vision_model()
    image_input = Input(shape=(8, 8, 3))
    encoded_image = vision_model(image_input)
    question_input = Input(shape=(5,), dtype="int32")
    embedded_question = Embedding(input_dim=50, output_dim=6, input_length=5)(question_input)
    encoded_question = LSTM(7)(embedded_question)
    merged = concatenate([encoded_question, encoded_image])
    output = Dense(10, activation="softmax")(merged)
    vqa_model = Model(inputs=[image_input, question_input], outputs=output)

    vision_params = conv_params((3, 3), 3, 4) + conv_params((3, 3), 4, 4)
    image_features = 3 * 3 * 4  # 8 -> same 8 -> valid 6 -> pool 3
    expected = (vision_params + 50 * 6 + lstm_params(6, 7)
                + (7 + image_features) * 10 + 10)
    assert vision_model.output_shape == (None, image_features)
    assert vqa_model.count_params() == expected
    text = summary_text(vqa_model)
    assert f"Total params: {expected:,}" in text and "(None, 10)" in text
    vqa_model.compile("rmsprop", "categorical_crossentropy")
    rng = np.random.RandomState(2)
    train_one_step(vqa_model, [rng.rand(2, 8, 8, 3).astype("float32"),
                               rng.randint(50, size=(2, 5))],
                   np.eye(10, dtype="float32")[[1, 7]])


def test_video_classifier_reuses_the_image_model_over_time():
    vision_model = _vision_model()
    video_input = Input(shape=(3, 8, 8, 3))
    encoded_frame_sequence = TimeDistributed(vision_model)(video_input)
    encoded_video = LSTM(5)(encoded_frame_sequence)
    output = Dense(4, activation="softmax")(encoded_video)
    video_model = Model(inputs=video_input, outputs=output)

    image_features = vision_model.output_shape[-1]
    assert video_model.layers[1].output_shape == (None, 3, image_features)
    expected = (vision_model.count_params() + lstm_params(image_features, 5) + 5 * 4 + 4)
    assert video_model.count_params() == expected
    assert f"Total params: {expected:,}" in summary_text(video_model)
    # The frames go through the image model's own weights.
    rng = np.random.RandomState(3)
    frames = rng.rand(2, 3, 8, 8, 3).astype("float32")
    per_frame = vision_model.predict(frames.reshape(6, 8, 8, 3)).reshape(2, 3, -1)
    encoder = Model(video_input, encoded_frame_sequence)
    np.testing.assert_allclose(encoder.predict(frames), per_frame, rtol=1e-5, atol=1e-6)
    video_model.compile("rmsprop", "categorical_crossentropy")
    train_one_step(video_model, frames, np.eye(4, dtype="float32")[[0, 3]])


def test_vision_model_is_shared_not_copied():
    vision_model = _vision_model()
    a, b = Input(shape=(8, 8, 3)), Input(shape=(8, 8, 3))
    model = Model([a, b], concatenate([vision_model(a), vision_model(b)]))
    assert model.count_params() == vision_model.count_params()
