"""K functions: nn."""

__all__ = []
