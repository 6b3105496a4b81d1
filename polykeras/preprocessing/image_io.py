"""Images as files and arrays: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``.

Pillow is imported on first use; without it these functions raise an
``ImportError`` that says to install it.
"""
import io
import warnings

import numpy as np

from polykeras import backend as K

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]

COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    """The ``PIL.Image`` module, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError("polykeras.preprocessing.image needs Pillow to read and write "
                          "images: pip install Pillow") from exc
    return Image


def _data_format(data_format):
    data_format = K.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'data_format must be "channels_last" or "channels_first". '
                         f"Received: data_format={data_format!r}")
    return data_format


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest"):
    """Read an image file (PNG, JPEG, BMP, GIF...) into a PIL image.

    Args:
        path: path of the file (or a file-like object).
        grayscale: deprecated spelling of ``color_mode="grayscale"``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or ``None``.
        interpolation: resampling for the resize: ``"nearest"``,
            ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"`` or ``"lanczos"``.

    Returns:
        A ``PIL.Image.Image`` in the requested mode (16- and 32-bit grayscale
        images keep their depth).

    Raises:
        ImportError: Pillow is not installed.
        ValueError: an unknown ``color_mode`` or ``interpolation``.

    Example:
        >>> img = load_img("cat.jpg", target_size=(224, 224))
    """
    Image = pil_image()
    if grayscale:
        color_mode = "grayscale"
    if color_mode not in COLOR_MODES:
        raise ValueError(f'color_mode must be "grayscale", "rgb" or "rgba". '
                         f"Received: color_mode={color_mode!r}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}. "
                         f"Received: interpolation={interpolation!r}")
    if hasattr(path, "read"):
        img = Image.open(io.BytesIO(path.read()))
    else:
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    keep = ("L", "I;16", "I") if color_mode == "grayscale" else (COLOR_MODES[color_mode],)
    if img.mode not in keep:
        img = img.convert(COLOR_MODES[color_mode])
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))
        if img.size != size:
            resample = getattr(Image, "Resampling", Image)
            img = img.resize(size, getattr(resample, interpolation.upper()))
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a 3-D array ``(height, width, channels)`` (channels first if asked).

    Args:
        img: a PIL image.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None``: the
            configured ``image_data_format``.
        dtype: dtype of the array; ``None``: ``K.floatx()``.

    Returns:
        The pixel values (0-255 for 8-bit images), unscaled.

    Raises:
        ValueError: the image does not give a 2-D or 3-D array, or a bad ``data_format``.

    Example:
        >>> img_to_array(load_img("cat.jpg")).shape
        (375, 500, 3)
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or K.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"img_to_array expected an image giving a 2-D or 3-D array. "
                         f"Received: an array of shape {x.shape}")
    return np.ascontiguousarray(x.transpose(2, 0, 1)) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array as a PIL image (1 channel: ``L``, 3: ``RGB``, 4: ``RGBA``).

    Args:
        x: array of shape ``(height, width, channels)`` (channels first if asked).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None``: configured.
        scale: stretch the values to 0-255 (min to 0, max to 255) first;
            without it the values are cast to 8 bits as they are.
        dtype: dtype the array is converted to first; ``None``: ``K.floatx()``.

    Returns:
        A ``PIL.Image.Image``.

    Raises:
        ValueError: ``x`` is not 3-D or has another number of channels.

    Example:
        >>> array_to_img(np.zeros((8, 8, 3))).size
        (8, 8)
    """
    Image = pil_image()
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or K.floatx())
    if x.ndim != 3:
        raise ValueError(f"array_to_img expected a 3-D image array. Received: an array of "
                         f"shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    channels = x.shape[2]
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype(np.int32), "I")
        return Image.fromarray(x[:, :, 0].astype(np.uint8), "L")
    if channels in (3, 4):
        return Image.fromarray(x.astype(np.uint8), "RGB" if channels == 3 else "RGBA")
    raise ValueError(f"array_to_img expected 1, 3 or 4 channels. Received: an array of "
                     f"shape {x.shape} ({channels} channels, {data_format})")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write a 3-D image array to a file.

    Args:
        path: path (or file object) to write.
        x: the image array (see :func:`array_to_img`).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None``: configured.
        file_format: ``"png"``, ``"jpeg"``...; ``None``: from the file name.
        scale: stretch the values to 0-255 first.
        **kwargs: passed to ``PIL.Image.Image.save`` (``quality=``...).

    Example:
        >>> save_img("out.png", np.random.rand(8, 8, 3))
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and str(file_format or path).lower().endswith(("jpg", "jpeg")):
        warnings.warn("JPEG has no alpha channel: the image is saved as RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
