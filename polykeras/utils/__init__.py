"""Utilities: progress bars and array helpers."""
from polykeras.utils.generic_utils import Progbar

__all__ = ["Progbar"]
