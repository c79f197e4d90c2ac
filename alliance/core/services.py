from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from alliance.core.models import CalendarDay, CalendarYear, User, WorkerHeartbeat
from alliance.core.schedule import ScheduleDay
from alliance.core.signals import calendar_changed


def heartbeat_record(*, name: str, now: datetime | None = None) -> WorkerHeartbeat:
    beat, _created = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"last_seen_at": now or timezone.now()}
    )
    return beat


@dataclass(frozen=True)
class ScheduleEntered:
    """What entering a year's schedule changed."""

    created: int
    updated: int
    unchanged: int
    completed: bool  # the year was marked complete now (not before)


def calendar_schedule_enter(
    *,
    year: int,
    days: list[ScheduleDay],
    actor: User,
    complete: bool,
    now: datetime | None = None,
) -> ScheduleEntered:
    """Enter a year's holidays and make-up working days at once and, if staff say it is the
    whole schedule, mark the year complete; then have the running needs' deadlines counted
    again (after the commit). Days of the year entered before and not in `days` (a local
    arrangement) are kept."""
    now = now or timezone.now()
    if any(day.day.year != year for day in days):
        raise ValueError(f"Every day of the schedule must lie in {year}.")
    with transaction.atomic():
        before = {
            row.date: (row.is_workday, row.name)
            for row in CalendarDay.objects.filter(
                date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
            )
        }
        changed = [day for day in days if before.get(day.day) != (day.is_workday, day.name)]
        # One upsert: a colleague entering the same day meanwhile cannot make this fail.
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(date=day.day, is_workday=day.is_workday, name=day.name)
                for day in changed
            ],
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["is_workday", "name"],
        )
        completed = False
        if complete:
            _year, completed = CalendarYear.objects.get_or_create(
                year=year, defaults={"completed_at": now, "completed_by": actor}
            )
        if changed or completed:
            calendar_changed.send(sender=CalendarDay)
    created = sum(day.day not in before for day in changed)
    return ScheduleEntered(
        created=created,
        updated=len(changed) - created,
        unchanged=len(days) - len(changed),
        completed=completed,
    )


def calendar_year_reopen(*, year: CalendarYear) -> None:
    """Staff take back a year's "complete" mark (marked by mistake): its deadlines are
    estimates again, counted again after the commit."""
    with transaction.atomic():
        year.delete()
        calendar_changed.send(sender=CalendarYear)
