"""What the portal itself writes into a need's timeline, stored as codes and values.

A timeline entry keeps two things apart: `NeedEvent.note`, the text a person typed (shown as
typed, in whatever language they wrote it), and `NeedEvent.data`, the lines the portal adds —
"Liaison: 宋飞洋", a satisfaction rating, a new deadline — as `{"code": …, values…}`. Those lines
are put into words when the page is shown, in the reader's language, so an English reader sees
"Liaison: 宋飞洋" and a Chinese one "红链专员：宋飞洋". Rendering reads nothing from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from liaisons.models import EscalationLevel, NeedCategory, Satisfaction, Urgency


@dataclass(frozen=True)
class Line:
    """One kind of line: its message, and which values are choices or moments to put in words."""

    message: object  # lazy; None when the line is the choice's label alone
    choices: dict[str, type[models.Choices]] = field(default_factory=dict)
    moments: tuple[str, ...] = ()


class NeedDeadline(models.TextChoices):
    """A need's deadlines as a line names them (the field's name is what is stored)."""

    ACCEPT = "accept_due", gettext_lazy("Accept by")
    SIGN = "sign_due", gettext_lazy("Sign for by")
    FIRST_CONTACT = "first_contact_due", gettext_lazy("First contact by")
    RESOLVE = "resolve_due", gettext_lazy("Resolve by")
    RATING = "rating_due", gettext_lazy("Rate by")


LINES: dict[str, Line] = {
    "category_corrected": Line(
        gettext_lazy("Category corrected: %(old)s → %(new)s"),
        {"old": NeedCategory, "new": NeedCategory},
    ),
    "urgency_corrected": Line(
        gettext_lazy("Urgency corrected: %(old)s → %(new)s"), {"old": Urgency, "new": Urgency}
    ),
    "merged_into": Line(gettext_lazy("Merged into %(number)s")),
    "duplicate_merged": Line(gettext_lazy("Duplicate %(number)s merged into this need")),
    "liaison": Line(gettext_lazy("Liaison: %(name)s")),
    "extension_requested": Line(gettext_lazy("%(days)s working days requested")),
    "extension_granted": Line(
        gettext_lazy("Extended by %(days)s working days, new deadline %(due)s"), moments=("due",)
    ),
    "satisfaction": Line(None, {"value": Satisfaction}),
    "escalation": Line(
        gettext_lazy("%(level)s — resolve by %(due)s"),
        {"level": EscalationLevel},
        moments=("due",),
    ),
    "resource": Line(gettext_lazy("“%(title)s” (%(department)s)")),
    "action_item": Line(gettext_lazy("Turned into the action item “%(title)s”.")),
    # A recount's entry: this heading, then one "deadline_moved" line per deadline that moved.
    "deadlines_recounted": Line(
        gettext_lazy("Deadlines recounted after a change to the holiday calendar:")
    ),
    "deadline_moved": Line(
        gettext_lazy("%(deadline)s: %(old)s → %(new)s"),
        {"deadline": NeedDeadline},
        moments=("old", "new"),
    ),
}


def line(code: str, **values) -> dict:
    """A line to store in `NeedEvent.data`. Choices are stored by value, moments as ISO text
    in UTC (shown in the reader's time zone)."""
    kind = LINES[code]
    stored: dict = {"code": code}
    for name, value in values.items():
        if name in kind.moments:
            # One form for every stored moment, whatever zone the caller held it in.
            value = value.astimezone(UTC).isoformat()
        elif name in kind.choices:
            value = kind.choices[name](value).value
        stored[name] = value
    return stored


def _moment(value: str) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return str(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _label(choices: type[models.Choices], value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # a value retired since: shown as stored rather than failing the page
        return str(value)


def render_line(stored: dict) -> str:
    """One stored line in the active language; an unknown code shows nothing."""
    kind = LINES.get(stored.get("code"))
    if kind is None:
        return ""
    values = {}
    for name, value in stored.items():
        if name in kind.choices:
            value = _label(kind.choices[name], value)
        elif name in kind.moments:
            value = _moment(value)
        values[name] = value
    if kind.message is None:
        return next(iter(values[name] for name in kind.choices))
    try:
        return str(kind.message) % values
    except (KeyError, TypeError, ValueError):  # stored values missing: the message alone
        return str(kind.message)


def render_note(data: Iterable[dict] | None, note: str = "") -> str:
    """The portal's lines (in the reader's language), then what the person typed."""
    lines = [render_line(stored) for stored in data or () if isinstance(stored, dict)]
    return "\n".join(filter(None, [*lines, note]))
