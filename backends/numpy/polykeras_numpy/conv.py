"""NumPy backend: conv ops and their gradient rules."""


class ConvOps:
    """The conv primitives."""
