"""Time limits (working hours per category × urgency) turned into absolute due datetimes.

The limits live in `NeedTimeLimit` (seeded from `liaisons.needs.timelimits`, edited by staff). Every
computation goes through the Chinese working-day calendar, and each result says whether it had
to guess a year's holidays (`estimated`), which the need keeps in `deadline_estimated`.

The escalation ladder's rungs are moments on the same calendar, measured against the resolve
deadline while the liaison's clock runs (docs/needs.md):
1. amber — 80 % of the working time between dispatch and deadline has gone, or one working day
   is left, whichever comes first: the liaison is warned;
2. 催办 (urge) — from 08:30 of the first working day after the deadline's date: the liaison and
   the department head;
3. 督办 (supervise) — five working days after the deadline: the chain chief and park staff.
A need keeps the moment of its next rung (`Need.next_escalation_at`), so that the sweep reads only
the needs whose next rung has come (`escalations.sweep_need_deadlines`).
"""

from __future__ import annotations

import math
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core import workcalendar
from alliance.core.workcalendar import HOURS_PER_DAY, WorkingTime
from liaisons.exceptions import NeedActionError
from liaisons.models import (
    LADDER_STATUSES,
    EscalationLevel,
    Need,
    NeedCategory,
    NeedStatus,
    NeedTimeLimit,
    Urgency,
)

# What the next rung's moment depends on: a save of any of these computes it again.
LADDER_FIELDS = frozenset(
    {"status", "resolve_due", "escalation_level", "extension_workdays", "category", "urgency"}
)
AMBER_SHARE_LEFT = 0.2  # amber once 80 % of the time has gone…
AMBER_HOURS_LEFT = HOURS_PER_DAY  # …or one working day before the deadline
SUPERVISE_AFTER_WORKDAYS = 5


@dataclass(frozen=True)
class ClockDeadlines:
    """The deadlines that start with the liaison's clock (at dispatch, or again at a reopen)."""

    sign_due: datetime
    first_contact_due: datetime
    resolve_due: datetime
    estimated: bool


def time_limit_find(*, category: str, urgency: str) -> NeedTimeLimit | None:
    return NeedTimeLimit.objects.filter(category=category, urgency=urgency).first()


def time_limit_get(*, category: str, urgency: str) -> NeedTimeLimit:
    """The limits for a category × urgency; a clear error for staff when the row is missing."""
    limit = time_limit_find(category=category, urgency=urgency)
    if limit is None:
        raise NeedActionError(
            _(
                "No time limits are set for %(category)s · %(urgency)s. Park staff can add them "
                "under “time limits” in the administration."
            )
            % {
                "category": NeedCategory(category).label,
                "urgency": Urgency(urgency).label,
            }
        )
    return limit


def accept_deadline(*, submitted_at: datetime, limit: NeedTimeLimit) -> WorkingTime:
    return count_deadline(start=submitted_at, hours=limit.accept_hours)


def clock_deadlines(*, start: datetime, limit: NeedTimeLimit) -> ClockDeadlines:
    """Sign-for, first-contact and resolve deadlines counted from `start`."""
    sign = count_deadline(start=start, hours=limit.sign_hours)
    first_contact = count_deadline(start=start, hours=limit.first_contact_hours)
    resolve = count_deadline(start=start, hours=limit.resolve_hours)
    return ClockDeadlines(
        sign_due=sign.at,
        first_contact_due=first_contact.at,
        resolve_due=resolve.at,
        estimated=sign.estimated or first_contact.estimated or resolve.estimated,
    )


def rating_deadline(*, replied_at: datetime, limit: NeedTimeLimit) -> WorkingTime:
    return count_deadline(start=replied_at, hours=limit.rating_hours)


def extension_max_workdays(limit: NeedTimeLimit) -> int:
    return limit.extension_max_hours // HOURS_PER_DAY


def deadline_extend(*, due: datetime, workdays: int) -> WorkingTime:
    return workcalendar.add_working_days(due, workdays)


def deadline_push(*, due: datetime, hours: float) -> WorkingTime:
    """`due` moved later by `hours` working hours (the time the clock stood still).

    Nothing paused, nothing moves: adding zero hours to a due at 17:30 would otherwise roll it
    over to the next morning's 08:30.
    """
    if hours <= 0:
        return WorkingTime(at=due, estimated=False)
    return workcalendar.add_working_hours(due, hours)


