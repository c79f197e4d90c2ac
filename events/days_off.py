"""Meetings of a series held on working days: where a slot on a day off moves, and why.

Working days come from the portal's calendar (alliance.core.workcalendar: staff's entries, then the
statutory holidays and make-up working days 调休, then Monday–Friday). The reason is stored as a
code and put into words when shown, so each reader sees it in their own language; a name staff
typed for a day in the calendar is kept as they wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext_lazy as _

from alliance.core.models import CalendarDay
from alliance.core.workcalendar import Calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKEND = "weekend"
DAY_OFF = "day_off"
# The codes are the names of `chinese_calendar.Holiday`.
LABELS = {
    "new_years_day": _("New Year's Day"),
    "spring_festival": _("Spring Festival"),
    "tomb_sweeping_day": _("Qingming Festival"),
    "labour_day": _("Labour Day"),
    "dragon_boat_festival": _("Dragon Boat Festival"),
    "national_day": _("National Day"),
    "mid_autumn_festival": _("Mid-Autumn Festival"),
    "anti_fascist_70th_day": _("Victory Day holiday"),
    WEEKEND: _("weekend"),
    DAY_OFF: _("day off"),
}
# The longest run of days off in the statutory calendar is nine (Spring Festival 2026); a longer
# run means a calendar entered wrongly, and the meeting then stays on its slot.
LONGEST_BREAK = timedelta(days=31)
REASON_MAX = 50


def shift_label(code: str) -> str:
    """The reason in the reader's language (a name staff typed is shown as typed)."""
    label = LABELS.get(code)
    return str(label) if label is not None else code


def _reason(day: date, named: dict[date, str]) -> str:
    if named.get(day):
        return named[day][:REASON_MAX]
    try:
        _is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package has no table for
        holiday = None
    if holiday is not None:
        return chinese_calendar.Holiday(holiday).name
    return WEEKEND if day.weekday() >= 5 else DAY_OFF


def working_starts(slots: Iterable[datetime]) -> dict[datetime, tuple[datetime, str]]:
    """For each slot on a day off: the same time on the next working day, and the reason.

    Slots on working days are left out. Two queries whatever the number of slots: the calendar's
    entries, and the names of the days off that were hit.
    """
    slots = sorted(slots)
    if not slots:
        return {}
    calendar = Calendar.covering(slots[0])
    moved: dict[datetime, tuple[datetime, date]] = {}
    for slot in slots:
        local = slot.astimezone(SHANGHAI)
        day = local.date()
        if calendar.is_workday(day):
            continue
        target = day + timedelta(days=1)
        while not calendar.is_workday(target) and target - day <= LONGEST_BREAK:
            target += timedelta(days=1)
        if target - day > LONGEST_BREAK:
            continue
        moved[slot] = (datetime.combine(target, local.timetz()), day)
    if not moved:
        return {}
    hit = {day for _start, day in moved.values()}
    named = dict(
        CalendarDay.objects.filter(date__in=hit, is_workday=False)
        .exclude(name="")
        .values_list("date", "name")
    )
    return {slot: (start, _reason(day, named)) for slot, (start, day) in moved.items()}
