"""K functions: control."""

__all__ = []
