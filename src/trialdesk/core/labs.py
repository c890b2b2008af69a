"""Laboratory values: standardize to the canonical unit, flag against the reference range, check limits.

- `standardize(test, value, unit)` -> (value in the canonical unit, canonical unit); an unknown unit is refused.
- L/H flags compare the value with the reference range **in the unit the laboratory reported**
  (the laboratory's own range when given with the value, else the protocol's range for that unit, else the
  canonical range converted).
- Hard limits (physiologically impossible) refuse a value; soft limits (implausible) need a confirmation
  with a reason. Both are stated in the canonical unit and compared on the standardized value; messages
  give the limit in the reported unit.
- The CTCAE term a flag suggests is carried here; grading is `trialdesk.core.ctcae`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from trialdesk.core.expressions import Measurement
from trialdesk.core.units import convert, find_unit, format_quantity, to_canonical, to_decimal
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.forms import LabTestDefinition

Flag = Literal["L", "H"]


@dataclass(frozen=True)
class LabResult:
    """A checked laboratory value: as entered, standardized, flagged, coded."""

    test_code: str
    value: Decimal
    unit: str
    standard_value: Decimal
    canonical_unit: str
    flag: Flag | None
    reference_low: Decimal | None
    reference_high: Decimal | None
    loinc: str | None

    def as_measurement(self) -> Measurement:
        return Measurement(
            value=self.value,
            unit=self.unit,
            standard_value=self.standard_value,
            standard_unit=self.canonical_unit,
            flag=self.flag,
        )

    def storable(self) -> dict[str, str | None]:
        """JSON-friendly: numbers as decimal text, so nothing is lost to floating point."""

        def text(number: Decimal | None) -> str | None:
            return None if number is None else str(number)

        return {
            "test": self.test_code,
            "value": str(self.value),
            "unit": self.unit,
            "standard_value": str(self.standard_value),
            "canonical_unit": self.canonical_unit,
            "flag": self.flag,
            "reference_low": text(self.reference_low),
            "reference_high": text(self.reference_high),
            "loinc": self.loinc,
        }


@dataclass(frozen=True)
class LabCheck:
    """The outcome of checking one value: the result (None when refused), hard errors, soft warnings."""

    result: LabResult | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def standardize(test: LabTestDefinition, value: Decimal | int | str, unit: str) -> tuple[Decimal, str]:
    """(value in the canonical unit, canonical unit); refuses an unknown unit, naming the allowed ones."""
    return to_canonical(test, to_decimal(value, where=f"{test.code}.value"), unit)


def reference_range(test: LabTestDefinition, unit: str) -> tuple[Decimal | None, Decimal | None]:
    """The protocol's reference range in `unit` (converted from the canonical unit's when not given)."""
    allowed = find_unit(test, unit)
    if allowed.reference_range is not None:
        return allowed.reference_range.min, allowed.reference_range.max
    if test.canonical_unit is not None:
        canonical = find_unit(test, test.canonical_unit)
        if canonical.reference_range is not None:
            low, high = canonical.reference_range.min, canonical.reference_range.max
            return (
                None if low is None else convert(test, low, test.canonical_unit, allowed.unit),
                None if high is None else convert(test, high, test.canonical_unit, allowed.unit),
            )
    return None, None


def reference_flag(
    test: LabTestDefinition,
    value: Decimal,
    unit: str,
    *,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> Flag | None:
    """'L' below the range, 'H' above it, None within it or when no range is known. `low`/`high` are the
    reporting laboratory's own limits in `unit` and take precedence over the protocol's."""
    default_low, default_high = reference_range(test, unit)
    low = default_low if low is None else low
    high = default_high if high is None else high
    if low is not None and value < low:
        return "L"
    if high is not None and value > high:
        return "H"
    return None


def loinc_for(test: LabTestDefinition, unit: str, *, fasting: bool | None = None) -> str | None:
    """The LOINC code for this test in `unit` (and fasting state, where the code depends on it)."""
    allowed = find_unit(test, unit).unit
    candidates = [c for c in test.loinc if c.unit is None or c.unit == allowed]
    exact = [c for c in candidates if c.fasting == fasting]
    if exact:
        return exact[0].code
    neutral = [c for c in candidates if c.fasting is None]
    return neutral[0].code if neutral else None


def ctcae_term_for(test: LabTestDefinition, flag: Flag | None) -> str | None:
    """The CTCAE term a flagged value suggests ('L' -> a 'low' link, 'H' -> a 'high' link)."""
    direction = {"L": "low", "H": "high", None: None}[flag]
    return next((link.term for link in test.ctcae if link.direction == direction), None)


def check_lab_value(
    test: LabTestDefinition,
    value: object,
    unit: object,
    *,
    where: str,
    low: object = None,
    high: object = None,
    fasting: bool | None = None,
) -> LabCheck:
    """Check one quantitative result. Problems name `{where}.value` / `{where}.unit` and the rule."""
    errors, number, limits = _read_inputs(value, unit, where, low, high)
    if errors or number is None or not isinstance(unit, str):
        return LabCheck(None, tuple(errors), ())
    try:
        allowed = find_unit(test, unit, where=f"{where}.unit")
    except ValidationFailed as exc:
        return LabCheck(None, exc.problems, ())
    standard, canonical_unit = to_canonical(test, number, allowed.unit)

    def in_reported_unit(limit: Decimal) -> str:
        shown = format_quantity(convert(test, limit, canonical_unit, allowed.unit), allowed.unit)
        if allowed.unit == canonical_unit:
            return shown
        return f"{shown} (= {format_quantity(limit, canonical_unit)})"

    impossible = _hard_limit_problem(test, standard, where, in_reported_unit)
    if impossible is not None:
        return LabCheck(None, (impossible,), ())
    warnings = _soft_limit_warnings(test, standard, where, in_reported_unit)
    default_low, default_high = reference_range(test, allowed.unit)
    reference_low = limits["low"] if limits["low"] is not None else default_low
    reference_high = limits["high"] if limits["high"] is not None else default_high
    flag = reference_flag(test, number, allowed.unit, low=reference_low, high=reference_high)
    result = LabResult(
        test_code=test.code,
        value=number,
        unit=allowed.unit,
        standard_value=standard,
        canonical_unit=canonical_unit,
        flag=flag,
        reference_low=reference_low,
        reference_high=reference_high,
        loinc=loinc_for(test, allowed.unit, fasting=fasting),
    )
    return LabCheck(result, (), warnings)


def _read_inputs(
    value: object, unit: object, where: str, low: object, high: object
) -> tuple[list[Problem], Decimal | None, dict[str, Decimal | None]]:
    """The unit is present, the value and the laboratory's own limits (if given) are numbers."""
    errors: list[Problem] = []
    if not isinstance(unit, str) or not unit.strip():
        errors.append(Problem(f"{where}.unit", "is required"))
    number: Decimal | None = None
    try:
        number = to_decimal(value, where=f"{where}.value")
    except ValidationFailed as exc:
        errors.extend(exc.problems)
    limits: dict[str, Decimal | None] = {"low": None, "high": None}
    for name, given in (("low", low), ("high", high)):
        if given is not None and given != "":
            try:
                limits[name] = to_decimal(given, where=f"{where}.{name}")
            except ValidationFailed as exc:
                errors.extend(exc.problems)
    return errors, number, limits


