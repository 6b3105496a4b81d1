"""Layer cases: BatchNormalization.

In training the layer normalizes with the batch's statistics (deterministic,
compared with the reference too); at inference with the moving statistics,
which the harness sets (``moving_variance`` is drawn positive).
"""
from layer_cases import LayerCase

_POSITIVE = ("variance", "gamma")

CASES = [
    LayerCase("BatchNormalization/axis_last", "BatchNormalization", dict(axis=-1),
              input_shapes=[(2, 4, 3)], training_differs=True, gradients=True,
              positive_weights=_POSITIVE),
    LayerCase("BatchNormalization/channels_first", "BatchNormalization",
              dict(axis=1, momentum=0.9, epsilon=0.01),
              input_shapes=[(2, 3, 2, 2)], training_differs=True, gradients=True,
              positive_weights=_POSITIVE),
    LayerCase("BatchNormalization/no_center_no_scale", "BatchNormalization",
              dict(axis=-1, center=False, scale=False),
              input_shapes=[(3, 4)], training_differs=True),
    LayerCase("BatchNormalization/masked", "BatchNormalization", dict(axis=-1),
              input_shapes=[(2, 4, 3)], training_differs=True, mask=True,
              positive_weights=_POSITIVE),
]
