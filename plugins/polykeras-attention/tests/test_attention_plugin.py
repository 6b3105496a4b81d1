"""The installed plugin: discovery, `polykeras info`, names that load, training, saving."""
import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras import cli, plugins
from polykeras_attention import Attention, BinaryFocalLoss, GroupNormalization, LayerNormalization


def _model():
    tokens = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(20, 4)(tokens)
    x = Attention(use_scale=True, causal=True)([x, x])
    x = LayerNormalization()(x)
    x = GroupNormalization(groups=2)(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(tokens, keras.layers.Dense(1, activation="sigmoid")(x))


def _data():
    rng = np.random.RandomState(0)
    tokens = rng.randint(1, 20, size=(16, 5))
    tokens[::3, 3:] = 0
    return tokens, (tokens[:, 0] > 10).astype("float32")[:, None]


def test_the_entry_point_is_found_with_its_distribution():
    plugins.manager.load()
    info = plugins.manager.plugins["attention"]
    assert (info.status, info.distribution, info.group) == \
        ("loaded", "polykeras-attention", "polykeras.plugins")
    assert plugins.manager.registry("layers")["Attention"] is Attention
    assert plugins.manager.registry("metrics")["binary_f1"].__module__ == \
        "polykeras_attention.objectives"
    text = "\n".join(cli.info_lines())
    assert "attention (polykeras.plugins): polykeras-attention 0.1.0 — loaded" in text
    assert "layers: Attention, GroupNormalization, LayerNormalization" in text
    assert "losses: BinaryFocalLoss, binary_focal_loss" in text


def test_json_round_trip_needs_no_custom_objects():
    model = _model()
    clone = keras.models.model_from_json(model.to_json())
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    attention = clone.layers[2]
    assert (attention.use_scale, attention.causal) == (True, True)
    assert clone.layers[4].groups == 2
    clone.set_weights(model.get_weights())
    tokens, _ = _data()
    np.testing.assert_allclose(clone.predict(tokens), model.predict(tokens), rtol=1e-5)


def test_focal_loss_and_f1_match_numpy():
    rng = np.random.RandomState(1)
    y = (rng.rand(6, 3) > 0.5).astype("float32")
    p = rng.rand(6, 3).astype("float32")
    loss = BinaryFocalLoss(gamma=2.0, alpha=0.25)
    p_t = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, 0.25, 0.75)
    expected = (-alpha_t * (1 - p_t) ** 2 * np.log(p_t)).mean(axis=-1)
    np.testing.assert_allclose(K.eval(loss(K.constant(y), K.constant(p))), expected, rtol=1e-5)
    f1 = keras.metrics.get("binary_f1")
    predicted = p > 0.5
    tp = (predicted & (y == 1)).sum()
    precision, recall = tp / predicted.sum(), tp / y.sum()
    np.testing.assert_allclose(K.eval(f1(K.constant(y), K.constant(p))),
                               2 * precision * recall / (precision + recall), rtol=1e-5)
    with pytest.raises(ValueError, match=r"Received: alpha=2"):
        BinaryFocalLoss(alpha=2)


def test_loss_and_metric_by_name_train_and_serialize():
    model = _model()
    model.compile(keras.optimizers.Adam(lr=0.05), loss="binary_focal_loss",
                  metrics=["binary_f1"])
    tokens, labels = _data()
    history = model.fit(tokens, labels, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.metrics_names == ["loss", "binary_f1"]
    config = keras.losses.serialize(BinaryFocalLoss(gamma=1.5))
    assert config == {"class_name": "BinaryFocalLoss", "config": {"gamma": 1.5, "alpha": 0.25}}
    assert keras.losses.deserialize(config).gamma == 1.5


def test_hdf5_round_trip_needs_no_custom_objects(tmp_path):
    model = _model()
    model.compile("sgd", loss=BinaryFocalLoss(gamma=1.0), metrics=["binary_f1"])
    tokens, _ = _data()
    path = str(tmp_path / "attention.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[2], Attention)
    np.testing.assert_allclose(loaded.predict(tokens), model.predict(tokens), rtol=1e-5)
    assert loaded.loss_functions[0].gamma == 1.0
    assert loaded.metrics_names == ["loss", "binary_f1"]


def test_disabling_the_plugin_makes_its_names_unknown(monkeypatch):
    text = _model().to_json()
    monkeypatch.setenv("POLYKERAS_DISABLE_PLUGINS", "attention")
    monkeypatch.setattr(plugins, "manager", plugins.PluginManager())
    with pytest.raises(ValueError, match=r"Unknown layer: 'Attention'"):
        keras.models.model_from_json(text)
    assert plugins.manager.plugins["attention"].status == "disabled"
