from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_FREQUENCIES = {"WEEKLY", "MONTHLY"}


def validate_rrule(value: str) -> None:
    """An RFC 5545 recurrence rule such as ``FREQ=MONTHLY;BYDAY=1TU`` (first Tuesday)."""
    text = value.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise ValidationError(
            _("The rule must repeat weekly or monthly (FREQ=WEEKLY or FREQ=MONTHLY)."),
            code="rrule_frequency",
        )
    interval = parts.get("INTERVAL", "1")
    try:
        # INTERVAL=0 parses, but iterating it crashes or never advances (memory runs out).
        if not interval.isdigit() or int(interval) < 1:
            raise ValueError(interval)
        rrulestr(text)
    except (ValueError, TypeError):
        raise ValidationError(
            _("This is not a valid recurrence rule."), code="rrule_invalid"
        ) from None
