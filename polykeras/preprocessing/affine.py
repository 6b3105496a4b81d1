"""Geometric and colour transforms of images, for one image or a batch with per-image parameters.

Conventions (those of Keras 2): angles in degrees; ``tx`` shifts along the
row axis and ``ty`` along the column axis, in pixels; the matrix maps output
pixel coordinates to input coordinates, composed as rotation @ shift @ shear
@ zoom. Decisions:

* The transform is centred on the image's true centre,
  ``((height - 1) / 2, (width - 1) / 2)``; Keras 2 used ``size / 2 + 0.5``,
  one pixel off, so there a 90 degree rotation of a square image also shifts it.
  (tf_keras 2.x fixed the centre but builds the matrix on (column, row)
  coordinates, so its ``tx`` moves columns although it is drawn from
  ``height_shift_range``; polykeras keeps Keras 2's (row, column) order.)
* Each image is resampled by one ``scipy.ndimage.affine_transform`` call over
  all its channels (the matrix is the identity on the channel axis); the
  matrices of a whole batch are built at once.
* ``apply_brightness_shift`` multiplies the pixel values and, for images in
  the 8-bit range [0, 255], clips to it (what Pillow's brightness enhancer
  does) without rounding to 8 bits.
"""
import numpy as np

__all__ = ["affine_matrices", "apply_affine_transform", "apply_brightness_shift",
           "apply_channel_shift", "flip_axis", "transform_batch"]

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _ndimage():
    try:
        from scipy import ndimage
    except ImportError as exc:
        raise ImportError("Rotation, shift, shear and zoom of images need SciPy "
                          "(scipy.ndimage): pip install scipy") from exc
    return ndimage


def affine_matrices(theta, tx, ty, shear, zx, zy, height, width):
    """Output-to-input coordinate matrices for a batch of affine transforms.

    Args:
        theta: rotation angles in degrees, shape ``(n,)`` (or scalars).
        tx, ty: shifts along rows and columns, in pixels.
        shear: shear angles in degrees.
        zx, zy: zoom factors along rows and columns (above 1 zooms out).
        height, width: image size; the transforms are centred on the image.

    Returns:
        An array of shape ``(n, 3, 3)`` acting on ``(row, col, 1)``.

    Example:
        >>> affine_matrices(0, 0, 0, 0, 1, 1, 8, 8)[0]
        array([[1., 0., 0.], [0., 1., 0.], [0., 0., 1.]])
    """
    theta, tx, ty, shear, zx, zy = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (theta, tx, ty, shear, zx, zy)))
    n = theta.shape[0]

    def stack(*rows):
        return np.stack([np.stack(np.broadcast_arrays(*row), axis=-1) for row in rows], axis=-2)

    zero, one = np.zeros(n), np.ones(n)
    angle, slant = np.deg2rad(theta), np.deg2rad(shear)
    rotation = stack((np.cos(angle), -np.sin(angle), zero), (np.sin(angle), np.cos(angle), zero),
                     (zero, zero, one))
    shift = stack((one, zero, tx), (zero, one, ty), (zero, zero, one))
    shearing = stack((one, -np.sin(slant), zero), (zero, np.cos(slant), zero), (zero, zero, one))
    zoom = stack((zx, zero, zero), (zero, zy, zero), (zero, zero, one))
    matrices = rotation @ shift @ shearing @ zoom
    centre = np.array([[1., 0., (height - 1) / 2.], [0., 1., (width - 1) / 2.], [0., 0., 1.]])
    uncentre = np.array([[1., 0., -(height - 1) / 2.], [0., 1., -(width - 1) / 2.], [0., 0., 1.]])
    return centre @ matrices @ uncentre


def _resample(image, matrix, row_axis, col_axis, fill_mode, cval, order):
    """One image resampled through a 3x3 row/col matrix; other axes are kept as they are."""
    full = np.eye(image.ndim)
    offset = np.zeros(image.ndim)
    axes = (row_axis, col_axis)
    for i, a in enumerate(axes):
        offset[a] = matrix[i, 2]
        for j, b in enumerate(axes):
            full[a, b] = matrix[i, j]
    return _ndimage().affine_transform(image, full, offset, order=order, mode=fill_mode,
                                       cval=cval)


