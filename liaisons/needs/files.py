"""Attachment files left without a row (see alliance.core.files)."""

from __future__ import annotations

from datetime import datetime

from alliance.core.files import remove_unreferenced_files
from liaisons.models import NEED_ATTACHMENT_FOLDER, NeedAttachment


def remove_orphan_attachment_files(*, now: datetime | None = None) -> int:
    removed = remove_unreferenced_files(
        NEED_ATTACHMENT_FOLDER,
        lambda paths: NeedAttachment.objects.filter(file__in=paths).values_list("file", flat=True),
        now=now,
    )
    return len(removed)
