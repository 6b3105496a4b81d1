"""K functions: conv."""

__all__ = []
