"""The spatial resizing layers: Cropping, ZeroPadding and UpSampling in 1, 2 and 3D.

Each works on the spatial axes of a ``channels_last`` or ``channels_first``
input (the batch and channel axes pass through) and has no weights. Keras 2
had them in ``keras.layers.convolutional``, where they can still be imported
from. The Keras 1 argument names (``dim_ordering``, ZeroPadding2D's padding
dict) work with a ``DeprecationWarning``.
"""
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.conv_utils import (
    keras1_arguments,
    normalize_pairs,
    normalize_tuple,
    warn_keras1,
)

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
]

_KERAS1_DATA_FORMAT_ARGS = {"dim_ordering": "data_format"}


# --- cropping and zero padding ------------------------------------------------------------------

class _Border(Layer):
    """Base of the cropping and zero-padding layers: ``(before, after)`` per spatial axis.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        pairs: the argument given by the user (int, ``rank`` ints, or ``rank`` pairs).
        data_format: ``'channels_last'`` or ``'channels_first'`` (``None``:
            ``K.image_data_format()``).
        **kwargs: base layer arguments.
    """

    #: the constructor argument's name ("cropping" or "padding").
    argument = None
    #: +1 for padding (the axis grows), -1 for cropping.
    sign = 1

    def __init__(self, rank, pairs, data_format, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        try:
            pairs = normalize_pairs([pairs] if rank == 1 else pairs, rank, self.argument)
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: {error}") from None
        setattr(self, self.argument, pairs[0] if rank == 1 else pairs)
        self._pairs = pairs
        self.input_spec = InputSpec(ndim=rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs):
            if shape[axis] is None:
                continue
            shape[axis] += self.sign * (before + after)
            if shape[axis] < 1:
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}): {self.argument} "
                    f"{(before, after)} removes all of the {input_shape[axis]} entries of "
                    f"axis {axis}. Received: input_shape={tuple(input_shape)}, "
                    f"{self.argument}={getattr(self, self.argument)}")
        return tuple(shape)

    def get_config(self):
        config = {self.argument: getattr(self, self.argument)}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return {**super().get_config(), **config}


class _Cropping(_Border):
    argument = "cropping"
    sign = -1

    def call(self, inputs):
        shape = K.int_shape(inputs)
        if shape is not None:
            self.compute_output_shape(shape)
        key = [slice(None)] * (self.rank + 2)
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs):
            key[axis] = slice(before, -after if after else None)
        return inputs[tuple(key)]


class Cropping1D(_Cropping):
    """Crop steps from the start and end of ``(batch, steps, features)`` sequences.

    Args:
        cropping: int (both ends) or pair ``(start, end)`` of ints >= 0.
        **kwargs: base layer arguments.

    Example:
        >>> Cropping1D((1, 2))(Input(shape=(10, 3)))._keras_shape
        (None, 7, 3)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, cropping, "channels_last", **kwargs)


class Cropping2D(_Cropping):
    """Crop rows and columns from the borders of images.

    Args:
        cropping: int (every border), pair of ints (symmetric rows, cols) or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> Cropping2D(((2, 2), (4, 4)))(Input(shape=(28, 28, 3)))._keras_shape
        (None, 24, 20, 3)
    """

    @keras1_arguments(_KERAS1_DATA_FORMAT_ARGS)
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop the borders of volumes along their three spatial axes.

    Args:
        cropping: int, triple of ints (symmetric per axis) or three pairs
            ``(before, after)``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> Cropping3D(1)(Input(shape=(4, 5, 6, 2)))._keras_shape
        (None, 2, 3, 4, 2)
    """

    @keras1_arguments(_KERAS1_DATA_FORMAT_ARGS)
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)


class _ZeroPadding(_Border):
    argument = "padding"

    def call(self, inputs):
        if self.rank == 1:
            return K.temporal_padding(inputs, padding=self.padding)
        pad = K.spatial_2d_padding if self.rank == 2 else K.spatial_3d_padding
        return pad(inputs, padding=self.padding, data_format=self.data_format)


