"""K functions: manipulation."""

__all__ = []
