"""get_file: caching, hash checks, re-download of stale files, safe tar/zip extraction.

Downloads use real ``file://`` URLs, so the download code path runs for real
without a network.
"""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from polykeras.utils import data_utils
from polykeras.utils.file_utils import extract_archive, get_file, validate_file


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _url(path):
    return path.resolve().as_uri()


@pytest.fixture
def origin(tmp_path):
    return _write(tmp_path / "server" / "payload.bin", b"polykeras payload " * 100)


def test_get_file_is_importable_from_data_utils():
    assert data_utils.get_file is get_file


def test_download_then_cache(tmp_path, origin, capsys):
    cache = tmp_path / "cache"
    path = get_file("payload.bin", _url(origin), cache_dir=str(cache))
    assert path == str(cache / "datasets" / "payload.bin")
    assert open(path, "rb").read() == origin.read_bytes()
    assert "Downloading data from" in capsys.readouterr().out
    os.remove(origin)  # the origin is gone: the cached copy must be used
    assert get_file("payload.bin", _url(origin), cache_dir=str(cache)) == path
    assert "Downloading" not in capsys.readouterr().out
    assert not [name for name in os.listdir(cache / "datasets") if name.endswith(".part")]


def test_default_cache_is_polykeras_home(tmp_path, origin, monkeypatch):
    monkeypatch.setenv("POLYKERAS_HOME", str(tmp_path / "home"))
    path = get_file("payload.bin", _url(origin), cache_subdir="models")
    assert path == str(tmp_path / "home" / "models" / "payload.bin")


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_hash_checked_and_auto_detected(tmp_path, origin, algorithm):
    digest = hashlib.new(algorithm, origin.read_bytes()).hexdigest()
    path = get_file("payload.bin", _url(origin), file_hash=digest, cache_dir=str(tmp_path / "c"))
    assert validate_file(path, digest)
    assert validate_file(path, digest, algorithm)
    assert not validate_file(path, "0" * len(digest))


def test_legacy_md5_hash_argument(tmp_path, origin):
    digest = hashlib.md5(origin.read_bytes()).hexdigest()
    path = get_file("payload.bin", _url(origin), md5_hash=digest, cache_dir=str(tmp_path / "c"))
    assert os.path.exists(path)


def test_corrupt_download_raises_and_leaves_nothing(tmp_path, origin):
    cache = tmp_path / "c"
    with pytest.raises(ValueError, match="corrupt"):
        get_file("payload.bin", _url(origin), file_hash="0" * 64, cache_dir=str(cache))
    assert os.listdir(cache / "datasets") == []


def test_stale_cached_file_is_downloaded_again(tmp_path, origin):
    cache = tmp_path / "c"
    stale = _write(cache / "datasets" / "payload.bin", b"truncated")
    digest = hashlib.sha256(origin.read_bytes()).hexdigest()
    path = get_file("payload.bin", _url(origin), file_hash=digest, cache_dir=str(cache))
    assert path == str(stale)
    assert stale.read_bytes() == origin.read_bytes()


def test_unreachable_origin_names_it(tmp_path):
    missing = _url(tmp_path) + "/nowhere.bin"
    with pytest.raises(OSError, match="nowhere.bin"):
        get_file("nowhere.bin", missing, cache_dir=str(tmp_path / "c"))


def test_bad_hash_algorithm(tmp_path, origin):
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("payload.bin", _url(origin), file_hash="ab", hash_algorithm="crc",
                 cache_dir=str(tmp_path))


def _tar_gz(path, members):
    """Write a tar.gz of ``members``: name -> bytes, or a TarInfo for special members."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                archive.addfile(content)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return path


def test_untar_returns_extracted_folder(tmp_path):
    archive = _tar_gz(tmp_path / "server" / "pack.tar.gz",
                      {"pack/a.txt": b"alpha", "pack/sub/b.txt": b"beta"})
    path = get_file("pack", _url(archive), untar=True, cache_dir=str(tmp_path / "c"))
    assert path == str(tmp_path / "c" / "datasets" / "pack")
    assert open(os.path.join(path, "sub", "b.txt"), "rb").read() == b"beta"
    assert os.path.exists(path + ".tar.gz")


def test_extract_zip_next_to_file(tmp_path):
    archive = tmp_path / "server" / "pack.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/c.txt", "gamma")
    path = get_file("pack.zip", _url(archive), extract=True, cache_dir=str(tmp_path / "c"))
    assert path.endswith("pack.zip")
    extracted = tmp_path / "c" / "datasets" / "inner" / "c.txt"
    assert extracted.read_text() == "gamma"


def _link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize("members", [
    {"../escape.txt": b"x"},
    {"/tmp/absolute-escape.txt": b"x"},
    {"ok/../../escape.txt": b"x"},
    {"link": _link("link", "../outside")},
    {"hard": _link("hard", "../../etc/passwd", tarfile.LNKTYPE)},
], ids=["dotdot", "absolute", "nested-dotdot", "symlink-out", "hardlink-out"])
def test_tar_path_traversal_is_refused(tmp_path, members):
    archive = _tar_gz(tmp_path / "evil.tar.gz", {"fine.txt": b"ok", **members})
    target = tmp_path / "out" / "inner"
    with pytest.raises(ValueError, match="unsafe"):
        extract_archive(str(archive), str(target))
    assert not (tmp_path / "out" / "escape.txt").exists()
    assert not (target / "fine.txt").exists()  # nothing extracted at all


def test_zip_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape.txt", "x")
    with pytest.raises(ValueError, match="unsafe"):
        extract_archive(str(archive), str(tmp_path / "out" / "inner"))
    assert not (tmp_path / "out" / "escape.txt").exists()


def test_extract_archive_formats(tmp_path):
    archive = _tar_gz(tmp_path / "a.tar.gz", {"x.txt": b"x"})
    assert extract_archive(str(archive), str(tmp_path / "o"), archive_format="zip") is False
    assert extract_archive(str(archive), str(tmp_path / "o"), archive_format=None) is False
    assert extract_archive(str(archive), str(tmp_path / "o"), archive_format="auto") is True
    assert (tmp_path / "o" / "x.txt").read_bytes() == b"x"
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(str(archive), str(tmp_path / "o"), archive_format="rar")