def deadline_move_later(need: Need, name: str, *, hours: float) -> WorkingTime:
    """Move the deadline `name` later by `hours` working hours (a pause, an extension), in
    memory: the deadline and the hours it is counted with (`DEADLINE_BASIS`); the caller saves
    both fields. A deadline kept without its basis moves on from its own moment."""
    due = getattr(need, name)
    start_field, hours_field = DEADLINE_BASIS[name]
    start, counted = getattr(need, start_field), getattr(need, hours_field)
    if hours <= 0 or start is None or counted is None:
        moved = deadline_push(due=due, hours=hours)
    else:
        setattr(need, hours_field, counted + hours)
        moved = count_deadline(start=start, hours=counted + hours)
    setattr(need, name, moved.at)
    return moved


def paused_working_hours(*, since: datetime, until: datetime) -> float:
    return max(0.0, workcalendar.working_hours_between(since, until))


# --- Counting a deadline again --------------------------------------------------------------------

# Each deadline and what it is counted from: the field holding its start and the one holding the
# working hours after it. The workflow fills both when it counts the deadline (the limit at the
# start; plus each pause and an extension for the liaison's clock), so the deadline is always
# `count_deadline(start, hours)` and can be counted again on a changed calendar.
DEADLINE_BASIS = {
    "accept_due": ("submitted_at", "accept_hours"),
    "sign_due": ("clock_started_at", "sign_hours"),
    "first_contact_due": ("clock_started_at", "first_contact_hours"),
    "resolve_due": ("clock_started_at", "resolve_hours"),
    "rating_due": ("replied_at", "rating_hours"),
}
# The liaison's own deadlines (the ones the liaison is told about when they come earlier).
LIAISON_DEADLINES = ("sign_due", "first_contact_due", "resolve_due")
# States with a deadline still to meet; the resolve clock runs, or stands still while the firm
# is asked (its deadline then moves on by the pause when the firm answers). Long-term needs
# have a monthly milestone, a calendar month that holidays do not move.
CLOCK_STATUSES = (*LADDER_STATUSES, NeedStatus.WAITING_ENTERPRISE)
RECOUNT_STATUSES = (NeedStatus.SUBMITTED, *CLOCK_STATUSES, NeedStatus.REPLIED)
_SIGN_STATUSES = frozenset({NeedStatus.DISPATCHED, NeedStatus.REOPENED, NeedStatus.RETURN_PENDING})


def open_deadlines(need: Need) -> list[str]:
    """The deadlines the need has still to meet in its state (names of `DEADLINE_BASIS`)."""
    if need.status == NeedStatus.SUBMITTED:
        return ["accept_due"]
    if need.status == NeedStatus.REPLIED:
        return ["rating_due"]
    if need.status not in CLOCK_STATUSES:
        return []
    names = []
    if need.signed_at is None and need.status in _SIGN_STATUSES:
        names.append("sign_due")
    if need.first_contact_at is None:
        names.append("first_contact_due")
    names.append("resolve_due")
    return names


def count_deadline(
    *, start: datetime, hours: float, calendar: workcalendar.Calendar | None = None
) -> WorkingTime:
    """The deadline `hours` working hours after `start`: the one rule every deadline follows."""
    return workcalendar.add_working_hours(start, hours, calendar=calendar)


@dataclass(frozen=True)
class Recount:
    """The open deadlines counted again: the new moments by field, and the estimated flag."""

    due: dict[str, datetime]
    estimated: bool

    def changes(self, need: Need) -> dict[str, tuple[datetime, datetime]]:
        """(stored, counted) for each deadline that moves."""
        return {
            name: (getattr(need, name), due)
            for name, due in self.due.items()
            if getattr(need, name) != due
        }


def deadlines_recount(need: Need, *, calendar: workcalendar.Calendar | None = None) -> Recount:
    """The need's open deadlines counted again from their starts on the calendar as it is now.

    A deadline written without its start or hours (by a script, or before they were kept) is
    left out: it keeps its moment, and the estimated flag it raised is kept too."""
    due, estimated, unknown = {}, False, False
    for name in open_deadlines(need):
        start_field, hours_field = DEADLINE_BASIS[name]
        start, hours = getattr(need, start_field), getattr(need, hours_field)
        if getattr(need, name) is None or start is None or hours is None:
            unknown = True
            continue
        counted = count_deadline(start=start, hours=hours, calendar=calendar)
        due[name] = counted.at
        estimated = estimated or counted.estimated
    return Recount(due=due, estimated=estimated or (unknown and need.deadline_estimated))


