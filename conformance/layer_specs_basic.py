"""Layer cases: Dense, Activation, Dropout, Flatten, Reshape, Embedding and the merge layers.

``Lambda`` has no case: its config carries Python code, which the table's
JSON round trip (and loading without ``safe_mode=False``) refuses by design.
"""
from layer_cases import LayerCase

IDS = dict(input_dtype="int32", input_range=(0, 6))

CASES = [
    # --- Dense -----------------------------------------------------------------------------
    LayerCase("Dense/linear", "Dense", dict(units=3), input_shapes=[(2, 4)], gradients=True),
    LayerCase("Dense/no_bias_tanh", "Dense", dict(units=3, use_bias=False, activation="tanh"),
              input_shapes=[(2, 5)], gradients=True),
    LayerCase("Dense/3d_relu", "Dense", dict(units=2, activation="relu"),
              input_shapes=[(2, 3, 4)], gradients=True),
    # --- Activation ------------------------------------------------------------------------
    LayerCase("Activation/softmax", "Activation", dict(activation="softmax"),
              input_shapes=[(2, 5)], gradients=True),
    LayerCase("Activation/elu_3d", "Activation", dict(activation="elu"),
              input_shapes=[(2, 3, 4)], gradients=True),
    LayerCase("Activation/hard_sigmoid", "Activation", dict(activation="hard_sigmoid"),
              input_shapes=[(2, 6)], input_range=(-4.0, 4.0)),
    # --- Dropout ---------------------------------------------------------------------------
    LayerCase("Dropout/half", "Dropout", dict(rate=0.5), input_shapes=[(2, 6)],
              training_differs=True, gradients=True),
    LayerCase("Dropout/noise_shape", "Dropout", dict(rate=0.3, noise_shape=[2, 1, 4], seed=3),
              input_shapes=[(2, 3, 4)], training_differs=True),
    # --- Flatten ---------------------------------------------------------------------------
    LayerCase("Flatten/3d", "Flatten", {}, input_shapes=[(2, 3, 4)], gradients=True),
    LayerCase("Flatten/channels_first", "Flatten", dict(data_format="channels_first"),
              input_shapes=[(2, 3, 2, 2)]),
    LayerCase("Flatten/channels_last", "Flatten", dict(data_format="channels_last"),
              input_shapes=[(2, 3, 2, 2)]),
    # --- Reshape ---------------------------------------------------------------------------
    LayerCase("Reshape/explicit", "Reshape", dict(target_shape=[4, 3]), input_shapes=[(2, 12)],
              gradients=True),
    LayerCase("Reshape/minus_one", "Reshape", dict(target_shape=[-1, 2]),
              input_shapes=[(2, 3, 4)]),
    # --- Embedding -------------------------------------------------------------------------
    LayerCase("Embedding/basic", "Embedding", dict(input_dim=6, output_dim=3),
              input_shapes=[(2, 4)], gradients=True, **IDS),
    LayerCase("Embedding/mask_zero", "Embedding",
              dict(input_dim=6, output_dim=2, mask_zero=True, input_length=4),
              input_shapes=[(2, 4)], **IDS),
    LayerCase("Embedding/3d_ids", "Embedding", dict(input_dim=6, output_dim=2),
              input_shapes=[(2, 3, 2)], **IDS),
    # --- merge layers ----------------------------------------------------------------------
    LayerCase("Add/two", "Add", {}, input_shapes=[(2, 3), (2, 3)], gradients=True),
    LayerCase("Add/three_masked", "Add", {}, input_shapes=[(2, 4, 3)] * 3, mask=True),
    LayerCase("Subtract/two", "Subtract", {}, input_shapes=[(2, 3, 2), (2, 3, 2)],
              gradients=True),
    LayerCase("Multiply/two", "Multiply", {}, input_shapes=[(2, 4), (2, 4)], gradients=True),
    LayerCase("Multiply/broadcast", "Multiply", {}, input_shapes=[(2, 3, 4), (2, 1, 4)]),
    LayerCase("Average/three", "Average", {}, input_shapes=[(2, 3)] * 3, gradients=True),
    LayerCase("Maximum/two", "Maximum", {}, input_shapes=[(2, 5), (2, 5)], gradients=True),
    LayerCase("Minimum/three", "Minimum", {}, input_shapes=[(2, 2, 3)] * 3, gradients=True),
    LayerCase("Concatenate/last", "Concatenate", {}, input_shapes=[(2, 3), (2, 2)],
              gradients=True),
    LayerCase("Concatenate/axis1_masked", "Concatenate", dict(axis=1),
              input_shapes=[(2, 4, 3), (2, 2, 3)], mask=True),
    LayerCase("Dot/vectors", "Dot", dict(axes=1), input_shapes=[(2, 4), (2, 4)],
              gradients=True),
    LayerCase("Dot/axes_pair_3d", "Dot", dict(axes=[2, 1]), input_shapes=[(2, 3, 4), (2, 4, 2)],
              gradients=True),
    LayerCase("Dot/normalize", "Dot", dict(axes=-1, normalize=True),
              input_shapes=[(2, 3, 4), (2, 2, 4)], gradients=True),
]
