"""Standard datasets, loaded from a local folder, the cache or their canonical URL."""
from polykeras.datasets import mnist

__all__ = ["mnist"]
