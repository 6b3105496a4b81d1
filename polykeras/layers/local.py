"""Locally connected layers: LocallyConnected1D, LocallyConnected2D."""

__all__ = []
