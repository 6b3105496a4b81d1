"""Normalization layers: BatchNormalization."""

__all__ = []
