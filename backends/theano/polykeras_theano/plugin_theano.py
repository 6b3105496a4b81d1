"""Entry-point module of the Theano backend (kept light: no theano import)."""
from polykeras import hookimpl


@hookimpl
def polykeras_register_backend(register):
    register("theano", "polykeras_theano.backend:TheanoBackend",
             requires=("theano",), install="pip install 'polykeras[theano]'")
