"""Noise layers, active only in training: GaussianNoise, GaussianDropout, AlphaDropout."""

__all__ = []
