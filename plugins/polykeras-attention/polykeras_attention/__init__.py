"""polykeras-attention: a polykeras plugin built as any third party would build one.

Layers ``Attention`` (scaled dot-product), ``LayerNormalization`` and
``GroupNormalization``, the loss ``BinaryFocalLoss`` (also registered as
``"binary_focal_loss"`` with its defaults) and the metric ``binary_f1``. Once
the package is installed, polykeras finds them through the ``attention``
entry point of the ``polykeras.plugins`` group: they load by name without
``custom_objects`` and are listed by ``polykeras info``.

Example:
    >>> from polykeras_attention import Attention
    >>> model.compile("adam", loss="binary_focal_loss", metrics=["binary_f1"])
"""
from polykeras_attention.attention import Attention
from polykeras_attention.normalization import GroupNormalization, LayerNormalization
from polykeras_attention.objectives import BinaryFocalLoss, binary_f1

__version__ = "0.1.0"
__all__ = ["Attention", "BinaryFocalLoss", "GroupNormalization", "LayerNormalization",
           "binary_f1"]
