"""Files from the network: hashing, atomic downloads, safe archive extraction, ``get_file``.

``get_file`` follows Keras 2: a file is cached under
``<cache_dir>/<cache_subdir>/<fname>`` (``cache_dir`` defaults to
``$POLYKERAS_HOME``, so the default cache is ``$POLYKERAS_HOME/datasets``),
downloaded again when the cached copy does not match ``file_hash``, and
optionally extracted. Decisions beyond Keras 2:

* A download is written to a temporary ``.part`` file and moved into place
  only once it is complete and matches ``file_hash``; a failed or corrupt
  download leaves nothing in the cache.
* Archives are extracted only when every member stays inside the target
  folder: absolute names, ``..`` components, links pointing outside and
  device files are refused with an error naming the member.
"""
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

from polykeras.backend import config

__all__ = ["extract_archive", "file_hash_of", "get_file", "resolve_hash_algorithm",
           "validate_file"]

_ALGORITHMS = ("md5", "sha256")


def resolve_hash_algorithm(file_hash, hash_algorithm="auto"):
    """The hash algorithm to check ``file_hash`` with.

    Args:
        file_hash: expected hex digest.
        hash_algorithm: ``"md5"``, ``"sha256"`` or ``"auto"`` (sha256 for a
            64-digit hash, md5 otherwise, as in Keras 2).

    Returns:
        ``"md5"`` or ``"sha256"``.

    Raises:
        ValueError: for another algorithm name.
    """
    if hash_algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    if hash_algorithm not in _ALGORITHMS:
        raise ValueError(f"hash_algorithm must be one of 'auto', 'md5', 'sha256'. "
                         f"Received: hash_algorithm={hash_algorithm!r}")
    return hash_algorithm


def file_hash_of(path, algorithm="sha256", chunk_size=1 << 20):
    """Hex digest of a file, read in chunks.

    Args:
        path: the file.
        algorithm: ``"sha256"`` or ``"md5"`` (``"auto"`` means sha256).
        chunk_size: bytes read at a time.

    Returns:
        The hex digest as a string.

    Example:
        >>> file_hash_of("mnist.npz")[:8]
        '731c5ac6'
    """
    digest = hashlib.md5() if algorithm == "md5" else hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def validate_file(path, file_hash, algorithm="auto"):
    """Whether the file's hash equals ``file_hash`` (case-insensitive).

    Example:
        >>> validate_file("mnist.npz", "731c5ac6...")
        False
    """
    algorithm = resolve_hash_algorithm(file_hash, algorithm)
    return file_hash_of(path, algorithm) == str(file_hash).lower()


def download(origin, destination, file_hash=None, hash_algorithm="auto", verbose=True):
    """Download ``origin`` to ``destination`` atomically, checking its hash.

    Args:
        origin: a URL (``https://``, ``http://``, ``file://``...).
        destination: the final path; its folder must exist.
        file_hash: expected hex digest, or ``None`` for no check.
        hash_algorithm: see :func:`resolve_hash_algorithm`.
        verbose: print the origin and a progress bar.

    Raises:
        urllib.error.URLError, OSError: the download failed.
        ValueError: the downloaded file does not match ``file_hash``.
    """
    partial = f"{destination}.{os.getpid()}.part"
    hook = _progress_hook() if verbose else None
    if verbose:
        print(f"Downloading data from {origin}")
    try:
        urllib.request.urlretrieve(origin, partial, hook)
        if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
            algorithm = resolve_hash_algorithm(file_hash, hash_algorithm)
            raise ValueError(
                f"The file downloaded from {origin} is incomplete or corrupt: its "
                f"{algorithm} is {file_hash_of(partial, algorithm)}, expected {file_hash}.")
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _progress_hook():
    from polykeras.utils.generic_utils import Progbar

    state = {}

    def hook(blocks, block_size, total_size):
        if "bar" not in state:
            state["bar"] = Progbar(total_size if total_size > 0 else None)
        done = blocks * block_size
        state["bar"].update(min(done, total_size) if total_size > 0 else done)

    return hook


def _inside(root, path):
    root = os.path.realpath(root)
    path = os.path.realpath(path)
    return path == root or path.startswith(root + os.sep)


def _unsafe_tar_member(member, root):
    """Why extracting ``member`` under ``root`` is unsafe, or ``None``."""
    target = os.path.join(root, member.name)
    if os.path.isabs(member.name) or not _inside(root, target):
        return "its path leaves the target folder"
    if member.issym() or member.islnk():
        base = os.path.dirname(target) if member.issym() else root
        if os.path.isabs(member.linkname) or not _inside(root, os.path.join(base, member.linkname)):
            return f"it links outside the target folder (to {member.linkname!r})"
    if member.isdev() or member.isfifo():
        return "it is a device or FIFO"
    return None


