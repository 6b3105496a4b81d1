"""K functions: random."""

__all__ = []
