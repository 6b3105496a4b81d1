"""K functions: ctc."""

__all__ = []
