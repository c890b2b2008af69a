"""CTCAE v5.0 from values (issue 11): triglycerides on absolute thresholds whatever the reference flag,
hypoglycemia only with an LLN, fever from a temperature (and the hours above 40.0 °C), and allergic reaction /
infusion related reaction never both for one event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

import pytest

from trialdesk.core.adverse_events import (
    ActionTaken,
    AdverseEvent,
    Expectedness,
    Outcome,
    check_not_reported_twice,
)
from trialdesk.core.ctcae import GradeSuggestion, HyperglycemiaQuestion
from trialdesk.core.ctcae_values import ValueNote, grade_fever, suggest_from_result, suggest_from_value
from trialdesk.core.labs import Flag, LabResult
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.forms import LabTestDefinition
from trialdesk.protocol.loading import default_study_path, load_protocol


@cache
def lab_test(code: str) -> LabTestDefinition:
    return {t.code: t for t in load_protocol(default_study_path()).lab_tests}[code]


def result(
    code: str, value: str, unit: str, low: str | None, high: str | None, flag: Flag | None
) -> LabResult:
    number = Decimal(value)
    return LabResult(
        test_code=code,
        value=number,
        unit=unit,
        standard_value=number,
        canonical_unit=unit,
        flag=flag,
        reference_low=Decimal(low) if low else None,
        reference_high=Decimal(high) if high else None,
        loinc=None,
    )


@pytest.mark.parametrize(
    ("high", "flag"), [("150", None), ("200", None), ("100", "H"), (None, None), ("149", "H")]
)
def test_triglycerides_150_mg_dl_is_grade_1_whatever_the_reference_range(high, flag) -> None:
    suggestion = suggest_from_result(
        lab_test("triglycerides"), result("triglycerides", "150", "mg/dL", None, high, flag)
    )
    assert isinstance(suggestion, GradeSuggestion)
    assert (suggestion.term_id, suggestion.grade) == ("hypertriglyceridemia", 1)


@pytest.mark.parametrize(
    ("value", "unit", "grade"),
    [
        ("149", "mg/dL", None),
        ("300", "mg/dL", 1),
        ("301", "mg/dL", 2),
        ("500", "mg/dL", 2),
        ("501", "mg/dL", 3),
        ("1001", "mg/dL", 4),
        ("1.70", "mmol/L", None),
        ("1.71", "mmol/L", 1),
        ("3.43", "mmol/L", 2),
    ],
)
def test_triglyceride_bands_in_the_reported_unit_without_any_flag(value, unit, grade) -> None:
    suggestion = suggest_from_result(
        lab_test("triglycerides"), result("triglycerides", value, unit, None, "9999", None)
    )
    assert (suggestion.grade if isinstance(suggestion, GradeSuggestion) else None) == grade


def test_low_glucose_without_an_lln_says_so_instead_of_guessing() -> None:
    stored = suggest_from_result(lab_test("glucose"), result("glucose", "50", "mg/dL", None, "100", None))
    assert isinstance(stored, ValueNote) and "No LLN" in stored.text
    typed = suggest_from_value("glucose", "50", "mg/dL")
    assert isinstance(typed, ValueNote) and "No LLN" in typed.text
    with_lln = suggest_from_result(lab_test("glucose"), result("glucose", "50", "mg/dL", "70", "100", "L"))
    assert isinstance(with_lln, GradeSuggestion) and with_lln.grade == 2


def test_high_glucose_opens_the_intervention_question_never_a_grade() -> None:
    high = suggest_from_result(lab_test("glucose"), result("glucose", "250", "mg/dL", "70", "100", "H"))
    assert isinstance(high, HyperglycemiaQuestion)
    assert isinstance(suggest_from_value("glucose", "250", "mg/dL", None, "100"), HyperglycemiaQuestion)


@pytest.mark.parametrize(
    ("temperature", "hours", "grade"),
    [
        ("37.9", None, None),
        ("38.0", None, 1),
        ("39.0", None, 1),
        ("39.1", None, 2),
        ("40.0", None, 2),
        ("40.1", "24", 3),
        ("40.1", "0", 3),
        ("40.1", "24.1", 4),
        ("41.5", "48", 4),
    ],
)
def test_fever_grades_at_the_boundaries(temperature, hours, grade) -> None:
    suggestion = grade_fever(temperature, hours)
    assert (suggestion.grade if isinstance(suggestion, GradeSuggestion) else None) == grade
    if grade is not None:
        assert isinstance(suggestion, GradeSuggestion) and suggestion.term_id == "fever"


def test_fever_above_40_without_its_duration_asks_for_it() -> None:
    note = grade_fever("40.5")
    assert isinstance(note, ValueNote) and "above 40.0 °C" in note.text
    assert suggest_from_value("temperature", "38.4", "°C") == grade_fever("38.4")
    with pytest.raises(ValidationFailed):
        suggest_from_value("temperature", "101", "°F")


T0 = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
INFUSION = AdverseEvent(
    id="1",
    participant_id="KUMS-001",
    term="infusion_related_reaction",
    onset_at=T0,
    grade=2,
    seriousness=frozenset(),
    relationship_to_product="probable",
    relationship_to_conventional_therapy="not_related",
    expectedness=Expectedness.EXPECTED,
    action_taken=ActionTaken.INFUSION_INTERRUPTED,
    outcome=Outcome.RECOVERING,
)
ALLERGIC = replace(INFUSION, id="2", term="allergic_reaction", onset_at=T0 + timedelta(minutes=20))


def test_allergic_reaction_during_an_open_infusion_reaction_is_refused_with_ctcae_reason() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_not_reported_twice(ALLERGIC, [INFUSION])
    assert refused.value.problems[0].where == "term"
    assert "Do not report both" in refused.value.problems[0].rule


def test_exclusive_terms_may_be_reported_for_separate_events() -> None:
    resolved = replace(INFUSION, resolved_at=T0 + timedelta(minutes=10), outcome=Outcome.RECOVERED)
    check_not_reported_twice(ALLERGIC, [resolved])  # it had resolved before the allergic reaction began
    check_not_reported_twice(ALLERGIC, [replace(INFUSION, participant_id="KUMS-002")])
    check_not_reported_twice(replace(ALLERGIC, term="anaphylaxis"), [INFUSION])
