"""NumPy backend: math ops and their gradient rules."""


class MathOps:
    """The math primitives."""
