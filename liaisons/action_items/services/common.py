"""What every action item service shares: who may do what, the input checks, the row lock,
the save with its history reason, the participants and the notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.core.models import User
from alliance.core.notifications import notify
from alliance.core.staff import is_park_staff
from enterprises.models import Enterprise
from liaisons.exceptions import ActionItemError, ActionItemPermissionError
from liaisons.models import (
    ACTION_ITEM_TRANSITIONS,
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemStatus,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedCategory,
    NeedStatus,
)

# Read from the one table of moves: an item is closed when no move leaves its status.
CLOSED_STATUSES = frozenset(
    status for status, targets in ACTION_ITEM_TRANSITIONS.items() if not targets
)
OPEN_STATUSES = frozenset(ActionItemStatus.values) - CLOSED_STATUSES
# "This need becomes a project": the kind of item a need's category calls for.
KIND_FOR_CATEGORY = {
    NeedCategory.MATCHMAKING: ActionItemKind.MATCHMAKING,
    NeedCategory.TECHNOLOGY: ActionItemKind.JOINT_RD,
}
# A need in one of these states is not (or no longer) real work.
NOT_A_PROJECT = frozenset({NeedStatus.DRAFT, NeedStatus.REJECTED, NeedStatus.MERGED})
TITLE_MAX = ActionItem._meta.get_field("title").max_length
MILESTONE_MAX = ActionItemMilestone._meta.get_field("text").max_length
TEXT_MAX = 5000
# outcome_amount is DECIMAL(10, 2), in 亿元.
AMOUNT_MAX = Decimal("99999999.99")
MILESTONES_MAX = 50
# simple-history keeps the reason of a change in a 100-character column.
CHANGE_REASON_MAX = 100

# Moves refused with a sentence that says what to do instead (the rest get the generic one).
MOVE_HINTS = {
    (ActionItemStatus.PLANNED, ActionItemStatus.DONE): gettext_lazy(
        "A planned action item must be started before it can be marked done."
    ),
    (ActionItemStatus.IN_PROGRESS, ActionItemStatus.PLANNED): gettext_lazy(
        "An action item under way cannot go back to planned."
    ),
}


def action_item_path(item: ActionItem) -> str:
    return reverse("action_items:action-item-detail", args=[item.pk])


def kind_for_need(need: Need) -> str:
    return KIND_FOR_CATEGORY.get(need.category, ActionItemKind.SERVICE)


# --- Who may do what -------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_create(user) -> bool:
    """Creating an item by hand is the park office's job."""
    return _active(user) and is_park_staff(user)


def can_manage(user, item: ActionItem, *, staff: bool | None = None) -> bool:
    """Edit, move, add and tick milestones: park staff and the item's owner."""
    if not _active(user):
        return False
    if item.owner_id == user.pk:
        return True
    return is_park_staff(user) if staff is None else staff


def can_report(
    user, item: ActionItem, *, staff: bool | None = None, today: date | None = None
) -> bool:
    """Progress reports: whoever manages the item, and the liaisons of its firms (驻企)."""
    if can_manage(user, item, staff=staff):
        return True
    if not _active(user):
        return False
    today = today or timezone.localdate()
    return (
        LiaisonAssignment.objects.filter(
            Q(until__isnull=True) | Q(until__gte=today),
            liaison__user=user,
            liaison__is_active=True,
            enterprise__in=ActionItemParticipant.objects.filter(action_item=item).values(
                "enterprise"
            ),
        )
        .only("pk")
        .exists()
    )


def can_make_action_item_from(user, need: Need, *, staff: bool | None = None) -> bool:
    """Staff, or the need's own liaison, may turn it into an action item."""
    if not _active(user):
        return False
    if (
        need.liaison_id is not None
        and Liaison.objects.filter(pk=need.liaison_id, user=user).exists()
    ):
        return True
    return is_park_staff(user) if staff is None else staff


def _require(allowed: bool) -> None:
    if not allowed:
        raise ActionItemPermissionError(_("You may not change this action item."))


