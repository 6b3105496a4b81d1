"""Image preprocessing: ``ImageDataGenerator`` (augmentation and normalisation) and image I/O.

Per batch, in this order: random geometric transform (rotation, shift,
shear, zoom), channel shift, flips, brightness; then ``preprocessing_function``,
``rescale``, sample-wise centring and scaling, feature-wise centring and
scaling, ZCA whitening. The random parameters of a batch are drawn at once;
see :mod:`polykeras.preprocessing.affine` for the transform conventions and
:mod:`polykeras.preprocessing.image_iterators` for seeding.
"""
import numbers
import warnings

import numpy as np

from polykeras import backend as K
from polykeras.preprocessing.affine import (
    FILL_MODES,
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    flip_axis,
)
from polykeras.preprocessing.affine import transform_batch as apply_batch_parameters
from polykeras.preprocessing.image_io import array_to_img, img_to_array, load_img, save_img
from polykeras.preprocessing.image_iterators import (
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
)

__all__ = ["DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
           "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift",
           "array_to_img", "flip_axis", "img_to_array", "load_img", "save_img"]

_STD_EPSILON = 1e-6


def _shift_range(name, value):
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value
    array = np.asarray(value)
    if array.ndim == 1 and array.size and np.issubdtype(array.dtype, np.number):
        return array
    raise ValueError(f"{name} must be a number or a 1-D list of numbers. "
                     f"Received: {name}={value!r}")


def _zoom_range(value):
    if isinstance(value, numbers.Number):
        return (1. - value, 1. + value)
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) == 2:
        return (float(value[0]), float(value[1]))
    raise ValueError(f"zoom_range must be a number or a list of two numbers. "
                     f"Received: zoom_range={value!r}")