class ZeroPadding1D(_ZeroPadding):
    """Add zero steps at the start and end of ``(batch, steps, features)`` sequences.

    Args:
        padding: int (both ends) or pair ``(start, end)`` of ints >= 0.
        **kwargs: base layer arguments.

    Example:
        >>> ZeroPadding1D((2, 0))(Input(shape=(10, 3)))._keras_shape
        (None, 12, 3)
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(1, padding, "channels_last", **kwargs)


def _keras1_padding_dict(args, kwargs, where):
    """Keras 1's ``ZeroPadding2D(padding={'top_pad': 1, ...})`` -> pairs."""
    keys = ("top_pad", "bottom_pad", "left_pad", "right_pad")
    value = args[0] if args else kwargs.get("padding")
    if isinstance(value, dict):
        unknown = set(value) - set(keys)
        if unknown:
            raise ValueError(f"{where}: a Keras 1 `padding` dict takes the keys {keys}. "
                             f"Received: padding={value!r}")
        top, bottom, left, right = (value.get(key, 0) for key in keys)
        kwargs["padding"] = ((top, bottom), (left, right))
        args = args[1:]
        warn_keras1(where, "padding={'top_pad': ...}", "padding=((top, bottom), (left, right))")
    return args, kwargs


class ZeroPadding2D(_ZeroPadding):
    """Add rows and columns of zeros around images.

    Args:
        padding: int (every border), pair of ints (symmetric rows, cols) or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> ZeroPadding2D(((1, 0), (2, 2)))(Input(shape=(5, 5, 3)))._keras_shape
        (None, 6, 9, 3)
    """

    @keras1_arguments(_KERAS1_DATA_FORMAT_ARGS, convert=_keras1_padding_dict)
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Add zeros around volumes along their three spatial axes.

    Args:
        padding: int, triple of ints (symmetric per axis) or three pairs
            ``(before, after)``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> ZeroPadding3D()(Input(shape=(2, 3, 4, 1)))._keras_shape
        (None, 4, 5, 6, 1)
    """

    @keras1_arguments(_KERAS1_DATA_FORMAT_ARGS)
    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)


# --- upsampling -----------------------------------------------------------------------------------

class _UpSampling(Layer):
    """Base of the upsampling layers: repeat (or interpolate) along every spatial axis.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        size: int or tuple of ``rank`` ints, the factors.
        data_format: ``'channels_last'`` or ``'channels_first'`` (``None``:
            ``K.image_data_format()``).
        **kwargs: base layer arguments.
    """

    def __init__(self, rank, size, data_format, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        try:
            self.size = normalize_tuple(size, rank, "size")
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: {error}") from None
        self.input_spec = InputSpec(ndim=rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size):
            if shape[axis] is not None:
                shape[axis] *= factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(_UpSampling):
    """Repeat each step of ``(batch, steps, features)`` sequences ``size`` times.

    Args:
        size: int, the factor (Keras 1: ``length``).
        **kwargs: base layer arguments.

    Example:
        >>> UpSampling1D(3)(Input(shape=(4, 2)))._keras_shape
        (None, 12, 2)
    """

    @keras1_arguments({"length": "size"})
    def __init__(self, size=2, **kwargs):
        super().__init__(1, size, "channels_last", **kwargs)
        self.size = self.size[0]

    def call(self, inputs):
        return K.repeat_elements(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        length = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class UpSampling2D(_UpSampling):
    """Upsample images by integer factors along rows and cols.

    Args:
        size: int or pair of ints, the factors for rows and cols.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        interpolation: ``'nearest'`` (repeat pixels) or ``'bilinear'`` (as
            TensorFlow 1's ``resize_bilinear``, ``align_corners=False``: the
            output pixel ``o`` samples the input at ``o / size``; needs known
            rows and cols).
        **kwargs: base layer arguments.

    Example:
        >>> UpSampling2D((2, 3), interpolation='bilinear')(Input(shape=(4, 4, 1)))._keras_shape
        (None, 8, 12, 1)
    """

    @keras1_arguments(_KERAS1_DATA_FORMAT_ARGS)
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D layer {self.name!r}: `interpolation` must be "
                             f"'nearest' or 'bilinear'. Received: interpolation={interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        shape = K.int_shape(inputs)
        if self.interpolation == "bilinear" and (
                shape is None or any(shape[axis] is None for axis in self._spatial_axes())):
            raise ValueError(f"Layer {self.name!r} (UpSampling2D, interpolation='bilinear') "
                             f"needs inputs with known rows and cols. Received: input_shape="
                             f"{shape}")
        return K.resize_images(inputs, self.size[0], self.size[1], self.data_format,
                               interpolation=self.interpolation)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Upsample volumes by repeating entries along their three spatial axes.

    Args:
        size: int or triple of ints, the factors.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Example:
        >>> UpSampling3D((1, 2, 2))(Input(shape=(3, 4, 4, 2)))._keras_shape
        (None, 3, 8, 8, 2)
    """

    @keras1_arguments(_KERAS1_DATA_FORMAT_ARGS)
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)

    def call(self, inputs):
        return K.resize_volumes(inputs, self.size[0], self.size[1], self.size[2],
                                self.data_format)

