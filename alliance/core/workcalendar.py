"""Chinese working time: which days are working days and how working hours add up.

A working day runs 08:30–12:00 and 13:00–17:30 Beijing time (8 working hours). Whether a date is
a working day comes, in this order, from a `CalendarDay` row entered by staff, from the
`chinesecalendar` package (statutory holidays and the weekend make-up days 调休 of every year whose
schedule the State Council has published), and otherwise from the weekday alone.

A year is *known* when the package covers it or staff marked its schedule complete
(`CalendarYear`); days entered in a year not marked complete are counted, but the year is still a
guess — the following year's schedule is published only around November and is entered in one
go — so results that counted a day of it are flagged `estimated` and staff are warned
(`unknown_years_ahead`).

Each function reads the staff overrides and complete years with at most one query, whatever the
span of days.
"""

from __future__ import annotations

import math
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db.models import BooleanField, DateField, F, PositiveSmallIntegerField, Value

from alliance.core.models import CalendarDay, CalendarYear

TIMEZONE = ZoneInfo("Asia/Shanghai")
HOURS_PER_DAY = 8

_US_PER_HOUR = 3_600_000_000


def _offset(at: time) -> int:
    """Microseconds since midnight."""
    return ((at.hour * 60 + at.minute) * 60 + at.second) * 1_000_000 + at.microsecond


# Half-open [start, end) in microseconds since local midnight. A deadline that falls exactly on
# the end of a period stays there (due at 12:00, not at 13:00).
_PERIODS = (
    (_offset(time(8, 30)), _offset(time(12, 0))),
    (_offset(time(13, 0)), _offset(time(17, 30))),
)
_DAY_START = _PERIODS[0][0]

# The package raises its own error outside the years it has data for (2004–2026 in 1.11.0).
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@lru_cache(maxsize=4096)  # a decade of days; the package scans its whole table per call
def _statutory_workday(day: date) -> bool:
    """The package's answer, or Monday–Friday for a year it does not know."""
    if day.year in _PACKAGE_YEARS:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def package_knows(year: int) -> bool:
    """Whether the installed `chinesecalendar` release carries `year`'s official schedule."""
    return year in _PACKAGE_YEARS


def _staff_rows(first_year: int, last_year: int | None):
    """(date, is_workday, None) per entered day and (None, None, year) per complete year, in one
    statement: every page that counts a deadline reads both, and a second round trip for a
    handful of year rows would cost more than the union."""
    days = CalendarDay.objects.filter(date__gte=date(first_year, 1, 1))
    years = CalendarYear.objects.filter(year__gte=first_year)
    if last_year is not None:
        days = days.filter(date__lte=date(last_year, 12, 31))
        years = years.filter(year__lte=last_year)
    # Every column is an annotation, so both sides list them in the same order.
    days = days.order_by().annotate(
        d=F("date"), w=F("is_workday"), y=Value(None, output_field=PositiveSmallIntegerField())
    )
    years = years.order_by().annotate(
        d=Value(None, output_field=DateField()),
        w=Value(None, output_field=BooleanField()),
        y=F("year"),
    )
    return days.values_list("d", "w", "y").union(years.values_list("d", "w", "y"), all=True)


@dataclass(frozen=True)
class WorkingTime:
    """A moment reached by counting working time.

    `estimated` is True when a day counted on the way lies in a year whose holidays are unknown
    (neither the package nor staff cover it), so only Monday–Friday were counted.
    """

    at: datetime
    estimated: bool


