"""Finding dataset files: a local folder, the cache, or a verified download.

Lookup order for a file ``name``: ``$POLYKERAS_DATASETS_DIR/name`` (a folder
laid out like Keras's cache, ``~/.keras/datasets``), then
``$POLYKERAS_HOME/datasets/name``, then a download from ``origin`` into that
cache. Every file is checked against the hash in its loader's table (sha256;
md5 where only an md5 was ever published) before use; a mismatch is an
error, never silently used. Archives (CIFAR) are extracted into the cache
next to a stamp that records the verified archive's hash, so a folder left
by an interrupted extraction or by another archive version is extracted
again.
"""
import os
import shutil
import tempfile
import urllib.error

from polykeras.backend import config
from polykeras.utils.file_utils import (
    download,
    extract_archive,
    file_hash_of,
    resolve_hash_algorithm,
)

__all__ = ["DatasetError", "dataset_archive", "dataset_file", "sha256_of"]


class DatasetError(OSError):
    """A dataset file is missing, unreachable or corrupt."""


def sha256_of(path):
    """Hex sha256 of a file."""
    return file_hash_of(path, "sha256")


def _verified(path, file_hash):
    algorithm = resolve_hash_algorithm(file_hash)
    actual = file_hash_of(path, algorithm)
    if actual != file_hash.lower():
        raise DatasetError(f"{path} is corrupt: {algorithm} {actual}, expected {file_hash}. "
                           "Delete it (or fix the folder) and load again.")
    return path


def _cache_root():
    return os.path.join(config.home_dir(), "datasets")


def dataset_file(name, origin, file_hash):
    """Path of a verified copy of dataset file ``name``.

    Args:
        name: path relative to the datasets folder, e.g. ``"mnist.npz"`` or
            ``"fashion-mnist/t10k-labels-idx1-ubyte.gz"``.
        origin: URL to download from when no local copy exists.
        file_hash: expected hex digest (64 digits: sha256; 32: md5).

    Returns:
        The path of the verified file.

    Raises:
        DatasetError: the file is corrupt, or absent and cannot be downloaded;
            the message lists where it was looked for and how to provide it.

    Example:
        >>> dataset_file("mnist.npz", ORIGIN, SHA256)
        '/home/me/.polykeras/datasets/mnist.npz'
    """
    local_dir = os.environ.get("POLYKERAS_DATASETS_DIR")
    cache = os.path.join(_cache_root(), name)
    looked = []
    if local_dir:
        candidate = os.path.join(local_dir, name)
        looked.append(candidate)
        if os.path.exists(candidate):
            return _verified(candidate, file_hash)
    looked.append(cache)
    if os.path.exists(cache):
        return _verified(cache, file_hash)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    try:
        download(origin, cache, file_hash)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DatasetError(
            f"Dataset file {name!r} was not found (looked in: {', '.join(looked)}) and could "
            f"not be downloaded from {origin}: {exc}. Put a copy in one of those places or set "
            "POLYKERAS_DATASETS_DIR to a folder holding it.") from exc
    return cache


def dataset_archive(folder, archive, origin, file_hash):
    """Path of the folder extracted from a verified tar archive.

    The archive is found like :func:`dataset_file`; it is extracted into
    ``$POLYKERAS_HOME/datasets`` once per archive hash.

    Args:
        folder: the top-level folder the archive holds, e.g. ``"cifar-10-batches-py"``.
        archive: the archive's file name, e.g. ``"cifar-10-batches-py.tar.gz"``.
        origin: URL of the archive.
        file_hash: expected hex digest of the archive.

    Returns:
        The path of the extracted folder.

    Raises:
        DatasetError: as :func:`dataset_file`, or the archive does not hold ``folder``.
    """
    root = _cache_root()
    target = os.path.join(root, folder)
    stamp = os.path.join(root, f".{folder}.extracted")
    if os.path.isdir(target) and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() == file_hash:
                return target
    path = dataset_file(archive, origin, file_hash)
    os.makedirs(root, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=f".{folder}.", dir=root)
    try:
        try:
            extract_archive(path, scratch, "tar")
        except (OSError, ValueError) as exc:
            raise DatasetError(f"Could not extract {path}: {exc}") from exc
        if not os.path.isdir(os.path.join(scratch, folder)):
            raise DatasetError(f"{path} does not hold the folder {folder!r} "
                               f"(it holds {sorted(os.listdir(scratch))}).")
        if os.path.lexists(stamp):
            os.remove(stamp)
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(os.path.join(scratch, folder), target)
        with open(stamp, "w") as f:
            f.write(file_hash)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
