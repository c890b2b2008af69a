"""Unit conversion: one constant per analyte, exact decimal round trips both ways."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.units import (
    COMPLEMENT_MG_DL_PER_G_L,
    GLUCOSE_MG_DL_PER_MMOL_L,
    TRIGLYCERIDES_MG_DL_PER_MMOL_L,
    UnknownUnit,
    convert,
    format_quantity,
    to_canonical,
    to_decimal,
)
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.forms import LabTestDefinition

D = Decimal


def quantitative(code: str, canonical: str, other: str, factor: Decimal) -> LabTestDefinition:
    return LabTestDefinition.model_validate(
        {
            "code": code,
            "label": {"en": code.title()},
            "domain": "LB",
            "test_code": code.upper()[:8],
            "result_type": "quantitative",
            "canonical_unit": canonical,
            "units": [{"unit": canonical}, {"unit": other, "factor": factor}],
        }
    )


GLUCOSE = quantitative("gluc", "mg/dL", "mmol/L", GLUCOSE_MG_DL_PER_MMOL_L)
TRIG = quantitative("trig", "mg/dL", "mmol/L", TRIGLYCERIDES_MG_DL_PER_MMOL_L)
C3 = quantitative("c3", "mg/dL", "g/L", COMPLEMENT_MG_DL_PER_G_L)

values = st.decimals(
    min_value=D("0.001"), max_value=D("100000"), places=3, allow_nan=False, allow_infinity=False
)


def test_the_constants_are_the_sheets() -> None:
    assert D("18.016") == GLUCOSE_MG_DL_PER_MMOL_L
    assert D("88.57") == TRIGLYCERIDES_MG_DL_PER_MMOL_L
    assert D("100") == COMPLEMENT_MG_DL_PER_G_L


def test_glucose_mmol_to_mg_uses_18_016() -> None:
    assert convert(GLUCOSE, D("5.5"), "mmol/L", "mg/dL") == D("99.0880")
    assert to_canonical(GLUCOSE, D("5.5"), "mmol/L") == (D("99.0880"), "mg/dL")


def test_triglycerides_mmol_to_mg_uses_88_57() -> None:
    assert convert(TRIG, D("2"), "mmol/L", "mg/dL") == D("177.14")


def test_complement_g_per_l_is_100_mg_per_dl() -> None:
    assert convert(C3, D("0.9"), "g/L", "mg/dL") == D("90.0")
    assert convert(C3, D("90"), "mg/dL", "g/L") == D("0.9")


def test_same_unit_is_unchanged() -> None:
    assert convert(GLUCOSE, D("101.5"), "mg/dL", "mg/dL") == D("101.5")


def test_unit_match_is_case_insensitive() -> None:
    assert convert(GLUCOSE, D("1"), "MMOL/L", "mg/dl") == D("18.016")


def test_unknown_unit_is_refused_naming_it_and_the_allowed_units() -> None:
    with pytest.raises(UnknownUnit) as raised:
        convert(GLUCOSE, D("5"), "mg/L", "mg/dL")
    assert "unit 'mg/L' is not allowed for Gluc; allowed: mg/dL, mmol/L" in str(raised.value)
    assert raised.value.details["unit"] == "mg/L"


@pytest.mark.parametrize("test", [GLUCOSE, TRIG, C3], ids=["glucose", "triglycerides", "c3"])
@given(value=values)
def test_round_trip_from_the_other_unit_is_exact(test: LabTestDefinition, value: Decimal) -> None:
    other = test.units[1].unit
    there = convert(test, value, other, "mg/dL")
    assert convert(test, there, "mg/dL", other) == value


@pytest.mark.parametrize("test", [GLUCOSE, TRIG, C3], ids=["glucose", "triglycerides", "c3"])
@given(value=values)
def test_round_trip_from_the_canonical_unit_is_exact_at_the_entered_precision(
    test: LabTestDefinition, value: Decimal
) -> None:
    other = test.units[1].unit
    there = convert(test, value, "mg/dL", other)
    back = convert(test, there, other, "mg/dL")
    assert back.quantize(value) == value
    assert abs(back - value) < D("1e-25") * max(value, D(1))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("5.5", D("5.5")), (" 7,25 ", D("7.25")), (3, D(3)), (0.1, D("0.1")), (D("2.0"), D("2.0"))],
)
def test_to_decimal_accepts_numbers_and_numeric_text(raw: object, expected: Decimal) -> None:
    assert to_decimal(raw, where="x") == expected


@pytest.mark.parametrize("raw", ["abc", "", True, None, "NaN", "Infinity", [1]])
def test_to_decimal_refuses_what_is_not_a_finite_number(raw: object) -> None:
    with pytest.raises(ValidationFailed, match="x:"):
        to_decimal(raw, where="x")


def test_format_quantity_rounds_for_messages() -> None:
    assert format_quantity(D("111.0124333"), "mmol/L") == "111.01 mmol/L"
    assert format_quantity(D("2000"), "mg/dL") == "2000 mg/dL"
    assert format_quantity(D("0.750"), "g/L") == "0.75 g/L"
