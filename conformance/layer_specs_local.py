"""Layer cases: LocallyConnected1D and LocallyConnected2D (unshared weights).

Both data formats and strides; the kernel has one row of weights per output
position (Keras 2's ``implementation=1`` layout).
"""
from layer_cases import LayerCase

CASES = [
    LayerCase("LocallyConnected1D/default", "LocallyConnected1D",
              dict(filters=2, kernel_size=2), input_shapes=[(2, 4, 3)], gradients=True),
    LayerCase("LocallyConnected1D/strided/channels_first", "LocallyConnected1D",
              dict(filters=3, kernel_size=2, strides=2, data_format="channels_first",
                   activation="tanh"),
              input_shapes=[(2, 2, 5)], gradients=True),
    LayerCase("LocallyConnected2D/default", "LocallyConnected2D",
              dict(filters=2, kernel_size=2, data_format="channels_last"),
              input_shapes=[(2, 3, 4, 2)], gradients=True),
    LayerCase("LocallyConnected2D/strided/channels_first", "LocallyConnected2D",
              dict(filters=2, kernel_size=(2, 3), strides=(2, 1), data_format="channels_first",
                   use_bias=False),
              input_shapes=[(2, 3, 5, 4)]),
]
