"""The beat's overdue warning: each open item past its due date told once to its owner."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from alliance.core.notifications import notify
from alliance.core.rowwrites import claim_rows
from liaisons.action_items.services.common import OPEN_STATUSES, action_item_path
from liaisons.models import ActionItem

OVERDUE_BATCH = 500  # items claimed per transaction

# --- Overdue warning (beat) ------------------------------------------------------------------


def overdue_q(today: date) -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__lt=today)


def action_items_warn_overdue(*, today: date | None = None) -> int:
    """Warn each owner once about their open items whose due date has passed.

    The claim is `overdue_warned_for`: it holds the due date the owner was warned about, so a
    second run (or a second beat) finds nothing, and a new due date is warned about again once
    it passes. Per batch: one indexed query (status, due_date) locking the rows it takes
    (SKIP LOCKED: a concurrent run takes others), one UPDATE, and one notification per owner
    listing their items. Returns how many items were warned about.
    """
    today = today or timezone.localdate()
    warned = 0
    while True:
        with transaction.atomic():
            batch = claim_rows(
                ActionItem.objects.filter(
                    overdue_q(today), owner__isnull=False, owner__is_active=True
                )
                .filter(Q(overdue_warned_for__isnull=True) | ~Q(overdue_warned_for=F("due_date")))
                .select_related("owner")
                .order_by("due_date", "pk"),
                limit=OVERDUE_BATCH,
            )
            if not batch:
                return warned
            ActionItem.objects.filter(pk__in=[item.pk for item in batch]).update(
                overdue_warned_for=F("due_date")
            )
            by_owner: dict[int, list[ActionItem]] = defaultdict(list)
            for item in batch:
                by_owner[item.owner_id].append(item)
            for items in by_owner.values():
                owner = items[0].owner
                notify(
                    recipients=[owner],
                    kind="action_item_overdue",
                    context={
                        "items": [
                            {
                                "title": item.title,
                                "due_date": item.due_date,
                                "days": (today - item.due_date).days,
                            }
                            for item in items
                        ],
                        "count": len(items),
                    },
                    url=(
                        action_item_path(items[0])
                        if len(items) == 1
                        else reverse("action_items:action-item-list") + "?overdue=on&mine=on"
                    ),
                )
            warned += len(batch)
        if len(batch) < OVERDUE_BATCH:
            return warned
