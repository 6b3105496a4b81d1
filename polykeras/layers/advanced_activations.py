"""Advanced activation layers: LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU."""

__all__ = []
