"""Layer cases: max, average and global pooling in 1D, 2D and 3D.

Windows overlap or not, ``'same'`` padding (padded cells never win a maximum
and are left out of an average) and both data formats. Inputs are random
floats, so maxima have no ties and the finite-difference gradients are
well defined.
"""
from layer_cases import LayerCase

CF = "channels_first"
CL = "channels_last"

CASES = [
    # --- windowed pooling ------------------------------------------------------------------
    LayerCase("MaxPooling1D/default", "MaxPooling1D", {}, input_shapes=[(2, 4, 3)],
              gradients=True),
    LayerCase("MaxPooling1D/same/channels_first", "MaxPooling1D",
              dict(pool_size=3, strides=2, padding="same", data_format=CF),
              input_shapes=[(2, 2, 5)]),
    LayerCase("AveragePooling1D/same", "AveragePooling1D",
              dict(pool_size=3, strides=1, padding="same"),
              input_shapes=[(2, 4, 2)], gradients=True),
    LayerCase("MaxPooling2D/overlapping", "MaxPooling2D",
              dict(pool_size=3, strides=(1, 2), data_format=CL),
              input_shapes=[(2, 4, 5, 2)], gradients=True),
    LayerCase("MaxPooling2D/same/channels_first", "MaxPooling2D",
              dict(pool_size=2, padding="same", data_format=CF),
              input_shapes=[(2, 2, 5, 3)]),
    LayerCase("AveragePooling2D/same", "AveragePooling2D",
              dict(pool_size=(3, 2), strides=2, padding="same", data_format=CL),
              input_shapes=[(2, 5, 4, 2)], gradients=True),
    LayerCase("MaxPooling3D/same/channels_first", "MaxPooling3D",
              dict(pool_size=(2, 3, 2), strides=(1, 2, 2), padding="same", data_format=CF),
              input_shapes=[(2, 2, 3, 4, 3)], gradients=True),
    LayerCase("AveragePooling3D/same", "AveragePooling3D",
              dict(pool_size=2, strides=(2, 1, 2), padding="same", data_format=CL),
              input_shapes=[(2, 3, 2, 3, 2)], gradients=True),
    # --- global pooling --------------------------------------------------------------------
    LayerCase("GlobalMaxPooling1D/channels_first", "GlobalMaxPooling1D",
              dict(data_format=CF), input_shapes=[(2, 3, 4)], gradients=True),
    LayerCase("GlobalAveragePooling1D/default", "GlobalAveragePooling1D", {},
              input_shapes=[(2, 4, 3)]),
    LayerCase("GlobalAveragePooling1D/masked", "GlobalAveragePooling1D", {},
              input_shapes=[(2, 4, 3)], mask=True, gradients=True),
    LayerCase("GlobalMaxPooling2D/channels_first", "GlobalMaxPooling2D", dict(data_format=CF),
              input_shapes=[(2, 3, 3, 4)], gradients=True),
    LayerCase("GlobalAveragePooling2D/default", "GlobalAveragePooling2D", dict(data_format=CL),
              input_shapes=[(2, 3, 4, 2)], gradients=True),
    LayerCase("GlobalMaxPooling3D/default", "GlobalMaxPooling3D", dict(data_format=CL),
              input_shapes=[(2, 2, 3, 2, 3)], gradients=True),
    LayerCase("GlobalAveragePooling3D/channels_first", "GlobalAveragePooling3D",
              dict(data_format=CF), input_shapes=[(2, 3, 2, 2, 3)], gradients=True),
]
