"""CTCAE v5.0 terms and grade suggestions from laboratory values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.ctcae import (
    GENERAL_GRADES,
    TERMS,
    GradeSuggestion,
    HyperglycemiaQuestion,
    find_term,
    get_term,
    grades_for,
    suggest_grade_from_lab,
)
from trialdesk.errors import NotFound, ValidationFailed

EXPECTED_CODES = {
    "infusion_related_reaction": "10051792",
    "allergic_reaction": "10001718",
    "anaphylaxis": "10002218",
    "fever": "10016558",
    "hyperglycemia": "10020639",
    "hypoglycemia": "10021005",
    "hypertriglyceridemia": "10020870",
    "cytokine_release_syndrome": "10052015",
}


def test_the_trials_terms_carry_their_meddra_codes() -> None:
    assert {t.id: t.meddra_code for t in TERMS.values()} == EXPECTED_CODES


def test_anaphylaxis_has_no_grade_1_or_2() -> None:
    assert grades_for("anaphylaxis") == (3, 4, 5)
    assert get_term("Anaphylaxis").grades[3].startswith("Symptomatic bronchospasm")


def test_grade_texts_are_verbatim() -> None:
    assert TERMS["infusion_related_reaction"].grades[1] == (
        "Mild transient reaction; infusion interruption not indicated; intervention not indicated"
    )
    assert TERMS["hyperglycemia"].grades[3] == "Insulin therapy initiated; hospitalization indicated"
    assert TERMS["hypoglycemia"].grades[2] == "<55 - 40 mg/dL; <3.0 - 2.2 mmol/L"
    assert TERMS["allergic_reaction"].navigational_note.endswith("Do not report both.")
    assert GENERAL_GRADES[5] == "Death related to AE."


def test_terms_are_found_by_name_or_id_and_unknown_terms_get_every_grade() -> None:
    assert find_term("Cytokine release syndrome") is TERMS["cytokine_release_syndrome"]
    assert find_term("headache") is None
    assert grades_for("headache") == (1, 2, 3, 4, 5)
    with pytest.raises(NotFound):
        get_term("headache")


# --- glucose ------------------------------------------------------------------------------------------------


def graded(test: str, value: str, unit: str, lln: str | None = "70", uln: str | None = "100") -> int:
    result = suggest_grade_from_lab(test, Decimal(value), unit, lln, uln)
    assert isinstance(result, GradeSuggestion)
    return result.grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [("69", 1), ("55", 1), ("54.9", 2), ("40", 2), ("39.9", 3), ("30", 3), ("29.9", 4), ("10", 4)],
)
def test_low_glucose_in_mg_per_dl_suggests_a_hypoglycemia_grade(value: str, grade: int) -> None:
    assert graded("glucose", value, "mg/dL") == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [("3.8", 1), ("3.0", 1), ("2.9", 2), ("2.2", 2), ("2.19", 3), ("1.7", 3), ("1.69", 4)],
)
def test_low_glucose_in_mmol_per_l_is_graded_with_the_mmol_cut_offs(value: str, grade: int) -> None:
    assert graded("glucose", value, "mmol/L", lln="3.9", uln="5.6") == grade


def test_low_glucose_suggestion_names_the_term_and_unit() -> None:
    result = suggest_grade_from_lab("glucose", 50, "mg/dl", 70, 100)
    assert isinstance(result, GradeSuggestion)
    assert (result.term_id, result.grade, result.unit) == ("hypoglycemia", 2, "mg/dL")
    assert "below the lower limit of normal" in result.explanation


def test_the_unit_reported_decides_the_cut_off_not_a_conversion() -> None:
    # 3.0 mmol/L is grade 1 on the mmol/L scale, though 3.0 x 18.016 = 54.05 mg/dL would be grade 2.
    assert graded("glucose", "3.0", "mmol/L", lln="3.9", uln="5.6") == 1
    assert graded("glucose", "54.05", "mg/dL") == 2


def test_high_glucose_opens_the_hyperglycemia_question_and_never_a_grade() -> None:
    result = suggest_grade_from_lab("glucose", "260", "mg/dL", "70", "100")
    assert isinstance(result, HyperglycemiaQuestion)
    assert not isinstance(result, GradeSuggestion)
    assert result.term_id == "hyperglycemia"
    assert "graded by the intervention" in result.prompt
    assert [c.grade for c in result.choices] == [1, 2, 3, 4, 5]
    assert result.choices[2].text == "Insulin therapy initiated; hospitalization indicated"


@given(st.decimals(min_value=Decimal("100.01"), max_value=Decimal("2000"), places=2))
def test_any_glucose_above_the_uln_is_a_question(value: Decimal) -> None:
    assert isinstance(suggest_grade_from_lab("glucose", value, "mg/dL", 70, 100), HyperglycemiaQuestion)


def test_normal_glucose_suggests_nothing() -> None:
    assert suggest_grade_from_lab("glucose", "70", "mg/dL", "70", "100") is None
    assert suggest_grade_from_lab("glucose", "100", "mg/dL", "70", "100") is None


def test_glucose_without_a_reference_range_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="reference range"):
        suggest_grade_from_lab("glucose", "50", "mg/dL", None, "100")


@pytest.mark.parametrize("unit", ["g/L", "mg%", "mmol/dL", ""])
def test_an_unknown_unit_is_refused(unit: str) -> None:
    with pytest.raises(ValidationFailed, match="Cannot grade") as info:
        suggest_grade_from_lab("glucose", "50", unit, "70", "100")
    assert info.value.problems[0].where == "unit"


def test_a_test_without_a_value_based_grade_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="only glucose, triglycerides"):
        suggest_grade_from_lab("anti-dsDNA", "50", "mg/dL", None, None)


def test_a_negative_or_non_numeric_value_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="negative"):
        suggest_grade_from_lab("triglycerides", "-1", "mg/dL", None, None)
    with pytest.raises(ValidationFailed, match="not a number"):
        suggest_grade_from_lab("triglycerides", "abc", "mg/dL", None, None)


# --- triglycerides ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("149.9", None),
        ("150", 1),
        ("300", 1),
        ("300.1", 2),
        ("500", 2),
        ("500.1", 3),
        ("1000", 3),
        ("1000.1", 4),
    ],
)
def test_triglyceride_boundaries_in_mg_per_dl(value: str, grade: int | None) -> None:
    result = suggest_grade_from_lab("triglycerides", value, "mg/dL", None, None)
    assert (result.grade if isinstance(result, GradeSuggestion) else None) == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("1.70", None),
        ("1.71", 1),
        ("3.42", 1),
        ("3.43", 2),
        ("5.7", 2),
        ("5.71", 3),
        ("11.4", 3),
        ("11.41", 4),
    ],
)
def test_triglyceride_boundaries_in_mmol_per_l(value: str, grade: int | None) -> None:
    result = suggest_grade_from_lab("triglycerides", value, "mmol/L", None, None)
    assert (result.grade if isinstance(result, GradeSuggestion) else None) == grade


def test_triglyceride_grade_1_starts_at_150_regardless_of_the_uln() -> None:
    assert graded("triglycerides", "160", "mg/dL", lln=None, uln="200") == 1
