"""Dosing services: the ladder end to end, refusals with the gate's reasons, lots, partial doses, control arm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.services.treatment.conftest import ALL_NORMAL, VITALS, ae
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict, Locked, ValidationFailed
from trialdesk.records.models import AuditEntry
from trialdesk.records.treatment.models import Administration, SafetyCheck
from trialdesk.services.consent import withdraw_consent
from trialdesk.services.treatment.adverse_events import report_adverse_event, update_adverse_event
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check

DAY0 = datetime(2026, 1, 10, 8, 30, tzinfo=UTC)


def _codes(error: Conflict) -> set[str]:
    return {p.where for p in error.problems}


def test_full_ladder_without_reactions_then_three_maintenance_cycles(
    exosome, give, investigator, clock
) -> None:
    given_days = []
    for day in (0, 3, 6, 10, 14):
        clock.current = DAY0 + timedelta(days=day)
        dose = give(exosome)
        given_days.append((dose.step_id, (dose.given_at.date() - DAY0.date()).days, dose.amount_given))
    assert given_days == [
        ("step_1", 0, Decimal("0.1")),
        ("step_2", 3, Decimal("0.5")),
        ("step_3", 6, Decimal("1")),
        ("step_4", 10, Decimal("2")),
        ("step_5", 14, Decimal("4")),
    ]
    last = DAY0 + timedelta(days=14)
    for cycle in (1, 2, 3):
        # Not before 42 days after the previous dose; the target is 49.
        clock.current = last + timedelta(days=41)
        status = dosing_status(investigator, participant=exosome, clock=clock)
        assert status.gate.next_step is not None and status.gate.next_step.id == "maintenance"
        assert "maintenance_interval" in {r.code for r in status.gate.reasons}
        clock.current = last + timedelta(days=49)
        dose = give(exosome)
        assert (dose.step_id, dose.maintenance_cycle, dose.partial) == ("maintenance", cycle, False)
        last = dose.given_at
    clock.advance(timedelta(days=60))
    status = dosing_status(investigator, participant=exosome, clock=clock)
    assert [r.code for r in status.gate.reasons] == ["ladder_complete"]
    assert [r.state for r in status.ladder] == ["done"] * 8
    assert Administration.objects.filter(participant=exosome).count() == 8


def test_next_dose_too_early_is_refused_with_reasons_and_time_and_nothing_written(
    exosome, give, investigator, clock
) -> None:
    give(exosome)
    clock.advance(timedelta(hours=24))
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_2",
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    status = dosing_status(investigator, participant=exosome, clock=clock)
    assert not status.gate.allowed
    assert {r.code for r in status.gate.reasons} == {"observation_period", "earliest_day"}
    assert status.gate.earliest_allowed_at == datetime(2026, 1, 13, tzinfo=UTC)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as refused:
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_2",
            lot_id="EXO-A",
            amount_given=Decimal("0.5"),
            clock=clock,
        )
    assert _codes(refused.value) == {"observation_period", "earliest_day"}
    assert "48-hour observation" in refused.value.message
    assert refused.value.details["earliest_allowed_at"] == "2026-01-13T00:00:00+00:00"
    assert Administration.objects.filter(participant=exosome).count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_a_dose_without_a_signed_safety_check_is_refused(exosome, investigator, lots, clock) -> None:
    with pytest.raises(Conflict) as refused:
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            clock=clock,
        )
    assert _codes(refused.value) == {"safety_check_missing"}


def test_abnormal_safety_check_is_recorded_and_refuses_the_dose(exosome, investigator, lots, clock) -> None:
    answers = {**ALL_NORMAL, "vital_signs": "abnormal"}
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=answers,
        vital_signs={**VITALS, "temperature_c": "38.6"},
        clock=clock,
    )
    with pytest.raises(Conflict) as refused:
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            clock=clock,
        )
    assert _codes(refused.value) == {"safety_check_abnormal", "vital_sign_out_of_range"}


def test_incomplete_safety_check_is_refused_naming_each_item(exosome, investigator, clock) -> None:
    with pytest.raises(ValidationFailed) as refused:
        record_safety_check(
            investigator,
            participant=exosome,
            step_id="step_1",
            answers={"vital_signs": "fine"},
            vital_signs={},
            clock=clock,
        )
    wheres = {p.where for p in refused.value.problems}
    assert {"answers.no_new_symptoms", "answers.vital_signs", "answers.no_active_infection"} <= wheres
    assert SafetyCheck.objects.count() == 0


def test_a_stale_form_for_another_step_is_refused(exosome, give, investigator, clock) -> None:
    give(exosome)
    clock.advance(timedelta(days=3))
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_2",
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    with pytest.raises(Conflict) as refused:
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            clock=clock,
        )
    assert "step_id" in _codes(refused.value)


def test_reaction_at_step_2_holds_then_the_same_step_is_repeated(exosome, give, investigator, clock) -> None:
    give(exosome)
    clock.current = DAY0 + timedelta(days=3)
    give(exosome)
    clock.advance(timedelta(minutes=20))
    reaction = report_adverse_event(
        investigator, participant=exosome, details=ae(clock, grade=2), clock=clock
    ).event
    clock.current = DAY0 + timedelta(days=6)
    status = dosing_status(investigator, participant=exosome, clock=clock)
    assert "adverse_event_hold" in {r.code for r in status.gate.reasons}
    assert status.gate.next_step is not None and status.gate.next_step.id == "step_2"  # repeat_step rule
    hold = next(r for r in status.gate.reasons if r.code == "adverse_event_hold")
    assert "Infusion related reaction, grade 2" in hold.message
    with pytest.raises(Conflict):
        give(exosome)
    update_adverse_event(
        investigator,
        event=reaction,
        details=ae(
            clock,
            onset_at=reaction.onset_at,
            grade=2,
            outcome="recovered",
            resolved_at=DAY0 + timedelta(days=4),
        ),
        reason="resolved with antihistamine",
        clock=clock,
    )
    status = dosing_status(investigator, participant=exosome, clock=clock)
    assert status.gate.next_step is not None and status.gate.next_step.id == "step_2"
    assert "repeats the same step" in status.position.note  # type: ignore[union-attr]
    assert give(exosome).step_id == "step_2"
    clock.current = DAY0 + timedelta(days=10)
    assert give(exosome).step_id == "step_3"


def test_partial_dose_is_recorded_and_the_step_repeated(exosome, give, investigator, clock) -> None:
    dose = give(exosome, amount=Decimal("0.05"))
    assert dose.partial and dose.amount_given == Decimal("0.05") and dose.planned_amount == Decimal("0.1")
    clock.advance(timedelta(days=2, hours=1))
    status = dosing_status(investigator, participant=exosome, clock=clock)
    assert status.gate.next_step is not None and status.gate.next_step.id == "step_1"
    assert status.ladder[0].state == "next" and len(status.ladder[0].doses) == 1


@pytest.mark.parametrize(
    ("lot", "problem"),
    [("EXO-OLD", "expiry_date"), ("EXO-NEW", "qc_released")],
)
def test_expired_or_unreleased_lot_is_refused(exosome, give, lot, problem) -> None:
    with pytest.raises(ValidationFailed) as refused:
        give(exosome, lot=lot)
    assert problem in {p.where for p in refused.value.problems}
    assert Administration.objects.count() == 0


def test_a_lot_from_a_second_source_is_refused(exosome, give, clock) -> None:
    give(exosome, lot="EXO-A")
    clock.current = DAY0 + timedelta(days=3)
    with pytest.raises(ValidationFailed, match="single source") as refused:
        give(exosome, lot="EXO-X")
    assert {p.where for p in refused.value.problems} == {"source_id"}
    assert give(exosome, lot="EXO-B").lot.source_id == "PL-01"  # another lot, same placenta


def test_control_arm_has_no_ladder_and_no_dose_can_be_recorded(control, investigator, lots, clock) -> None:
    status = dosing_status(investigator, participant=control, clock=clock)
    assert not status.receives_product and status.ladder == ()
    assert [r.code for r in status.gate.reasons] == ["no_study_product"]
    with pytest.raises(Conflict):
        record_safety_check(
            investigator,
            participant=control,
            step_id="step_1",
            answers=ALL_NORMAL,
            vital_signs={},
            clock=clock,
        )
    with pytest.raises(Conflict) as refused:
        record_dose(
            investigator,
            participant=control,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            clock=clock,
        )
    assert "no_study_product" in _codes(refused.value)


def test_withdrawn_participant_gets_no_dose(exosome, actors, investigator, lots, clock) -> None:
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    withdraw_consent(
        actors[Role.RHEUMATOLOGIST],
        participant=exosome,
        withdrawn_on=clock.now().date(),
        reason="moved",
        clock=clock,
    )
    assert "withdrawn" in {
        r.code for r in dosing_status(investigator, participant=exosome, clock=clock).gate.reasons
    }
    with pytest.raises(Locked, match="withdrew consent"):
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            clock=clock,
        )
    assert Administration.objects.count() == 0


def test_dose_above_the_step_amount_or_in_the_future_is_refused(exosome, investigator, lots, clock) -> None:
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    clock.advance(timedelta(minutes=5))
    with pytest.raises(ValidationFailed, match="more than"):
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.2"),
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="future"):
        record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            given_at=clock.now() + timedelta(hours=1),
            clock=clock,
        )
    assert Administration.objects.count() == 0
