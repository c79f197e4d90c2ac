"""Roster-import previews the user never confirmed.

The admin import keeps the uploaded file between the dry-run preview and the confirmation
(IMPORT_EXPORT_TMP_STORAGE_CLASS stores it under MEDIA_ROOT, so every web process can read it).
A preview nobody confirmed within a day is abandoned.
"""

from __future__ import annotations

from datetime import datetime

from alliance.core.files import remove_unreferenced_files

IMPORT_PREVIEW_FOLDER = "django-import-export"  # import_export.tmp_storages.MediaStorage


def remove_stale_import_previews(*, now: datetime | None = None) -> int:
    return len(remove_unreferenced_files(IMPORT_PREVIEW_FOLDER, lambda paths: (), now=now))
