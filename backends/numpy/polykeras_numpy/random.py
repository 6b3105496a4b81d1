"""NumPy backend: random ops and their gradient rules."""


class RandomOps:
    """The random primitives."""
