"""Checking a form submission: every item type, limits, confirmations, branching, repeating groups, edit checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from trialdesk.core.expressions import Value
from trialdesk.core.forms import evaluate_edit_checks, merge_visit_values, validate_submission
from trialdesk.core.labs import LabResult
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.forms import EditCheck, FormDefinition, LabTestDefinition, find_form

D = Decimal
FORMS_YAML = Path(__file__).parents[2] / "src/trialdesk/studies/kums_exosome_sle/forms.yaml"
SEED = yaml.safe_load(FORMS_YAML.read_text(encoding="utf-8"))
FORMS = TypeAdapter(list[FormDefinition]).validate_python(SEED["forms"])
LABS = TypeAdapter(list[LabTestDefinition]).validate_python(SEED["lab_tests"])
CHECKS = TypeAdapter(list[EditCheck]).validate_python(SEED["edit_checks"])


def form_of(*items: dict[str, Any], version: str = "1") -> FormDefinition:
    return FormDefinition.model_validate(
        {
            "id": "f",
            "version": version,
            "title": {"en": "F"},
            "sections": [{"id": "s", "title": {"en": "S"}, "items": list(items)}],
        }
    )


def item(item_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "label": {"en": item_id}, "type": kind, **extra}


CHOICES = [
    {"code": "a", "label": {"en": "A"}},
    {"code": "b", "label": {"en": "B"}},
    {"code": "c", "label": {"en": "C"}},
]


def errors_of(form: FormDefinition, values: dict[str, object]) -> list[str]:
    return [str(p) for p in validate_submission(form, values, LABS).errors]


@pytest.mark.parametrize(
    ("kind", "extra", "good", "normalized", "bad", "rule"),
    [
        ("text", {"max_length": 5}, " abc ", "abc", "abcdefg", "at most 5 characters"),
        ("text", {}, "x", "x", 12, "must be text"),
        ("integer", {}, "42", 42, "4.2", "whole number"),
        ("integer", {}, 7, 7, True, "whole number"),
        ("decimal", {"decimals": 1}, "36.6", D("36.6"), "36.65", "at most 1 decimal place"),
        ("decimal", {}, 1.5, D("1.5"), "one", "must be a number"),
        ("date", {}, "2026-01-31", date(2026, 1, 31), "31/01/2026", "must be a date"),
        (
            "datetime",
            {},
            "2026-01-31T10:00+03:30",
            datetime(2026, 1, 31, 6, 30, tzinfo=UTC),
            "2026-01-31T10:00",
            "time zone",
        ),
        ("yes_no", {}, "yes", True, "maybe", "must be yes or no"),
        ("yes_no", {}, False, False, 1, "must be yes or no"),
        ("single_choice", {"choices": CHOICES}, "b", "b", "z", "not one of the choices: a, b, c"),
        ("ordinal", {"choices": CHOICES}, "c", "c", "d", "not one of the choices"),
        (
            "multiple_choice",
            {"choices": CHOICES},
            ["c", "a"],
            ("a", "c"),
            ["a", "z"],
            "'z' not among the choices",
        ),
        ("multiple_choice", {"choices": CHOICES}, ["a"], ("a",), "a", "must be a list of choices"),
        (
            "lab",
            {"lab_test": "c3"},
            {"value": "0.9", "unit": "g/L"},
            None,
            {"value": "0.9", "unit": "g/dL"},
            "unit 'g/dL' is not allowed for Complement C3; allowed: mg/dL, g/L",
        ),
    ],
)
def test_each_item_type_accepts_good_input_and_refuses_bad_input(
    kind: str, extra: dict[str, Any], good: object, normalized: object, bad: object, rule: str
) -> None:
    form = form_of(item("x", kind, **extra))
    result = validate_submission(form, {"x": good}, LABS)
    assert result.errors == ()
    if normalized is not None:
        assert result.values["x"] == normalized
    bad_result = validate_submission(form, {"x": bad}, LABS)
    assert len(bad_result.errors) == 1
    assert bad_result.errors[0].where.startswith("x")
    assert rule in bad_result.errors[0].rule
    assert bad_result.values["x"] is None


def test_lab_item_is_standardized_and_flagged() -> None:
    form = form_of(item("c3", "lab", lab_test="c3"))
    result = validate_submission(form, {"c3": {"value": "0.6", "unit": "g/L"}}, LABS)
    value = result.values["c3"]
    assert isinstance(value, LabResult)
    assert (value.standard_value, value.canonical_unit, value.flag) == (D("60.0"), "mg/dL", "L")


def test_lab_value_beyond_physiological_limit_is_refused_with_the_rule() -> None:
    form = form_of(item("glucose", "lab", lab_test="glucose"))
    assert errors_of(form, {"glucose": {"value": "2500", "unit": "mg/dL"}}) == [
        "glucose.value: must be at most 2000 mg/dL (physiologically impossible)"
    ]


def test_lab_value_with_an_unexpected_field_is_refused() -> None:
    form = form_of(item("glucose", "lab", lab_test="glucose"))
    assert errors_of(form, {"glucose": {"value": "90", "unit": "mg/dL", "comment": "x"}}) == [
        "glucose.comment: is not a field of a lab value"
    ]


def test_hard_limits_refuse_and_name_the_item() -> None:
    form = form_of(item("sbp", "integer", unit="mmHg", hard_limits={"min": 50, "max": 300}))
    assert errors_of(form, {"sbp": 400}) == ["sbp: must be at most 300 mmHg"]
    assert errors_of(form, {"sbp": 10}) == ["sbp: must be at least 50 mmHg"]


def test_soft_limit_needs_a_confirmation_with_a_reason() -> None:
    form = form_of(item("sbp", "integer", unit="mmHg", soft_limits={"max": 200}, hard_limits={"max": 300}))
    unconfirmed = validate_submission(form, {"sbp": 230}, LABS)
    assert unconfirmed.errors == ()
    assert not unconfirmed.ok
    assert [str(w) for w in unconfirmed.unconfirmed_warnings] == [
        "sbp: is above the expected 200 mmHg: confirm with a reason"
    ]
    with pytest.raises(ValidationFailed, match="cannot be saved"):
        unconfirmed.raise_if_not_ok()

    confirmed = validate_submission(form, {"sbp": 230}, LABS, {"sbp": "hypertensive crisis, re-measured"})
    assert confirmed.ok
    assert confirmed.warnings[0].confirmed
    assert confirmed.warnings[0].reason == "hypertensive crisis, re-measured"
    confirmed.raise_if_not_ok()


def test_confirmation_without_a_reason_is_refused() -> None:
    form = form_of(item("sbp", "integer", soft_limits={"max": 200}))
    result = validate_submission(form, {"sbp": 230}, LABS, {"sbp": "  "})
    assert [str(p) for p in result.errors] == ["sbp: a confirmation needs a reason"]
    assert not result.ok


def test_implausible_lab_value_is_confirmed_by_its_value_path() -> None:
    form = form_of(item("glucose", "lab", lab_test="glucose"))
    raw = {"glucose": {"value": "600", "unit": "mg/dL"}}
    assert not validate_submission(form, raw, LABS).ok
    assert validate_submission(form, raw, LABS, {"glucose.value": "HHS, confirmed by lab"}).ok


def test_required_item_missing_is_an_error() -> None:
    form = form_of(item("x", "text", required=True))
    assert errors_of(form, {}) == ["x: is required"]
    assert errors_of(form, {"x": "   "}) == ["x: is required"]


def test_unknown_item_is_refused() -> None:
    form = form_of(item("x", "text"))
    assert errors_of(form, {"y": "1"}) == ["y: is not an item of form 'f' version 1"]


def test_show_if_false_hides_the_item_and_ignores_its_value() -> None:
    form = form_of(
        item("pregnant", "yes_no", required=True),
        item("weeks", "integer", required=True, show_if="pregnant == true"),
    )
    hidden = validate_submission(form, {"pregnant": "no", "weeks": "12"}, LABS)
    assert hidden.errors == ()
    assert hidden.hidden == {"weeks"}
    assert hidden.discarded == {"weeks"}
    assert hidden.values["weeks"] is None

    shown = validate_submission(form, {"pregnant": "yes"}, LABS)
    assert [str(p) for p in shown.errors] == ["weeks: is required"]


def test_show_if_on_an_unanswered_item_hides_the_dependent_item() -> None:
    form = form_of(item("a", "yes_no"), item("b", "text", required=True, show_if="a == true"))
    assert validate_submission(form, {}, LABS).hidden == {"b"}


def test_calculated_items_use_earlier_answers_and_ignore_sent_values() -> None:
    demographics = find_form(FORMS, "demographics")
    result = validate_submission(
        demographics,
        {
            "sex": "female",
            "birth_date_known": "no",
            "age_years": "34",
            "height": "160",
            "screening_weight": "64",
            "bmi": "99",
        },
        LABS,
    )
    assert result.errors == ()
    assert result.calculated["bmi"] == D("25.0")
    assert result.values["bmi"] == D("25.0")
    assert "bmi" in result.discarded
    assert result.hidden == {"birth_date"}


def test_sledai_form_totals_and_needs_every_descriptor() -> None:
    form = find_form(FORMS, "sledai_2k")
    answers: dict[str, object] = {i.id: "no" for i in form.sections_items() if i.weight is not None}
    answers.update({"proteinuria": "yes", "low_complement": "yes", "pga": "1.5"})
    result = validate_submission(form, answers, LABS)
    assert result.errors == ()
    assert result.calculated["sledai_total"] == D(6)
    assert "modified_sri4_response" in result.hidden  # no visit context: not computed

    del answers["rash"]
    incomplete = validate_submission(form, answers, LABS)
    assert [str(p) for p in incomplete.errors] == ["rash: is required"]
    assert incomplete.calculated["sledai_total"] is None


def test_modified_sri4_is_calculated_against_baseline_at_follow_up() -> None:
    form = find_form(FORMS, "sledai_2k")
    answers: dict[str, object] = {i.id: "no" for i in form.sections_items() if i.weight is not None}
    answers.update({"rash": "yes", "pga": "1.2"})
    baseline: dict[str, Value] = {"sledai_total": D(12), "pga": D("1.0")}

    def resolver(visit_id: str, item_id: str) -> Value:
        return baseline.get(item_id) if visit_id == "baseline" else None

    follow_up = validate_submission(form, answers, LABS, resolver=resolver, visit_id="assessment_w7")
    assert follow_up.calculated["sledai_total"] == D(2)
    assert follow_up.calculated["modified_sri4_response"] is True

    answers["pga"] = "1.3"
    worse = validate_submission(form, answers, LABS, resolver=resolver, visit_id="assessment_w7")
    assert worse.calculated["modified_sri4_response"] is False


def test_repeating_group_rows_are_validated_one_by_one() -> None:
    form = find_form(FORMS, "concomitant_medication")
    rows = [
        {
            "drug_class": "hydroxychloroquine",
            "drug_name": "hydroxychloroquine",
            "dose": "200",
            "dose_unit": "mg_per_day",
            "start_date": "2025-01-01",
            "ongoing": "yes",
        },
        {
            "drug_class": "glucocorticoid",
            "drug_name": "prednisolone",
            "dose": "-5",
            "dose_unit": "mg_per_day",
            "start_date": "2025-02-01",
            "ongoing": "yes",
        },
        {
            "drug_class": "antihypertensive",
            "drug_name": "losartan",
            "dose": "50",
            "dose_unit": "mg_per_day",
            "start_date": "2025-03-01",
            "ongoing": "no",
            "stop_date": "2025-03-31",
            "colour": "red",
        },
    ]
    result = validate_submission(form, {"any_medication": "yes", "medications": rows}, LABS)
    assert sorted(str(p) for p in result.errors) == [
        "medications[2].dose: must be at least 0",
        "medications[2].prednisolone_equivalent: is required",
        "medications[3].colour: is not a column of 'medications'",
    ]
    assert result.calculated["medications[3].stop_after_start"] == D(30)
    assert "medications[1].prednisolone_equivalent" in result.hidden


def test_repeating_group_soft_limit_is_confirmed_per_row() -> None:
    form = find_form(FORMS, "concomitant_medication")
    row = {
        "drug_class": "glucocorticoid",
        "drug_name": "methylprednisolone",
        "dose": "1000",
        "dose_unit": "mg_per_dose",
        "prednisolone_equivalent": "1250",
        "start_date": "2025-01-01",
        "ongoing": "yes",
    }
    result = validate_submission(form, {"any_medication": "yes", "medications": [row]}, LABS)
    assert [w.where for w in result.unconfirmed_warnings] == ["medications[1].prednisolone_equivalent"]
    confirmed = validate_submission(
        form,
        {"any_medication": "yes", "medications": [row]},
        LABS,
        {"medications[1].prednisolone_equivalent": "IV pulse"},
    )
    assert confirmed.ok


def test_repeating_group_row_counts_are_enforced() -> None:
    form = find_form(FORMS, "concomitant_medication")
    assert errors_of(form, {"any_medication": "yes", "medications": []}) == [
        "medications: needs at least 1 row(s)"
    ]
    assert errors_of(form, {"any_medication": "yes", "medications": "aspirin"}) == [
        "medications: must be a list of rows",
        "medications: needs at least 1 row(s)",
    ]


def test_hidden_repeating_group_is_ignored() -> None:
    form = find_form(FORMS, "concomitant_medication")
    result = validate_submission(form, {"any_medication": "no", "medications": [{"drug_name": "x"}]}, LABS)
    assert result.errors == ()
    assert result.discarded == {"medications"}


def test_old_data_stay_readable_against_the_version_they_were_entered_with() -> None:
    v1 = form_of(item("sbp", "integer", required=True), version="1")
    v2 = form_of(item("sbp", "integer", required=True), item("position", "text", required=True), version="2")
    old_data = {"sbp": "120"}
    assert validate_submission(find_form([v1, v2], "f", "1"), old_data, LABS).ok
    assert not validate_submission(find_form([v1, v2], "f"), old_data, LABS).ok
    assert find_form([v1, v2], "f").version == "2"


def test_storable_values_are_json_friendly() -> None:
    form = form_of(item("d", "date"), item("n", "decimal"), item("m", "multiple_choice", choices=CHOICES))
    result = validate_submission(form, {"d": "2026-01-02", "n": "1.50", "m": ["b"]}, LABS)
    assert result.storable_values() == {"d": "2026-01-02", "n": "1.50", "m": ["b"]}


# --------------------------------------------------------------------------- edit checks


def visit_values(**forms: dict[str, object]) -> dict[str, Value]:
    return merge_visit_values(
        validate_submission(find_form(FORMS, name), values, LABS) for name, values in forms.items()
    )


def fired(values: dict[str, Value], **kwargs: Any) -> set[str]:
    return {f.check_id for f in evaluate_edit_checks(CHECKS, values, **kwargs)}


def test_diastolic_not_below_systolic_fires() -> None:
    vitals = {
        "systolic_bp": 110,
        "diastolic_bp": 115,
        "heart_rate": 70,
        "temperature": "36.8",
        "weight": "60",
    }
    assert "diastolic_below_systolic" in fired(visit_values(vital_signs=vitals))
    vitals["diastolic_bp"] = 70
    assert "diastolic_below_systolic" not in fired(visit_values(vital_signs=vitals))


def test_glucose_without_fasting_status_and_non_fasting_triglycerides_fire() -> None:
    labs = {"sample_date": "2026-01-01", "glucose": {"value": "95", "unit": "mg/dL"}}
    assert "glucose_needs_fasting_status" in fired(visit_values(lab_panel=labs))
    labs = {"sample_date": "2026-01-01", "fasting": "no", "triglycerides": {"value": "2", "unit": "mmol/L"}}
    result = fired(visit_values(lab_panel=labs))
    assert "triglycerides_non_fasting" in result
    assert "glucose_needs_fasting_status" not in result


def sledai(**present: str) -> dict[str, object]:
    form = find_form(FORMS, "sledai_2k")
    answers: dict[str, object] = {i.id: "no" for i in form.sections_items() if i.weight is not None}
    answers.update(present)
    return answers


def test_low_complement_descriptor_is_cross_checked_against_c3_and_c4() -> None:
    normal = {
        "sample_date": "2026-01-01",
        "c3": {"value": "1.0", "unit": "g/L"},
        "c4": {"value": "20", "unit": "mg/dL"},
    }
    low = {
        "sample_date": "2026-01-01",
        "c3": {"value": "0.5", "unit": "g/L"},
        "c4": {"value": "20", "unit": "mg/dL"},
    }
    assert "low_complement_not_supported" in fired(
        visit_values(sledai_2k=sledai(low_complement="yes", pga="1"), lab_panel=normal)
    )
    assert "low_c3_c4_not_scored" in fired(visit_values(sledai_2k=sledai(pga="1"), lab_panel=low))
    agreed = fired(visit_values(sledai_2k=sledai(low_complement="yes", pga="1"), lab_panel=low))
    assert not {"low_complement_not_supported", "low_c3_c4_not_scored"} & agreed


def test_pga_missing_with_a_sledai_total_fires() -> None:
    assert "pga_with_sledai" in fired(visit_values(sledai_2k=sledai()))
    assert "pga_with_sledai" not in fired(visit_values(sledai_2k=sledai(pga="0.5")))


def test_checks_over_unanswered_items_stay_silent() -> None:
    assert fired({}) == set()


def test_cross_visit_check_uses_the_resolver_and_is_limited_to_its_visits() -> None:
    values = visit_values(sledai_2k=sledai(seizure="yes", pga="2"))

    def resolver(visit_id: str, item_id: str) -> Value:
        return D(2) if (visit_id, item_id) == ("baseline", "sledai_total") else None

    assert "sledai_rise_from_baseline" in fired(values, resolver=resolver, visit_id="assessment_w7")
    assert "sledai_rise_from_baseline" not in fired(values, resolver=resolver, visit_id="baseline")
    assert "sledai_rise_from_baseline" not in fired(values, visit_id="assessment_w7")


def test_fired_check_names_form_item_and_bilingual_message() -> None:
    vitals = {
        "systolic_bp": 100,
        "diastolic_bp": 100,
        "heart_rate": 70,
        "temperature": "36.8",
        "weight": "60",
    }
    (check,) = [
        f
        for f in evaluate_edit_checks(CHECKS, visit_values(vital_signs=vitals))
        if f.check_id == "diastolic_below_systolic"
    ]
    assert (check.form, check.item) == ("vital_signs", "diastolic_bp")
    assert check.message.fa
