"""Normalizing one raw form answer by its item type: parsing, hard limits (errors), soft limits (warnings).

`normalize(item, raw, where, lab_tests, env)` returns the stored value, the value expressions see, the
errors and the soft-limit warnings. `core.forms` walks the form and calls this for every shown answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from trialdesk.core.expressions import OrdinalValue, Value
from trialdesk.core.input_rules import LONG_TEXT, text_problems
from trialdesk.core.labs import check_lab_value
from trialdesk.core.units import to_decimal
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.forms import ItemDefinition, LabTestDefinition, Range

Normalized = object  # int | Decimal | bool | str | date | datetime | tuple[str, ...] | LabResult | None
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")  # whole numbers a form item can hold
# Dates a form item can hold: nothing before 1900 (a Jalali year such as 1403 typed as Gregorian) or after 2100.
_PLAUSIBLE_DATES = (date(1900, 1, 1), date(2100, 12, 31))
_YES = frozenset({"yes", "true", "y"})
_NO = frozenset({"no", "false", "n"})
NOT_ASSESSED = (
    "not_assessed"  # an explicit answer to a yes_no item that allows it (e.g. a SLEDAI-2K descriptor)
)

# (stored value, expression value, errors, soft-limit warnings)
Normalization = tuple[Normalized, Value, tuple[Problem, ...], tuple[Problem, ...]]


def _refuse(where: str, rule: str) -> Normalization:
    return None, None, (Problem(where, rule),), ()


def normalize(
    item: ItemDefinition,
    raw: object,
    where: str,
    lab_tests: Mapping[str, LabTestDefinition],
    env: Mapping[str, Value],
) -> Normalization:
    """Normalize a non-blank answer `raw` to `item` at path `where`."""
    kind = item.type
    if kind == "text":
        return _text(item, raw, where)
    if kind == "integer":
        return _integer(item, raw, where)
    if kind == "decimal":
        return _decimal(item, raw, where)
    if kind in ("date", "datetime"):
        return _date(raw, where) if kind == "date" else _datetime(raw, where)
    if kind == "yes_no":
        return _yes_no(item, raw, where)
    if kind in ("single_choice", "ordinal"):
        return _single_choice(item, raw, where)
    if kind == "multiple_choice":
        return _multiple_choice(item, raw, where)
    return _lab(item, raw, where, lab_tests, env)


def _text(item: ItemDefinition, raw: object, where: str) -> Normalization:
    if not isinstance(raw, str):
        return _refuse(where, "must be text")
    text = raw.strip()
    if item.max_length is not None and len(text) > item.max_length:
        return _refuse(where, f"must be at most {item.max_length} characters")
    bad = text_problems(text, where=where, max_length=LONG_TEXT, multiline=True)
    if bad:
        return None, None, tuple(bad), ()
    return text, text, (), ()


def _integer(item: ItemDefinition, raw: object, where: str) -> Normalization:
    if isinstance(raw, bool) or not (
        isinstance(raw, int)
        or (isinstance(raw, str) and _INTEGER.match(raw.strip()))
        or (isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value())
    ):
        return _refuse(where, "must be a whole number")
    number = int(raw.strip() if isinstance(raw, str) else raw)
    return _numeric(item, Decimal(number), number, where)


def _decimal(item: ItemDefinition, raw: object, where: str) -> Normalization:
    try:
        decimal_value = to_decimal(raw, where=where)
    except ValidationFailed:
        return _refuse(where, "must be a number")
    exponent = decimal_value.as_tuple().exponent
    if item.decimals is not None and isinstance(exponent, int) and -exponent > item.decimals:
        return _refuse(where, f"must have at most {item.decimals} decimal place(s)")
    return _numeric(item, decimal_value, decimal_value, where)


def _date(raw: object, where: str) -> Normalization:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw, raw, (), ()
    try:
        parsed_date = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        parsed_date = None
    if parsed_date is None:
        return _refuse(where, "must be a date (YYYY-MM-DD)")
    if not _PLAUSIBLE_DATES[0] <= parsed_date <= _PLAUSIBLE_DATES[1]:
        return _refuse(where, "must be a Gregorian date between 1900 and 2100")
    return parsed_date, parsed_date, (), ()


def _datetime(raw: object, where: str) -> Normalization:
    moment: datetime | None = raw if isinstance(raw, datetime) else None
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            moment = None
    if moment is None:
        return _refuse(where, "must be a date and time (YYYY-MM-DDTHH:MM+03:30)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return _refuse(where, "must include a time zone offset (e.g. +03:30)")
    if not _PLAUSIBLE_DATES[0] <= moment.date() <= _PLAUSIBLE_DATES[1]:
        return _refuse(where, "must be a Gregorian date between 1900 and 2100")
    utc = moment.astimezone(UTC)
    return utc, utc, (), ()


def _yes_no(item: ItemDefinition, raw: object, where: str) -> Normalization:
    answer: bool | None = raw if isinstance(raw, bool) else None
    if isinstance(raw, str):
        word = raw.strip().casefold()
        answer = True if word in _YES else False if word in _NO else None
        if word == NOT_ASSESSED and item.not_assessed_allowed:
            return NOT_ASSESSED, None, (), ()  # stored as answered; unknown to expressions (a total: None)
    if answer is None:
        allowed = "yes, no or not_assessed" if item.not_assessed_allowed else "yes or no"
        return _refuse(where, f"must be {allowed}")
    return answer, answer, (), ()


def _single_choice(item: ItemDefinition, raw: object, where: str) -> Normalization:
    codes = item.choice_codes
    if not isinstance(raw, str) or raw.strip() not in codes:
        return _refuse(where, f"{raw!r} is not one of the choices: {', '.join(codes)}")
    code = raw.strip()
    expression_value: Value = OrdinalValue(code, codes) if item.type == "ordinal" else code
    return code, expression_value, (), ()


def _multiple_choice(item: ItemDefinition, raw: object, where: str) -> Normalization:
    codes = item.choice_codes
    if isinstance(raw, str) or not isinstance(raw, Sequence | set | frozenset):
        return _refuse(where, "must be a list of choices")
    chosen = list(raw)
    bad = [c for c in chosen if not isinstance(c, str) or c not in codes]
    if bad:
        return _refuse(where, f"{', '.join(map(repr, bad))} not among the choices: {', '.join(codes)}")
    ordered = tuple(c for c in codes if c in chosen)
    return ordered, ordered, (), ()


def _lab(
    item: ItemDefinition,
    raw: object,
    where: str,
    lab_tests: Mapping[str, LabTestDefinition],
    env: Mapping[str, Value],
) -> Normalization:
    assert item.lab_test is not None
    test = lab_tests.get(item.lab_test)
    if test is None:
        return _refuse(where, f"lab test '{item.lab_test}' is not defined in the protocol")
    if not isinstance(raw, Mapping):
        return _refuse(where, "must give a value and a unit")
    fasting = env.get(item.fasting_item) if item.fasting_item else None
    check = check_lab_value(
        test,
        raw.get("value"),
        raw.get("unit"),
        where=where,
        low=raw.get("low"),
        high=raw.get("high"),
        fasting=fasting if isinstance(fasting, bool) else None,
    )
    extra = sorted(set(raw) - {"value", "unit", "low", "high"})
    errors = check.errors + tuple(Problem(f"{where}.{k}", "is not a field of a lab value") for k in extra)
    if check.result is None or errors:
        return None, None, errors, ()
    return check.result, check.result.as_measurement(), (), check.warnings


def _numeric(item: ItemDefinition, number: Decimal, value: Normalized, where: str) -> Normalization:
    unit = f" {item.unit}" if item.unit else ""
    hard: Range | None = item.hard_limits
    if hard is not None:
        if hard.min is not None and number < hard.min:
            return _refuse(where, f"must be at least {hard.min}{unit}")
        if hard.max is not None and number > hard.max:
            return _refuse(where, f"must be at most {hard.max}{unit}")
    warnings: tuple[Problem, ...] = ()
    soft = item.soft_limits
    if soft is not None:
        if soft.min is not None and number < soft.min:
            warnings = (Problem(where, f"is below the expected {soft.min}{unit}: confirm with a reason"),)
        if soft.max is not None and number > soft.max:
            warnings = (Problem(where, f"is above the expected {soft.max}{unit}: confirm with a reason"),)
    return value, number, (), warnings


__all__ = ["NOT_ASSESSED", "Normalization", "Normalized", "normalize"]
