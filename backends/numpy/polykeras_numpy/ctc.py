"""NumPy backend: ctc ops and their gradient rules."""


class CtcOps:
    """The ctc primitives."""
