"""Standard datasets, loaded from a local folder, the cache or their canonical URL.

See :mod:`polykeras.datasets._fetch` for where files are looked for and how
they are verified.
"""
from polykeras.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from polykeras.datasets._fetch import DatasetError

__all__ = ["DatasetError", "boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb",
           "mnist", "reuters"]
