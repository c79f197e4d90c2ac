"""Validators shared by every app (part of the core: imports no app)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers, and landlines with area code and optional extension
# (0519-86661234, 051986661234, 0519-86661234-801).
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def validate_phone(value: str) -> None:
    if not _PHONE_RE.match(value.replace(" ", "")):
        raise ValidationError(
            _("Enter a mainland mobile number (11 digits) or a landline such as 0519-86661234."),
            code="invalid_phone",
        )
