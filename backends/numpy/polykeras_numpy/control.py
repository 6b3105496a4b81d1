"""NumPy backend: control ops and their gradient rules."""


class ControlOps:
    """The control primitives."""
