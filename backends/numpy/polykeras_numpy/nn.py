"""NumPy backend: nn ops and their gradient rules."""


class NNOps:
    """The nn primitives."""
