"""The escalation ladder (docs/needs.md), climbed by a periodic sweep.

The rungs and their moments are in `deadlines` (amber, 催办, 督办). Each rung happens once per
deadline: it is claimed by inserting `NeedEscalation(need, level, due_at)`, whose unique
constraint turns a second sweep (a duplicate beat, a redelivered task, two workers) into a no-op,
while the row lock on the need serialises a sweep with the workflow's own moves. A new deadline
(extension, reopen, re-dispatch) is a new key and resets the need's level, so the ladder can be
climbed again; a pause only moves the deadline and keeps the level, so no rung is repeated for
it. A sweep that missed some runs records every rung it skipped, and tells each person once,
about the highest rung that concerns them.

Each need on the ladder keeps its next rung's moment (`Need.next_escalation_at`, set by every
save of what it depends on, `deadlines.LADDER_FIELDS`): the sweep reads, on a partial index, only
the needs whose moment has come. A change to the time limits moves those moments;
`escalations_reschedule` computes them again for every need on the ladder. A change to the
working-day calendar moves the deadlines themselves, and `recount.need_deadlines_recount` counts
them and the moments again together.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from alliance.core import broker
from alliance.core.models import User
from alliance.core.notifications import notify_many
from alliance.core.rowwrites import update_rows
from liaisons.models import (
    LADDER_STATUSES,
    EscalationLevel,
    Need,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
)
from liaisons.needs import deadlines
from liaisons.needs.services.common import (
    liaison_users,
    need_message,
    park_staff_users,
)
from liaisons.needs.timeline import line

logger = logging.getLogger(__name__)

KINDS = {
    EscalationLevel.AMBER: "need_escalation_amber",
    EscalationLevel.URGE: "need_escalation_urge",
    EscalationLevel.SUPERVISE: "need_escalation_supervise",
}
# A need on the ladder whose next moment is missing (written past the services): the sweep
# computes it rather than never escalating the need.
# The same condition as the index `need_unscheduled_ladder_idx`, which serves it.
UNSCHEDULED = Q(
    next_escalation_at__isnull=True,
    status__in=LADDER_STATUSES,
    resolve_due__isnull=False,
    escalation_level__lt=3,
)


def escalation_note(level: int, due: datetime) -> dict:
    """The timeline's line (liaisons.needs.timeline) of a rung claimed against the deadline
    `due`."""
    return line("escalation", level=level, due=due)


def _recipients(need: Need, level: int, staff: list[User]) -> list[User]:
    if level == EscalationLevel.AMBER:
        return liaison_users(need)
    if level == EscalationLevel.URGE:
        head = need.department.head if need.department_id is not None else None
        return [*liaison_users(need), *([head] if head else [])]
    chief = need.chain.chief if need.chain_id is not None else None
    return [*([chief] if chief else []), *staff]


# Needs escalated per transaction: their rows stay locked until it commits.
SWEEP_BATCH = 500


def _due_ids(now: datetime) -> list[int]:
    """The next needs whose next rung has come, and any on the ladder without a next moment:
    one statement, each part read from its partial index (`need_next_escalation_idx`,
    `need_unscheduled_ladder_idx`), so its cost follows the needs due, not the needs running."""
    parts = [
        Need.objects.filter(next_escalation_at__lte=now).order_by("next_escalation_at", "pk"),
        Need.objects.filter(UNSCHEDULED).order_by("pk"),
    ]
    sqls, params = [], []
    for part in parts:
        sql, part_params = (
            part.values("pk")[:SWEEP_BATCH].query.get_compiler(using=Need.objects.db).as_sql()
        )
        # Each part keeps its ORDER BY and LIMIT inside its own subquery (SQLite and PostgreSQL).
        sqls.append(f"SELECT pk FROM ({sql}) AS part{len(sqls)}")  # noqa: S608 (ORM-built)
        params += part_params
    with connections[Need.objects.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sqls), params)
        return sorted({row[0] for row in cursor.fetchall()})


def _lock(ids: list[int]) -> list[Need]:
    """The needs, locked in id order (two sweeps never wait on each other in a circle). Each
    is judged again on its locked row: it may have moved on since its id was read."""
    return list(Need.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _climb(need: Need, *, now: datetime, limits: dict, calendar, taken: set) -> list[int]:
    """Move the need to the rung `now` calls for and its next moment on (in memory). Returns
    the rungs to claim: those not claimed before for this deadline."""
    if not deadlines.is_on_ladder(need):
        need.next_escalation_at = None
        return []
    rungs = deadlines.ladder_rungs(
        due=need.resolve_due,
        limit=limits.get((need.category, need.urgency)),
        extension_workdays=need.extension_workdays,
        calendar=calendar,
    )
    reached = rungs.reached(now)
    claimed = [
        level
        for level in range(need.escalation_level + 1, reached + 1)
        if (need.pk, level, need.resolve_due) not in taken
    ]
    # Every rung up to `reached` is claimed now or was before.
    need.escalation_level = max(need.escalation_level, reached)
    need.next_escalation_at = rungs.after(need.escalation_level)
    return claimed


def _escalate_batch(batch: list[Need], *, now: datetime, limits: dict, staff: list[User]) -> int:
    """Claim the rungs `now` calls for on the locked needs of `batch`, write their timeline
    entries and messages, and move each need's next moment on; all in bulk. Returns the rungs
    claimed."""
    dues = [need.resolve_due for need in batch if need.resolve_due is not None]
    calendar = deadlines.ladder_calendar(*dues) if dues else None
    # Rungs claimed without the need's level moving on (before the row locks, or by hand).
    taken = set(
        NeedEscalation.objects.filter(need__in=batch).values_list("need_id", "level", "due_at")
    )
    levelled, rescheduled, claimed = [], [], {}
    for need in batch:
        level_before = need.escalation_level
        claimed[need.pk] = _climb(need, now=now, limits=limits, calendar=calendar, taken=taken)
        if need.escalation_level > level_before:
            need.updated_at = timezone.now()
            levelled.append(need)
        else:  # a moment read stale (the calendar changed) or missing: only it moves
            rescheduled.append(need)
    told = [need for need in levelled if claimed[need.pk]]
    # What the messages name (the firm, the liaison, the addressees), in one query.
    related = Need.objects.select_related(
        "enterprise", "liaison__user", "department__head", "chain__chief"
    ).in_bulk([need.pk for need in told])
    for need in told:
        for name in ("enterprise", "liaison", "department", "chain"):
            setattr(need, name, getattr(related[need.pk], name))
    claims, events, messages = [], [], []
    for need in told:
        for level in claimed[need.pk]:
            claims.append(
                NeedEscalation(
                    need=need,
                    level=level,
                    due_at=need.resolve_due,
                    chain_id=need.chain_id,
                    department_id=need.department_id,
                )
            )
            events.append(
                NeedEvent(
                    need=need,
                    actor=None,
                    action=NeedEventAction.ESCALATE,
                    data=[escalation_note(level, need.resolve_due)],
                    is_public=False,
                )
            )
        messages += _messages(need, claimed[need.pk], staff)
    # The claims first: their unique constraint is what makes a rung happen once per deadline.
    NeedEscalation.objects.bulk_create(claims)
    NeedEvent.objects.bulk_create(events)
    update_rows(levelled, ["escalation_level", "next_escalation_at", "updated_at"])
    Need.history.bulk_history_create(levelled, update=True)
    update_rows(rescheduled, ["next_escalation_at"])
    notify_many(messages)
    return len(claims)


def _messages(need: Need, claimed: list[int], staff: list[User]) -> list:
    """Each person addressed hears once, of the highest rung that concerns them."""
    told: set[int] = set()
    messages = []
    for level in sorted(claimed, reverse=True):
        recipients = [user for user in _recipients(need, level, staff) if user.pk not in told]
        told.update(user.pk for user in recipients)
        messages.append(
            need_message(
                need,
                kind=KINDS[level],
                recipients=recipients,
                deadline=need.resolve_due,
                level=EscalationLevel(level).label,
                liaison=need.liaison.user.get_full_name() if need.liaison_id else "",
            )
        )
    return messages


def sweep_need_deadlines(*, now: datetime | None = None) -> int:
    """Escalate every running need whose deadline calls for it. Returns the rungs claimed.

    When no rung is due this is one query on two small partial indexes. Otherwise each batch of
    needs due is locked and written in one transaction with a few bulk statements (claims,
    timeline, levels and their history, messages). Safe to run twice, at the same time or after
    a crash halfway: a second sweep waits for the first's locks and then finds the needs moved
    on; each rung is claimed before anyone is told.
    """
    now = now or timezone.now()
    limits = staff = None
    claimed = 0
    while True:
        ids = _due_ids(now)
        if not ids:
            return claimed
        with transaction.atomic():
            batch = _lock(ids)
            if limits is None:
                limits = deadlines.time_limits_by_key()
                staff = list(park_staff_users())
            claimed += _escalate_batch(batch, now=now, limits=limits, staff=staff)


RESCHEDULE_BATCH = 2_000


def escalations_reschedule() -> int:
    """Compute again the next rung's moment of every need on the ladder, after a change to the
    working-day calendar or to the time limits moved the rungs. Returns the needs whose moment
    changed (the next sweep escalates any whose rung has now come).

    Batch by batch, each locked while it is read and written, so that a workflow move between
    the read and the write cannot be overwritten with a moment of its old values.
    """
    limits = deadlines.time_limits_by_key()
    on_ladder = Need.objects.filter(
        status__in=LADDER_STATUSES,
        resolve_due__isnull=False,
        escalation_level__lt=EscalationLevel.SUPERVISE,
    )
    moved = last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                on_ladder.filter(pk__gt=last_pk)
                .select_for_update()
                .order_by("pk")
                .only(*deadlines.LADDER_FIELDS, "next_escalation_at")[:RESCHEDULE_BATCH]
            )
            if not batch:
                return moved
            last_pk = batch[-1].pk
            calendar = deadlines.ladder_calendar(*(need.resolve_due for need in batch))
            changed = []
            for need in batch:
                moment = deadlines.next_escalation_at(need, limits=limits, calendar=calendar)
                if moment != need.next_escalation_at:
                    need.next_escalation_at = moment
                    changed.append(need)
            update_rows(changed, ["next_escalation_at"])
            moved += len(changed)


def escalations_reschedule_later() -> None:
    """Queue `escalations_reschedule` once the caller's transaction commits (a calendar day or a
    time limit changed). If the broker cannot take it, the nightly run does it."""
    from liaisons.tasks import reschedule_need_escalations

    broker.queue_after_commit(reschedule_need_escalations, fallback="the nightly run")
