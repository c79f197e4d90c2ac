"""The escalation ladder (DESIGN §4), climbed by a periodic sweep.

Rungs, measured against the need's resolve deadline while its clock runs:
1. amber — 80 % of the working time between dispatch and deadline has gone, or one working day
   is left, whichever comes first: the liaison is warned;
2. 催办 (urge) — from 08:30 of the first working day after the deadline's date: the liaison and
   the department head;
3. 督办 (supervise) — five working days after the deadline: the chain chief and park staff.

Each rung happens once per deadline: it is claimed by inserting `NeedEscalation(need, level,
due_at)`, whose unique constraint turns a second sweep (a duplicate beat, a redelivered task, two
workers) into a no-op, while the row lock on the need serialises a sweep with the workflow's own
moves. A new deadline (extension, reopen, re-dispatch) is a new key and resets the need's level,
so the ladder can be climbed again; a pause only moves the deadline and keeps the level, so no
rung is repeated for it. A sweep that missed some runs records every rung it skipped, and tells
each person once, about the highest rung that concerns them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliance import workcalendar
from alliance.models import User
from alliance.workcalendar import HOURS_PER_DAY
from liaisons.models import (
    EscalationLevel,
    Need,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    NeedTimeLimit,
)
from liaisons.services.needs import (
    liaison_users,
    notify_about_need,
    park_staff_users,
    system_text,
)

# The states in which the liaison's clock runs: not while waiting for the firm, not long-term.
LADDER_STATUSES = frozenset(
    {
        NeedStatus.DISPATCHED,
        NeedStatus.IN_PROGRESS,
        NeedStatus.RETURN_PENDING,
        NeedStatus.REOPENED,
    }
)
AMBER_SHARE_LEFT = 0.2  # amber once 80 % of the time has gone…
AMBER_HOURS_LEFT = HOURS_PER_DAY  # …or one working day before the deadline
SUPERVISE_AFTER_WORKDAYS = 5
HORIZON_MARGIN_HOURS = 1

KINDS = {
    EscalationLevel.AMBER: "need_escalation_amber",
    EscalationLevel.URGE: "need_escalation_urge",
    EscalationLevel.SUPERVISE: "need_escalation_supervise",
}


def amber_hours_left(*, limit: NeedTimeLimit | None, extension_workdays: int) -> float:
    """Working hours before the deadline at which the amber warning is due.

    The time between dispatch and deadline, pauses excluded, is the limit plus any granted
    extension (pauses move the deadline by exactly their working hours).
    """
    allowed = (limit.resolve_hours if limit else 0) + extension_workdays * HOURS_PER_DAY
    return max(AMBER_HOURS_LEFT, AMBER_SHARE_LEFT * allowed)


def _reached_level(
    need: Need,
    *,
    now: datetime,
    limit: NeedTimeLimit | None,
    calendar: workcalendar.Calendar | None = None,
) -> int:
    """The highest rung due at `now`; the calendar is read only as far as needed (or not at
    all, given the overrides already read from the year of the earlier of `now` and the
    deadline on)."""
    due = need.resolve_due
    threshold = amber_hours_left(limit=limit, extension_workdays=need.extension_workdays)
    if now < due and workcalendar.working_hours_between(now, due, calendar=calendar) > threshold:
        return EscalationLevel.NONE
    if now < workcalendar.next_workday_start(due, calendar=calendar):
        return EscalationLevel.AMBER
    supervise_at = workcalendar.add_working_days(
        due, SUPERVISE_AFTER_WORKDAYS, calendar=calendar
    ).at
    return EscalationLevel.SUPERVISE if now >= supervise_at else EscalationLevel.URGE


def escalation_note(level: int, due: datetime) -> str:
    """The timeline's note of a rung claimed against the deadline `due`."""
    return system_text(
        gettext_lazy("%(level)s — resolve by %(due)s"),
        level=EscalationLevel(level).label,
        due=timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    )


def _recipients(need: Need, level: int) -> list[User]:
    if level == EscalationLevel.AMBER:
        return liaison_users(need)
    if level == EscalationLevel.URGE:
        head = need.department.head if need.department_id is not None else None
        return [*liaison_users(need), *([head] if head else [])]
    chief = need.chain.chief if need.chain_id is not None else None
    return [*([chief] if chief else []), *park_staff_users()]


