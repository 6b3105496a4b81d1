"""Entry-point module of the TensorFlow backend (kept light: no tensorflow import)."""
from polykeras import hookimpl


@hookimpl
def polykeras_register_backend(register):
    register("tensorflow", "polykeras_tensorflow.backend:TensorflowBackend",
             requires=("tensorflow",), install="pip install 'polykeras[tensorflow]'")
