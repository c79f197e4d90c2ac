"""Unified social credit code (统一社会信用代码), GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The 31 characters of the code; I, O, Z, S and V are never used.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i is 3**i mod 31 (GB 32100-2015, 5.2).
WEIGHTS = [pow(3, i, 31) for i in range(17)]
# First character: registration authority (1 government bodies, 5 civil affairs, 9 market
# regulation, Y others); the standard also reserves 2–8 and A–N for other authorities.
REGISTRATION_AUTHORITIES = set("123456789ANY")


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)s."),
            code="credit_code_length",
            params={"n": len(code)},
        )
    bad = sorted({char for char in code if char not in CHARSET})
    if bad:
        raise ValidationError(
            _("The credit code contains characters that are never used: %(chars)s."),
            code="credit_code_charset",
            params={"chars": "".join(bad)},
        )
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise ValidationError(
            _("The first character (registration authority) is not valid."),
            code="credit_code_authority",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 must be the administrative division code (digits)."),
            code="credit_code_division",
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character does not match: please verify the credit code."),
            code="credit_code_checksum",
        )
