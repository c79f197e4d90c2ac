"""The action items list (行动项目清单): every write and state change of an action item.

Items are created by hand (park staff), from a need ("this need becomes a project": staff or the
need's liaison) or from a meeting decision (events.services calls `action_item_create`). Each
change runs in one transaction: lock the item's row, refuse a stale page, refuse an illegal move
(`ACTION_ITEM_TRANSITIONS`), refuse a person without the right, check the input, save, and let the
history speak: django-simple-history records every saved change of the item with its author and
reason (the status log), milestones and progress reports are rows of their own (progress reports
are append-only). Notifications are written in the same transaction (e-mailed after the commit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliance.core.models import User
from alliance.core.notifications import notify
from alliance.core.rowwrites import claim_rows
from alliance.core.staff import is_park_staff
from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.exceptions import ActionItemError, ActionItemPermissionError
from liaisons.models import (
    ACTION_ITEM_TRANSITIONS,
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    ActionItemStatus,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedCategory,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
)
from liaisons.needs.timeline import line

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
OVERDUE_BATCH = 500

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


# --- Creating --------------------------------------------------------------------------------


def _create(
    *,
    actor: User,
    kind: str,
    title: str,
    description: str,
    chains: Iterable[IndustryChain],
    lead: Enterprise | None,
    partners: Iterable[Enterprise],
    owner: User | None,
    due_date: date | None,
    origin_need: Need | None,
    now: datetime,
) -> ActionItem:
    if kind not in ActionItemKind.values:
        raise ActionItemError(_("Choose the type of action item."))
    item = ActionItem(
        kind=kind,
        title=_title(title),
        description=_text(description, limit=TEXT_MAX),
        owner=_owner(owner),
        due_date=_future_due(due_date, now=now),
        origin_need=origin_need,
    )
    item._history_user = actor
    item._change_reason = ""
    item.save()
    item.chains.set(list(chains))
    _set_participants(item, lead=lead, partners=partners)
    return item


@transaction.atomic
def action_item_create(
    *,
    actor: User,
    kind: str,
    title: str,
    description: str = "",
    chains: Iterable[IndustryChain] = (),
    lead: Enterprise | None = None,
    partners: Iterable[Enterprise] = (),
    owner: User | None = None,
    due_date: date | None = None,
    announce: bool = True,
    now: datetime | None = None,
) -> ActionItem:
    """A new item by hand (or for a meeting decision, which announces it itself: announce=False).
    The owner is told, unless they created it."""
    now = now or timezone.now()
    _require(can_create(actor))
    item = _create(
        actor=actor,
        kind=kind,
        title=title,
        description=description,
        chains=chains,
        lead=lead,
        partners=partners,
        owner=owner,
        due_date=due_date,
        origin_need=None,
        now=now,
    )
    if announce:
        _tell(item, kind="action_item_assigned", recipients=[item.owner], actor=actor)
    return item


@transaction.atomic
def action_item_create_from_need(
    *,
    need: Need,
    actor: User,
    title: str = "",
    description: str = "",
    owner: User | None = None,
    due_date: date | None = None,
    partners: Iterable[Enterprise] = (),
    now: datetime | None = None,
) -> ActionItem:
    """This need becomes a project: the need's firm leads, its chain is the item's chain, the
    kind follows the category (供需对接 → matchmaking, 技术攻关 → joint R&D, else a service
    package), and the need's timeline records it."""
    now = now or timezone.now()
    need = (
        Need.objects.select_for_update(of=("self",)).select_related("liaison__user").get(pk=need.pk)
    )
    _require(can_make_action_item_from(actor, need))
    if need.status in NOT_A_PROJECT:
        raise ActionItemError(
            _("A need that is “%(status)s” cannot become an action item.")
            % {"status": need.get_status_display()}
        )
    title = _title(title or need.title)
    if ActionItem.objects.filter(origin_need=need, title=title).exists():
        raise ActionItemError(
            _("This need already has the action item “%(title)s”.") % {"title": title}
        )
    partners = [firm for firm in partners if firm.pk != need.enterprise_id]
    if owner is None:
        owner = need.liaison.user if need.liaison_id is not None else actor
    item = _create(
        actor=actor,
        kind=kind_for_need(need),
        title=title,
        description=description or need.description[:TEXT_MAX],
        chains=[need.chain] if need.chain_id is not None else [],
        lead=need.enterprise,
        partners=partners,
        owner=owner,
        due_date=due_date,
        origin_need=need,
        now=now,
    )
    NeedEvent.objects.create(
        need=need,
        actor=actor,
        action=NeedEventAction.ACTION_ITEM,
        data=[line("action_item", title=item.title)],
        is_public=True,
    )
    _tell(item, kind="action_item_assigned", recipients=[item.owner], actor=actor)
    return item


# --- Editing ---------------------------------------------------------------------------------


