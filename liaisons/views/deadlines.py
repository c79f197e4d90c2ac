"""The deadline a need is running against now, and its mark: overdue (red), soon (amber), paused.

Amber: within one working day of the due time, or 80 % of the time elapsed.
The first is computed here against one working-day horizon per page (one calendar query, however
many rows); the second is the escalation sweep's verdict on the resolve deadline, kept on the need
(`escalation_level`, reset whenever the deadline is renewed), so the marks cost no query per row.

`deadline_of` is the definition of overdue and due soon. The counts of a list (the queue's badges,
the liaison's home panel) are `selectors.queue_summary`, the same rule in SQL over the same
running clock; tests hold the two equal at moments across the working week and the holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.core import workcalendar
from liaisons.models import EscalationLevel, Need, NeedStatus

OVERDUE = "overdue"
SOON = "soon"
ON_TIME = "on_time"
PAUSED = "paused"

DEADLINE_LABELS = {
    "accept": _("Accept by"),
    "sign": _("Sign for by"),
    "first_contact": _("First contact by"),
    "resolve": _("Resolve by"),
    "milestone": _("Next milestone reply by"),
    "rating": _("Rating window ends"),
}


@dataclass(frozen=True)
class Deadline:
    kind: str
    due: datetime
    state: str

    @property
    def label(self) -> str:
        return str(DEADLINE_LABELS[self.kind])

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def soon(self) -> bool:
        return self.state == SOON

    @property
    def paused(self) -> bool:
        return self.state == PAUSED


def amber_horizon(now: datetime, *, calendar: workcalendar.Calendar | None = None) -> datetime:
    """Anything due before this moment is due within one working day: at most one working day
    of working time remains until it, as the escalation ladder's amber rung counts it
    (`workcalendar.working_time_before`). After 17:30 that reaches through the next working
    day's end to the morning after (`calendar`: the overrides, when the page has read them)."""
    return workcalendar.first_moment_beyond(now, workcalendar.HOURS_PER_DAY, calendar=calendar).at


def running_clock(need: Need) -> tuple[str, datetime] | None:
    """(kind, due) of the clock the need's current holder is working against."""
    status = need.status
    if status == NeedStatus.SUBMITTED:
        return ("accept", need.accept_due) if need.accept_due else None
    if status in (NeedStatus.DISPATCHED, NeedStatus.REOPENED) and need.signed_at is None:
        # A reopened need is signed for again, on a new clock.
        return ("sign", need.sign_due) if need.sign_due else _resolve(need)
    if status in (NeedStatus.IN_PROGRESS, NeedStatus.REOPENED, NeedStatus.RETURN_PENDING):
        if (
            need.first_contact_at is None
            and need.first_contact_due
            and (need.resolve_due is None or need.first_contact_due < need.resolve_due)
        ):
            return ("first_contact", need.first_contact_due)
        return _resolve(need)
    if status == NeedStatus.WAITING_ENTERPRISE:
        return _resolve(need)
    if status == NeedStatus.LONG_TERM:
        return ("milestone", need.milestone_due) if need.milestone_due else _resolve(need)
    if status == NeedStatus.REPLIED:
        return ("rating", need.rating_due) if need.rating_due else None
    return None


def _resolve(need: Need) -> tuple[str, datetime] | None:
    return ("resolve", need.resolve_due) if need.resolve_due else None


def deadline_of(need: Need, *, now: datetime, horizon: datetime) -> Deadline | None:
    clock = running_clock(need)
    if clock is None:
        return None
    kind, due = clock
    if need.status == NeedStatus.WAITING_ENTERPRISE:
        state = PAUSED  # the clock stands still while the firm owes information
    elif due < now:
        state = OVERDUE
    elif due < horizon or (kind == "resolve" and need.escalation_level >= EscalationLevel.AMBER):
        state = SOON
    else:
        state = ON_TIME
    return Deadline(kind=kind, due=due, state=state)


def mark_deadlines(needs, *, now: datetime, horizon: datetime | None = None) -> list:
    """Set `need.deadline` on each need or list row (`liaisons.rows.NeedRow`): one calendar
    query for the whole list, none when the page computed the horizon already."""
    needs = list(needs)
    if horizon is None:
        horizon = amber_horizon(now) if needs else now
    for need in needs:
        need.deadline = deadline_of(need, now=now, horizon=horizon)
    return needs


def overdue_q(now: datetime) -> Q:
    """Needs whose running clock has passed (a paused clock is never overdue)."""
    first_contact_pending = Q(first_contact_at__isnull=True, first_contact_due__lt=now)
    to_sign = Q(status__in=[NeedStatus.DISPATCHED, NeedStatus.REOPENED], signed_at__isnull=True)
    return (
        Q(status=NeedStatus.SUBMITTED, accept_due__lt=now)
        | (to_sign & Q(sign_due__lt=now))
        | Q(status=NeedStatus.DISPATCHED, sign_due__isnull=True, resolve_due__lt=now)
        | Q(
            Q(resolve_due__lt=now) | first_contact_pending,
            status__in=[
                NeedStatus.IN_PROGRESS,
                NeedStatus.REOPENED,
                NeedStatus.RETURN_PENDING,
            ],
        )
        | Q(status=NeedStatus.LONG_TERM, milestone_due__lt=now)
        | Q(status=NeedStatus.LONG_TERM, milestone_due__isnull=True, resolve_due__lt=now)
    )
