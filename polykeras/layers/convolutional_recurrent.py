"""Convolutional recurrent layers: ConvLSTM2D."""

__all__ = []
