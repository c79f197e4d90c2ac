"""Backup and restore of a portal: the database and the uploaded files, in one folder.

A backup is a folder named ``hongchain-<YYYYmmdd-HHMMSS>`` (Beijing time) holding

- ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (the
  embedded default, copied with SQLite's online backup API),
- ``media.tar``, every file under MEDIA_ROOT (attachments, import previews),
- ``manifest.json``: when it was made, the applied migrations, the row count of every table as
  dumped, and the size and SHA-256 of the two files above and of every media file.

The manifest is written last and the folder only gets its final name once it is complete, so a
backup that was interrupted never looks like one that can be restored. Restoring checks every
checksum before it writes anything and counts the rows again afterwards.

What the folder does not hold, on purpose: ``.env`` with ``DJANGO_SECRET_KEY`` and the service
passwords (kept apart by the office, so that a stolen backup opens no session and no mailbox),
Celery's beat schedule file (beat writes a new one; every periodic task is safe to run again)
and the broker's queue (e-mails wait in the database's outbox until they are sent).
"""

from alliance.core.backup.archive import (
    BackupError,
    BackupResult,
    RestoreResult,
    backup_create,
    backup_restore,
    database_from_url,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_create",
    "backup_restore",
    "database_from_url",
]
