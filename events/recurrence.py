"""The recurrence rules of meeting series, built from plain choices and described in words.

Staff pick "every month, the first Wednesday, 14:30, until …" and the portal writes the
RFC 5545 rule (`FREQ=MONTHLY;BYDAY=1WE;UNTIL=…`). Only the shapes below are built; any other
valid rule can still be typed as raw text (the advanced option) and is shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
# A series longer than this is a rule nobody meant (one meeting a week for two years is ~105).
MAX_COUNT = 200


class Repeat(models.TextChoices):
    WEEKLY = "weekly", gettext_lazy("Every week")
    MONTHLY = "monthly", gettext_lazy("Every month")
    QUARTERLY = "quarterly", gettext_lazy("Every quarter (every three months)")


class MonthlyBy(models.TextChoices):
    WEEKDAY = "weekday", gettext_lazy("On a weekday of a given week (e.g. the first Wednesday)")
    DAY = "day", gettext_lazy("On a day of the month (e.g. the 15th)")


class Weekday(models.TextChoices):
    MO = "MO", pgettext_lazy("recurrence", "Monday")
    TU = "TU", pgettext_lazy("recurrence", "Tuesday")
    WE = "WE", pgettext_lazy("recurrence", "Wednesday")
    TH = "TH", pgettext_lazy("recurrence", "Thursday")
    FR = "FR", pgettext_lazy("recurrence", "Friday")
    SA = "SA", pgettext_lazy("recurrence", "Saturday")
    SU = "SU", pgettext_lazy("recurrence", "Sunday")


WEEKEND = frozenset({Weekday.SA, Weekday.SU})

# Which week of the month: the fifth is left out on purpose, most months have no fifth Wednesday
# and RFC 5545 skips those months silently.
WEEK_OF_MONTH_CHOICES = [
    (1, pgettext_lazy("week of the month", "first")),
    (2, pgettext_lazy("week of the month", "second")),
    (3, pgettext_lazy("week of the month", "third")),
    (4, pgettext_lazy("week of the month", "fourth")),
    (-1, pgettext_lazy("week of the month", "last")),
]
LAST_DAY = -1
# Days 29–31 are left out for the same reason (February would have no meeting): "the last day
# of the month" covers the month's end.
MONTH_DAY_CHOICES = [(day, str(day)) for day in range(1, 29)] + [
    (LAST_DAY, gettext_lazy("last day"))
]


class Ends(models.TextChoices):
    NEVER = "never", gettext_lazy("No end")
    UNTIL = "until", gettext_lazy("Until a date")
    COUNT = "count", gettext_lazy("After a number of meetings")


@dataclass(frozen=True)
class Recurrence:
    """One of the rules the form builds. `week` and `weekday` for "the n-th weekday" rules,
    `month_day` for "day n of the month"; `until` is the last day (Beijing) a meeting may fall
    on."""

    repeat: str
    weekday: str = ""
    week: int | None = None
    month_day: int | None = None
    until: date | None = None
    count: int | None = None

    @property
    def monthly_by(self) -> str:
        return MonthlyBy.DAY if self.month_day is not None else MonthlyBy.WEEKDAY

    def to_rrule(self) -> str:
        parts = ["FREQ=WEEKLY" if self.repeat == Repeat.WEEKLY else "FREQ=MONTHLY"]
        if self.repeat == Repeat.QUARTERLY:
            parts.append("INTERVAL=3")
        if self.repeat == Repeat.WEEKLY:
            parts.append(f"BYDAY={self.weekday}")
        elif self.month_day is not None:
            parts.append(f"BYMONTHDAY={self.month_day}")
        else:
            parts.append(f"BYDAY={self.week}{self.weekday}")
        if self.until is not None:
            # With a start in Asia/Shanghai, RFC 5545 wants UNTIL in UTC: the end of that day
            # in Beijing.
            end = datetime.combine(self.until, time(23, 59, 59), tzinfo=SHANGHAI).astimezone(UTC)
            parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
        elif self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)

    def describe(self, at: time | None = None) -> str:
        """The rule in words, in the active language: 每月第一个周三 14:30."""
        weekday = Weekday(self.weekday).label if self.weekday else ""
        if self.repeat == Repeat.WEEKLY:
            text = _("every %(weekday)s") % {"weekday": weekday}
        elif self.month_day is not None:
            day = (
                _("the last day")
                if self.month_day == LAST_DAY
                else _("day %(day)s") % {"day": self.month_day}
            )
            text = (
                _("every quarter on %(day)s of the month")
                if self.repeat == Repeat.QUARTERLY
                else _("every month on %(day)s")
            ) % {"day": day}
        else:
            nth = dict(WEEK_OF_MONTH_CHOICES)[self.week]
            text = (
                _("every quarter on the %(nth)s %(weekday)s of the month")
                if self.repeat == Repeat.QUARTERLY
                else _("every month on the %(nth)s %(weekday)s")
            ) % {"nth": nth, "weekday": weekday}
        if at is not None:
            text = _("%(rule)s at %(time)s") % {"rule": text, "time": f"{at:%H:%M}"}
        if self.until is not None:
            text = _("%(rule)s, until %(date)s") % {"rule": text, "date": self.until.isoformat()}
        elif self.count is not None:
            text = _("%(rule)s, %(count)s meetings in all") % {"rule": text, "count": self.count}
        return text


def _parts(text: str) -> dict[str, str] | None:
    text = text.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or key in parts:
            return None
        parts[key] = value
    return parts


def _until_date(value: str) -> date | None:
    """The Beijing day of an UNTIL written as the builder writes it (a UTC time)."""
    try:
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    local = moment.astimezone(SHANGHAI)
    # Only the end of a Beijing day is the builder's own; anything else stays raw text.
    if (local.hour, local.minute, local.second) != (23, 59, 59):
        return None
    return local.date()


def parse(text: str) -> Recurrence | None:
    """The builder's choices that give exactly `text`, or None for a rule it does not build."""
    parts = _parts(text or "")
    if not parts:
        return None
    until = count = None
    if "UNTIL" in parts:
        until = _until_date(parts.pop("UNTIL"))
        if until is None:
            return None
    if "COUNT" in parts:
        raw = parts.pop("COUNT")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_COUNT:
            return None
        count = int(raw)
    found = _parse_frequency(parts)
    if found is None:
        return None
    recurrence = Recurrence(**found, until=until, count=count)
    # Round trip: anything the builder would write differently (order aside) is not its rule.
    return recurrence if _parts(recurrence.to_rrule()) == _parts(text) else None


