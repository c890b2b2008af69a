"""Laboratory values: standardization, reference flags in the reported unit, impossible and implausible values."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from trialdesk.core.labs import (
    check_lab_value,
    ctcae_term_for,
    loinc_for,
    reference_flag,
    reference_range,
    standardize,
)
from trialdesk.core.units import UnknownUnit
from trialdesk.protocol.forms import LabTestDefinition

D = Decimal
FORMS_YAML = Path(__file__).parents[2] / "src/trialdesk/studies/kums_exosome_sle/forms.yaml"


def seed_test(code: str) -> LabTestDefinition:
    data = yaml.safe_load(FORMS_YAML.read_text(encoding="utf-8"))
    return next(LabTestDefinition.model_validate(t) for t in data["lab_tests"] if t["code"] == code)


GLUCOSE = seed_test("glucose")
C3 = seed_test("c3")
TRIG = seed_test("triglycerides")


def test_standardize_returns_value_in_canonical_unit() -> None:
    assert standardize(GLUCOSE, "5.5", "mmol/L") == (D("99.0880"), "mg/dL")
    assert standardize(C3, D("0.9"), "g/L") == (D("90.0"), "mg/dL")
    assert standardize(TRIG, 150, "mg/dL") == (D(150), "mg/dL")


def test_standardize_refuses_unknown_unit_naming_allowed_units() -> None:
    with pytest.raises(UnknownUnit, match=r"unit 'mmol/dL' is not allowed .*allowed: mg/dL, mmol/L"):
        standardize(GLUCOSE, "5", "mmol/dL")


def test_flag_uses_the_range_of_the_reported_unit() -> None:
    assert reference_flag(C3, D("0.70"), "g/L") == "L"
    assert reference_flag(C3, D("70"), "mg/dL") == "L"
    assert reference_flag(C3, D("1.80"), "g/L") == "H"
    assert reference_flag(C3, D("1.0"), "g/L") is None


def test_flag_boundaries_are_inside_the_range() -> None:
    assert reference_flag(C3, D("75"), "mg/dL") is None
    assert reference_flag(C3, D("175"), "mg/dL") is None


def test_laboratory_range_given_with_the_value_wins() -> None:
    assert reference_flag(C3, D("80"), "mg/dL", low=D("90"), high=D("180")) == "L"


def test_range_missing_for_a_unit_is_converted_from_the_canonical_unit() -> None:
    test = LabTestDefinition.model_validate(
        {
            "code": "x",
            "label": {"en": "X"},
            "domain": "LB",
            "test_code": "X",
            "result_type": "quantitative",
            "canonical_unit": "mg/dL",
            "units": [
                {"unit": "mg/dL", "reference_range": {"min": 50, "max": 150}},
                {"unit": "g/L", "factor": 100},
            ],
        }
    )
    assert reference_range(test, "g/L") == (D("0.5"), D("1.5"))


def test_impossible_value_is_refused_naming_the_limit_in_the_reported_unit() -> None:
    check = check_lab_value(GLUCOSE, "2500", "mg/dL", where="glucose")
    assert check.result is None
    assert [str(p) for p in check.errors] == [
        "glucose.value: must be at most 2000 mg/dL (physiologically impossible)"
    ]


def test_impossible_value_in_other_unit_gives_both_units() -> None:
    check = check_lab_value(GLUCOSE, "120", "mmol/L", where="glucose")
    assert str(check.errors[0]) == (
        "glucose.value: must be at most 111.01 mmol/L (= 2000 mg/dL) (physiologically impossible)"
    )


def test_implausible_value_is_a_warning_not_an_error() -> None:
    check = check_lab_value(GLUCOSE, "35", "mg/dL", where="glucose")
    assert check.result is not None and check.result.flag == "L"
    assert check.errors == ()
    assert [str(p) for p in check.warnings] == [
        "glucose.value: is below 40 mg/dL (implausible): confirm with a reason"
    ]


def test_check_reports_missing_unit_and_bad_number() -> None:
    check = check_lab_value(GLUCOSE, "abc", "", where="glucose")
    assert {p.where for p in check.errors} == {"glucose.value", "glucose.unit"}


def test_loinc_depends_on_unit_and_fasting() -> None:
    assert loinc_for(GLUCOSE, "mg/dL", fasting=True) == "1558-6"
    assert loinc_for(GLUCOSE, "mmol/L", fasting=True) == "14771-0"
    assert loinc_for(GLUCOSE, "mg/dL", fasting=False) == "2345-7"
    assert loinc_for(GLUCOSE, "mmol/L", fasting=None) is None
    assert loinc_for(TRIG, "mmol/L") == "14927-8"
    assert loinc_for(C3, "g/L") == "4485-9"


def test_result_carries_everything_to_store() -> None:
    check = check_lab_value(TRIG, "2.0", "mmol/L", where="triglycerides", fasting=True)
    assert check.result is not None
    assert check.result.storable() == {
        "test": "triglycerides",
        "value": "2.0",
        "unit": "mmol/L",
        "standard_value": "177.140",
        "canonical_unit": "mg/dL",
        "flag": "H",
        "reference_low": None,
        "reference_high": "1.7",
        "loinc": "14927-8",
    }


def test_ctcae_term_follows_the_flag_direction() -> None:
    assert ctcae_term_for(GLUCOSE, "L") == "Hypoglycemia"
    assert ctcae_term_for(GLUCOSE, "H") == "Hyperglycemia"
    assert ctcae_term_for(TRIG, "H") == "Hypertriglyceridemia"
    assert ctcae_term_for(TRIG, "L") is None
    assert ctcae_term_for(C3, None) is None
