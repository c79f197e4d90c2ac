"""Creating an action item (by hand, from a need, from a meeting decision), editing it and
moving it through its statuses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.core.models import User
from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.action_items.services.common import (
    CLOSED_STATUSES,
    MOVE_HINTS,
    NOT_A_PROJECT,
    TEXT_MAX,
    _future_due,
    _lock,
    _owner,
    _require,
    _require_open,
    _save,
    _set_participants,
    _tell,
    _text,
    _title,
    can_create,
    can_make_action_item_from,
    can_manage,
    clean_amount,
    kind_for_need,
    participant_users,
)
from liaisons.exceptions import ActionItemError
from liaisons.models import (
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemStatus,
    Need,
    NeedEvent,
    NeedEventAction,
)
from liaisons.needs.timeline import line

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