class Calendar:
    """Working-day status over a span of years, with the staff overrides read in one query.

    A page that both counts working time forward and warns of unknown years reads one
    `Calendar(this year)` and hands it to `add_working_hours` and `unknown_years_ahead`."""

    def __init__(self, first_year: int, last_year: int | None = None) -> None:
        self.first_year, self.last_year = first_year, last_year
        # No upper bound when counting forward: the walk's end is not known before it is done, and
        # staff enter a few dozen rows a year, so reading all later rows is cheaper than a second
        # round trip.
        self._overrides: dict[date, bool] = {}
        self._complete_years: set[int] = set()
        for day, is_workday, year in _staff_rows(first_year, last_year):
            if year is None:
                self._overrides[day] = is_workday
            else:
                self._complete_years.add(year)

    @classmethod
    def covering(cls, *moments: date | datetime) -> Calendar:
        """The overrides from the year of the earliest of `moments` on (a datetime counts by
        its Beijing date), unbounded: what `add_working_hours` and `unknown_years_ahead`
        need from those moments."""
        return cls(min((_local(m).date() if isinstance(m, datetime) else m).year for m in moments))

    def is_known(self, year: int) -> bool:
        return year in _PACKAGE_YEARS or year in self._complete_years

    def covers(self, day: date) -> bool:
        """Whether the overrides read reach from `day`'s year to any later day."""
        return self.first_year <= day.year and self.last_year is None

    def is_workday(self, day: date) -> bool:
        override = self._overrides.get(day)
        return _statutory_workday(day) if override is None else override


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Working time needs an aware datetime.")
    return moment.astimezone(TIMEZONE)


def _at(day: date, offset: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TIMEZONE) + timedelta(microseconds=offset)


def _hours_to_us(hours: float) -> int:
    value = float(hours)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"Working hours must be a finite number ≥ 0, not {hours!r}.")
    return round(value * _US_PER_HOUR)


def is_workday(day: date) -> bool:
    """Whether `day` is a working day: staff override, else the package, else Monday–Friday."""
    if isinstance(day, datetime):
        day = _local(day).date()
    override = CalendarDay.objects.filter(date=day).values_list("is_workday", flat=True).first()
    return _statutory_workday(day) if override is None else override


def year_is_known(year: int) -> bool:
    """Whether the package covers `year` or staff marked its schedule complete."""
    if year in _PACKAGE_YEARS:
        return True
    return CalendarYear.objects.filter(year=year).exists()


def _calendar_from(day: date, calendar: Calendar | None) -> Calendar:
    if calendar is None:
        return Calendar(day.year)
    if not calendar.covers(day):
        raise ValueError(f"The calendar read from {calendar.first_year} does not cover {day}.")
    return calendar


def add_working_hours(
    start: datetime, hours: float, *, calendar: Calendar | None = None
) -> WorkingTime:
    """The moment `hours` working hours after `start`.

    Counting begins at `start` when it lies inside working hours, else at the next period start
    (so adding 0 hours to a Saturday gives the next working day's 08:30). A result that falls on
    the end of a period is returned as that end (17:30, not the next day's 08:30). `calendar`:
    overrides already read from `start`'s year on (else they are read here).
    """
    return _add_us(start, _hours_to_us(hours), calendar)


def first_moment_beyond(
    start: datetime, hours: float, *, calendar: Calendar | None = None
) -> WorkingTime:
    """The first moment more than `hours` working hours after `start`: from `start` to any
    moment before it lies at most `hours` of working time (the mirror of
    `working_time_before`). Unlike `add_working_hours`, a count that ends on a period's end
    runs on through the break after it, where no working time passes (8 hours from a Monday
    17:45 reach the Tuesday's 17:30, and everything until the Wednesday's 08:30 is within them)."""
    return _add_us(start, _hours_to_us(hours) + 1, calendar)


def _add_us(start: datetime, remaining: int, calendar: Calendar | None) -> WorkingTime:
    local = _local(start)
    calendar = _calendar_from(local.date(), calendar)
    day = local.date()
    clock = _offset(local.time())
    estimated = False
    while True:
        estimated = estimated or not calendar.is_known(day.year)
        if calendar.is_workday(day):
            for period_start, period_end in _PERIODS:
                begin = max(period_start, clock)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return WorkingTime(at=_at(day, begin + remaining), estimated=estimated)
                remaining -= available
        day += timedelta(days=1)
        clock = 0


def add_working_days(
    start: datetime, days: int, *, calendar: Calendar | None = None
) -> WorkingTime:
    """`days` working days after `start`: the same clock time `days` working days later."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"Working days must be an int, not {days!r}.")
    return add_working_hours(start, days * HOURS_PER_DAY, calendar=calendar)


def working_hours_between(
    start: datetime, end: datetime, *, calendar: Calendar | None = None
) -> float:
    """Working hours from `start` to `end`; negative when `end` is before `start` (overdue).
    `calendar`: overrides already read from the earlier moment's year on."""
    first, last = sorted((_local(start), _local(end)))
    if calendar is None:
        calendar = Calendar(first.year, last.year)
    else:
        _calendar_from(first.date(), calendar)
    hours = _hours_between(calendar, first, last)
    return hours if _local(end) >= _local(start) else -hours


