"""Rules every piece of typed or uploaded input passes before it is stored, the same on every database.

Text: no NUL or other control characters (tab and newline only where the field is multi-line), no Unicode
bidirectional overrides (they make stored text display differently from what it is), and no longer than its
column. Numbers: finite and within their column's precision. Identity: the Iranian national code's check digit
(or a foreign identifier), a telephone number's shape, birth date and year of birth that agree.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from trialdesk.errors import Problem, ValidationFailed

# Unicode bidi embedding/override/isolate controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_ALLOWED = frozenset("\t\n\r")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,22}$")
EARLIEST_BIRTH = date(1900, 1, 1)
# Free text stored in an unbounded TEXT column (notes, reasons, query text) is still bounded: a reason or a
# note longer than this is a paste accident or an attack, and every database then answers the same.
LONG_TEXT = 4000
# A code a user chooses (lot id) that ends up in a URL path and in CSV cells: letters and digits first, then
# letters, digits, '.', '_' or '-'; never '/', '=', '+', '@' or spaces.
SAFE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def text_problems(
    value: str, *, where: str, max_length: int, multiline: bool = False, required: bool = False
) -> list[Problem]:
    """Why `value` cannot be stored in a text column of `max_length` characters (empty list: it can)."""
    problems: list[Problem] = []
    if required and not value.strip():
        problems.append(Problem(where, "required"))
    if len(value) > max_length:
        problems.append(Problem(where, f"at most {max_length} characters (got {len(value)})"))
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        problems.append(
            Problem(
                where,
                "must not contain control characters" + (" other than tab and new line" if multiline else ""),
            )
        )
    if any(c in BIDI_CONTROLS for c in value):
        problems.append(Problem(where, "must not contain bidirectional override characters"))
    return problems


def code_problems(value: str, *, where: str) -> list[Problem]:
    """Why `value` is not a safe user-chosen code (see SAFE_CODE)."""
    if SAFE_CODE.fullmatch(value):
        return []
    return [Problem(where, "1-40 letters, digits, '.', '_' or '-', starting with a letter or digit")]


def raise_problems(problems: list[Problem], message: str) -> None:
    """Refuse the whole input with every problem found (nothing is stored)."""
    if problems:
        raise ValidationFailed(message, tuple(problems))


def decimal_problems(value: Decimal, *, where: str, max_digits: int, decimal_places: int) -> list[Problem]:
    """Why `value` does not fit a DECIMAL(max_digits, decimal_places) column (NaN and infinities never do)."""
    if not value.is_finite():
        return [Problem(where, "must be a finite number")]
    try:
        quantized = value.quantize(Decimal(1).scaleb(-decimal_places))
    except InvalidOperation:
        return [
            Problem(where, f"must have at most {max_digits - decimal_places} digits before the decimal point")
        ]
    digits = len(quantized.as_tuple().digits)
    if digits > max_digits:
        return [
            Problem(where, f"must have at most {max_digits - decimal_places} digits before the decimal point")
        ]
    return []


def iranian_national_code_ok(code: str) -> bool:
    """The Iranian national code (کد ملی): 10 digits whose last is the check digit of the first nine."""
    if not re.fullmatch(r"[0-9]{10}", code) or len(set(code)) == 1:
        return False
    total = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = total if total < 2 else 11 - total
    return int(code[9]) == check


def identity_problems(
    *,
    national_id: str,
    national_id_kind: str,
    phone: str,
    date_of_birth: date | None,
    year_of_birth: int | None,
    today: date,
) -> list[Problem]:
    problems: list[Problem] = []
    if national_id_kind not in ("iranian", "foreign"):
        problems.append(Problem("national_id_kind", "must be iranian or foreign"))
    elif national_id and national_id_kind == "iranian" and not iranian_national_code_ok(national_id):
        problems.append(
            Problem("national_id", "not a valid Iranian national code (10 digits with a check digit)")
        )
    elif (
        national_id
        and national_id_kind == "foreign"
        and not re.fullmatch(r"[A-Za-z0-9\-]{4,30}", national_id)
    ):
        problems.append(Problem("national_id", "a foreign identifier is 4-30 letters, digits or '-'"))
    if phone and not PHONE.match(phone):
        problems.append(Problem("phone", "digits with an optional leading +, spaces, '-' or brackets (7-23)"))
    if date_of_birth is not None:
        if date_of_birth > today:
            problems.append(Problem("date_of_birth", "cannot be in the future"))
        elif date_of_birth < EARLIEST_BIRTH:
            problems.append(Problem("date_of_birth", "cannot be before 1900"))
        elif year_of_birth is not None and date_of_birth.year != year_of_birth:
            problems.append(
                Problem("year_of_birth", f"does not agree with the date of birth ({date_of_birth.year})")
            )
    return problems


LATEST_PLAUSIBLE = date(2100, 12, 31)


def plausible_date_problems(value: date, *, where: str) -> list[Problem]:
    """A date a record can hold at all: Gregorian, 1900 to 2100 (a Jalali year such as 1403 typed as
    Gregorian, or 9999-12-31, is a mistake whatever the field)."""
    if EARLIEST_BIRTH <= value <= LATEST_PLAUSIBLE:
        return []
    return [Problem(where, "must be a Gregorian date between 1900 and 2100")]


def occurrence_problems(value: int | None, *, where: str = "occurrence") -> list[Problem]:
    """A visit occurrence number: 1 to 999 (None: not given)."""
    if value is None or 1 <= value <= 999:
        return []
    return [Problem(where, "must be a whole number from 1 to 999")]


def clinical_date_problems(value: date, *, where: str, earliest: date | None, today: date) -> list[Problem]:
    """A clinical date is not in the future and not before the study could start (its ethics approval)."""
    if value > today:
        return [Problem(where, "cannot be in the future")]
    if earliest is not None and value < earliest:
        return [Problem(where, f"cannot be before the study's ethics approval ({earliest.isoformat()})")]
    return []
