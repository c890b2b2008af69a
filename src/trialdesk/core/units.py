"""Unit conversion for laboratory values: one constant per analyte, exact decimal arithmetic.

A lab test lists its allowed units, each with `factor` = how many canonical units make one of it
(value_canonical = value x factor). The study's constants (domain-facts sheet §5) are:

    glucose        1 mmol/L = 18.016 mg/dL   (molar mass 180.16 g/mol)
    triglycerides  1 mmol/L = 88.57 mg/dL    (the conventional factor, 1/0.01129)
    C3, C4         1 g/L    = 100 mg/dL

They live in the protocol file (the lab test's units); the named constants below are the sheet's values,
against which the tests check the shipped protocol. Values are `Decimal` throughout: multiplying by a
factor is exact, and dividing is rounded at 34 significant digits, so converting there and back and
rounding to the entered number of decimals returns the entered value exactly.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation, localcontext
from typing import Final

from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.forms import LabTestDefinition, LabUnit

GLUCOSE_MG_DL_PER_MMOL_L: Final = Decimal("18.016")
TRIGLYCERIDES_MG_DL_PER_MMOL_L: Final = Decimal("88.57")
COMPLEMENT_MG_DL_PER_G_L: Final = Decimal("100")

PRECISION: Final = 34
_CONTEXT: Final = Context(prec=PRECISION)


class UnknownUnit(ValidationFailed):
    """A unit the lab test does not allow; the message names it and the allowed units."""


MAX_EXPONENT = 18
MAX_DIGITS = 30


def to_decimal(value: object, *, where: str) -> Decimal:
    """A finite Decimal from a Decimal, an int, a float (through its shortest repr) or a numeric text."""
    if isinstance(value, bool):
        raise ValidationFailed(f"{where}: must be a number", (Problem(where, "must be a number"),))
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip().replace(",", "."))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationFailed(
            f"{where}: {value!r} is not a number", (Problem(where, "must be a number"),)
        ) from None
    if not number.is_finite():
        raise ValidationFailed(
            f"{where}: must be a finite number", (Problem(where, "must be a finite number"),)
        )
    # No measurement needs more: the bound keeps every stored text form of the number short (1e308 is input
    # that only a mistake or an attack produces).
    too_big = bool(number) and not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT
    if too_big or len(number.as_tuple().digits) > MAX_DIGITS:
        rule = f"must be within 1e-{MAX_EXPONENT} to 1e{MAX_EXPONENT} with at most {MAX_DIGITS} digits"
        raise ValidationFailed(f"{where}: {rule}", (Problem(where, rule),))
    return number


def find_unit(test: LabTestDefinition, unit: str, *, where: str = "unit") -> LabUnit:
    """The allowed unit matching `unit` (case-insensitively); refuses others, naming the allowed ones."""
    wanted = unit.strip().casefold()
    for allowed in test.units:
        if allowed.unit.casefold() == wanted:
            return allowed
    allowed_names = ", ".join(test.unit_names) or "none"
    rule = f"unit '{unit}' is not allowed for {test.label.en}; allowed: {allowed_names}"
    raise UnknownUnit(f"{where}: {rule}", (Problem(where, rule),), {"unit": unit, "allowed": test.unit_names})


def convert(test: LabTestDefinition, value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`value` in `from_unit` expressed in `to_unit`, through the test's single factor per unit."""
    source, target = find_unit(test, from_unit), find_unit(test, to_unit)
    if source.factor == target.factor:
        return value
    with localcontext(_CONTEXT):
        if target.factor == 1:
            return value * source.factor
        return value * source.factor / target.factor


def to_canonical(test: LabTestDefinition, value: Decimal, unit: str) -> tuple[Decimal, str]:
    """(value in the canonical unit, the canonical unit)."""
    if test.canonical_unit is None:
        raise ValidationFailed(f"{test.label.en} has no canonical unit (it is not a quantitative test)")
    return convert(test, value, unit, test.canonical_unit), test.canonical_unit


def format_quantity(value: Decimal, unit: str | None = None, *, places: int = 2) -> str:
    """A number for a message: at most `places` decimals, no trailing zeros (`111.01 mmol/L`, `600 mg/dL`)."""
    exponent = value.as_tuple().exponent
    rounded = (
        value.quantize(Decimal(1).scaleb(-places))
        if isinstance(exponent, int) and exponent < -places
        else value
    )
    text = (
        format(rounded.normalize(), "f") if rounded == rounded.to_integral_value() else format(rounded, "f")
    )
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


__all__ = [
    "COMPLEMENT_MG_DL_PER_G_L",
    "GLUCOSE_MG_DL_PER_MMOL_L",
    "TRIGLYCERIDES_MG_DL_PER_MMOL_L",
    "UnknownUnit",
    "convert",
    "find_unit",
    "format_quantity",
    "to_canonical",
    "to_decimal",
]
