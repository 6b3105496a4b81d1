"""The configuration file and backend selection by environment."""
import json

import pytest

from polykeras.backend import config, selection
import polykeras.backend as K


def test_first_use_writes_the_defaults(fresh_home):
    assert not (fresh_home / "polykeras.json").exists()
    assert K.floatx() == "float32"
    written = json.loads((fresh_home / "polykeras.json").read_text())
    assert written == config.DEFAULTS


def test_values_from_the_file_are_used(fresh_home):
    fresh_home.mkdir()
    (fresh_home / "polykeras.json").write_text(json.dumps(
        {"floatx": "float64", "epsilon": 1e-5, "image_data_format": "channels_first"}))
    assert K.floatx() == "float64"
    assert K.epsilon() == 1e-5
    assert K.image_data_format() == "channels_first"
    assert K.backend() == "numpy"


def test_malformed_json_names_the_file_and_the_fix(fresh_home):
    fresh_home.mkdir()
    path = fresh_home / "polykeras.json"
    path.write_text("{not json")
    with pytest.raises(config.ConfigError) as err:
        K.floatx()
    assert str(path) in str(err.value)
    assert "delete it" in str(err.value)


@pytest.mark.parametrize("field, value, expected", [
    ("floatx", "float8", "floatx"),
    ("epsilon", -1, "epsilon"),
    ("epsilon", "small", "epsilon"),
    ("image_data_format", "nhwc", "channels_last"),
    ("backend", 3, "backend"),
    ("gpu_memory_fraction", 1.5, "gpu_memory_fraction"),
    ("gpu_memory_growth", "yes", "gpu_memory_growth"),
])
def test_bad_field_values_are_rejected_with_the_received_value(fresh_home, field, value, expected):
    fresh_home.mkdir()
    (fresh_home / "polykeras.json").write_text(json.dumps({field: value}))
    with pytest.raises(config.ConfigError) as err:
        selection.settings()
    assert expected in str(err.value) and repr(value) in str(err.value)


def test_a_json_array_is_not_a_config(fresh_home):
    fresh_home.mkdir()
    (fresh_home / "polykeras.json").write_text("[1, 2]")
    with pytest.raises(config.ConfigError, match="JSON object"):
        selection.settings()


def test_environment_overrides_the_file_in_order(fresh_home, monkeypatch):
    fresh_home.mkdir()
    (fresh_home / "polykeras.json").write_text(json.dumps({"backend": "from-file"}))
    settings = selection.settings()
    assert config.requested_backend(settings)[0] == "from-file"
    monkeypatch.setenv("KERAS_BACKEND", "from-keras-var")
    assert config.requested_backend(settings) == ("from-keras-var", "KERAS_BACKEND")
    monkeypatch.setenv("POLYKERAS_BACKEND", "from-polykeras-var")
    assert config.requested_backend(settings) == ("from-polykeras-var", "POLYKERAS_BACKEND")


def test_setters_validate(fresh_home):
    K.set_floatx("float16")
    assert K.floatx() == "float16"
    assert K.cast_to_floatx([1, 2]).dtype == "float16"
    with pytest.raises(ValueError, match="Received: 'float8'"):
        K.set_floatx("float8")
    K.set_image_data_format("channels_first")
    assert K.image_data_format() == "channels_first"
    with pytest.raises(ValueError, match="channels_last"):
        K.set_image_data_format("NCHW")
    K.set_epsilon(1e-4)
    assert K.epsilon() == 1e-4


def test_unknown_backend_lists_the_installed_ones(fresh_home, monkeypatch):
    monkeypatch.setenv("POLYKERAS_BACKEND", "mxnet")
    with pytest.raises(K.BackendNotFound) as err:
        K.backend()
    message = str(err.value)
    assert "'mxnet'" in message and "POLYKERAS_BACKEND" in message
    assert "numpy" in message
