"""Entry-point module of the NumPy backend (kept light: no backend import)."""
from polykeras import hookimpl


@hookimpl
def polykeras_register_backend(register):
    register("numpy", "polykeras_numpy.backend:NumpyBackend", requires=("numpy",),
             install="pip install numpy")