class ImageDataGenerator:
    """Random image augmentation and normalisation, for arrays or folders of image files.

    Args:
        featurewise_center: subtract the per-channel mean of the data given to :meth:`fit`.
        samplewise_center: subtract each image's mean.
        featurewise_std_normalization: divide by the per-channel std from :meth:`fit`.
        samplewise_std_normalization: divide each image by its std.
        zca_whitening: ZCA-whiten with the matrix from :meth:`fit` (implies
            ``featurewise_center``; overrides ``featurewise_std_normalization``).
        zca_epsilon: added to the eigenvalues before inverting them.
        rotation_range: rotations drawn in ``[-rotation_range, rotation_range]`` degrees.
        width_shift_range, height_shift_range: float below 1: fraction of the
            width/height; float of 1 or more: pixels; int ``k``: an integer
            number of pixels from ``(-k, k)``; a list: values to choose from
            (with a random sign).
        brightness_range: ``(low, high)`` factors to multiply pixel values by.
        shear_range: shear angles drawn in ``[-shear_range, shear_range]`` degrees.
        zoom_range: a number ``z`` (``[1 - z, 1 + z]``) or ``[low, high]``;
            row and column zooms are drawn independently.
        channel_shift_range: values added to all channels, drawn in
            ``[-channel_shift_range, channel_shift_range]``.
        fill_mode: ``"constant"``, ``"nearest"``, ``"reflect"`` or ``"wrap"``.
        cval: the ``"constant"`` fill value.
        horizontal_flip, vertical_flip: flip half of the images.
        rescale: factor the images are multiplied by (after the transforms).
        preprocessing_function: function from one image (rank 3) to an image
            of the same shape, run after the transforms, before ``rescale``.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None``: configured.
        validation_split: fraction of the data in the ``"validation"`` subset.
        interpolation_order: spline order of the geometric transforms.
        dtype: dtype of the batches; ``None``: ``K.floatx()``.

    Raises:
        ValueError: a bad ``data_format``, ``fill_mode``, ``zoom_range``,
            shift range, ``brightness_range`` or ``validation_split``.

    Example:
        >>> datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True,
        ...                              validation_split=0.2)
        >>> model.fit_generator(datagen.flow(x, y, batch_size=32, subset="training"))
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.,
                 height_shift_range=0., brightness_range=None, shear_range=0., zoom_range=0.,
                 channel_shift_range=0., fill_mode="nearest", cval=0., horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1, dtype=None):
        data_format = K.image_data_format() if data_format is None else data_format
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f'data_format must be "channels_last" or "channels_first". '
                             f"Received: data_format={data_format!r}")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {', '.join(FILL_MODES)}. "
                             f"Received: fill_mode={fill_mode!r}")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"validation_split must be between 0 and 1 (exclusive). "
                             f"Received: validation_split={validation_split!r}")
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2):
            raise ValueError(f"brightness_range must be a tuple or list of two numbers. "
                             f"Received: brightness_range={brightness_range!r}")
        if zca_whitening:
            if not featurewise_center:
                warnings.warn("zca_whitening turns on featurewise_center.", stacklevel=2)
            featurewise_center = True
            if featurewise_std_normalization:
                warnings.warn("zca_whitening turns off featurewise_std_normalization.",
                              stacklevel=2)
            featurewise_std_normalization = False
        if featurewise_std_normalization and not featurewise_center:
            warnings.warn("featurewise_std_normalization turns on featurewise_center.",
                          stacklevel=2)
            featurewise_center = True
        if samplewise_std_normalization and not samplewise_center:
            warnings.warn("samplewise_std_normalization turns on samplewise_center.",
                          stacklevel=2)
            samplewise_center = True
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = _shift_range("width_shift_range", width_shift_range)
        self.height_shift_range = _shift_range("height_shift_range", height_shift_range)
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = _zoom_range(zoom_range)
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.validation_split = validation_split
        self.interpolation_order = interpolation_order
        self.dtype = dtype or K.floatx()
        # Axes of one image (no batch axis).
        if data_format == "channels_last":
            self.row_axis, self.col_axis, self.channel_axis = 0, 1, 2
        else:
            self.channel_axis, self.row_axis, self.col_axis = 0, 1, 2
        self.mean = None
        self.std = None
        self.principal_components = None

    # -- iterators -------------------------------------------------------------

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """Augmented batches from arrays.

        Args:
            x: rank-4 images (or a list: images, then extra input arrays).
            y: targets, or ``None`` (batches of images only).
            batch_size: images per batch.
            shuffle: a new order every epoch.
            sample_weight: per-sample weights, yielded as a third item.
            seed: seed of the order and transforms.
            save_to_dir: also save each augmented image as a file there.
            save_prefix, save_format: file name prefix and format (``"png"``, ``"jpeg"``).
            subset: ``"training"`` or ``"validation"`` (with ``validation_split``).

        Returns:
            A :class:`NumpyArrayIterator` of ``(x, y)`` (or ``x``, or
            ``(x, y, sample_weight)``) batches.

        Example:
            >>> x_batch, y_batch = next(datagen.flow(x, y, batch_size=8))
        """
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest"):
        """Augmented batches from a folder holding one sub-folder of images per class.

        Args:
            directory: the folder.
            target_size: ``(height, width)`` every image is resized to.
            color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
            classes: class sub-folder names in index order; ``None``: the
                sorted sub-folder names.
            class_mode: ``"categorical"`` (one-hot), ``"binary"`` (0./1.),
                ``"sparse"`` (int class indices), ``"input"`` (the images
                again, for autoencoders) or ``None`` (images only).
            batch_size, shuffle, seed: as in :meth:`flow`.
            save_to_dir, save_prefix, save_format: as in :meth:`flow`.
            follow_links: follow symbolic links to folders.
            subset: ``"training"`` or ``"validation"``: the split is made per class.
            interpolation: resampling used by the resize (see ``load_img``).

        Returns:
            A :class:`DirectoryIterator`.

        Example:
            >>> batches = datagen.flow_from_directory("data/train", target_size=(64, 64))
        """
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes, class_mode=class_mode,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 data_format=self.data_format, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, dtype=self.dtype)

    # -- random transforms -----------------------------------------------------

    def _shifts(self, shift_range, size, n, rng):
        if not np.any(shift_range):
            return np.zeros(n)
        if isinstance(shift_range, np.ndarray) or isinstance(shift_range, numbers.Integral):
            choices = shift_range if isinstance(shift_range, np.ndarray) else np.arange(
                shift_range)
            shifts = rng.choice(choices, n).astype(np.float64) * rng.choice([-1, 1], n)
        else:
            shifts = rng.uniform(-shift_range, shift_range, n)
        if np.max(shift_range) < 1:
            shifts = shifts * size
        return shifts

    def random_parameters(self, n, image_shape, rng=np.random):
        """Random transform parameters for ``n`` images, each key an array of length ``n``.

        Args:
            n: number of images.
            image_shape: shape of one image.
            rng: a ``numpy.random.RandomState`` (or the ``numpy.random`` module).

        Returns:
            A dict with the keys of :meth:`get_random_transform`.
        """
        def uniform(limit):
            return rng.uniform(-limit, limit, n) if limit else np.zeros(n)

        low, high = self.zoom_range
        zooms = np.ones((2, n)) if (low, high) == (1, 1) else rng.uniform(low, high, (2, n))
        brightness = (np.ones(n) if self.brightness_range is None
                      else rng.uniform(self.brightness_range[0], self.brightness_range[1], n))
        return {
            "theta": uniform(self.rotation_range),
            "tx": self._shifts(self.height_shift_range, image_shape[self.row_axis], n, rng),
            "ty": self._shifts(self.width_shift_range, image_shape[self.col_axis], n, rng),
            "shear": uniform(self.shear_range),
            "zx": zooms[0],
            "zy": zooms[1],
            "flip_horizontal": (rng.random_sample(n) < 0.5) & bool(self.horizontal_flip),
            "flip_vertical": (rng.random_sample(n) < 0.5) & bool(self.vertical_flip),
            "channel_shift_intensity": uniform(self.channel_shift_range),
            "brightness": brightness,
        }

    def get_random_transform(self, img_shape, seed=None):
        """Random transform parameters for one image.

        Args:
            img_shape: shape of the image (3-D).
            seed: random seed, or ``None`` for the global NumPy random state.

        Returns:
            A dict: ``theta`` (degrees), ``tx``, ``ty`` (pixels), ``shear``
            (degrees), ``zx``, ``zy``, ``flip_horizontal``, ``flip_vertical``,
            ``channel_shift_intensity``, ``brightness``.

        Example:
            >>> params = datagen.get_random_transform((32, 32, 3), seed=1)
        """
        rng = np.random if seed is None else np.random.RandomState(seed)
        params = self.random_parameters(1, img_shape, rng)
        return {key: value[0].item() for key, value in params.items()}

    def apply_transform(self, x, transform_parameters):
        """Apply transform parameters (as from :meth:`get_random_transform`) to one image.

        Example:
            >>> rotated = datagen.apply_transform(img, {"theta": 90})
        """
        x = np.asarray(x)
        return apply_batch_parameters(x[None], {k: [v] if v is not None else None
                                         for k, v in transform_parameters.items()},
                               self.row_axis, self.col_axis, self.fill_mode, self.cval,
                               self.interpolation_order)[0]

    def random_transform(self, x, seed=None):
        """One image with a random transform applied.

        Example:
            >>> augmented = datagen.random_transform(img, seed=3)
        """
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def transform_batch(self, x, rng=np.random):
        """A batch with an independent random transform applied to each image."""
        params = self.random_parameters(len(x), x.shape[1:], rng)
        return apply_batch_parameters(x, params, self.row_axis, self.col_axis, self.fill_mode,
                               self.cval, self.interpolation_order)

    # -- normalisation ---------------------------------------------------------

    def standardize(self, x):
        """Normalise one image (see :meth:`standardize_batch`); returns a new array.

        Example:
            >>> datagen.standardize(img.astype("float32"))
        """
        return self.standardize_batch(np.asarray(x)[None])[0]

    def standardize_batch(self, x):
        """Apply ``preprocessing_function`` (per image), ``rescale``, sample-wise and
        feature-wise centring/scaling and ZCA whitening to a batch.

        Feature-wise steps need :meth:`fit` first; without it they are skipped
        with a warning.
        """
        x = np.array(x, dtype=self.dtype, copy=True)
        if self.preprocessing_function is not None:
            x = np.stack([self.preprocessing_function(image) for image in x]).astype(
                self.dtype, copy=False)
        if self.rescale:
            x *= self.rescale
        axes = tuple(range(1, x.ndim))
        if self.samplewise_center:
            x -= np.mean(x, axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, axis=axes, keepdims=True) + _STD_EPSILON
        for wanted, value, name in ((self.featurewise_center, self.mean, "featurewise_center"),
                                    (self.featurewise_std_normalization, self.std,
                                     "featurewise_std_normalization"),
                                    (self.zca_whitening, self.principal_components,
                                     "zca_whitening")):
            if wanted and value is None:
                warnings.warn(f"ImageDataGenerator has {name}=True but was not fit on any "
                              "data: call .fit(x) first. The step is skipped.", stacklevel=3)
        if self.featurewise_center and self.mean is not None:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x /= self.std + _STD_EPSILON
        if self.zca_whitening and self.principal_components is not None:
            flat = x.reshape(len(x), -1)
            x = (flat @ self.principal_components).reshape(x.shape).astype(self.dtype)
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the feature-wise mean, std and ZCA matrix from sample images.

        Args:
            x: rank-4 images.
            augment: fit on randomly transformed copies of ``x``.
            rounds: number of transformed copies with ``augment``.
            seed: seed of the transforms.

        Raises:
            ValueError: ``x`` is not rank 4.

        Example:
            >>> datagen.fit(x_train)
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"fit expected images as a rank-4 array. Received: shape {x.shape}")
        channels = x.shape[1 + self.channel_axis]
        if channels not in (1, 3, 4):
            warnings.warn(f"fit: images with {channels} channels ({self.data_format}); "
                          "expected 1, 3 or 4.", stacklevel=2)
        if augment:
            rng = np.random if seed is None else np.random.RandomState(seed)
            x = np.concatenate([self.transform_batch(x, rng) for _ in range(rounds)])
        x = np.array(x, dtype=self.dtype, copy=True)
        axes = (0, 1 + self.row_axis, 1 + self.col_axis)
        if self.featurewise_center:
            self.mean = np.mean(x, axis=axes, keepdims=True)[0]
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=axes, keepdims=True)[0]
            x /= self.std + _STD_EPSILON
        if self.zca_whitening:
            flat = x.reshape(len(x), -1).astype(np.float64)
            sigma = flat.T @ flat / len(flat)
            eigenvalues, eigenvectors = np.linalg.eigh(sigma)
            scale = 1. / np.sqrt(np.maximum(eigenvalues, 0.) + self.zca_epsilon)
            self.principal_components = ((eigenvectors * scale) @ eigenvectors.T).astype(
                self.dtype)
