"""Configuration: ``$POLYKERAS_HOME/polykeras.json`` and environment variables.

The file (default ``~/.polykeras/polykeras.json``) holds ``backend``,
``floatx``, ``epsilon`` and ``image_data_format``. It is written with the
defaults on first use and validated on every read. Two optional keys tune
GPU memory for backends that use one: ``gpu_memory_growth`` (bool) and
``gpu_memory_fraction`` (a number in (0, 1], the share of each GPU's memory
the process may take). ``POLYKERAS_BACKEND``,
then ``KERAS_BACKEND``, override its ``backend`` field.
"""
import json
import os

DEFAULTS = {
    "backend": "numpy",
    "floatx": "float32",
    "epsilon": 1e-7,
    "image_data_format": "channels_last",
}
FLOATX_CHOICES = ("float16", "float32", "float64")
IMAGE_DATA_FORMATS = ("channels_last", "channels_first")


class ConfigError(ValueError):
    """The configuration file or an environment variable holds a bad value."""


def home_dir():
    """The polykeras home folder: ``$POLYKERAS_HOME`` or ``~/.polykeras``."""
    return os.environ.get("POLYKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".polykeras")


def config_path():
    """Path of the configuration file."""
    return os.path.join(home_dir(), "polykeras.json")


def validate_floatx(value, source="floatx"):
    if value not in FLOATX_CHOICES:
        raise ConfigError(f"{source} must be one of {', '.join(FLOATX_CHOICES)}. "
                          f"Received: {value!r}")
    return value


def validate_image_data_format(value, source="image_data_format"):
    if value not in IMAGE_DATA_FORMATS:
        raise ConfigError(
            f"{source} must be 'channels_last' or 'channels_first'. Received: {value!r}")
    return value


def validate_epsilon(value, source="epsilon"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"{source} must be a number in (0, 1). Received: {value!r}")
    return float(value)


def validate_backend(value, source="backend"):
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{source} must be a backend name such as 'numpy'. Received: {value!r}")
    return value


def validate_memory_growth(value, source="gpu_memory_growth"):
    if not isinstance(value, bool):
        raise ConfigError(f"{source} must be true or false. Received: {value!r}")
    return value


def validate_memory_fraction(value, source="gpu_memory_fraction"):
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not 0 < value <= 1):
        raise ConfigError(f"{source} must be null or a number in (0, 1]. Received: {value!r}")
    return value


OPTIONAL = {"gpu_memory_growth": False, "gpu_memory_fraction": None}

VALIDATORS = {
    "gpu_memory_growth": validate_memory_growth,
    "gpu_memory_fraction": validate_memory_fraction,
    "backend": validate_backend,
    "floatx": validate_floatx,
    "epsilon": validate_epsilon,
    "image_data_format": validate_image_data_format,
}


def read_config():
    """Read, validate and return the configuration, writing defaults if absent.

    Returns:
        dict with the four fields. Unknown fields are kept untouched in the
        file and ignored here.

    Raises:
        ConfigError: the file is not valid JSON or a field has a bad value.
    """
    path = config_path()
    if not os.path.exists(path):
        _write_defaults(path)
        return {**DEFAULTS, **OPTIONAL}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"Could not read the polykeras config file {path}: {exc}. "
                          "Fix it or delete it to get the defaults back.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"The polykeras config file {path} must hold a JSON object. "
                          f"Received: {type(data).__name__}")
    config = {**DEFAULTS, **OPTIONAL}
    for key, validate in VALIDATORS.items():
        if key in data:
            config[key] = validate(data[key], source=f"{key!r} in {path}")
    return config


def _write_defaults(path):
    """Write the default configuration; a read-only home is not an error."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(DEFAULTS, f, indent=4)
        os.replace(tmp, path)
    except OSError:
        pass


def requested_backend(config):
    """The backend name asked for: environment first, then the file."""
    for var in ("POLYKERAS_BACKEND", "KERAS_BACKEND"):
        value = os.environ.get(var)
        if value:
            return value, var
    return config["backend"], config_path()
