"""The pre-dose safety check compares the measured vital signs with the protocol's ranges, and the first dose
waits for the baseline forms the protocol names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import baseline_forms_saved
from tests.services.treatment.conftest import ALL_NORMAL, VITALS
from trialdesk.errors import Conflict, ValidationFailed
from trialdesk.records.treatment.models import Administration, SafetyCheck
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check

ABNORMAL = {**ALL_NORMAL, "vital_signs": "abnormal"}

# (vital sign, a value outside its range, the range as the reason names it)
OUT_OF_RANGE = [
    ("temperature_c", "39.5", "35.5-37.9 °C"),
    ("temperature_c", "38.0", "35.5-37.9 °C"),
    ("temperature_c", "35.0", "35.5-37.9 °C"),
    ("pulse_per_min", "128", "50-100 /min"),
    ("pulse_per_min", "45", "50-100 /min"),
    ("systolic_mmhg", "85", "90-160 mmHg"),
    ("systolic_mmhg", "175", "90-160 mmHg"),
    ("diastolic_mmhg", "45", "50-100 mmHg"),
    ("diastolic_mmhg", "105", "50-100 mmHg"),
    ("respiratory_rate_per_min", "28", "10-24 /min"),
    ("respiratory_rate_per_min", "8", "10-24 /min"),
    ("spo2_percent", "90", "92-100 %"),
]


def _dose(investigator, participant, clock) -> Administration:
    return record_dose(
        investigator,
        participant=participant,
        step_id="step_1",
        lot_id="EXO-A",
        amount_given=Decimal("0.1"),
        clock=clock,
    )


@pytest.mark.parametrize(("sign", "value", "shown_range"), OUT_OF_RANGE)
def test_each_out_of_range_vital_sign_refuses_the_dose_naming_value_and_range(
    exosome, investigator, lots, clock, sign, value, shown_range
) -> None:
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=ABNORMAL,
        vital_signs={**VITALS, sign: value},
        clock=clock,
    )
    with pytest.raises(Conflict) as refused:
        _dose(investigator, exosome, clock)
    messages = [p.rule for p in refused.value.problems if p.where == "vital_sign_out_of_range"]
    assert len(messages) == 1
    assert f"{Decimal(value)}" in messages[0] and shown_range in messages[0]
    assert Administration.objects.count() == 0


def test_the_febrile_hypotensive_patient_of_the_issue_is_refused(exosome, investigator, lots, clock) -> None:
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=ABNORMAL,
        vital_signs={**VITALS, "temperature_c": "39.5", "pulse_per_min": "128", "systolic_mmhg": "85"},
        clock=clock,
    )
    gate = dosing_status(investigator, participant=exosome, clock=clock).gate
    assert not gate.allowed
    out = [r.message for r in gate.reasons if r.code == "vital_sign_out_of_range"]
    assert len(out) == 3 and "Temperature 39.5 °C" in out[0] and "Pulse 128 /min" in out[1]


@pytest.mark.parametrize(("sign", "value", "shown_range"), OUT_OF_RANGE[:1] + OUT_OF_RANGE[3:4])
def test_normal_attestation_is_refused_against_an_out_of_range_value(
    exosome, investigator, clock, sign, value, shown_range
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        record_safety_check(
            investigator,
            participant=exosome,
            step_id="step_1",
            answers=ALL_NORMAL,
            vital_signs={**VITALS, sign: value},
            clock=clock,
        )
    [problem] = refused.value.problems
    assert problem.where == "answers.vital_signs" and shown_range in problem.rule
    assert SafetyCheck.objects.count() == 0


def test_boundary_values_are_within_range(exosome, investigator, lots, clock) -> None:
    edges = {
        "temperature_c": "37.9",
        "pulse_per_min": "100",
        "systolic_mmhg": "90",
        "diastolic_mmhg": "50",
        "respiratory_rate_per_min": "24",
        "spo2_percent": "92",
    }
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=ALL_NORMAL,
        vital_signs=edges,
        clock=clock,
    )
    assert _dose(investigator, exosome, clock).step_id == "step_1"


def test_missing_or_unknown_vital_signs_are_refused_naming_each(exosome, investigator, clock) -> None:
    vitals = {k: v for k, v in VITALS.items() if k not in {"spo2_percent", "pulse_per_min"}}
    with pytest.raises(ValidationFailed) as refused:
        record_safety_check(
            investigator,
            participant=exosome,
            step_id="step_1",
            answers=ALL_NORMAL,
            vital_signs={**vitals, "bp_mmhg": "120/80", "temperature_c": "warm"},
            clock=clock,
        )
    assert {p.where for p in refused.value.problems} == {
        "vital_signs.spo2_percent",
        "vital_signs.pulse_per_min",
        "vital_signs.bp_mmhg",
        "vital_signs.temperature_c",
    }


def test_first_dose_waits_for_the_baseline_forms_listing_what_is_missing(
    enrol, investigator, lots, clock
) -> None:
    participant = enrol(arm="exosome")
    record_safety_check(
        investigator,
        participant=participant,
        step_id="step_1",
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    with pytest.raises(Conflict) as refused:
        _dose(investigator, participant, clock)
    [missing] = [p.rule for p in refused.value.problems if p.where == "first_dose_preconditions"]
    assert "Vital signs" in missing and "Laboratory panel" in missing and "SLEDAI-2K" in missing
    baseline_forms_saved(investigator, participant, clock)
    assert _dose(investigator, participant, clock).step_id == "step_1"