def _check_fill_mode(fill_mode):
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {', '.join(FILL_MODES)}. "
                         f"Received: fill_mode={fill_mode!r}")


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2,
                           channel_axis=0, fill_mode="nearest", cval=0., order=1):
    """Rotate, shift, shear and zoom one image.

    Args:
        x: a 3-D image array.
        theta: rotation angle in degrees.
        tx, ty: shift along the row and column axes, in pixels.
        shear: shear angle in degrees.
        zx, zy: zoom along rows and columns (above 1 shows a larger area).
        row_axis, col_axis, channel_axis: the axes of ``x``.
        fill_mode: how points outside the image are filled: ``"constant"``
            (``cval``), ``"nearest"``, ``"reflect"`` or ``"wrap"``.
        cval: the ``"constant"`` fill value.
        order: spline interpolation order (0: nearest, 1: bilinear).

    Returns:
        The transformed image (``x`` itself when every parameter is neutral).

    Raises:
        ValueError: an unknown ``fill_mode``, or ``x`` is not 3-D.
        ImportError: SciPy is missing.

    Example:
        >>> apply_affine_transform(img, theta=90, row_axis=0, col_axis=1, channel_axis=2)
    """
    _check_fill_mode(fill_mode)
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform expected a 3-D image. Received: an array of "
                         f"shape {x.shape}")
    if (theta, tx, ty, shear, zx, zy) == (0, 0, 0, 0, 1, 1):
        return x
    matrix = affine_matrices(theta, tx, ty, shear, zx, zy, x.shape[row_axis],
                             x.shape[col_axis])[0]
    return _resample(x, matrix, row_axis, col_axis, fill_mode, cval, order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own value range.

    Example:
        >>> apply_channel_shift(np.array([[[0., 10.]]]), 5., channel_axis=2)
        array([[[ 5., 10.]]])
    """
    x = np.asarray(x)
    return np.clip(x + intensity, np.min(x), np.max(x))


def apply_brightness_shift(x, brightness):
    """Multiply the pixel values by ``brightness``; 8-bit-range images stay in [0, 255].

    Example:
        >>> apply_brightness_shift(np.full((1, 1, 1), 200.), 1.5)
        array([[[255.]]])
    """
    x = np.asarray(x)
    out = x * brightness
    if x.size and np.min(x) >= 0 and np.max(x) <= 255:
        out = np.clip(out, 0, 255)
    return out.astype(x.dtype, copy=False)


def flip_axis(x, axis):
    """``x`` reversed along ``axis``.

    Example:
        >>> flip_axis(np.array([[1, 2]]), 1)
        array([[2, 1]])
    """
    return np.flip(np.asarray(x), axis)


def transform_batch(x, params, row_axis, col_axis, fill_mode="nearest", cval=0., order=1):
    """Apply per-image transform parameters to a batch.

    Args:
        x: a float array ``(n,) + image_shape``.
        params: dict of arrays of length ``n`` with the keys of
            ``ImageDataGenerator.get_random_transform`` (``theta``, ``tx``,
            ``ty``, ``shear``, ``zx``, ``zy``, ``flip_horizontal``,
            ``flip_vertical``, ``channel_shift_intensity``, ``brightness``);
            missing keys (or ``None``) are neutral.
        row_axis, col_axis: the image axes (of one image, without the batch axis).
        fill_mode, cval, order: as in :func:`apply_affine_transform`.

    Returns:
        A new array of the same shape.
    """
    _check_fill_mode(fill_mode)
    x = np.array(x, copy=True)
    n = len(x)

    def get(key, neutral):
        value = params.get(key)
        value = neutral if value is None else value
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))

    geometry = [get(k, v) for k, v in (("theta", 0), ("tx", 0), ("ty", 0), ("shear", 0),
                                       ("zx", 1), ("zy", 1))]
    moved = np.any(np.stack(geometry) != np.array([0, 0, 0, 0, 1, 1])[:, None], axis=0)
    if moved.any():
        matrices = affine_matrices(*geometry, x.shape[1 + row_axis], x.shape[1 + col_axis])
        for i in np.flatnonzero(moved):
            x[i] = _resample(x[i], matrices[i], row_axis, col_axis, fill_mode, cval, order)
    batch_shape = (n,) + (1,) * (x.ndim - 1)
    shift = get("channel_shift_intensity", 0)
    if shift.any():
        flat = x.reshape(n, -1)
        low = flat.min(axis=1).reshape(batch_shape)
        high = flat.max(axis=1).reshape(batch_shape)
        x = np.clip(x + shift.reshape(batch_shape), low, high)
    for key, axis in (("flip_horizontal", col_axis), ("flip_vertical", row_axis)):
        chosen = get(key, 0).astype(bool)
        if chosen.any():
            x[chosen] = np.flip(x[chosen], axis=1 + axis)
    brightness = get("brightness", 1)
    if np.any(brightness != 1):
        flat = x.reshape(n, -1)
        eight_bit = ((flat.min(axis=1) >= 0) & (flat.max(axis=1) <= 255)).reshape(batch_shape)
        scaled = x * brightness.reshape(batch_shape)
        x = np.where(eight_bit, np.clip(scaled, 0, 255), scaled).astype(x.dtype, copy=False)
    return x