def _escalate(need_id: int, *, now: datetime, limits: dict) -> int:
    """Climb one need's ladder as far as `now` requires. Returns the number of rungs claimed."""
    with transaction.atomic():
        need = (
            Need.objects.select_for_update()
            .filter(pk=need_id, status__in=LADDER_STATUSES, resolve_due__isnull=False)
            .first()
        )
        if need is None:  # moved on since the candidates were listed
            return 0
        reached = _reached_level(need, now=now, limit=limits.get((need.category, need.urgency)))
        claimed = []
        for level in range(need.escalation_level + 1, reached + 1):
            try:
                # A savepoint: the failed insert must not abort the sweep's transaction.
                with transaction.atomic():
                    NeedEscalation.objects.create(need=need, level=level, due_at=need.resolve_due)
            except IntegrityError:
                continue  # another sweep claimed this rung for this deadline
            claimed.append(level)
        if not claimed:
            return 0
        need.escalation_level = max(need.escalation_level, *claimed)
        need.save(update_fields=["escalation_level", "updated_at"])
        for level in claimed:
            NeedEvent.objects.create(
                need=need,
                actor=None,
                action=NeedEventAction.ESCALATE,
                note=escalation_note(level, need.resolve_due),
                is_public=False,
            )
        told: set[int] = set()
        for level in sorted(claimed, reverse=True):
            recipients = [user for user in _recipients(need, level) if user.pk not in told]
            told.update(user.pk for user in recipients)
            notify_about_need(
                need,
                kind=KINDS[level],
                recipients=recipients,
                deadline=need.resolve_due,
                level=EscalationLevel(level).label,
                liaison=need.liaison.user.get_full_name() if need.liaison_id else "",
            )
        return len(claimed)


# What `_reached_level` reads of a need, besides what picks the candidates.
_LADDER_FIELDS = (
    "pk",
    "resolve_due",
    "category",
    "urgency",
    "extension_workdays",
    "escalation_level",
)


def sweep_need_deadlines(*, now: datetime | None = None) -> int:
    """Escalate every running need whose deadline calls for it. Returns the rungs claimed.

    Safe to run twice, at the same time or after a crash halfway: each need is handled in its
    own transaction and each rung is claimed before anyone is told.
    """
    now = now or timezone.now()
    limits = {(limit.category, limit.urgency): limit for limit in NeedTimeLimit.objects.all()}
    longest_amber = max(
        (
            amber_hours_left(
                limit=limit, extension_workdays=limit.extension_max_hours // HOURS_PER_DAY
            )
            for limit in limits.values()
        ),
        default=AMBER_HOURS_LEFT,
    )
    # Deadlines further away than the longest amber horizon cannot call for any rung yet. The
    # margin keeps a deadline exactly on the horizon (e.g. tomorrow's 08:30 against tonight's
    # 17:30, the same working time away) among the candidates.
    horizon = workcalendar.add_working_hours(now, longest_amber + HORIZON_MARGIN_HOURS).at
    candidates = list(
        Need.objects.filter(
            status__in=LADDER_STATUSES,
            resolve_due__isnull=False,
            resolve_due__lte=horizon,
            escalation_level__lt=EscalationLevel.SUPERVISE,
        )
        .order_by("resolve_due", "pk")
        .only(*_LADDER_FIELDS)
    )
    if not candidates:
        return 0
    # Most candidates wait between two rungs (a 催办 waits five working days for its 督办: at
    # province scale 38,000 needs at any time). Their rung is computed here on the values just
    # read, with the calendar read once, and only a need whose next rung has come is locked
    # and escalated (which computes it again on the locked row).
    calendar = workcalendar.Calendar.covering(now, candidates[0].resolve_due)
    due = [
        need.pk
        for need in candidates
        if _reached_level(
            need,
            now=now,
            limit=limits.get((need.category, need.urgency)),
            calendar=calendar,
        )
        > need.escalation_level
    ]
    return sum(_escalate(need_id, now=now, limits=limits) for need_id in due)
