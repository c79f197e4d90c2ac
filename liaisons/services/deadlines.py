"""Time limits (working hours per category × urgency) turned into absolute due datetimes.

The limits live in `NeedTimeLimit` (seeded with DESIGN §4's defaults, edited by staff). Every
computation goes through the Chinese working-day calendar, and each result says whether it had
to guess a year's holidays (`estimated`), which the need keeps in `deadline_estimated`.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import workcalendar
from alliance.workcalendar import HOURS_PER_DAY, WorkingTime
from liaisons.exceptions import NeedActionError
from liaisons.models import NeedCategory, NeedTimeLimit, Urgency


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
    return workcalendar.add_working_hours(submitted_at, limit.accept_hours)


def clock_deadlines(*, start: datetime, limit: NeedTimeLimit) -> ClockDeadlines:
    """Sign-for, first-contact and resolve deadlines counted from `start` (DESIGN §4)."""
    sign = workcalendar.add_working_hours(start, limit.sign_hours)
    first_contact = workcalendar.add_working_hours(start, limit.first_contact_hours)
    resolve = workcalendar.add_working_hours(start, limit.resolve_hours)
    return ClockDeadlines(
        sign_due=sign.at,
        first_contact_due=first_contact.at,
        resolve_due=resolve.at,
        estimated=sign.estimated or first_contact.estimated or resolve.estimated,
    )


def rating_deadline(*, replied_at: datetime, limit: NeedTimeLimit) -> WorkingTime:
    return workcalendar.add_working_hours(replied_at, limit.rating_hours)


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


def paused_working_hours(*, since: datetime, until: datetime) -> float:
    return max(0.0, workcalendar.working_hours_between(since, until))


def one_month_later(moment: datetime) -> datetime:
    """The same Beijing wall-clock time a calendar month later (the long-term reply rhythm)."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + local.month, 12)
    month += 1
    day = min(local.day, monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)
