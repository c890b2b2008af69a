"""CTCAE v5.0 (NCI, 27 Nov 2017) for the terms this trial meets, and grade suggestions from laboratory values.

The term table itself (verbatim grade texts) is in `trialdesk.core.ctcae_terms`; it is re-exported here.

Under v5.0 only hypoglycemia and hypertriglyceridemia can be suggested from a value. Hyperglycemia is graded by
the intervention it needed, so a high glucose opens a `HyperglycemiaQuestion` and never yields a grade.
Values are graded in the unit the laboratory reported, with that unit's cut-offs (CTCAE rounds each unit
separately; converting first can change the grade near a boundary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from trialdesk.core.ctcae_terms import CTCAE_VERSION, GENERAL_GRADES, TERMS, CtcaeTerm
from trialdesk.errors import NotFound, Problem, ValidationFailed


def normalize_term(term: str) -> str:
    """'Infusion related reaction' -> 'infusion_related_reaction' (ids and names compare equal)."""
    return re.sub(r"[^a-z0-9]+", "_", term.strip().lower()).strip("_")


def find_term(term: str) -> CtcaeTerm | None:
    """The CTCAE term for an id or a name, or None when this table does not hold it."""
    return TERMS.get(normalize_term(term))


def get_term(term: str) -> CtcaeTerm:
    found = find_term(term)
    if found is None:
        raise NotFound(
            f"'{term}' is not a CTCAE v{CTCAE_VERSION} term known to trialdesk", (Problem("term", "unknown"),)
        )
    return found


def grades_for(term: str) -> tuple[int, ...]:
    """The grades a term may take: its CTCAE grades, or 1-5 for a term outside this table (e.g. 'other, specify')."""
    found = find_term(term)
    return found.available_grades if found is not None else (1, 2, 3, 4, 5)


# --- suggestions from laboratory values ---------------------------------------------------------------------

MG_PER_DL = "mg/dL"
MMOL_PER_L = "mmol/L"
GRADABLE_TESTS = ("glucose", "triglycerides")
_UNITS = {"mg/dl": MG_PER_DL, "mmol/l": MMOL_PER_L}
_TEST_ALIASES = {
    "glucose": "glucose",
    "glu": "glucose",
    "triglycerides": "triglycerides",
    "trig": "triglycerides",
}

# Lower bounds (inclusive) of each grade band, from the most severe band down.
# Hypoglycemia: grade 4 < 30; grade 3 30..<40; grade 2 40..<55; grade 1 55..<LLN.
_HYPOGLYCEMIA_FLOORS = {
    MG_PER_DL: ((Decimal(30), 3), (Decimal(40), 2), (Decimal(55), 1)),
    MMOL_PER_L: ((Decimal("1.7"), 3), (Decimal("2.2"), 2), (Decimal("3.0"), 1)),
}
# Hypertriglyceridemia: grade 1 from 150 up to 300; 2 >300..500; 3 >500..1000; 4 >1000 (upper bounds inclusive).
_TRIGLYCERIDE_CEILINGS = {
    MG_PER_DL: (Decimal(150), ((Decimal(300), 1), (Decimal(500), 2), (Decimal(1000), 3))),
    MMOL_PER_L: (Decimal("1.71"), ((Decimal("3.42"), 1), (Decimal("5.7"), 2), (Decimal("11.4"), 3))),
}


@dataclass(frozen=True)
class GradeSuggestion:
    """A CTCAE grade suggested by a value; the investigator confirms it on the adverse-event form."""

    term_id: str
    grade: int
    grade_text: str
    value: Decimal
    unit: str
    explanation: str


@dataclass(frozen=True)
class HyperglycemiaChoice:
    grade: int
    text: str


@dataclass(frozen=True)
class HyperglycemiaQuestion:
    """A high glucose under CTCAE v5.0: the grade depends on the intervention, so the investigator answers this."""

    value: Decimal
    unit: str
    uln: Decimal
    prompt: str
    choices: tuple[HyperglycemiaChoice, ...]
    term_id: str = "hyperglycemia"


LabSuggestion = GradeSuggestion | HyperglycemiaQuestion


def _decimal(value: Decimal | int | float | str, name: str) -> Decimal:
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed(
            f"{name} '{value}' is not a number", (Problem(name, "not a number"),)
        ) from None
    if not result.is_finite():
        raise ValidationFailed(f"{name} '{value}' is not a number", (Problem(name, "not a number"),))
    return result


def _unit(unit: str, test: str) -> str:
    normalized = _UNITS.get(unit.replace(" ", "").lower())
    if normalized is None:
        raise ValidationFailed(
            f"Cannot grade {test} reported in '{unit}': CTCAE cut-offs exist in mg/dL and mmol/L only",
            (Problem("unit", f"unknown unit '{unit}' (use mg/dL or mmol/L)"),),
        )
    return normalized


def suggest_grade_from_lab(
    test: str,
    value: Decimal | int | float | str,
    unit: str,
    lln: Decimal | int | float | str | None,
    uln: Decimal | int | float | str | None,
) -> LabSuggestion | None:
    """Suggest a CTCAE v5.0 grade from a glucose or triglyceride result, in the unit it was reported in.

    Low glucose (< LLN) -> hypoglycemia grade; high glucose (> ULN) -> a `HyperglycemiaQuestion`, never a grade;
    triglycerides >= 150 mg/dL (1.71 mmol/L) -> hypertriglyceridemia grade. A value that suggests nothing
    returns None. Unknown tests and units, and a missing reference limit for glucose, raise `ValidationFailed`.
    """
    test_key = _TEST_ALIASES.get(normalize_term(test))
    if test_key is None:
        raise ValidationFailed(
            f"No CTCAE v{CTCAE_VERSION} grade can be suggested from '{test}' (only {', '.join(GRADABLE_TESTS)})",
            (Problem("test", "not gradable from a value"),),
        )
    the_unit = _unit(unit, test_key)
    number = _decimal(value, "value")
    if number < 0:
        raise ValidationFailed(
            f"A {test_key} value cannot be negative ({value})", (Problem("value", "negative"),)
        )
    if test_key == "glucose":
        if lln is None or uln is None:
            raise ValidationFailed(
                "Grading a glucose needs the laboratory's reference range (LLN and ULN)",
                (Problem("lln" if lln is None else "uln", "required for glucose"),),
            )
        return _glucose(number, the_unit, _decimal(lln, "lln"), _decimal(uln, "uln"))
    return _triglycerides(number, the_unit)


def _glucose(value: Decimal, unit: str, lln: Decimal, uln: Decimal) -> LabSuggestion | None:
    if value < lln:
        grade = 4
        for floor, band_grade in _HYPOGLYCEMIA_FLOORS[unit]:
            if value >= floor:
                grade = band_grade
        term = TERMS["hypoglycemia"]
        return GradeSuggestion(
            term.id,
            grade,
            term.grades[grade],
            value,
            unit,
            f"Glucose {value} {unit} is below the lower limit of normal ({lln} {unit}): hypoglycemia grade {grade}.",
        )
    if value > uln:
        term = TERMS["hyperglycemia"]
        return HyperglycemiaQuestion(
            value=value,
            unit=unit,
            uln=uln,
            prompt=(
                f"Glucose {value} {unit} is above the upper limit of normal ({uln} {unit}). Under CTCAE v5.0 "
                "hyperglycemia is graded by the intervention it needed: which applies?"
            ),
            choices=tuple(HyperglycemiaChoice(g, term.grades[g]) for g in term.available_grades),
        )
    return None


def _triglycerides(value: Decimal, unit: str) -> GradeSuggestion | None:
    threshold, ceilings = _TRIGLYCERIDE_CEILINGS[unit]
    if value < threshold:
        return None
    grade = 4
    for ceiling, band_grade in ceilings:
        if value <= ceiling:
            grade = band_grade
            break
    term = TERMS["hypertriglyceridemia"]
    return GradeSuggestion(
        term.id,
        grade,
        term.grades[grade],
        value,
        unit,
        f"Triglycerides {value} {unit}: hypertriglyceridemia grade {grade} ({term.grades[grade]}).",
    )


__all__ = [
    "CTCAE_VERSION",
    "GENERAL_GRADES",
    "GRADABLE_TESTS",
    "MG_PER_DL",
    "MMOL_PER_L",
    "TERMS",
    "CtcaeTerm",
    "GradeSuggestion",
    "HyperglycemiaChoice",
    "HyperglycemiaQuestion",
    "LabSuggestion",
    "find_term",
    "get_term",
    "grades_for",
    "normalize_term",
    "suggest_grade_from_lab",
]
