"""Atomic file replacement: a save either completes or leaves the old file intact.

The new content is written to a temporary file in the target's directory
(same file system, so the final rename is atomic), flushed to disk with
``fsync``, then moved over the target with ``os.replace``. A process killed
mid-save leaves at most a stray ``.<name>.tmp-*`` file next to an untouched
target.
"""
import contextlib
import os
import tempfile


def _fsync_path(path, directory=False):
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some platforms cannot open directories; the rename still happened
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _file_mode(path):
    """The target's current permissions, or the default for a new file (0o666 - umask)."""
    with contextlib.suppress(OSError):
        return os.stat(path).st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    Args:
        path: the final file path (its directory must exist).

    Yields:
        the temporary file's path, in the same directory.

    Raises:
        OSError: the directory does not exist or is not writable.

    Example:
        >>> with atomic_write("model.h5") as tmp:
        ...     write_hdf5(tmp)
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise OSError(f"Cannot save to {path!r}: the directory {directory!r} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.tmp-", dir=directory)
    os.close(fd)
    try:
        os.chmod(tmp, _file_mode(path))
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_path(directory, directory=True)
