"""The uploaded files (MEDIA_ROOT) as one tar, with the size and SHA-256 of every file.

A plain tar, not compressed: attachments are PDFs, images and office files, compressed already.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from alliance.core.backup.errors import BackupError

CHUNK = 1024 * 1024


def sha256_of(path: Path) -> tuple[int, str]:
    """The size and SHA-256 of a file, read in chunks (dumps and tars can be large)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class _HashingReader:
    """Hands tarfile the file's bytes and hashes them on the way, so each file is read once."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def _regular_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    # Symbolic links are not followed: nothing outside MEDIA_ROOT ends up in the archive.
    for folder, _dirs, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


def media_pack(root: Path, tar_path: Path) -> dict[str, dict]:
    """Write every file under ``root`` to ``tar_path``; return their sizes and checksums."""
    files: dict[str, dict] = {}
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in _regular_files(root):
            name = path.relative_to(root).as_posix()
            try:
                raw = path.open("rb")
            except FileNotFoundError:  # the orphan sweep removed it after the listing
                continue
            with raw:
                stat = os.fstat(raw.fileno())
                info = tarfile.TarInfo(name)
                info.size = stat.st_size
                info.mtime = int(stat.st_mtime)  # the orphan sweep reads the age of a file
                info.mode = 0o640
                reader = _HashingReader(raw)
                tar.addfile(info, reader)
            files[name] = {"bytes": info.size, "sha256": reader.digest.hexdigest()}
    return files


def media_check(tar_path: Path, files: dict[str, dict]) -> None:
    """Every member of the tar is a regular file the manifest lists, with its size and checksum,
    and every listed file is there."""
    seen = set()
    try:
        with tarfile.open(tar_path, "r:") as tar:
            for member in tar:
                expected = files.get(member.name)
                if expected is None or not member.isfile():
                    raise BackupError(
                        _("media.tar holds %(name)s, which the manifest does not list.")
                        % {"name": member.name}
                    )
                digest = hashlib.sha256()
                stream = tar.extractfile(member)
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                if member.size != expected["bytes"] or digest.hexdigest() != expected["sha256"]:
                    raise BackupError(
                        _("The media file %(name)s does not match its checksum in the manifest.")
                        % {"name": member.name}
                    )
                seen.add(member.name)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(_("media.tar cannot be read: %(error)s") % {"error": error}) from error
    missing = sorted(set(files) - seen)
    if missing:
        raise BackupError(
            _("media.tar lacks %(count)d file(s) the manifest lists, e.g. %(name)s.")
            % {"count": len(missing), "name": missing[0]}
        )


def media_is_empty(root: Path) -> bool:
    if root.exists() and not root.is_dir():
        raise BackupError(_("%(path)s is not a folder.") % {"path": root})
    return not root.exists() or not any(root.iterdir())


def media_clear(root: Path) -> None:
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def media_unpack(tar_path: Path, root: Path, files: dict[str, dict]) -> None:
    """Extract the tar into ``root`` and check every file written against the manifest."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tar_path, "r:") as tar:
            # The "data" filter refuses absolute paths, "..", links and devices.
            tar.extractall(root, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            _("The media files could not be written to %(path)s: %(error)s")
            % {"path": root, "error": error}
        ) from error
    for name, expected in files.items():
        if sha256_of(root / name) != (expected["bytes"], expected["sha256"]):
            raise BackupError(
                _("The restored media file %(name)s does not match its checksum.") % {"name": name}
            )
