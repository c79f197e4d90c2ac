"""The RSVP and attendance list of a meeting as an Excel workbook."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from events.models import Event, Invitation
from events.selectors import affiliation_of


def _text(sheet, value) -> WriteOnlyCell:
    # Always a text cell: openpyxl would store a name or title typed as "=…" as a formula, which
    # Excel would run when the file is opened (formula injection).
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"
    return cell


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def attendance_workbook(event: Event, invitations: Iterable[Invitation]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Attendance")[:31])
    sheet.append([_text(sheet, event.title)])
    sheet.append(
        [
            _text(
                sheet,
                f"{_local(event.starts_at)} – {_local(event.ends_at)} · {event.venue}",
            )
        ]
    )
    sheet.append([])
    headers = [
        _("Name"),
        _("Username"),
        _("Enterprise / department"),
        _("Phone"),
        _("Reply"),
        _("Replied at"),
        _("Checked in at"),
        _("Checked in by"),
    ]
    sheet.append([_text(sheet, header) for header in headers])
    for invitation in invitations:
        user = invitation.user
        sheet.append(
            [
                _text(sheet, user.get_full_name()),
                _text(sheet, user.username),
                _text(sheet, affiliation_of(user)),
                _text(sheet, user.phone),
                _text(sheet, invitation.get_rsvp_display()),
                _text(sheet, _local(invitation.responded_at)),
                _text(sheet, _local(invitation.checked_in_at)),
                _text(
                    sheet,
                    invitation.checked_in_by.get_full_name() if invitation.checked_in_by else "",
                ),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
