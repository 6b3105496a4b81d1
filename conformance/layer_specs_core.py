"""Layer cases: SpatialDropout1D/2D/3D, Permute, RepeatVector, ActivityRegularization, Masking.

(Dense, Activation, Dropout, Flatten, Reshape and Lambda have their cases with
the model-core layers.) The spatial dropouts are the identity at inference
and random in training, so they are checked by shape and by differing from
the inference output in training; there is nothing deterministic to
differentiate.
"""
from layer_cases import LayerCase

_RANDOM = ("random in training, the identity at inference: no finite-difference "
           "gradient to check")

CASES = [
    LayerCase("SpatialDropout1D/default", "SpatialDropout1D", dict(rate=0.5, seed=3),
              input_shapes=[(2, 4, 3)], training_differs=True, note=_RANDOM),
    LayerCase("SpatialDropout1D/masked", "SpatialDropout1D", dict(rate=0.4),
              input_shapes=[(2, 4, 3)], training_differs=True, mask=True, note=_RANDOM),
    LayerCase("SpatialDropout2D/channels_last", "SpatialDropout2D",
              dict(rate=0.5, data_format="channels_last"),
              input_shapes=[(2, 3, 4, 3)], training_differs=True, note=_RANDOM),
    LayerCase("SpatialDropout2D/channels_first", "SpatialDropout2D",
              dict(rate=0.5, data_format="channels_first"),
              input_shapes=[(2, 3, 4, 3)], training_differs=True, note=_RANDOM),
    LayerCase("SpatialDropout3D/channels_last", "SpatialDropout3D",
              dict(rate=0.5, data_format="channels_last"),
              input_shapes=[(2, 2, 3, 2, 3)], training_differs=True, note=_RANDOM),
    LayerCase("SpatialDropout3D/channels_first", "SpatialDropout3D",
              dict(rate=0.5, data_format="channels_first"),
              input_shapes=[(2, 3, 2, 3, 2)], training_differs=True, note=_RANDOM),
    LayerCase("Permute/swap", "Permute", dict(dims=(2, 1)),
              input_shapes=[(2, 3, 4)], gradients=True),
    LayerCase("Permute/rank4", "Permute", dict(dims=(3, 1, 2)),
              input_shapes=[(2, 2, 3, 4)]),
    LayerCase("RepeatVector/n3", "RepeatVector", dict(n=3),
              input_shapes=[(2, 4)], gradients=True),
    LayerCase("ActivityRegularization/l1_l2", "ActivityRegularization", dict(l1=0.01, l2=0.02),
              input_shapes=[(2, 5)], gradients=True),
    LayerCase("ActivityRegularization/masked", "ActivityRegularization", dict(l2=0.1),
              input_shapes=[(2, 4, 3)], mask=True),
    LayerCase("Masking/zero", "Masking", dict(mask_value=0.),
              input_shapes=[(2, 4, 3)], mask=True, gradients=True),
    LayerCase("Masking/no_match", "Masking", dict(mask_value=0.25),
              input_shapes=[(2, 3, 2)]),
]
