"""NumPy backend: manipulation ops and their gradient rules."""


class ManipulationOps:
    """The manipulation primitives."""