def _parse_frequency(parts: dict[str, str]) -> dict | None:
    frequency, interval = parts.pop("FREQ", ""), parts.pop("INTERVAL", "1")
    weekdays = set(Weekday.values)
    if frequency == "WEEKLY" and interval == "1":
        weekday = parts.pop("BYDAY", "")
        return (
            {"repeat": Repeat.WEEKLY, "weekday": weekday}
            if weekday in weekdays and not parts
            else None
        )
    if frequency != "MONTHLY" or interval not in ("1", "3") or len(parts) != 1:
        return None
    repeat = Repeat.MONTHLY if interval == "1" else Repeat.QUARTERLY
    if "BYMONTHDAY" in parts:
        day = parts["BYMONTHDAY"]
        value = int(day) if day.lstrip("-").isdigit() else None
        return {"repeat": repeat, "month_day": value} if value in dict(MONTH_DAY_CHOICES) else None
    byday = parts.get("BYDAY", "")
    week, weekday = byday[:-2], byday[-2:]
    if weekday in weekdays and week in {str(n) for n, _label in WEEK_OF_MONTH_CHOICES}:
        return {"repeat": repeat, "week": int(week), "weekday": weekday}
    return None


def describe_rule(text: str, at: time | None = None) -> str:
    """The rule in words when the builder knows it, else the raw rule itself."""
    recurrence = parse(text)
    return recurrence.describe(at) if recurrence is not None else text