def recount_calendar(needs: list[Need]) -> workcalendar.Calendar:
    """One calendar read for counting the open deadlines of `needs` and their ladder: from the
    year before the earliest start or deadline (amber counts back from the deadline)."""
    moments = [
        moment
        for need in needs
        for name, (start_field, _hours_field) in DEADLINE_BASIS.items()
        for moment in (getattr(need, name), getattr(need, start_field))
        if moment is not None
    ]
    if not moments:
        return workcalendar.Calendar(timezone.localdate().year - 1)
    # Aware moments compare across zones: one conversion, not one per moment.
    return workcalendar.Calendar(timezone.localtime(min(moments)).year - 1)


def one_month_later(moment: datetime) -> datetime:
    """The same Beijing wall-clock time a calendar month later (the long-term reply rhythm)."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + local.month, 12)
    month += 1
    day = min(local.day, monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


# --- The escalation ladder ------------------------------------------------------------------------


def amber_hours_left(*, limit: NeedTimeLimit | None, extension_workdays: int) -> float:
    """Working hours before the deadline at which the amber warning is due.

    The time between dispatch and deadline, pauses excluded, is the limit plus any granted
    extension (pauses move the deadline by exactly their working hours).
    """
    allowed = (limit.resolve_hours if limit else 0) + extension_workdays * HOURS_PER_DAY
    return max(AMBER_HOURS_LEFT, AMBER_SHARE_LEFT * allowed)


@dataclass(frozen=True)
class Rungs:
    """The moments from which each rung of one deadline is due."""

    amber: datetime
    urge: datetime
    supervise: datetime

    def reached(self, now: datetime) -> int:
        """The highest rung due at `now` (an `EscalationLevel`)."""
        return sum(now >= moment for moment in (self.amber, self.urge, self.supervise))

    def after(self, level: int) -> datetime | None:
        """The moment of the rung above `level`; None at the top."""
        moments = (self.amber, self.urge, self.supervise)
        return moments[level] if level < len(moments) else None


def ladder_calendar(*dues: datetime) -> workcalendar.Calendar:
    """The overrides the rungs of these deadlines read (amber counts back from a deadline: from
    the year before the earliest on)."""
    return workcalendar.Calendar(min(timezone.localtime(due).year for due in dues) - 1)


def ladder_rungs(
    *,
    due: datetime,
    limit: NeedTimeLimit | None,
    extension_workdays: int,
    calendar: workcalendar.Calendar | None = None,
) -> Rungs:
    """The rungs of the deadline `due`; `calendar` from `ladder_calendar(due)` (else read here).

    A limit long enough for amber to count back beyond the calendar given (more than a year of
    working time) has its own calendar read, from as far back as the count can go."""
    threshold = amber_hours_left(limit=limit, extension_workdays=extension_workdays)
    # Calendar days holding `threshold` working hours: five working days a week, and a month
    # for the holidays of a year.
    reach = timezone.localtime(due).date() - timedelta(
        days=math.ceil(threshold / HOURS_PER_DAY * 7 / 5) + 31
    )
    if calendar is None:
        calendar = ladder_calendar(due)
    if calendar.first_year > reach.year:
        calendar = workcalendar.Calendar(max(reach.year, date.min.year))
    return Rungs(
        amber=workcalendar.working_time_before(due, threshold, calendar=calendar),
        urge=workcalendar.next_workday_start(due, calendar=calendar),
        supervise=workcalendar.add_working_days(
            due, SUPERVISE_AFTER_WORKDAYS, calendar=calendar
        ).at,
    )


def is_on_ladder(need: Need) -> bool:
    """Whether the need's clock runs towards a rung it has not reached yet."""
    return (
        need.status in LADDER_STATUSES
        and need.resolve_due is not None
        and need.escalation_level < EscalationLevel.SUPERVISE
    )


def next_escalation_at(
    need: Need,
    *,
    limits: dict | None = None,
    calendar: workcalendar.Calendar | None = None,
) -> datetime | None:
    """The moment of the need's next rung, or None when its clock does not run towards one.

    Reads the need's time limit and the calendar only for a need on the ladder, unless given:
    `limits` by (category, urgency), `calendar` from `ladder_calendar`.
    """
    if not is_on_ladder(need):
        return None
    key = (need.category, need.urgency)
    limit = (
        limits.get(key)
        if limits is not None
        else time_limit_find(category=need.category, urgency=need.urgency)
    )
    rungs = ladder_rungs(
        due=need.resolve_due,
        limit=limit,
        extension_workdays=need.extension_workdays,
        calendar=calendar,
    )
    return rungs.after(need.escalation_level)


def time_limits_by_key() -> dict[tuple[str, str], NeedTimeLimit]:
    return {(limit.category, limit.urgency): limit for limit in NeedTimeLimit.objects.all()}