def working_hours_between_many(spans: list[tuple[datetime, datetime]]) -> list[float]:
    """`working_hours_between` for each (start, end), reading the staff overrides once."""
    if not spans:
        return []
    local = [(_local(start), _local(end)) for start, end in spans]
    years = [moment.year for span in local for moment in span]
    calendar = Calendar(min(years), max(years))
    results = []
    for start, end in local:
        hours = _hours_between(calendar, min(start, end), max(start, end))
        results.append(hours if end >= start else -hours)
    return results


def _hours_between(calendar: Calendar, first: datetime, last: datetime) -> float:
    first_day, last_day = first.date(), last.date()
    total = 0
    day = first_day
    while day <= last_day:
        if calendar.is_workday(day):
            lower = _offset(first.time()) if day == first_day else 0
            upper = _offset(last.time()) if day == last_day else _PERIODS[-1][1]
            for period_start, period_end in _PERIODS:
                total += max(0, min(period_end, upper) - max(period_start, lower))
        day += timedelta(days=1)
    return total / _US_PER_HOUR


def working_time_before(
    end: datetime, hours: float, *, calendar: Calendar | None = None
) -> datetime:
    """The earliest moment from which at most `hours` working hours remain until `end`.

    Counting back from `end`: a count that runs out on a period's start continues to the end
    of the working period before it, since no working time lies between (8 working hours before
    a Monday 09:00 is the Friday's 09:00; 3.5 before a Tuesday 12:30 is the Monday's 17:30, and
    none before it is the Tuesday's 12:00). `calendar`: overrides already read from a year the
    count does not go back beyond (else from the year before `end`'s on).
    """
    local = _local(end)
    remaining = _hours_to_us(hours)
    day = local.date()
    if calendar is None:
        calendar = Calendar(max(day.year - 1, date.min.year))
    clock = _offset(local.time())
    while True:
        if day.year < calendar.first_year:
            raise ValueError(f"The calendar read from {calendar.first_year} does not cover {day}.")
        if calendar.is_workday(day):
            for period_start, period_end in reversed(_PERIODS):
                last = min(period_end, clock)
                if last <= period_start:
                    continue
                available = last - period_start
                if remaining < available:
                    return _at(day, last - remaining)
                remaining -= available
        day -= timedelta(days=1)
        clock = _PERIODS[-1][1]


def next_workday_start(moment: datetime, *, calendar: Calendar | None = None) -> datetime:
    """08:30 of the first working day after the date of `moment` (Beijing time)."""
    local = _local(moment)
    calendar = _calendar_from(local.date(), calendar)
    day = local.date() + timedelta(days=1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return _at(day, _DAY_START)


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end and to the last representable day."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    if year > date.max.year:
        return date.max
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def unknown_years_ahead(
    today: date, months: int = 12, *, calendar: Calendar | None = None
) -> list[int]:
    """Years between `today` and `months` later whose schedule is not known yet: neither in the
    package nor marked complete by staff (days entered without the mark do not count).

    Deadlines reaching into these years are estimates; staff are shown the list so that they
    enter the State Council's schedule as soon as it is published. `calendar`: overrides already
    read from `today`'s year on (else the complete years are read).
    """
    if isinstance(today, datetime):
        today = _local(today).date()
    if months < 0:
        raise ValueError(f"months must be ≥ 0, not {months!r}.")
    horizon = _add_months(today, months)
    candidates = [
        year for year in range(today.year, horizon.year + 1) if year not in _PACKAGE_YEARS
    ]
    if not candidates:
        return []
    if calendar is not None:
        _calendar_from(today, calendar)
        return [year for year in candidates if not calendar.is_known(year)]
    complete = set(CalendarYear.objects.filter(year__in=candidates).values_list("year", flat=True))
    return [year for year in candidates if year not in complete]
