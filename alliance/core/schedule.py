"""Reading a year's holiday schedule as staff paste it: the State Council notice's own lines
("一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。") or plain ones ("2027-01-01 至
2027-01-03 元旦 放假", "2027-02-07 上班", "2027-10-01、2027-10-02 放假").

Each line holds one or more clauses (split at 。 and ；); a clause gives dates, single or as
ranges, and says what they are: 放假/休息 (days off) or 上班/补班 (make-up working days). A clause
without a word of its own takes the line's last one ("上班：2月7日、2月20日"). The text before
a colon names the festival. Every problem is reported with its line, and nothing is kept unless
the whole text reads cleanly: a schedule half-saved would look complete.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

# A notice has about fifteen lines; anything far longer is not a schedule.
MAX_LINES = 200
MAX_LINE_CHARS = 300
MAX_TEXT_CHARS = 20_000
# The longest statutory holiday is nine days; a longer range is a typing error.
MAX_RANGE_DAYS = 31
NAME_MAX = 50

_OFF = ("放假", "休息", "休假")
_ON = ("上班", "补班", "工作日")
# One date: 2027-01-01, 2027/1/1, 2027.1.1, 2027年1月1日, 1月1日 (the form's year).
_DATE = (
    r"(?:(?P<{p}y>\d{{4}})\s*[-/.年]\s*)?"
    r"(?P<{p}m>\d{{1,2}})\s*(?:[-/.]|月)\s*(?P<{p}d>\d{{1,2}})\s*日?"
)
# A range's end may give the day alone, in the start's month ("1月1日至3日").
_TOKEN = re.compile(
    _DATE.format(p="a")
    + r"(?:\s*(?:至|到|~|—|–|－|-)\s*(?:"
    + _DATE.format(p="b")
    + r"|(?P<bd_only>\d{1,2})\s*日))?"
)
_KEYWORD = re.compile("|".join(map(re.escape, _OFF + _ON)))
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[、.)]\s*(?=\D)")
_ASIDE = re.compile(r"\([^)]*\)")  # （周五）, after NFKC
_NOISE = re.compile(r"共\s*\d+\s*天|调休|[,，、;:。.\s]+")
# What a festival's name may hold: letters of any script, digits, spaces and the dot of 中·外.
_NAME_OK = re.compile(r"^[\w\s·]*$")


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    is_workday: bool
    name: str
    line: int


@dataclass(frozen=True)
class ScheduleProblem:
    line: int | None  # None: the text as a whole
    text: str  # the line as pasted, shortened
    message: str


@dataclass
class Schedule:
    days: list[ScheduleDay] = field(default_factory=list)
    problems: list[ScheduleProblem] = field(default_factory=list)


def _shown(line: str) -> str:
    line = line.strip()
    return line if len(line) <= 60 else line[:59] + "…"


def _kind(keyword: str) -> bool:
    """Whether the keyword makes the days working days."""
    return keyword in _ON


def parse_schedule(text: str, *, year: int) -> Schedule:
    """The days of `year` that `text` gives, or the problems that keep it from being read."""
    schedule = Schedule()
    text = text or ""
    lines = text.splitlines()
    if len(text) > MAX_TEXT_CHARS or len(lines) > MAX_LINES:
        schedule.problems.append(
            ScheduleProblem(
                None,
                "",
                _(
                    "The text has %(lines)s lines and %(chars)s characters; a year's schedule "
                    "fits in %(max_lines)s lines and %(max_chars)s characters."
                )
                % {
                    "lines": len(lines),
                    "chars": len(text),
                    "max_lines": MAX_LINES,
                    "max_chars": MAX_TEXT_CHARS,
                },
            )
        )
        return schedule
    seen: dict[date, ScheduleDay] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        problems: list[str] = []
        days = _parse_line(raw, year=year, problems=problems, line=number)
        on_line: dict[date, ScheduleDay] = {}
        for day in days:
            earlier = seen.get(day.day) or on_line.setdefault(day.day, day)
            if earlier.is_workday != day.is_workday:
                problems.append(
                    _("%(date)s is a day off on line %(line)s and a working day here.")
                    % {"date": day.day.isoformat(), "line": earlier.line}
                    if earlier.is_workday is False
                    else _("%(date)s is a working day on line %(line)s and a day off here.")
                    % {"date": day.day.isoformat(), "line": earlier.line}
                )
        for message in problems:
            schedule.problems.append(ScheduleProblem(number, _shown(raw), message))
        if problems:
            continue
        for day in days:
            seen.setdefault(day.day, day)
    if not seen and not schedule.problems:
        schedule.problems.append(
            ScheduleProblem(None, "", _("No dates were found: paste the schedule's lines."))
        )
    if not schedule.problems:
        schedule.days = sorted(seen.values(), key=lambda day: day.day)
    return schedule


def _parse_line(raw: str, *, year: int, problems: list[str], line: int) -> list[ScheduleDay]:
    if len(raw) > MAX_LINE_CHARS:
        problems.append(_("The line is longer than %(max)s characters.") % {"max": MAX_LINE_CHARS})
        return []
    # NFKC turns full-width digits and punctuation (２０２７，：；（）) into plain ones.
    text = _ASIDE.sub(" ", _NUMBERING.sub("", unicodedata.normalize("NFKC", raw)))
    label, _colon, rest = text.partition(":") if ":" in text else ("", "", text)
    kind = None  # the last word read: True working days, False days off
    for keyword in _KEYWORD.findall(label):
        kind = _kind(keyword)
    found_date = False
    days: list[ScheduleDay] = []
    for clause in re.split(r"[。;]", rest):
        pending: list[date] = []
        position = 0
        for match in [*_TOKEN.finditer(clause), None]:
            between = clause[position : match.start() if match else len(clause)]
            for keyword in _KEYWORD.findall(between):
                # A word closes the dates read before it: "1月1日至3日放假".
                kind = _kind(keyword)
                days += _days(pending, kind, label or clause, line)
                pending = []
            if match is None:
                break
            found_date = True
            position = match.end()
            pending += _dates(match, year=year, problems=problems)
        if pending:
            if kind is None:
                problems.append(
                    _("Say whether these dates are days off (放假) or working days (上班).")
                )
                continue
            # No word after them: the line's last one ("上班：2月7日、2月20日").
            days += _days(pending, kind, label or clause, line)
    if not found_date:
        problems.append(_("No date on this line (e.g. 2027-01-01, 2027年1月1日 or 1月1日)."))
        return []
    name_problem = _name_problem(days)
    if name_problem:
        problems.append(name_problem)
    return [] if problems else days


def _dates(match: re.Match, *, year: int, problems: list[str]) -> list[date]:
    first = _date(match.group("ay"), match.group("am"), match.group("ad"), year, problems)
    if match.group("bm") is not None:
        last = _date(
            match.group("by") or match.group("ay"),
            match.group("bm"),
            match.group("bd"),
            year,
            problems,
        )
    elif match.group("bd_only") is not None and first is not None:
        last = _date(str(first.year), str(first.month), match.group("bd_only"), year, problems)
    else:
        last = first
    if first is None or last is None:
        return []
    if last < first:
        problems.append(
            _("The range %(first)s – %(last)s ends before it starts.")
            % {"first": first.isoformat(), "last": last.isoformat()}
        )
        return []
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        problems.append(
            _("The range %(first)s – %(last)s is longer than %(max)s days.")
            % {"first": first.isoformat(), "last": last.isoformat(), "max": MAX_RANGE_DAYS}
        )
        return []
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _date(y: str | None, m: str, d: str, year: int, problems: list[str]) -> date | None:
    written = f"{y}-{m}-{d}" if y else f"{m}-{d}"
    try:
        day = date(int(y) if y else year, int(m), int(d))
    except ValueError:
        problems.append(_("“%(text)s” is not a date.") % {"text": written})
        return None
    if day.year != year:
        problems.append(_("%(date)s is not in %(year)s.") % {"date": day.isoformat(), "year": year})
        return None
    return day


def _festival(text: str) -> str:
    text = _TOKEN.sub(" ", text)
    text = _KEYWORD.sub(" ", text)
    return " ".join(_NOISE.sub(" ", text).split())


def _days(dates: list[date], is_workday: bool, label: str, line: int) -> list[ScheduleDay]:
    festival = _festival(label)
    # As staff name them by hand: 国庆节 for the days off, 国庆节调休上班 for the make-up days.
    name = (f"{festival}调休上班" if festival else "调休上班") if is_workday else festival
    return [ScheduleDay(day=day, is_workday=is_workday, name=name, line=line) for day in dates]


def _name_problem(days: list[ScheduleDay]) -> str | None:
    for day in days:
        if not _NAME_OK.match(day.name):
            return _("The festival's name “%(name)s” may hold only letters, digits and spaces.") % {
                "name": day.name[:20]
            }
        if len(day.name) > NAME_MAX:
            return _("The festival's name is longer than %(max)s characters.") % {"max": NAME_MAX}
    return None