def _extract_tar(path, root):
    with tarfile.open(path) as archive:
        members = archive.getmembers()
        for member in members:
            reason = _unsafe_tar_member(member, root)
            if reason:
                raise ValueError(f"Refusing to extract {path}: member {member.name!r} is "
                                 f"unsafe because {reason}.")
        # Python versions with extraction filters apply the "data" filter too.
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(root, members=members, **options)


def _extract_zip(path, root):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if os.path.isabs(name) or name.startswith(("/", "\\")) or not _inside(
                    root, os.path.join(root, name)):
                raise ValueError(f"Refusing to extract {path}: member {name!r} is unsafe "
                                 "because its path leaves the target folder.")
        archive.extractall(root)


_EXTRACTORS = {"tar": (tarfile.is_tarfile, _extract_tar),
               "zip": (zipfile.is_zipfile, _extract_zip)}


def extract_archive(path, destination=".", archive_format="auto"):
    """Extract a tar (plain, gz, bz2, xz) or zip archive into ``destination``.

    Args:
        path: the archive.
        destination: folder to extract into (created if needed).
        archive_format: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a
            list of those, or ``None`` (extract nothing).

    Returns:
        ``True`` when the archive was extracted, ``False`` when it is not in
        one of the formats asked for.

    Raises:
        ValueError: a member would be written outside ``destination`` (absolute
            path, ``..``, a link pointing outside) or is a device file; nothing
            is extracted then.

    Example:
        >>> extract_archive("flowers.tar.gz", "data")
        True
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    unknown = [name for name in archive_format if name not in _EXTRACTORS]
    if unknown:
        raise ValueError(f"archive_format must be 'auto', 'tar', 'zip', a list of those or None. "
                         f"Received: archive_format={unknown[0]!r}")
    for name in archive_format:
        is_format, extract = _EXTRACTORS[name]
        if is_format(path):
            os.makedirs(destination, exist_ok=True)
            extract(path, destination)
            return True
    return False


def _cache_folder(cache_dir, cache_subdir):
    base = os.path.expanduser(cache_dir) if cache_dir else config.home_dir()
    folder = os.path.join(base, cache_subdir)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        folder = os.path.join("/tmp", ".polykeras", cache_subdir)
        os.makedirs(folder, exist_ok=True)
    if not os.access(folder, os.W_OK):
        folder = os.path.join("/tmp", ".polykeras", cache_subdir)
        os.makedirs(folder, exist_ok=True)
    return folder


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Download a file into the cache unless a verified copy is already there.

    Args:
        fname: file name in the cache (with ``untar=True``: the name of the
            folder the archive ``fname + ".tar.gz"`` holds).
        origin: URL of the file.
        untar: legacy flag: the file is a ``.tar.gz`` to extract; returns the
            extracted folder's path.
        md5_hash: legacy: an md5 ``file_hash``.
        file_hash: expected hex digest (sha256 or md5); a cached file that
            does not match is downloaded again, and a download that does not
            match is an error.
        cache_subdir: sub-folder of ``cache_dir``, or an absolute folder.
        hash_algorithm: ``"md5"``, ``"sha256"`` or ``"auto"``.
        extract: extract the file (tar or zip) next to it.
        archive_format: formats tried when extracting (see
            :func:`extract_archive`).
        cache_dir: cache root; defaults to ``$POLYKERAS_HOME``
            (``~/.polykeras``). Unwritable: ``/tmp/.polykeras``.

    Returns:
        The path of the cached file (with ``untar=True``, of the extracted folder).

    Raises:
        OSError: the file is not cached and could not be downloaded; the
            message names the origin and the cause.
        ValueError: the download does not match ``file_hash``, or an archive
            member would be extracted outside the cache folder.

    Example:
        >>> path = get_file("mnist.npz",
        ...     "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        ...     file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    """
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if file_hash is not None:
        hash_algorithm = resolve_hash_algorithm(file_hash, hash_algorithm)
    folder = _cache_folder(cache_dir, cache_subdir)
    path = os.path.join(folder, fname)
    untarred = path
    if untar:
        path = untarred + ".tar.gz"
    stale = os.path.exists(path) and file_hash is not None and not validate_file(
        path, file_hash, hash_algorithm)
    if stale:
        print(f"A local file was found at {path}, but its {hash_algorithm} does not match "
              f"{file_hash}; downloading it again.")
    if stale or not os.path.exists(path):
        try:
            download(origin, path, file_hash, hash_algorithm)
        except (urllib.error.URLError, OSError) as exc:
            raise OSError(f"Could not download {fname!r} from {origin}: {exc}") from exc
    if untar:
        if not os.path.exists(untarred):
            _extract_or_clean(path, folder, "tar", untarred)
        return untarred
    if extract:
        _extract_or_clean(path, folder, archive_format, None)
    return path


def _extract_or_clean(path, folder, archive_format, expected):
    try:
        extract_archive(path, folder, archive_format)
    except (tarfile.TarError, zipfile.BadZipFile, OSError):
        if expected and os.path.isdir(expected):
            shutil.rmtree(expected)
        elif expected and os.path.exists(expected):
            os.remove(expected)
        raise
