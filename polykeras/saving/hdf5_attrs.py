"""HDF5 attributes as Keras 2 writes them: text, JSON and lists of names.

An HDF5 object header holds at most 64 KiB of attributes, so a long list of
names (``layer_names``, ``weight_names``) is split into ``name0``, ``name1``...
attributes, each under the limit; readers accept both forms. Every read checks
the attribute's declared size first, so a hostile file cannot make the reader
allocate gigabytes, and every malformed value raises a ``ValueError`` that
names the attribute and the object holding it.
"""
import json

import numpy as np

#: Bytes an HDF5 object header can hold; attributes are kept under it.
HDF5_OBJECT_HEADER_LIMIT = 64512

#: Largest attribute read (elements or bytes): far above any real model config.
MAX_ATTRIBUTE_BYTES = 256 * 1024 * 1024

#: Most ``name0, name1...`` chunks read for one list of names.
MAX_CHUNKS = 100_000


def _where(group, name):
    return f"attribute {name!r} of {getattr(group, 'name', None) or '/'!r}"


def _check_size(group, name):
    attr_id = group.attrs.get_id(name)
    shape = attr_id.shape or ()
    count = float(np.prod(shape, dtype=np.float64)) if shape else 1.
    size = count * attr_id.get_type().get_size()
    if size > MAX_ATTRIBUTE_BYTES:
        raise ValueError(f"The {_where(group, name)} declares {int(count)} elements "
                         f"({int(size)} bytes), more than the {MAX_ATTRIBUTE_BYTES} bytes a "
                         "model file attribute may hold: the file is corrupt.")


def read_raw(group, name):
    """The value of attribute ``name`` of ``group`` after a size check (``None`` if absent)."""
    if name not in group.attrs:
        return None
    _check_size(group, name)
    return group.attrs[name]


def _as_text(value, where):
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"The {where} is not UTF-8 text: {exc}") from exc
    if isinstance(value, str):
        return str(value)
    raise ValueError(f"The {where} should be text. Received a value of type "
                     f"{type(value).__name__}: {str(value)[:80]}")


def read_text(group, name, default=None):
    """Attribute ``name`` as a ``str`` (bytes are decoded as UTF-8), or ``default``.

    Raises:
        ValueError: the attribute is not text.
    """
    value = read_raw(group, name)
    if value is None:
        return default
    return _as_text(value, _where(group, name))


def read_json(group, name):
    """Attribute ``name`` decoded as JSON (``None`` when absent).

    Raises:
        ValueError: the attribute is not text or not valid JSON.
    """
    text = read_text(group, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"The {_where(group, name)} is not valid JSON: {exc}") from exc


def write_text(group, name, text):
    """Store ``text`` as a UTF-8 string attribute (how Keras 2 writes configs).

    Text under the header limit is stored as a fixed-length string, inside the
    object header; only longer text goes to HDF5's global heap (a variable-length
    string), whose corruption the HDF5 library does not always detect.
    """
    data = text.encode("utf8")
    if len(data) < HDF5_OBJECT_HEADER_LIMIT - 512:
        group.attrs[name] = np.bytes_(data)
    else:
        group.attrs[name] = data


def save_names(group, name, names):
    """Write a list of names as attribute ``name``, or as ``name0, name1...`` chunks.

    Args:
        group: an h5py group (or file).
        name: attribute name, e.g. ``"layer_names"``.
        names: a list of ``str``.

    Raises:
        ValueError: one name alone is longer than the header limit.

    Example:
        >>> save_names(f["model_weights"], "layer_names", ["dense_1", "dense_2"])
    """
    encoded = [n.encode("utf8") for n in names]
    too_long = [n for n in encoded if len(n) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot save {name}: {len(too_long)} name(s) are longer than the "
                         f"{HDF5_OBJECT_HEADER_LIMIT}-byte HDF5 header limit, e.g. "
                         f"{too_long[0][:60]!r}...")
    array = np.array(encoded, dtype=f"S{max((len(n) for n in encoded), default=1) or 1}")
    chunks = 1
    while array.nbytes > HDF5_OBJECT_HEADER_LIMIT * chunks:
        chunks += 1
    while any(part.nbytes > HDF5_OBJECT_HEADER_LIMIT
              for part in np.array_split(array, chunks)):
        chunks += 1
    if chunks == 1:
        group.attrs[name] = array
        return
    for index, part in enumerate(np.array_split(array, chunks)):
        group.attrs[f"{name}{index}"] = part


def _names_from(value, where):
    if isinstance(value, (bytes, str, np.bytes_, np.str_)):
        value = [value]
    if not isinstance(value, np.ndarray) and not isinstance(value, list):
        raise ValueError(f"The {where} should be a list of names. Received a value of type "
                         f"{type(value).__name__}.")
    value = np.asarray(value)
    if value.ndim > 1:
        raise ValueError(f"The {where} should be a 1-D list of names. Received an array "
                         f"of shape {value.shape}.")
    if value.ndim == 1 and value.size and value.dtype.kind not in "SUO":
        raise ValueError(f"The {where} should hold names (text). Received an array of "
                         f"dtype {value.dtype}.")
    return [_as_text(item, where) for item in value.reshape(-1)]


def load_names(group, name):
    """The list of names saved by :func:`save_names`, from one attribute or chunks.

    Returns:
        a list of ``str`` (empty when neither form is present).

    Raises:
        ValueError: the attribute holds something other than names.
    """
    if name in group.attrs:
        return _names_from(read_raw(group, name), _where(group, name))
    names = []
    for index in range(MAX_CHUNKS):
        chunk = f"{name}{index}"
        if chunk not in group.attrs:
            break
        names.extend(_names_from(read_raw(group, chunk), _where(group, chunk)))
    return names
