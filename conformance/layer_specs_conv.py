"""Layer cases: the convolutions (1D/2D/3D, separable, depthwise, transposed) of
``polykeras.layers.convolutional`` and ``polykeras.layers.separable``, and the
cropping, upsampling and zero-padding layers of ``polykeras.layers.spatial``.

Both data formats, strides, dilation, ``'same'`` / ``'valid'`` / ``'causal'``
padding and ``output_padding`` are covered on tiny inputs; every class has a
``gradients=True`` case (inputs and every kernel and bias).
"""
from layer_cases import LayerCase

CF = "channels_first"
CL = "channels_last"

CASES = [
    # --- Conv1D ----------------------------------------------------------------------------
    LayerCase("Conv1D/causal_dilated", "Conv1D",
              dict(filters=3, kernel_size=2, padding="causal", dilation_rate=2),
              input_shapes=[(2, 4, 2)], gradients=True),
    LayerCase("Conv1D/causal_strided/channels_first", "Conv1D",
              dict(filters=2, kernel_size=3, strides=2, padding="causal", data_format=CF,
                   activation="tanh"),
              input_shapes=[(2, 2, 5)]),
    # --- Conv2D ----------------------------------------------------------------------------
    LayerCase("Conv2D/same/channels_first", "Conv2D",
              dict(filters=3, kernel_size=(2, 3), padding="same", data_format=CF),
              input_shapes=[(2, 2, 5, 4)], gradients=True),
    LayerCase("Conv2D/strided_dilated", "Conv2D",
              dict(filters=2, kernel_size=2, strides=2, dilation_rate=2, padding="same",
                   data_format=CL, activation="relu"),
              input_shapes=[(2, 5, 6, 2)]),
    # --- Conv3D ----------------------------------------------------------------------------
    LayerCase("Conv3D/valid", "Conv3D",
              dict(filters=2, kernel_size=2, data_format=CL),
              input_shapes=[(2, 3, 3, 4, 2)], gradients=True),
    LayerCase("Conv3D/same_strided/channels_first", "Conv3D",
              dict(filters=3, kernel_size=(3, 2, 2), strides=(2, 1, 2), padding="same",
                   data_format=CF),
              input_shapes=[(2, 2, 4, 3, 5)]),
    # --- SeparableConv1D -------------------------------------------------------------------
    LayerCase("SeparableConv1D/same_multiplier", "SeparableConv1D",
              dict(filters=3, kernel_size=3, padding="same", depth_multiplier=2),
              input_shapes=[(2, 4, 2)], gradients=True),
    LayerCase("SeparableConv1D/causal/channels_first", "SeparableConv1D",
              dict(filters=2, kernel_size=2, padding="causal", dilation_rate=2, data_format=CF),
              input_shapes=[(2, 3, 4)]),
    # --- SeparableConv2D -------------------------------------------------------------------
    LayerCase("SeparableConv2D/dilated_multiplier", "SeparableConv2D",
              dict(filters=3, kernel_size=2, depth_multiplier=2, dilation_rate=(2, 1),
                   data_format=CL),
              input_shapes=[(2, 4, 3, 2)], gradients=True),
    LayerCase("SeparableConv2D/same_strided/channels_first", "SeparableConv2D",
              dict(filters=2, kernel_size=3, strides=2, padding="same", data_format=CF,
                   activation="relu"),
              input_shapes=[(2, 3, 5, 4)]),
    # --- DepthwiseConv2D -------------------------------------------------------------------
    LayerCase("DepthwiseConv2D/same_dilated_multiplier", "DepthwiseConv2D",
              dict(kernel_size=2, padding="same", depth_multiplier=2, dilation_rate=2,
                   data_format=CL),
              input_shapes=[(2, 4, 3, 2)], gradients=True),
    LayerCase("DepthwiseConv2D/strided/channels_first", "DepthwiseConv2D",
              dict(kernel_size=(2, 3), strides=(2, 1), data_format=CF),
              input_shapes=[(2, 3, 5, 4)]),
    # --- Conv2DTranspose -------------------------------------------------------------------
    LayerCase("Conv2DTranspose/same_strided", "Conv2DTranspose",
              dict(filters=2, kernel_size=3, strides=2, padding="same", data_format=CL),
              input_shapes=[(2, 3, 2, 2)], gradients=True),
    LayerCase("Conv2DTranspose/output_padding/channels_first", "Conv2DTranspose",
              dict(filters=3, kernel_size=(3, 2), strides=(2, 3), output_padding=(1, 2),
                   data_format=CF),
              input_shapes=[(2, 2, 3, 2)]),
    LayerCase("Conv2DTranspose/valid_dilated", "Conv2DTranspose",
              dict(filters=2, kernel_size=2, dilation_rate=2, data_format=CL),
              input_shapes=[(2, 3, 3, 2)]),
    # --- Conv3DTranspose -------------------------------------------------------------------
    LayerCase("Conv3DTranspose/same_strided", "Conv3DTranspose",
              dict(filters=2, kernel_size=2, strides=2, padding="same", data_format=CL),
              input_shapes=[(2, 2, 2, 1, 2)], gradients=True),
    LayerCase("Conv3DTranspose/output_padding/channels_first", "Conv3DTranspose",
              dict(filters=2, kernel_size=(2, 3, 2), strides=(2, 2, 1), output_padding=(1, 0, 0),
                   data_format=CF),
              input_shapes=[(2, 2, 2, 2, 2)]),
    # --- Cropping --------------------------------------------------------------------------
    LayerCase("Cropping1D/asymmetric", "Cropping1D", dict(cropping=(1, 2)),
              input_shapes=[(2, 5, 3)], gradients=True),
    LayerCase("Cropping2D/pairs", "Cropping2D", dict(cropping=((1, 0), (0, 2)), data_format=CL),
              input_shapes=[(2, 4, 5, 2)], gradients=True),
    LayerCase("Cropping2D/int/channels_first", "Cropping2D", dict(cropping=1, data_format=CF),
              input_shapes=[(2, 2, 4, 5)]),
    LayerCase("Cropping3D/pairs/channels_first", "Cropping3D",
              dict(cropping=((0, 1), (1, 1), (2, 0)), data_format=CF),
              input_shapes=[(2, 2, 3, 4, 4)], gradients=True),
    # --- UpSampling ------------------------------------------------------------------------
    LayerCase("UpSampling1D/size3", "UpSampling1D", dict(size=3),
              input_shapes=[(2, 3, 2)], gradients=True),
    LayerCase("UpSampling2D/nearest", "UpSampling2D", dict(size=(2, 3), data_format=CL),
              input_shapes=[(2, 2, 3, 2)], gradients=True),
    LayerCase("UpSampling2D/bilinear/channels_first", "UpSampling2D",
              dict(size=(3, 2), interpolation="bilinear", data_format=CF),
              input_shapes=[(2, 2, 3, 2)], gradients=True),
    LayerCase("UpSampling3D/channels_first", "UpSampling3D",
              dict(size=(1, 2, 2), data_format=CF),
              input_shapes=[(2, 2, 2, 2, 3)], gradients=True),
    # --- ZeroPadding -----------------------------------------------------------------------
    LayerCase("ZeroPadding1D/asymmetric", "ZeroPadding1D", dict(padding=(2, 1)),
              input_shapes=[(2, 3, 2)], gradients=True),
    LayerCase("ZeroPadding2D/pairs/channels_first", "ZeroPadding2D",
              dict(padding=((1, 0), (2, 1)), data_format=CF),
              input_shapes=[(2, 2, 3, 3)], gradients=True),
    LayerCase("ZeroPadding3D/triple/channels_first", "ZeroPadding3D",
              dict(padding=(1, 0, 2), data_format=CF),
              input_shapes=[(2, 2, 2, 3, 2)], gradients=True),
]
