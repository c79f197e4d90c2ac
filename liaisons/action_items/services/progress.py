"""Milestones and progress reports of an action item."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from liaisons.action_items.services.common import (
    MILESTONE_MAX,
    MILESTONES_MAX,
    TEXT_MAX,
    _lock,
    _require,
    _require_open,
    _tell,
    _text,
    can_manage,
    can_report,
)
from liaisons.exceptions import ActionItemError
from liaisons.models import (
    ActionItem,
    ActionItemMilestone,
    ActionItemProgress,
)

# --- Milestones and progress -----------------------------------------------------------------


@transaction.atomic
def milestone_add(*, item: ActionItem, actor: User, due_on: date, text: str) -> ActionItemMilestone:
    item = _lock(item)
    _require_open(item)
    _require(can_manage(actor, item))
    text = _text(text, limit=MILESTONE_MAX, missing=_("Describe the milestone."))
    if due_on is None:
        raise ActionItemError(_("Give the milestone a date."))
    if ActionItemMilestone.objects.filter(action_item=item).count() >= MILESTONES_MAX:
        raise ActionItemError(
            _("An action item has at most %(limit)s milestones.") % {"limit": MILESTONES_MAX}
        )
    return ActionItemMilestone.objects.create(action_item=item, due_on=due_on, text=text)


@transaction.atomic
def milestone_complete(
    *, milestone: ActionItemMilestone, actor: User, now: datetime | None = None
) -> ActionItemMilestone:
    now = now or timezone.now()
    item = _lock(milestone.action_item)
    _require_open(item)
    _require(can_manage(actor, item))
    done = ActionItemMilestone.objects.filter(
        pk=milestone.pk, action_item=item, done_at__isnull=True
    ).update(done_at=now)
    if done != 1:
        raise ActionItemError(_("This milestone is already done."))
    milestone.done_at = now
    return milestone


@transaction.atomic
def progress_report(
    *, item: ActionItem, actor: User, note: str, percent: int | None = None
) -> ActionItemProgress:
    """Append a progress report (never changed afterwards); the owner is told."""
    item = _lock(item)
    _require_open(item)
    _require(can_report(actor, item))
    note = _text(note, limit=TEXT_MAX, missing=_("Write what has been done."))
    if percent is not None and not 0 <= percent <= 100:
        raise ActionItemError(_("The percentage is between 0 and 100."))
    report = ActionItemProgress.objects.create(
        action_item=item, author=actor, note=note, percent=percent
    )
    _tell(
        item,
        kind="action_item_progress",
        recipients=[item.owner],
        actor=actor,
        note=note,
        percent=percent,
    )
    return report
