"""Writing a backup folder and restoring one (see the package's docstring for its layout)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django
import environ
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.backup.databases import database_for, describe
from alliance.core.backup.errors import BackupError
from alliance.core.backup.media import (
    media_check,
    media_clear,
    media_is_empty,
    media_pack,
    media_unpack,
    sha256_of,
)

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar"
NAME_PREFIX = "hongchain-"
_URL_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
_REQUIRED = {
    "database": ("vendor", "file", "bytes", "sha256"),
    "media": ("file", "bytes", "sha256", "files"),
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    database: str
    tables: dict[str, int]
    database_bytes: int
    media_files: int
    media_bytes: int
    seconds: float

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class RestoreResult:
    archive: Path
    created_at: str
    database: str
    database_created: bool
    database_replaced: bool
    tables: dict[str, int]
    media_root: Path
    media_replaced: bool
    media_files: int
    media_bytes: int
    pending_migrations: list[str]
    unknown_migrations: list[str]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _quiet(message: str) -> None:
    pass


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def database_from_url(url: str) -> dict:
    """A database URL (as in DATABASE_URL) as Django settings; a clear error for anything else."""
    scheme = urlsplit(url).scheme.lower()
    config = environ.Env.db_url_config(url) if scheme in _URL_SCHEMES else {}
    if not config.get("NAME") or config["NAME"] == ":memory:":
        raise BackupError(
            _(
                "%(url)s is not a database URL this portal can use: give "
                "postgres://user:password@host:5432/name or sqlite:////absolute/path.sqlite3."
            )
            % {"url": _without_password(url)}
        )
    return config


# --- Backup ---------------------------------------------------------------------------------------


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup_create(
    *,
    output_dir: Path,
    database: dict | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> BackupResult:
    """Write ``hongchain-<time>`` under ``output_dir`` with the database and the media files."""
    started = time.monotonic()
    progress = progress or _quiet
    config = database or connections[DEFAULT_DB_ALIAS].settings_dict
    db = database_for(config)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output_dir = Path(output_dir)
    if output_dir.resolve().is_relative_to(media_root.resolve()):
        # The archive would contain itself, and the next backup every earlier one.
        raise BackupError(_("Write backups outside MEDIA_ROOT (%(path)s).") % {"path": media_root})
    moment = timezone.localtime(now or timezone.now()).replace(microsecond=0)
    name = f"{NAME_PREFIX}{moment:%Y%m%d-%H%M%S}"
    final = output_dir / name
    if final.exists():
        raise BackupError(_("%(path)s exists already.") % {"path": final})
    partial = output_dir / f"{name}.partial"
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        # The folder holds every person's data and the password hashes: its owner only.
        partial.mkdir(mode=0o700)
    except OSError as error:
        raise BackupError(
            _("Cannot create %(path)s: %(error)s") % {"path": partial, "error": error.strerror}
        ) from error
    try:
        progress(_("Dumping %(database)s …") % {"database": db.describe()})
        dump = db.dump(partial / db.file_name)
        database_bytes, database_sha = sha256_of(partial / db.file_name)
        # After the database: a file uploaded meanwhile is archived without its row (the orphan
        # sweep removes it after a restore), never a row without its file.
        progress(_("Archiving the media files of %(path)s …") % {"path": media_root})
        files = media_pack(media_root, partial / MEDIA)
        media_bytes, media_sha = sha256_of(partial / MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(),
            "django": django.get_version(),
            "database": {
                "vendor": db.vendor,
                "source": db.describe(),
                "file": db.file_name,
                "bytes": database_bytes,
                "sha256": database_sha,
                **dump.properties,
            },
            "migrations": dump.migrations,
            "tables": dump.tables,
            "media": {"file": MEDIA, "bytes": media_bytes, "sha256": media_sha, "files": files},
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        # On disk before the folder gets the name that says it is complete.
        for path in (partial / db.file_name, partial / MEDIA, partial / MANIFEST, partial):
            _fsync(path)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(
        path=final,
        database=db.describe(),
        tables=dump.tables,
        database_bytes=database_bytes,
        media_files=len(files),
        media_bytes=sum(entry["bytes"] for entry in files.values()),
        seconds=time.monotonic() - started,
    )


# --- Restore --------------------------------------------------------------------------------------


def _read_manifest(archive: Path) -> dict:
    if not archive.exists():
        raise BackupError(_("There is no backup at %(path)s.") % {"path": archive})
    path = archive / MANIFEST
    if not archive.is_dir() or not path.is_file():
        raise BackupError(
            _(
                "%(path)s is not a backup folder written by manage.py backup (it has no "
                "manifest.json), or the backup did not finish."
            )
            % {"path": archive}
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(
            _("The manifest of %(path)s cannot be read: %(error)s")
            % {"path": archive, "error": error}
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(path)s is a backup of format %(format)s, which this portal cannot read.")
            % {
                "path": archive,
                "format": manifest.get("format") if isinstance(manifest, dict) else "?",
            }
        )
    missing = [
        f"{section}.{key}"
        for section, keys in _REQUIRED.items()
        for key in keys
        if not isinstance(manifest.get(section), dict) or key not in manifest[section]
    ]
    files = manifest.get("media", {}).get("files") if not missing else {}
    if not isinstance(files, dict) or not all(_is_file_entry(entry) for entry in files.values()):
        missing.append("media.files")
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(n, int) for n in tables.values()):
        missing.append("tables")
    migrations = manifest.get("migrations")
    if not isinstance(migrations, list) or not all(isinstance(entry, str) for entry in migrations):
        missing.append("migrations")
    # The files are named, never pointed at: nothing outside the folder is read.
    missing += [
        f"{section}.file"
        for section in _REQUIRED
        if f"{section}.file" not in missing
        and (
            not isinstance(manifest[section]["file"], str)
            or Path(manifest[section]["file"]).name != manifest[section]["file"]
        )
    ]
    if missing:
        raise BackupError(
            _("The manifest of %(path)s is incomplete: %(fields)s missing or malformed.")
            % {"path": archive, "fields": ", ".join(missing)}
        )
    return manifest


def _is_file_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("bytes"), int)
        and isinstance(entry.get("sha256"), str)
    )


def _check_archive(archive: Path, manifest: dict) -> None:
    for section in ("database", "media"):
        entry = manifest[section]
        path = archive / entry["file"]
        if not path.is_file():
            raise BackupError(
                _("The backup is damaged: %(file)s is missing. Nothing was restored.")
                % {"file": entry["file"]}
            )
        found = sha256_of(path)
        if found != (entry["bytes"], entry["sha256"]):
            raise BackupError(
                _(
                    "The backup is damaged: %(file)s does not match the manifest (expected "
                    "%(bytes)d bytes with SHA-256 %(sha256)s, found %(found_bytes)d bytes with "
                    "%(found)s). Nothing was restored."
                )
                % {
                    "file": entry["file"],
                    "bytes": entry["bytes"],
                    "sha256": entry["sha256"],
                    "found_bytes": found[0],
                    "found": found[1],
                }
            )
    try:
        media_check(archive / manifest["media"]["file"], manifest["media"]["files"])
    except BackupError as error:
        raise BackupError(
            _("The backup is damaged: %(error)s Nothing was restored.") % {"error": error}
        ) from error


def _migrations_against_code(applied: list[str]) -> tuple[list[str], list[str]]:
    """The migrations this code has that the backup lacks, and those it does not know."""
    on_disk = {f"{app}.{name}" for app, name in MigrationLoader(None).graph.nodes}
    return sorted(on_disk - set(applied)), sorted(set(applied) - on_disk)


def backup_restore(
    *,
    archive: Path,
    database: dict | None = None,
    media_root: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore a backup folder into a database and a media folder that are new or empty
    (``force``: replace what they hold). Every checksum is checked before anything is written."""
    started = time.monotonic()
    progress = progress or _quiet
    archive = Path(archive)
    manifest = _read_manifest(archive)
    config = database or connections[DEFAULT_DB_ALIAS].settings_dict
    db = database_for(config)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if db.vendor != manifest["database"]["vendor"]:
        raise BackupError(
            _("This backup holds a %(archive)s database; %(target)s cannot take it.")
            % {"archive": manifest["database"]["vendor"], "target": describe(config)}
        )
    if archive.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(
            _("The backup lies inside the media folder %(path)s: move it elsewhere first.")
            % {"path": media_root}
        )
    progress(_("Checking the checksums of %(path)s …") % {"path": archive})
    _check_archive(archive, manifest)

    # Both targets are looked at before either is written to.
    tables = db.table_count()
    if tables and not force:
        raise BackupError(
            _(
                "%(database)s is not empty (%(count)d tables). Restore into a new, empty "
                "database, or add --force to replace what it holds."
            )
            % {"database": db.describe(), "count": tables}
        )
    media_empty = media_is_empty(media_root)
    if not media_empty and not force:
        raise BackupError(
            _(
                "The media folder %(path)s is not empty. Restore into a new, empty folder, or "
                "add --force to replace what it holds."
            )
            % {"path": media_root}
        )

    if tables is None:
        progress(_("Creating %(database)s …") % {"database": db.describe()})
        db.create(manifest["database"])
    elif tables:
        progress(_("Emptying %(database)s (--force) …") % {"database": db.describe()})
        db.clear()
    progress(_("Restoring %(database)s …") % {"database": db.describe()})
    db.load(archive / manifest["database"]["file"])
    counts = db.counts()
    if counts != manifest["tables"]:
        different = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(
            _(
                "The restored database differs from the backup in %(count)d table(s), e.g. "
                "%(table)s: %(found)s rows instead of %(expected)s."
            )
            % {
                "count": len(different),
                "table": different[0],
                "found": counts.get(different[0], "-"),
                "expected": manifest["tables"].get(different[0], "-"),
            }
        )

    progress(_("Restoring the media files into %(path)s …") % {"path": media_root})
    if not media_empty:
        media_clear(media_root)
    files = manifest["media"]["files"]
    media_unpack(archive / manifest["media"]["file"], media_root, files)
    pending, unknown = _migrations_against_code(manifest["migrations"])
    return RestoreResult(
        archive=archive,
        created_at=manifest.get("created_at", ""),
        database=db.describe(),
        database_created=tables is None,
        database_replaced=bool(tables),
        tables=counts,
        media_root=media_root,
        media_replaced=not media_empty,
        media_files=len(files),
        media_bytes=sum(entry["bytes"] for entry in files.values()),
        pending_migrations=pending,
        unknown_migrations=unknown,
        seconds=time.monotonic() - started,
    )