@transaction.atomic
def action_item_update(
    *,
    item: ActionItem,
    actor: User,
    kind: str,
    title: str,
    description: str,
    chains: Iterable[IndustryChain],
    owner: User | None,
    due_date: date | None,
    lead: Enterprise | None,
    partners: Iterable[Enterprise],
    now: datetime | None = None,
) -> ActionItem:
    """Correct what an open item is about, who owns it and when it is due. A new owner is told."""
    now = now or timezone.now()
    item = _lock(item)
    _require_open(item)
    _require(can_manage(actor, item))
    if kind not in ActionItemKind.values:
        raise ActionItemError(_("Choose the type of action item."))
    if due_date != item.due_date:
        _future_due(due_date, now=now)
    previous_owner = item.owner_id
    item.kind = kind
    item.title = _title(title)
    item.description = _text(description, limit=TEXT_MAX)
    item.owner = _owner(owner)
    item.due_date = due_date
    _save(
        item,
        ["kind", "title", "description", "owner", "due_date"],
        actor=actor,
        # No reason: the status log names an edit itself, in the reader's language.
    )
    item.chains.set(list(chains))
    _set_participants(item, lead=lead, partners=partners)
    if item.owner_id != previous_owner:
        _tell(item, kind="action_item_assigned", recipients=[item.owner], actor=actor)
    return item


# --- Status moves ----------------------------------------------------------------------------


def _refuse_move(item: ActionItem, to_status: str) -> ActionItemError:
    hint = MOVE_HINTS.get((item.status, to_status))
    if hint is not None:
        return ActionItemError(str(hint))
    if item.status in CLOSED_STATUSES:
        return ActionItemError(
            _("The action item is “%(status)s”: it is closed and can no longer change.")
            % {"status": item.get_status_display()}
        )
    return ActionItemError(
        _("An action item that is “%(from)s” cannot become “%(to)s”.")
        % {"from": item.get_status_display(), "to": ActionItemStatus(to_status).label}
    )


@transaction.atomic
def action_item_move(
    *,
    item: ActionItem,
    actor: User,
    to_status: str,
    reason: str = "",
    outcome: str = "",
    outcome_amount=None,
    expected_status: str | None = None,
    close_milestones: bool = False,
    now: datetime | None = None,
) -> ActionItem:
    """planned → under way → done (with the outcome), and any open item → cancelled (with the
    reason). The owner and the firms' contacts are told.

    Done is refused while a milestone is open, unless the mover asks for the open milestones to
    be marked done in the same move (close_milestones): a finished item with an unfinished step
    would say two things at once."""
    now = now or timezone.now()
    if to_status not in ActionItemStatus.values:
        raise ActionItemError(_("Choose a valid status."))
    item = _lock(item, expected_status)
    if item.status == to_status:
        raise ActionItemError(
            _("The action item is already “%(status)s”.") % {"status": item.get_status_display()}
        )
    if not item.can_transition_to(to_status):
        raise _refuse_move(item, to_status)
    _require(can_manage(actor, item))
    fields = ["status"]
    change_reason = ""
    if to_status == ActionItemStatus.CANCELLED:
        item.cancel_reason = _text(
            reason, limit=TEXT_MAX, missing=_("Give the reason for the cancellation.")
        )
        fields.append("cancel_reason")
        change_reason = item.cancel_reason
    elif to_status == ActionItemStatus.DONE:
        item.outcome = _text(
            outcome, limit=TEXT_MAX, missing=_("Describe the outcome before marking it done.")
        )
        item.outcome_amount = clean_amount(outcome_amount)
        fields += ["outcome", "outcome_amount"]
        change_reason = item.outcome
        _close_open_milestones(item, close=close_milestones, now=now)
    item.status = to_status
    _save(item, fields, actor=actor, reason=change_reason)
    _tell(
        item,
        kind="action_item_status",
        recipients=[item.owner, *participant_users(item)],
        actor=actor,
        reason=item.cancel_reason if to_status == ActionItemStatus.CANCELLED else "",
    )
    return item


def _close_open_milestones(item: ActionItem, *, close: bool, now: datetime) -> None:
    """Before an item is done: refuse while milestones are open, or mark them done when asked."""
    still_open = ActionItemMilestone.objects.filter(action_item=item, done_at__isnull=True)
    if not close:
        names = list(still_open.order_by("due_on", "pk").values_list("text", flat=True)[:4])
        if names:
            count = still_open.count()
            listed = "、".join(f"“{name}”" for name in names[:3]) + ("…" if count > 3 else "")
            raise ActionItemError(
                ngettext(
                    "%(count)s milestone is still open (%(names)s): mark it done first, or "
                    "tick “Mark the open milestones done too” to close it with the item.",
                    "%(count)s milestones are still open (%(names)s): mark them done first, or "
                    "tick “Mark the open milestones done too” to close them with the item.",
                    count,
                )
                % {"count": count, "names": listed}
            )
        return
    still_open.update(done_at=now)


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
