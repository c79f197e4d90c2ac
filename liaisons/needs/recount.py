"""Counting the running needs' open deadlines again when the working calendar changes.

A deadline is counted once, when its clock starts, on the calendar known then: a need dispatched
in December with fifteen working days is due on 8 January while next year's holidays are not
entered (counted Monday to Friday and marked estimated). When staff enter the schedule (or a new
`chinesecalendar` release carries it), every open deadline is counted again from what the
workflow kept of it — its start and the working hours after it (`deadlines.DEADLINE_BASIS`: the
limit, the pauses, an extension) — with the same rule the workflow counts with
(`deadlines.count_deadline`). The escalation level is kept, as for a pause: the rungs already
climbed are not repeated, and the next rung's moment follows the moved deadline.

Each need whose deadlines moved gets a timeline entry (lines of liaisons.needs.timeline: each
deadline's old and new moments, worded when shown); its liaison is told when one of the
liaison's deadlines came earlier, since the liaison planned for the later date. Needs are read
in batches of locked rows, in id order, and each batch is written with a few bulk statements, so
the run's queries grow with the batches, not with the needs; a second run finds nothing to change.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from alliance.core import broker
from alliance.core.notifications import notify_many
from alliance.core.rowwrites import update_rows
from liaisons.models import Need, NeedEvent, NeedEventAction
from liaisons.needs import deadlines
from liaisons.needs.services.common import need_message
from liaisons.needs.timeline import NeedDeadline, line

# Needs locked, counted and written per transaction.
RECOUNT_BATCH = 1_000
# What counting and the ladder read of a need, and what a recount writes.
DUE_FIELDS = tuple(deadlines.DEADLINE_BASIS)
_LOADED = (
    "status",
    "signed_at",
    "first_contact_at",
    "liaison",
    "deadline_estimated",
    "next_escalation_at",
    *deadlines.LADDER_FIELDS,
    *DUE_FIELDS,
    *{field for basis in deadlines.DEADLINE_BASIS.values() for field in basis},
)
_WRITTEN = (*DUE_FIELDS, "deadline_estimated", "next_escalation_at", "updated_at")
# The deadlines the firm itself is given (the resolution promised, its rating window): an entry
# about them is on the firm's timeline; the others are the office's and the liaison's.
PUBLIC_DEADLINES = frozenset({"resolve_due", "rating_due"})


def need_deadlines_recount(*, now: datetime | None = None) -> int:
    """Count every running need's open deadlines again on the calendar as it is now, clear the
    estimated flag where their years are known, move the next escalation moments, log and tell.
    Returns the needs whose deadlines moved."""
    now = now or timezone.now()
    limits = deadlines.time_limits_by_key()
    running = Need.objects.filter(status__in=deadlines.RECOUNT_STATUSES)
    moved = last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                running.filter(pk__gt=last_pk)
                .select_for_update()
                .order_by("pk")
                .only(*_LOADED)[:RECOUNT_BATCH]
            )
            if not batch:
                return moved
            last_pk = batch[-1].pk
            moved += _recount_batch(batch, now=now, limits=limits)


def _recount_batch(batch: list[Need], *, now: datetime, limits: dict) -> int:
    calendar = deadlines.recount_calendar(batch)
    recounted: dict[int, dict[str, tuple[datetime, datetime]]] = {}
    touched = []  # only the flag or the next moment changed
    for need in batch:
        recount = deadlines.deadlines_recount(need, calendar=calendar)
        changes = recount.changes(need)
        for name, (_old, new) in changes.items():
            setattr(need, name, new)
        before = (need.deadline_estimated, need.next_escalation_at)
        need.deadline_estimated = recount.estimated
        need.next_escalation_at = deadlines.next_escalation_at(
            need, limits=limits, calendar=calendar
        )
        if changes:
            need.updated_at = now
            recounted[need.pk] = changes
        elif (need.deadline_estimated, need.next_escalation_at) != before:
            touched.append(need)
    update_rows(touched, ["deadline_estimated", "next_escalation_at"])
    if not recounted:
        return 0
    changed = [need for need in batch if need.pk in recounted]
    update_rows(changed, _WRITTEN)
    # The history and the messages need whole rows (and the firm and liaison they name): one
    # query for the few needs that moved.
    full = Need.objects.select_related("enterprise", "liaison__user").in_bulk(list(recounted))
    for need in changed:
        for name in _WRITTEN:
            setattr(full[need.pk], name, getattr(need, name))
    Need.history.bulk_history_create([full[pk] for pk in recounted], update=True)
    NeedEvent.objects.bulk_create(
        NeedEvent(
            need_id=pk,
            actor=None,
            action=NeedEventAction.RECOUNT,
            data=_recount_lines(changes),
            is_public=bool(PUBLIC_DEADLINES.intersection(changes)),
        )
        for pk, changes in recounted.items()
    )
    notify_many(_earlier_messages(full, recounted))
    return len(recounted)


def _recount_lines(changes: dict[str, tuple[datetime, datetime]]) -> list[dict]:
    """The entry's lines: a heading, then each deadline that moved, in the need's order."""
    return [
        line("deadlines_recounted"),
        *(
            line("deadline_moved", deadline=name, old=old, new=new)
            for name in NeedDeadline.values
            if name in changes
            for old, new in [changes[name]]
        ),
    ]


def _earlier_messages(full: dict[int, Need], recounted: dict) -> list:
    """The liaison hears of each of their deadlines that came earlier (a later one only gives
    them more time, and the timeline records it)."""
    messages = []
    for pk, changes in recounted.items():
        need = full[pk]
        earlier = [
            {"label": NeedDeadline(name).label, "old": old, "new": new}
            for name in deadlines.LIAISON_DEADLINES
            if name in changes
            for old, new in [changes[name]]
            if new < old
        ]
        if earlier and need.liaison_id is not None:
            messages.append(
                need_message(
                    need,
                    kind="need_deadline_earlier",
                    recipients=[need.liaison.user],
                    deadline=min(change["new"] for change in earlier),
                    changes=earlier,
                )
            )
    return messages


def recount_on_calendar_change(sender, **kwargs) -> None:
    """Receiver of `alliance.core.signals.calendar_changed`."""
    need_deadlines_recount_later()


def need_deadlines_recount_later() -> None:
    """Queue the recount once the caller's transaction commits (a calendar day or year changed).
    If the broker cannot take it, the nightly run does it."""
    from liaisons.tasks import recount_need_deadlines

    broker.queue_after_commit(recount_need_deadlines, fallback="the nightly run")
