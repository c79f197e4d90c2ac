"""Any time: notes on a need's timeline and files kept with it."""

from __future__ import annotations

import os
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.core.models import User
from liaisons.exceptions import NeedActionError
from liaisons.models import Need, NeedAttachment, NeedEventAction
from liaisons.needs.services.common import (
    begin,
    entry_is_public,
    is_secretary,
    liaison_users,
    log_event,
    notify_about_need,
    park_staff_users,
    take_text,
)


def need_add_note(
    *,
    need: Need,
    actor: User,
    note: str,
    is_public: bool,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> Need:
    """A note on the timeline. The firm writes public notes only; supervisors internal ones."""
    with transaction.atomic():
        need = begin("note", need, actor, expected_status, is_public=is_public)
        note = take_text("note", note, _("Write a note."))
        is_public = entry_is_public("note", chosen=is_public)
        log_event(need, actor, NeedEventAction.COMMENT, note=note, is_public=is_public)
        if is_public and is_secretary(actor, need.enterprise_id):
            # The firm's word goes to whoever holds the need: its liaison, else the office.
            recipients = liaison_users(need) or park_staff_users()
            notify_about_need(need, kind="need_note", recipients=recipients, actor=actor, note=note)
    return need


def need_attach(
    *,
    need: Need,
    actor: User,
    upload: UploadedFile,
    is_public: bool = True,
    now: datetime | None = None,
    expected_status: str | None = None,
) -> NeedAttachment:
    """Keep a file (already checked by liaisons.needs.uploads) with the need.

    The firm's own files are always visible to it; the liaison may keep a file internal.
    """
    with transaction.atomic():
        need = begin("attach", need, actor, expected_status, is_public=is_public)
        original = os.path.basename((upload.name or "").replace("\\", "/")).strip()
        if not original:
            raise NeedActionError(_("The file has no name."))
        max_length = NeedAttachment._meta.get_field("original_name").max_length
        if len(original) > max_length:
            stem, extension = os.path.splitext(original)
            original = stem[: max_length - len(extension)] + extension
        attachment = NeedAttachment(
            need=need,
            original_name=original,
            size=upload.size or 0,
            uploaded_by=actor,
            is_public=entry_is_public("attach", chosen=is_public),
        )
        attachment.file.save(original, upload, save=False)
        attachment.save()
    return attachment
