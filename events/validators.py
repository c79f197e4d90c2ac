from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_FREQUENCIES = {"WEEKLY", "MONTHLY"}
# What a weekly or monthly meeting needs. BYHOUR/BYMINUTE/BYSECOND would turn one meeting into
# hundreds a day (the time comes from the first start), DTSTART or EXDATE lines do not belong in
# a rule field, and the rest has no meaning for a meeting.
ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL"}
# Any aware start will do to check the rule: the rule runs on Beijing time, and an UNTIL that is
# not in UTC makes dateutil refuse an aware start (it would otherwise fail only when generating).
_CHECK_START = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


def validate_rrule(value: str) -> None:
    """An RFC 5545 recurrence rule such as ``FREQ=MONTHLY;BYDAY=1TU`` (first Tuesday)."""
    text = value.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    invalid = ValidationError(_("This is not a valid recurrence rule."), code="rrule_invalid")
    if any(char in text for char in "\r\n\x00"):
        raise invalid
    parts = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise ValidationError(
            _("The rule must repeat weekly or monthly (FREQ=WEEKLY or FREQ=MONTHLY)."),
            code="rrule_frequency",
        )
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise ValidationError(
            _("A meeting rule cannot use %(parts)s."),
            code="rrule_parts",
            params={"parts": ", ".join(unknown)},
        )
    interval = parts.get("INTERVAL", "1")
    try:
        # INTERVAL=0 parses, but iterating it crashes or never advances (memory runs out).
        if not interval.isdigit() or not 1 <= int(interval) <= 52:
            raise ValueError(interval)
        rrulestr(text, dtstart=_CHECK_START)
    except (ValueError, TypeError, OverflowError):
        if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
            raise ValidationError(
                _("UNTIL must be a UTC time, e.g. UNTIL=20271231T155959Z."), code="rrule_until"
            ) from None
        raise invalid from None