# --- Input checks ----------------------------------------------------------------------------


def _text(value: str | None, *, limit: int, missing: str | None = None) -> str:
    value = (value or "").strip()
    if missing is not None and not value:
        raise ActionItemError(missing)
    if len(value) > limit:
        raise ActionItemError(
            _("The text is too long: at most %(limit)s characters.") % {"limit": limit}
        )
    return value


def _title(value: str | None) -> str:
    return _text(value, limit=TITLE_MAX, missing=_("Give the action item a title."))


def _future_due(due_date: date | None, *, now: datetime) -> date | None:
    if due_date is not None and due_date < timezone.localdate(now):
        raise ActionItemError(_("The due date cannot be in the past."))
    return due_date


def clean_amount(value) -> Decimal | None:
    """An outcome amount in 亿元: not negative, at most two decimals; None when not given."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ActionItemError(_("The amount must be a number in 100 million yuan.")) from None
    if not amount.is_finite():
        raise ActionItemError(_("The amount must be a number in 100 million yuan."))
    if amount < 0:
        raise ActionItemError(_("The amount cannot be negative."))
    if amount.as_tuple().exponent < -2:
        raise ActionItemError(_("The amount has at most two decimals (100 million yuan)."))
    if amount > AMOUNT_MAX:
        raise ActionItemError(_("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def _owner(owner: User | None) -> User | None:
    if owner is not None and not owner.is_active:
        raise ActionItemError(_("The owner's account is closed: choose someone else."))
    return owner


# --- Small helpers ---------------------------------------------------------------------------


def _lock(item: ActionItem, expected_status: str | None = None) -> ActionItem:
    locked = ActionItem.objects.select_for_update().get(pk=item.pk)
    if expected_status is not None and locked.status != expected_status:
        raise ActionItemError(
            _(
                "The action item has changed since you opened it: it is now “%(status)s”. "
                "Reload the page and check before acting again."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


def _require_open(item: ActionItem) -> None:
    if item.status in CLOSED_STATUSES:
        raise ActionItemError(
            _("The action item is “%(status)s”: it is closed and can no longer change.")
            % {"status": item.get_status_display()}
        )


def _save(item: ActionItem, fields: Iterable[str], *, actor: User | None, reason: str = "") -> None:
    # simple-history writes the status log from this save: who, when, and why.
    item._history_user = actor
    item._change_reason = reason[:CHANGE_REASON_MAX]
    item.save(update_fields=[*fields, "updated_at"])


def _set_participants(
    item: ActionItem, *, lead: Enterprise | None, partners: Iterable[Enterprise]
) -> None:
    ActionItemParticipant.objects.filter(action_item=item).delete()
    rows = {}
    for firm in partners:
        rows[firm.pk] = ActionItemParticipant(
            action_item=item, enterprise=firm, role=ActionItemParticipant.Role.PARTNER
        )
    if lead is not None:
        rows[lead.pk] = ActionItemParticipant(
            action_item=item, enterprise=lead, role=ActionItemParticipant.Role.LEAD
        )
    ActionItemParticipant.objects.bulk_create(rows.values())


def participant_users(item: ActionItem):
    """The contacts (secretaries) of the firms taking part."""
    return User.objects.filter(
        is_active=True,
        enterprise_contacts__enterprise__in=ActionItemParticipant.objects.filter(
            action_item=item
        ).values("enterprise"),
    ).distinct()


def _tell(
    item: ActionItem,
    *,
    kind: str,
    recipients: Iterable[User | None],
    actor: User | None,
    **extra,
) -> None:
    people = [user for user in recipients if user is not None and user != actor]
    if not people:
        return
    notify(
        recipients=people,
        kind=kind,
        context={
            "item": item,
            "title": item.title,
            # Lazy labels: notify() renders them in the portal's language.
            "kind_label": ActionItemKind(item.kind).label,
            "status": ActionItemStatus(item.status).label,
            "actor": actor.get_full_name() if actor is not None else "",
            **extra,
        },
        url=action_item_path(item),
    )
