"""Housekeeping of stored files that no row points at any more.

A file is written before the row that names it is committed: if the transaction then rolls back
(a refused move, a lost race, a crash), the file stays behind with nothing pointing at it. Import
previews are kept until the user confirms, which may never happen. A daily sweep removes such
files once they are old enough that no request can still be about to commit a row for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

ORPHAN_GRACE = timedelta(days=1)
LOOKUP_CHUNK = 1000


def _files_older_than(storage: Storage, folder: str, cutoff: datetime) -> Iterable[str]:
    try:
        _, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(names):
        path = f"{folder}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                yield path
        except FileNotFoundError:  # removed meanwhile
            continue


def remove_unreferenced_files(
    folder: str,
    referenced: Callable[[list[str]], Iterable[str]],
    *,
    now: datetime | None = None,
    grace: timedelta = ORPHAN_GRACE,
    storage: Storage | None = None,
) -> list[str]:
    """Delete the files directly in ``folder`` older than ``grace`` that ``referenced`` does not
    name; return their paths. ``referenced(paths)`` answers which of ``paths`` rows still use."""
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - grace
    removed: list[str] = []
    chunk: list[str] = []

    def flush() -> None:
        keep = set(referenced(chunk))
        for path in chunk:
            if path not in keep:
                storage.delete(path)
                removed.append(path)
        chunk.clear()

    for path in _files_older_than(storage, folder, cutoff):
        chunk.append(path)
        if len(chunk) >= LOOKUP_CHUNK:
            flush()
    if chunk:
        flush()
    return removed
