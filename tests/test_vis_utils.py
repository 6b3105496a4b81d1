"""plot_model / model_to_dot rendered with the real Graphviz, and print_summary."""
import re

import pytest

import polykeras as keras
from polykeras.utils import model_to_dot, plot_model, print_summary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _branching_model():
    a, b = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    inner = keras.Sequential([keras.layers.Dense(3, input_dim=4, name="inner_dense")],
                             name="inner")
    merged = keras.layers.Concatenate(name="joined")([keras.layers.Dense(5, name="d5")(a),
                                                      inner(b)])
    return keras.Model([a, b], keras.layers.Dense(2, name="out")(merged), name="branching")


def test_plot_model_renders_a_png_with_names_and_shapes(tmp_path):
    model = _branching_model()
    target = tmp_path / "model.png"
    plot_model(model, to_file=str(target), show_shapes=True, rankdir="LR", dpi=72)
    data = target.read_bytes()
    assert data[:8] == PNG_MAGIC
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > height > 20   # left to right: wider than tall

    source = model_to_dot(model, show_shapes=True).to_string()
    for text in ("left: InputLayer", "d5: Dense", "inner: Sequential", "joined: Concatenate",
                 "out: Dense", r"\(?, 5\)", r"\(?, 8\)", r"\(?, 2\)"):
        assert text.replace("\\", "") in source.replace("\\", ""), text
    assert len(re.findall(r"->", source)) == 5


def test_layer_names_can_be_hidden_and_nested_models_expanded(tmp_path):
    model = _branching_model()
    plain = model_to_dot(model, show_layer_names=False).to_string()
    assert "d5" not in plain and "Dense" in plain and "InputLayer" in plain
    expanded = model_to_dot(model, expand_nested=True).to_string()
    assert "subgraph cluster_" in expanded and "inner_dense: Dense" in expanded
    target = tmp_path / "nested.svg"
    plot_model(model, to_file=str(target), expand_nested=True)
    assert b"<svg" in target.read_bytes()[:400]


def test_missing_graphviz_and_bad_arguments_are_explained(tmp_path, monkeypatch):
    model = _branching_model()
    with pytest.raises(ValueError, match=r"rankdir 'TB' or 'LR'. Received: rankdir='BT'"):
        model_to_dot(model, rankdir="BT")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"Graphviz program 'dot'.*apt-get install"):
        plot_model(model, to_file=str(tmp_path / "m.png"))


def test_print_summary_is_exposed_in_utils():
    model = keras.Sequential([keras.layers.Dense(3, input_dim=4, name="only")])
    lines = []
    print_summary(model, print_fn=lines.append)
    assert any(line.startswith("only (Dense)") and line.rstrip().endswith("15")
               for line in lines)
    assert "Total params: 15" in "\n".join(lines)
