"""Pooling layers: max and average pooling over windows, and global pooling (1D, 2D, 3D).

Windowed pooling goes through ``K.pool2d`` and ``K.pool3d`` (1D pooling adds
a unit spatial axis, pools, and removes it, as Keras 2 does); ``'same'`` padding follows
the TensorFlow rule and padded cells never count (they are ignored by the
maximum and left out of the average). Global pooling reduces every spatial
axis with ``K.max`` / ``K.mean``; ``GlobalAveragePooling1D`` honours a mask
over the steps.

1D layers default to ``data_format='channels_last'`` (temporal data), 2D
and 3D layers to ``K.image_data_format()``, as in Keras 2.
"""
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.conv_utils import (
    keras1_arguments,
    normalize_padding,
    normalize_tuple,
    spatial_output_shape,
)

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
]

_KERAS1_POOLING1D_ARGS = {"pool_length": "pool_size", "stride": "strides",
                          "border_mode": "padding"}
_KERAS1_POOLING_ND_ARGS = {"border_mode": "padding", "dim_ordering": "data_format"}
_KERAS1_GLOBAL_POOLING_ARGS = {"dim_ordering": "data_format"}


class _Pooling(Layer):
    """Base of the windowed pooling layers (``rank`` spatial axes, ``pool_mode``).

    Args:
        rank: number of spatial axes (1, 2 or 3).
        pool_mode: ``'max'`` or ``'avg'``.
        pool_size: int or tuple of ``rank`` ints.
        strides: int or tuple of ``rank`` ints; ``None`` means ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'`` (``None``:
            ``K.image_data_format()``).
        **kwargs: base layer arguments.

    Example:
        >>> layer = _Pooling(2, 'max', (2, 2))   # what MaxPooling2D() is
    """

    def __init__(self, rank, pool_mode, pool_size, strides=None, padding="valid",
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_mode = pool_mode
        try:
            self.pool_size = normalize_tuple(pool_size, rank, "pool_size")
            self.strides = normalize_tuple(pool_size if strides is None else strides, rank,
                                           "strides")
            self.padding = normalize_padding(padding)
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: {error}") from None
        self.input_spec = InputSpec(ndim=rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = self._spatial_axes()
        lengths = spatial_output_shape(self, shape, axes, self.pool_size, self.strides,
                                       (1,) * self.rank)
        for axis, length in zip(axes, lengths):
            shape[axis] = length
        return tuple(shape)

    def call(self, inputs):
        shape = K.int_shape(inputs)
        if shape is not None:
            self.compute_output_shape(shape)  # a window that does not fit names this layer
        if self.rank > 1:
            pool = K.pool2d if self.rank == 2 else K.pool3d
            return pool(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, pool_mode=self.pool_mode)
        # 1D: pool over (steps, 1) on a unit axis added after the steps.
        unit_axis = 3 if self.data_format == "channels_first" else 2
        outputs = K.pool2d(K.expand_dims(inputs, unit_axis), self.pool_size + (1,),
                           strides=self.strides + (1,), padding=self.padding,
                           data_format=self.data_format, pool_mode=self.pool_mode)
        return K.squeeze(outputs, unit_axis)

    def get_config(self):
        config = {"pool_size": self.pool_size, "padding": self.padding,
                  "strides": self.strides, "data_format": self.data_format}
        return {**super().get_config(), **config}


class MaxPooling1D(_Pooling):
    """Max pooling over windows of steps.

    Input ``(batch, steps, channels)`` (``(batch, channels, steps)`` for
    channels_first); output ``(batch, pooled_steps, channels)``.

    Args:
        pool_size: int, the window length.
        strides: int, or ``None`` for ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        **kwargs: base layer arguments.

    Example:
        >>> MaxPooling1D(2)(Input(shape=(10, 4)))._keras_shape
        (None, 5, 4)
    """

    @keras1_arguments(_KERAS1_POOLING1D_ARGS)
    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(1, "max", pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Average pooling over windows of steps (padded steps are not counted).

    Args:
        pool_size: int, the window length.
        strides: int, or ``None`` for ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        **kwargs: base layer arguments.

    Example:
        >>> AveragePooling1D(3, strides=1, padding='same')(Input(shape=(10, 4)))._keras_shape
        (None, 10, 4)
    """

    @keras1_arguments(_KERAS1_POOLING1D_ARGS)
    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(1, "avg", pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max pooling over 2D windows.

    Input ``(batch, rows, cols, channels)`` (``(batch, channels, rows, cols)``
    for channels_first); output with pooled rows and cols, same layout.

    Args:
        pool_size: int or pair of ints, the window size.
        strides: int or pair of ints, or ``None`` for ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> MaxPooling2D((2, 2))(Input(shape=(28, 28, 8)))._keras_shape
        (None, 14, 14, 8)
    """

    @keras1_arguments(_KERAS1_POOLING_ND_ARGS)
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, "max", pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Average pooling over 2D windows (padded cells are not counted).

    Args:
        pool_size: int or pair of ints, the window size.
        strides: int or pair of ints, or ``None`` for ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> AveragePooling2D(3, strides=2, padding='same')(Input(shape=(7, 7, 8)))._keras_shape
        (None, 4, 4, 8)
    """

    @keras1_arguments(_KERAS1_POOLING_ND_ARGS)
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, "avg", pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max pooling over 3D windows (volumes, or video: time, rows, cols).

    Input ``(batch, dim1, dim2, dim3, channels)`` (channels after the batch
    for channels_first); output with pooled spatial axes, same layout.

    Args:
        pool_size: int or triple of ints, the window size.
        strides: int or triple of ints, or ``None`` for ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> MaxPooling3D()(Input(shape=(4, 6, 6, 2)))._keras_shape
        (None, 2, 3, 3, 2)
    """

    @keras1_arguments(_KERAS1_POOLING_ND_ARGS)
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(3, "max", pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Average pooling over 3D windows (padded cells are not counted).

    Args:
        pool_size: int or triple of ints, the window size.
        strides: int or triple of ints, or ``None`` for ``pool_size``.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> AveragePooling3D(3, strides=2, padding='same')(Input(shape=(5, 5, 5, 1)))._keras_shape
        (None, 3, 3, 3, 1)
    """

    @keras1_arguments(_KERAS1_POOLING_ND_ARGS)
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(3, "avg", pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    """Base of the global pooling layers: reduce every spatial axis.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        data_format: ``'channels_last'`` or ``'channels_first'`` (``None``:
            ``K.image_data_format()``).
        **kwargs: base layer arguments.

    Example:
        >>> layer = _GlobalPooling(2)   # subclasses define _reduce
    """

    def __init__(self, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        try:
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: {error}") from None
        self.input_spec = InputSpec(ndim=rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        channel_axis = 1 if self.data_format == "channels_first" else -1
        return (input_shape[0], input_shape[channel_axis])

    def call(self, inputs):
        return self._reduce(inputs, self._spatial_axes())

    def _reduce(self, inputs, axes):
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over the steps: ``(batch, steps, channels)`` -> ``(batch, channels)``.

    Args:
        data_format: ``'channels_last'`` (default) or ``'channels_first'``
            (input ``(batch, channels, steps)``).
        **kwargs: base layer arguments.

    Example:
        >>> GlobalMaxPooling1D()(Input(shape=(10, 4)))._keras_shape
        (None, 4)
    """

    @keras1_arguments(_KERAS1_GLOBAL_POOLING_ARGS)
    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(1, data_format, **kwargs)

    def _reduce(self, inputs, axes):
        return K.max(inputs, axis=axes)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps: ``(batch, steps, channels)`` -> ``(batch, channels)``.

    Supports masking: with a ``(batch, steps)`` mask (from ``Embedding(...,
    mask_zero=True)`` or ``Masking``), only unmasked steps are averaged, and
    no mask is passed on.

    Args:
        data_format: ``'channels_last'`` (default) or ``'channels_first'``
            (input ``(batch, channels, steps)``).
        **kwargs: base layer arguments.

    Example:
        >>> GlobalAveragePooling1D()(Input(shape=(10, 4)))._keras_shape
        (None, 4)
    """

    @keras1_arguments(_KERAS1_GLOBAL_POOLING_ARGS)
    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(1, data_format, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps_axis = self._spatial_axes()[0]
        if mask is None:
            return K.mean(inputs, axis=steps_axis)
        channel_axis = 1 if self.data_format == "channels_first" else 2
        weights = K.expand_dims(K.cast(mask, K.dtype(inputs)), channel_axis)
        return K.sum(inputs * weights, axis=steps_axis) / K.sum(weights, axis=steps_axis)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over rows and cols: ``(batch, rows, cols, channels)`` -> ``(batch, channels)``.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> GlobalMaxPooling2D()(Input(shape=(7, 7, 8)))._keras_shape
        (None, 8)
    """

    @keras1_arguments(_KERAS1_GLOBAL_POOLING_ARGS)
    def __init__(self, data_format=None, **kwargs):
        super().__init__(2, data_format, **kwargs)

    def _reduce(self, inputs, axes):
        return K.max(inputs, axis=axes)


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and cols: ``(batch, rows, cols, channels)`` -> ``(batch, channels)``.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> GlobalAveragePooling2D()(Input(shape=(7, 7, 8)))._keras_shape
        (None, 8)
    """

    @keras1_arguments(_KERAS1_GLOBAL_POOLING_ARGS)
    def __init__(self, data_format=None, **kwargs):
        super().__init__(2, data_format, **kwargs)

    def _reduce(self, inputs, axes):
        return K.mean(inputs, axis=axes)


class GlobalMaxPooling3D(_GlobalPooling):
    """Maximum over the spatial axes: ``(batch, d1, d2, d3, channels)`` -> ``(batch, channels)``.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> GlobalMaxPooling3D()(Input(shape=(2, 3, 4, 5)))._keras_shape
        (None, 5)
    """

    @keras1_arguments(_KERAS1_GLOBAL_POOLING_ARGS)
    def __init__(self, data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)

    def _reduce(self, inputs, axes):
        return K.max(inputs, axis=axes)


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the spatial axes: ``(batch, d1, d2, d3, channels)`` -> ``(batch, channels)``.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> GlobalAveragePooling3D(data_format='channels_first')(
        ...     Input(shape=(5, 2, 3, 4)))._keras_shape
        (None, 5)
    """

    @keras1_arguments(_KERAS1_GLOBAL_POOLING_ARGS)
    def __init__(self, data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)

    def _reduce(self, inputs, axes):
        return K.mean(inputs, axis=axes)


# Keras 2 aliases.
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool3D = GlobalAveragePooling3D
