"""CTCAE v5.0 grades from recorded values, independent of any reference-range flag.

* Hypertriglyceridemia is graded on CTCAE's absolute thresholds (150/300/500/1000 mg/dL; 1.71/3.42/5.7/11.4
  mmol/L) in the unit reported, whatever the laboratory's own upper limit is or whether the value was flagged.
* Hypoglycemia grade 1 starts below the laboratory's LLN: without an LLN the suggestion says so (no guess).
* Hyperglycemia (v5.0) is graded by the intervention: a value above the ULN opens the question, never a grade.
* Fever is graded from a body temperature in °C (38.0-39.0 grade 1; >39.0-40.0 grade 2; >40.0 grade 3 for
  <= 24 h, grade 4 for > 24 h): above 40.0 °C the grade needs the hours spent above 40.0 °C.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trialdesk.core.ctcae import (
    TERMS,
    GradeSuggestion,
    HyperglycemiaQuestion,
    _glucose,
    _triglycerides,
    _unit,
    normalize_term,
    suggest_grade_from_lab,
)
from trialdesk.core.ctcae import _decimal as as_decimal
from trialdesk.core.labs import LabResult
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.forms import LabTestDefinition

FEVER_FLOOR_C = Decimal("38.0")
FEVER_GRADE_2_ABOVE_C = Decimal("39.0")
FEVER_GRADE_3_ABOVE_C = Decimal("40.0")
FEVER_GRADE_4_AFTER_HOURS = Decimal(24)


@dataclass(frozen=True)
class ValueNote:
    """A value that points to a CTCAE term but cannot be graded from the value alone; `text` says why."""

    term_id: str
    text: str


ValueSuggestion = GradeSuggestion | HyperglycemiaQuestion | ValueNote


def grade_fever(
    temperature_c: Decimal | str, hours_above_40: Decimal | str | None = None
) -> ValueSuggestion | None:
    """The CTCAE v5.0 fever grade of a temperature in °C (None below 38.0 °C)."""
    temperature = as_decimal(temperature_c, "temperature")
    term = TERMS["fever"]
    if temperature < FEVER_FLOOR_C:
        return None
    if temperature <= FEVER_GRADE_3_ABOVE_C:
        grade = 1 if temperature <= FEVER_GRADE_2_ABOVE_C else 2
        explanation = f"Temperature {temperature} °C: fever grade {grade} ({term.grades[grade]})."
        return GradeSuggestion(term.id, grade, term.grades[grade], temperature, "°C", explanation)
    if hours_above_40 is None or str(hours_above_40).strip() == "":
        return ValueNote(
            term.id,
            f"Temperature {temperature} °C is above 40.0 °C: fever grade 3 (<= 24 h) or 4 (> 24 h). "
            "Record how long it stayed above 40.0 °C.",
        )
    hours = as_decimal(hours_above_40, "hours_above_40")
    if hours < 0:
        raise ValidationFailed("A duration cannot be negative", (Problem("hours_above_40", "negative"),))
    grade = 4 if hours > FEVER_GRADE_4_AFTER_HOURS else 3
    explanation = f"Temperature {temperature} °C for {hours} h above 40.0 °C: fever grade {grade}."
    return GradeSuggestion(term.id, grade, term.grades[grade], temperature, "°C", explanation)


def suggest_from_result(test: LabTestDefinition, result: LabResult) -> ValueSuggestion | None:
    """The CTCAE suggestion of a stored lab result, from the test's CTCAE links (flag-independent where CTCAE
    grades on absolute values)."""
    for link in test.ctcae:
        term_id = normalize_term(link.term)
        suggestion = _for_link(term_id, result)
        if suggestion is not None:
            return suggestion
    return None


def _for_link(term_id: str, result: LabResult) -> ValueSuggestion | None:
    try:
        unit = _unit(result.unit, term_id)
    except ValidationFailed:
        return ValueNote(term_id, f"CTCAE cut-offs exist in mg/dL and mmol/L only, not '{result.unit}'.")
    if term_id == "hypertriglyceridemia":
        return _triglycerides(result.value, unit)
    if term_id == "hypoglycemia":
        if result.reference_low is None:
            return ValueNote(
                term_id,
                f"No LLN recorded for this result: hypoglycemia (grade 1 starts below the LLN) is not graded; "
                f"enter the laboratory's lower limit of normal ({result.value} {unit}).",
            )
        if result.value < result.reference_low:
            return _glucose(result.value, unit, result.reference_low, result.value)
        return None
    if term_id == "hyperglycemia":
        if result.reference_high is not None and result.value > result.reference_high:
            return _glucose(result.value, unit, result.value, result.reference_high)
        return None
    return None


_TEMPERATURE_TESTS = frozenset({"temperature", "body_temperature", "temperature_c"})
_CELSIUS = frozenset({"°c", "c", "degc", "celsius"})


def suggest_from_value(
    test: str,
    value: Decimal | str,
    unit: str,
    lln: Decimal | str | None = None,
    uln: Decimal | str | None = None,
    hours_above_40: Decimal | str | None = None,
) -> ValueSuggestion | None:
    """A value typed on the adverse-event form: body temperature (°C) -> fever; glucose -> hypoglycemia (needs
    the LLN: without one the answer says so) or the hyperglycemia question; triglycerides -> absolute bands."""
    key = normalize_term(test)
    if key in _TEMPERATURE_TESTS:
        if unit.replace(" ", "").lower() not in _CELSIUS:
            raise ValidationFailed(
                f"Fever is graded from a temperature in °C, not '{unit}'", (Problem("unit", "use °C"),)
            )
        return grade_fever(value, hours_above_40)
    if key in {"glucose", "glu"} and lln is None:
        number = as_decimal(value, "value")
        if uln is not None and number > as_decimal(uln, "uln"):
            return suggest_grade_from_lab(test, number, unit, number, uln)
        return ValueNote(
            "hypoglycemia",
            f"No LLN given: hypoglycemia cannot be graded from glucose {number} {unit} (grade 1 starts below "
            "the laboratory's lower limit of normal). Enter the LLN.",
        )
    return suggest_grade_from_lab(test, value, unit, lln, uln)


__all__ = ["ValueNote", "ValueSuggestion", "grade_fever", "suggest_from_result", "suggest_from_value"]
