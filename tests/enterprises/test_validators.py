import pytest
from django.core.exceptions import ValidationError

from enterprises.validators import (
    CHARSET,
    check_character,
    normalize_credit_code,
    validate_credit_code,
)

# Published codes of well-known firms (printed on their business licences).
REAL_CODES = [
    "91350100M000100Y43",  # the worked example of GB 32100-2015
    "91440300708461136T",
    "914403001922038216",
    "91110108551385082Q",
    "91330100799655058B",
    "91310000717854505W",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize("code", REAL_CODES)
def test_lowercase_and_spaces_are_normalised(code):
    validate_credit_code(" " + code.lower() + " ")
    assert normalize_credit_code(code.lower()) == code


@pytest.mark.parametrize("code", REAL_CODES)
@pytest.mark.parametrize("position", range(18))
def test_every_single_character_mutation_is_caught(code, position):
    for replacement in CHARSET:
        if replacement == code[position]:
            continue
        mutated = code[:position] + replacement + code[position + 1 :]
        with pytest.raises(ValidationError):
            validate_credit_code(mutated)


@pytest.mark.parametrize("code", REAL_CODES)
def test_swapping_adjacent_characters_is_caught(code):
    for i in range(17):
        if code[i] == code[i + 1]:
            continue
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        with pytest.raises(ValidationError):
            validate_credit_code(swapped)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("", "credit_code_length"),
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y433", "credit_code_length"),
        ("91350100M000100I43", "credit_code_charset"),  # I is never used
        ("91350100M0001OOY43", "credit_code_charset"),  # O is never used
        ("Z1350100M000100Y43", "credit_code_charset"),
        ("B1350100M000100Y43", "credit_code_authority"),
        ("913501A0M000100Y43", "credit_code_division"),
        ("91350100M000100Y44", "credit_code_checksum"),
        ("<script>alert(1)</", "credit_code_charset"),
    ],
)
def test_invalid_codes_name_the_reason(code, error):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert caught.value.code == error


def test_check_character_of_standard_example():
    assert check_character("91350100M000100Y4") == "3"
