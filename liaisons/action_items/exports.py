"""The action items list as .xlsx: the list's filters, streamed row by row."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.xlsx import Sheet
from liaisons.action_items.services import OPEN_STATUSES
from liaisons.models import ActionItem


def _rows(items: QuerySet[ActionItem], today: date):
    yes, no = _("yes"), _("no")
    for item in items.iterator(chunk_size=2000):
        participants = list(item.participants.all())
        lead = [p.enterprise.name for p in participants if p.role == "lead"]
        partners = [p.enterprise.name for p in participants if p.role != "lead"]
        overdue = item.status in OPEN_STATUSES and item.due_date and item.due_date < today
        yield (
            item.pk,
            item.title,
            item.get_kind_display(),
            item.get_status_display(),
            yes if overdue else no,
            item.owner.get_full_name() if item.owner_id else "",
            item.due_date,
            "、".join(chain.name for chain in item.chains.all()),
            "、".join(lead),
            "、".join(partners),
            item.origin_need.number if item.origin_need_id else "",
            item.progress_percent,
            item.outcome,
            item.outcome_amount,
            timezone.localtime(item.created_at),
        )


def action_item_sheet(items: QuerySet[ActionItem], today: date) -> Sheet:
    """The filtered items (with `progress_percent`, owner, need, chains and participants
    prefetched) as one sheet, rows read lazily (memory does not grow)."""
    headers = [
        _("No."),
        _("Title"),
        _("Type"),
        _("Status"),
        _("Overdue"),
        _("Owner"),
        _("Due date"),
        _("Industry chains"),
        _("Lead enterprise"),
        _("Partner enterprises"),
        _("Origin need"),
        _("Progress (%)"),
        _("Outcome"),
        _("Outcome amount (100 million yuan)"),
        _("Created at"),
    ]
    return Sheet(
        title=_("Action items"),
        headers=headers,
        rows=_rows(items, today),
        widths=[8, 40, 14, 10, 8, 10, 12, 18, 28, 40, 16, 10, 40, 14, 18],
    )
