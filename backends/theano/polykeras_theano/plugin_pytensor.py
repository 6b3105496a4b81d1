"""Entry-point module of the PyTensor backend (kept light: no pytensor import)."""
from polykeras import hookimpl


@hookimpl
def polykeras_register_backend(register):
    register("pytensor", "polykeras_theano.backend:PytensorBackend",
             requires=("pytensor",), install="pip install 'polykeras[pytensor]'")
