"""Layer cases: GaussianNoise, GaussianDropout, AlphaDropout.

All three are the identity at inference and random in training: outputs are
compared with the reference at inference, checked by shape and finiteness
(and by differing from the inference output) in training; there is nothing
deterministic to differentiate.
"""
from layer_cases import LayerCase

_RANDOM = ("random in training, the identity at inference: no finite-difference "
           "gradient to check")

CASES = [
    LayerCase("GaussianNoise/default", "GaussianNoise", dict(stddev=0.5),
              input_shapes=[(2, 5)], training_differs=True, note=_RANDOM),
    LayerCase("GaussianNoise/masked", "GaussianNoise", dict(stddev=0.1),
              input_shapes=[(2, 4, 3)], training_differs=True, mask=True, note=_RANDOM),
    LayerCase("GaussianDropout/default", "GaussianDropout", dict(rate=0.3),
              input_shapes=[(2, 3, 4)], training_differs=True, note=_RANDOM),
    LayerCase("AlphaDropout/default", "AlphaDropout", dict(rate=0.4, seed=1),
              input_shapes=[(2, 6)], training_differs=True, note=_RANDOM),
    LayerCase("AlphaDropout/noise_shape", "AlphaDropout",
              dict(rate=0.5, noise_shape=[None, 1, 4]),
              input_shapes=[(2, 3, 4)], training_differs=True, note=_RANDOM),
]
