"""Finding dataset files: a local folder, the cache, or a verified download.

Lookup order for a file ``name``: ``$POLYKERAS_DATASETS_DIR/name`` (a folder
laid out like Keras's cache), then ``$POLYKERAS_HOME/datasets/name``, then a
download from ``origin`` into that cache. Every file is checked against its
sha256 before use; a mismatch is an error, never silently used.
"""
import hashlib
import os
import urllib.error
import urllib.request

from polykeras.backend import config


class DatasetError(OSError):
    """A dataset file is missing, unreachable or corrupt."""


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path, sha256):
    actual = sha256_of(path)
    if actual != sha256:
        raise DatasetError(f"{path} is corrupt: sha256 {actual}, expected {sha256}. "
                           "Delete it (or fix the folder) and load again.")
    return path


def dataset_file(name, origin, sha256):
    """Path of a verified copy of dataset file ``name``.

    Args:
        name: path relative to the datasets folder, e.g. ``"mnist.npz"``.
        origin: URL to download from when no local copy exists.
        sha256: expected hex digest.

    Raises:
        DatasetError: the file is corrupt, or absent and cannot be downloaded;
            the message lists where it was looked for.
    """
    local_dir = os.environ.get("POLYKERAS_DATASETS_DIR")
    cache = os.path.join(config.home_dir(), "datasets", name)
    looked = []
    if local_dir:
        candidate = os.path.join(local_dir, name)
        looked.append(candidate)
        if os.path.exists(candidate):
            return _verified(candidate, sha256)
    looked.append(cache)
    if os.path.exists(cache):
        return _verified(cache, sha256)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    partial = f"{cache}.{os.getpid()}.part"
    try:
        urllib.request.urlretrieve(origin, partial)
        _verified(partial, sha256)
        os.replace(partial, cache)
    except (urllib.error.URLError, OSError) as exc:
        if os.path.exists(partial):
            os.remove(partial)
        raise DatasetError(
            f"Dataset file {name!r} was not found (looked in: {', '.join(looked)}) and could "
            f"not be downloaded from {origin}: {exc}. Put a copy in one of those places or set "
            "POLYKERAS_DATASETS_DIR to a folder holding it.") from exc
    return cache
