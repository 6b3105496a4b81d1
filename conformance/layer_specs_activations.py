"""Layer cases: LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU.

Inputs are uniform in (-1, 1); thresholds sit inside that range so both
sides of every kink are exercised (a draw within the finite-difference step
of a kink has probability ~1e-6).
"""
from layer_cases import LayerCase

CASES = [
    LayerCase("LeakyReLU/default", "LeakyReLU", {}, input_shapes=[(2, 5)], gradients=True),
    LayerCase("LeakyReLU/masked", "LeakyReLU", dict(alpha=0.1),
              input_shapes=[(2, 4, 3)], mask=True),
    LayerCase("PReLU/full", "PReLU", {}, input_shapes=[(2, 3, 4)], gradients=True),
    LayerCase("PReLU/shared_axes", "PReLU", dict(shared_axes=[1, 2]),
              input_shapes=[(2, 3, 2, 4)], gradients=True),
    LayerCase("PReLU/constrained", "PReLU",
              dict(alpha_initializer="ones", alpha_regularizer={"class_name": "L1L2",
                                                                "config": {"l1": 0.01,
                                                                           "l2": 0.0}},
                   alpha_constraint="non_neg", shared_axes=1),
              input_shapes=[(2, 3, 4)]),
    LayerCase("ELU/default", "ELU", {}, input_shapes=[(2, 5)], gradients=True),
    LayerCase("ELU/alpha", "ELU", dict(alpha=0.5), input_shapes=[(2, 3, 2)]),
    LayerCase("ThresholdedReLU/theta", "ThresholdedReLU", dict(theta=0.3),
              input_shapes=[(2, 5)], gradients=True),
    LayerCase("Softmax/last", "Softmax", {}, input_shapes=[(2, 5)], gradients=True),
    LayerCase("Softmax/axis1", "Softmax", dict(axis=1), input_shapes=[(2, 3, 4)],
              gradients=True),
    LayerCase("ReLU/default", "ReLU", {}, input_shapes=[(2, 5)]),
    LayerCase("ReLU/max_slope_threshold", "ReLU",
              dict(max_value=0.6, negative_slope=0.2, threshold=0.3),
              input_shapes=[(2, 3, 4)], gradients=True),
]