def _hard_limit_problem(
    test: LabTestDefinition, standard: Decimal, where: str, shown: Callable[[Decimal], str]
) -> Problem | None:
    """A value outside the hard limits (canonical unit) is physiologically impossible: refused."""
    if test.hard_limits is None:
        return None
    if test.hard_limits.min is not None and standard < test.hard_limits.min:
        return Problem(
            f"{where}.value", f"must be at least {shown(test.hard_limits.min)} (physiologically impossible)"
        )
    if test.hard_limits.max is not None and standard > test.hard_limits.max:
        return Problem(
            f"{where}.value", f"must be at most {shown(test.hard_limits.max)} (physiologically impossible)"
        )
    return None


def _soft_limit_warnings(
    test: LabTestDefinition, standard: Decimal, where: str, shown: Callable[[Decimal], str]
) -> tuple[Problem, ...]:
    """A value outside the soft limits is implausible: saved only with a confirming reason."""
    warnings: list[Problem] = []
    if test.soft_limits is not None:
        if test.soft_limits.min is not None and standard < test.soft_limits.min:
            rule = f"is below {shown(test.soft_limits.min)} (implausible): confirm with a reason"
            warnings.append(Problem(f"{where}.value", rule))
        if test.soft_limits.max is not None and standard > test.soft_limits.max:
            rule = f"is above {shown(test.soft_limits.max)} (implausible): confirm with a reason"
            warnings.append(Problem(f"{where}.value", rule))
    return tuple(warnings)


__all__ = [
    "Flag",
    "LabCheck",
    "LabResult",
    "check_lab_value",
    "ctcae_term_for",
    "loinc_for",
    "reference_flag",
    "reference_range",
    "standardize",
]
