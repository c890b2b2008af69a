"""The escalation ladder and the dosing gate, on the seed trial's dosing plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import trialdesk
from trialdesk.core.adverse_events import (
    ActionTaken,
    AdverseEvent,
    Expectedness,
    Outcome,
    SeriousnessCriterion,
)
from trialdesk.core.dosing import (
    Administration,
    Finding,
    GateDecision,
    SafetyCheck,
    check_administration,
    dose_steps,
    evaluate_gate,
    ladder_position,
)
from trialdesk.core.stopping import evaluate_stopping
from trialdesk.errors import NotFound, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.treatment import DosingPlan, ReactionAction, ReactionRule, StoppingRules

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)  # first dose


@cache
def seed() -> dict[str, Any]:
    path = Path(trialdesk.__file__).parent / "studies" / "kums_exosome_sle" / "treatment.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@cache
def plan() -> DosingPlan:
    return DosingPlan.model_validate(seed()["dosing"])


def with_reaction_rule(action: ReactionAction) -> DosingPlan:
    return plan().model_copy(
        update={"reaction_rule": ReactionRule(action=action, description=Text(en=action))}
    )


AMOUNTS = {"step_1": "0.1", "step_2": "0.5", "step_3": "1", "step_4": "2", "step_5": "4", "maintenance": "4"}


def dose(step_id: str, at: datetime, amount: str | None = None, partial: bool = False) -> Administration:
    return Administration(
        step_id=step_id,
        given_at=at,
        amount_given=Decimal(amount or AMOUNTS[step_id]),
        partial=partial,
        lot_id="L1",
    )


def check(step_id: str, at: datetime, **answers: Finding) -> SafetyCheck:
    all_answers = {item.id: Finding.NORMAL for item in plan().pre_dose_safety_check}
    all_answers.update(answers)
    return SafetyCheck(
        step_id=step_id, signed_by="dr-investigator", signed_at=at, answers=all_answers, vital_signs=VITALS
    )


VITALS = {
    "temperature_c": Decimal("36.8"),
    "pulse_per_min": Decimal("74"),
    "systolic_mmhg": Decimal("118"),
    "diastolic_mmhg": Decimal("76"),
    "respiratory_rate_per_min": Decimal("16"),
    "spo2_percent": Decimal("98"),
}
BASELINE_FORMS = frozenset({"vital_signs", "sledai_2k", "lab_panel"})


def event(
    *,
    term: str = "infusion_related_reaction",
    grade: int = 1,
    onset: datetime,
    resolved: datetime | None = None,
    related: str = "not_related",
    serious: frozenset[SeriousnessCriterion] = frozenset(),
    participant: str = "P01",
    event_id: str = "AE1",
) -> AdverseEvent:
    return AdverseEvent(
        id=event_id,
        participant_id=participant,
        term=term,
        onset_at=onset,
        grade=grade,
        seriousness=serious,
        relationship_to_product=related,
        relationship_to_conventional_therapy="not_related",
        expectedness=Expectedness.UNEXPECTED,
        action_taken=ActionTaken.DOSING_HELD,
        outcome=Outcome.RECOVERED if resolved else Outcome.NOT_RECOVERED,
        resolved_at=resolved,
    )


def gate(
    *,
    now: datetime,
    administrations: Sequence[Administration] = (),
    events: Sequence[AdverseEvent] = (),
    safety_check: SafetyCheck | None = None,
    paused: bool = False,
    stopped: bool = False,
    arm: str = "exosome",
    dosing: DosingPlan | None = None,
    forms_done: frozenset[str] = BASELINE_FORMS,
) -> GateDecision:
    return evaluate_gate(
        plan=dosing or plan(),
        arm=arm,
        administrations=administrations,
        adverse_events=events,
        safety_check=safety_check,
        study_paused=paused,
        participant_stopped=stopped,
        precondition_forms_done=forms_done,
        now=now,
    )


def codes(decision: GateDecision) -> list[str]:
    return [r.code for r in decision.reasons]


def next_id(decision: GateDecision) -> str | None:
    return decision.next_step.id if decision.next_step else None


AFTER_STEP_1 = [dose("step_1", T0)]
DAY_3 = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)


# --- the first dose -----------------------------------------------------------------------------------------


def test_first_dose_is_allowed_with_a_signed_safety_check() -> None:
    decision = gate(now=T0, safety_check=check("step_1", T0 - timedelta(minutes=20)))
    assert decision.allowed
    assert next_id(decision) == "step_1"
    assert decision.reasons == ()
    assert decision.earliest_allowed_at is None


def test_first_dose_is_refused_without_a_safety_check() -> None:
    decision = gate(now=T0)
    assert not decision.allowed
    assert codes(decision) == ["safety_check_missing"]
    assert "has not signed the pre-dose safety check for Step 1" in decision.reasons[0].message


def test_control_arm_receives_no_study_product() -> None:
    decision = gate(now=T0, arm="control", safety_check=check("step_1", T0))
    assert not decision.allowed
    assert codes(decision) == ["no_study_product"]
    assert decision.next_step is None


def test_unknown_arm_is_not_found() -> None:
    with pytest.raises(NotFound):
        gate(now=T0, arm="placebo")


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="time zone"):
        gate(now=T0.replace(tzinfo=None))


# --- time rules ---------------------------------------------------------------------------------------------


def test_observation_period_after_the_last_dose_holds_the_next_step() -> None:
    now = T0 + timedelta(hours=47)
    decision = gate(now=now, administrations=AFTER_STEP_1, safety_check=check("step_2", now))
    assert "observation_period" in codes(decision)
    reason = next(r for r in decision.reasons if r.code == "observation_period")
    assert reason.allowed_from == T0 + timedelta(hours=48)
    assert "48-hour observation after Step 1" in reason.message
    assert "2026-01-12 09:00 UTC" in reason.message


def test_step_is_refused_before_its_earliest_day_even_after_the_observation() -> None:
    now = T0 + timedelta(hours=50)  # day 2
    decision = gate(now=now, administrations=AFTER_STEP_1, safety_check=check("step_2", now))
    assert codes(decision) == ["earliest_day"]
    assert decision.reasons[0].allowed_from == datetime(2026, 1, 13, tzinfo=UTC)
    assert decision.earliest_allowed_at == datetime(2026, 1, 13, tzinfo=UTC)
    assert "day 3 after the first dose" in decision.reasons[0].message


def test_next_step_is_allowed_once_observation_and_earliest_day_have_passed() -> None:
    decision = gate(now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_2", DAY_3))
    assert decision.allowed
    assert next_id(decision) == "step_2"


def test_earliest_allowed_at_is_the_latest_of_the_time_rules() -> None:
    late_step_2 = [dose("step_1", T0), dose("step_2", datetime(2026, 1, 14, 20, 0, tzinfo=UTC))]
    now = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)  # day 6 has begun; the observation of step 2 has not ended
    decision = gate(now=now, administrations=late_step_2, safety_check=check("step_3", now))
    assert codes(decision) == ["observation_period"]
    assert decision.earliest_allowed_at == datetime(2026, 1, 16, 20, 0, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(hours=st.integers(min_value=1, max_value=24 * 10))
def test_time_rules_allow_the_dose_exactly_from_earliest_allowed_at(hours: int) -> None:
    now = T0 + timedelta(hours=hours)
    decision = gate(
        now=now, administrations=AFTER_STEP_1, safety_check=check("step_2", T0 + timedelta(minutes=1))
    )
    assert decision.earliest_allowed_at is not None
    assert decision.allowed == (now >= decision.earliest_allowed_at)


# --- hold rule ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term", ["infusion_related_reaction", "allergic_reaction", "Infusion related reaction"]
)
def test_open_infusion_or_allergic_reaction_of_any_grade_holds_dosing(term: str) -> None:
    reaction = event(term=term, grade=1, onset=T0 + timedelta(hours=1))
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, events=[reaction], safety_check=check("step_1", DAY_3)
    )
    assert not decision.allowed
    assert "adverse_event_hold" in codes(decision)
    message = next(r.message for r in decision.reasons if r.code == "adverse_event_hold")
    assert "grade 1" in message and "Record its resolution" in message


def test_open_anaphylaxis_holds_dosing() -> None:
    reaction = event(term="anaphylaxis", grade=3, onset=T0 + timedelta(hours=1))
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, events=[reaction], safety_check=check("step_1", DAY_3)
    )
    assert "adverse_event_hold" in codes(decision)


def test_open_related_grade_2_event_holds_dosing() -> None:
    fever = event(term="fever", grade=2, related="possible", onset=T0 + timedelta(hours=5))
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, events=[fever], safety_check=check("step_1", DAY_3)
    )
    assert "adverse_event_hold" in codes(decision)


@pytest.mark.parametrize(("grade", "related"), [(1, "probable"), (2, "unlikely"), (3, "not_related")])
def test_open_event_outside_the_hold_rule_does_not_hold_dosing(grade: int, related: str) -> None:
    fever = event(term="fever", grade=grade, related=related, onset=T0 - timedelta(days=5))
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, events=[fever], safety_check=check("step_2", DAY_3)
    )
    assert decision.allowed


def test_an_event_resolved_before_now_no_longer_holds_but_one_resolving_later_does() -> None:
    past = event(
        term="fever",
        grade=2,
        related="definite",
        onset=T0 - timedelta(days=9),
        resolved=T0 - timedelta(days=8),
    )
    assert gate(now=T0, events=[past], safety_check=check("step_1", T0)).allowed
    later = event(
        term="fever",
        grade=2,
        related="definite",
        onset=T0 - timedelta(days=1),
        resolved=T0 + timedelta(hours=1),
    )
    assert codes(gate(now=T0, events=[later], safety_check=check("step_1", T0))) == ["adverse_event_hold"]


# --- the safety check ---------------------------------------------------------------------------------------


def test_safety_check_signed_before_the_last_dose_is_stale() -> None:
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_2", T0 - timedelta(hours=1))
    )
    assert codes(decision) == ["safety_check_stale"]
    assert "a new check is needed" in decision.reasons[0].message


def test_incomplete_safety_check_names_the_missing_items() -> None:
    partial = SafetyCheck(
        step_id="step_2",
        signed_by="dr",
        signed_at=DAY_3,
        answers={"vital_signs": Finding.NORMAL},
        vital_signs=VITALS,
    )
    decision = gate(now=DAY_3, administrations=AFTER_STEP_1, safety_check=partial)
    assert codes(decision) == ["safety_check_incomplete"]
    assert "Signs of active infection" in decision.reasons[0].message


def test_abnormal_safety_check_refuses_the_dose() -> None:
    decision = gate(
        now=DAY_3,
        administrations=AFTER_STEP_1,
        safety_check=check("step_2", DAY_3, vital_signs=Finding.ABNORMAL),
    )
    assert codes(decision) == ["safety_check_abnormal"]
    assert "Vital signs" in decision.reasons[0].message


def test_safety_check_for_another_dose_does_not_count() -> None:
    decision = gate(now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_3", DAY_3))
    assert codes(decision) == ["safety_check_other_dose"]


def test_safety_check_dated_in_the_future_does_not_count() -> None:
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_2", DAY_3 + timedelta(hours=2))
    )
    assert codes(decision) == ["safety_check_in_future"]


def test_unsigned_safety_check_does_not_count() -> None:
    unsigned = SafetyCheck(
        step_id="step_2",
        signed_by=" ",
        signed_at=DAY_3,
        answers=check("step_2", DAY_3).answers,
        vital_signs=VITALS,
    )
    assert codes(gate(now=DAY_3, administrations=AFTER_STEP_1, safety_check=unsigned)) == [
        "safety_check_unsigned"
    ]


# --- pause and stop -----------------------------------------------------------------------------------------


def test_study_pause_refuses_the_dose() -> None:
    decision = gate(now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_2", DAY_3), paused=True)
    assert codes(decision) == ["study_paused"]
    assert "ethics/safety committee" in decision.reasons[0].message


def test_stopped_participant_is_refused() -> None:
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_2", DAY_3), stopped=True
    )
    assert codes(decision) == ["participant_stopped"]


def test_every_failing_rule_is_reported_together() -> None:
    now = T0 + timedelta(hours=3)
    reaction = event(onset=T0 + timedelta(hours=1))
    decision = gate(now=now, administrations=AFTER_STEP_1, events=[reaction], paused=True, stopped=True)
    assert codes(decision) == [
        "participant_stopped",
        "study_paused",
        "adverse_event_hold",
        "observation_period",
        "safety_check_missing",
    ]
    assert not decision.allowed
    assert next_id(decision) == "step_1"  # the reaction rule repeats the step


def test_study_wide_pause_from_one_participant_blocks_another_participants_dose() -> None:
    rules = StoppingRules.model_validate(seed()["stopping_rules"])
    sae = event(
        term="anaphylaxis",
        grade=4,
        related="probable",
        serious=frozenset({SeriousnessCriterion.LIFE_THREATENING}),
        onset=T0,
        participant="P01",
        event_id="AE-P01-1",
    )
    decision = evaluate_stopping(rules, [sae])
    assert decision.study_paused
    other = gate(
        now=DAY_3,
        administrations=AFTER_STEP_1,
        safety_check=check("step_2", DAY_3),
        paused=decision.study_paused,
    )
    assert codes(other) == ["study_paused"]
    after_review = evaluate_stopping(rules, [sae], reviewed_event_ids={"AE-P01-1"})
    assert gate(
        now=DAY_3,
        administrations=AFTER_STEP_1,
        safety_check=check("step_2", DAY_3),
        paused=after_review.study_paused,
    ).allowed


# --- the full ladder ----------------------------------------------------------------------------------------


def test_full_ladder_and_maintenance_of_one_participant_without_reactions() -> None:
    planned = [
        ("step_1", datetime(2026, 1, 10, 9, 0, tzinfo=UTC)),
        ("step_2", datetime(2026, 1, 13, 9, 0, tzinfo=UTC)),
        ("step_3", datetime(2026, 1, 16, 9, 0, tzinfo=UTC)),
        ("step_4", datetime(2026, 1, 20, 9, 0, tzinfo=UTC)),
        ("step_5", datetime(2026, 1, 24, 9, 0, tzinfo=UTC)),
        ("maintenance", datetime(2026, 3, 14, 9, 0, tzinfo=UTC)),  # +49 days
        ("maintenance", datetime(2026, 5, 2, 9, 0, tzinfo=UTC)),
        ("maintenance", datetime(2026, 6, 20, 9, 0, tzinfo=UTC)),
    ]
    given: list[Administration] = []
    for step_id, at in planned:
        decision = gate(
            now=at, administrations=given, safety_check=check(step_id, at - timedelta(minutes=30))
        )
        assert decision.allowed, decision.reasons
        assert next_id(decision) == step_id
        given.append(dose(step_id, at))
    final = gate(now=datetime(2026, 8, 1, tzinfo=UTC), administrations=given, safety_check=None)
    assert codes(final) == ["ladder_complete"]
    position = ladder_position(plan(), "exosome", given, [])
    assert position.finished and position.maintenance_cycles_done == 3
    assert position.completed_step_ids == {"step_1", "step_2", "step_3", "step_4", "step_5"}


def test_maintenance_is_refused_before_the_minimum_interval() -> None:
    ladder = [
        dose("step_1", T0),
        dose("step_2", T0 + timedelta(days=3)),
        dose("step_3", T0 + timedelta(days=6)),
        dose("step_4", T0 + timedelta(days=10)),
        dose("step_5", T0 + timedelta(days=14)),
    ]
    day_41 = T0 + timedelta(days=14 + 41)
    decision = gate(now=day_41, administrations=ladder, safety_check=check("maintenance", day_41))
    assert codes(decision) == ["maintenance_interval"]
    assert "Maintenance cycle 1 comes 42-56 days after the previous dose" in decision.reasons[0].message
    day_42 = datetime.combine((T0 + timedelta(days=14 + 42)).date(), datetime.min.time(), tzinfo=UTC)
    assert decision.earliest_allowed_at == day_42
    assert gate(now=day_42, administrations=ladder, safety_check=check("maintenance", day_42)).allowed


# --- reactions and partial doses ----------------------------------------------------------------------------

STEP_2_AT = T0 + timedelta(days=3)
LADDER = [
    dose(step_id, T0 + timedelta(days=day))
    for step_id, day in [("step_1", 0), ("step_2", 3), ("step_3", 6), ("step_4", 10), ("step_5", 14)]
]
UP_TO_STEP_2 = [dose("step_1", T0), dose("step_2", STEP_2_AT)]


def reaction_at_step_2(resolved: datetime | None) -> AdverseEvent:
    return event(
        term="infusion_related_reaction",
        grade=2,
        related="probable",
        onset=STEP_2_AT + timedelta(minutes=40),
        resolved=resolved,
    )


def test_reaction_at_step_2_holds_escalation_while_open_then_the_step_is_repeated() -> None:
    day_6 = T0 + timedelta(days=6)
    open_reaction = reaction_at_step_2(resolved=None)
    held = gate(
        now=day_6, administrations=UP_TO_STEP_2, events=[open_reaction], safety_check=check("step_2", day_6)
    )
    assert codes(held) == ["adverse_event_hold"]
    assert next_id(held) == "step_2"  # the protocol's rule: repeat the step
    resolved = reaction_at_step_2(resolved=STEP_2_AT + timedelta(hours=6))
    ready = gate(
        now=day_6, administrations=UP_TO_STEP_2, events=[resolved], safety_check=check("step_2", day_6)
    )
    assert ready.allowed
    assert next_id(ready) == "step_2"
    assert ready.position is not None and "repeats the same step" in ready.position.note
    escalated = [*UP_TO_STEP_2, dose("step_2", day_6)]
    day_9 = T0 + timedelta(days=9)
    after_repeat = gate(
        now=day_9, administrations=escalated, events=[resolved], safety_check=check("step_3", day_9)
    )
    assert after_repeat.allowed and next_id(after_repeat) == "step_3"


@pytest.mark.parametrize(
    ("action", "expected_next"), [("hold", "step_3"), ("repeat_step", "step_2"), ("step_down", "step_1")]
)
def test_reaction_rule_decides_the_next_step_after_resolution(
    action: ReactionAction, expected_next: str
) -> None:
    resolved = reaction_at_step_2(resolved=STEP_2_AT + timedelta(hours=6))
    day_6 = T0 + timedelta(days=6)
    decision = gate(
        now=day_6,
        administrations=UP_TO_STEP_2,
        events=[resolved],
        safety_check=check(expected_next, day_6),
        dosing=with_reaction_rule(action),
    )
    assert decision.allowed, decision.reasons
    assert next_id(decision) == expected_next


def test_reaction_rule_stop_ends_the_participants_dosing() -> None:
    resolved = reaction_at_step_2(resolved=STEP_2_AT + timedelta(hours=6))
    day_6 = T0 + timedelta(days=6)
    decision = gate(
        now=day_6,
        administrations=UP_TO_STEP_2,
        events=[resolved],
        safety_check=None,
        dosing=with_reaction_rule("stop"),
    )
    assert codes(decision) == ["stopped_after_reaction"]
    assert decision.next_step is None
    assert decision.position is not None and decision.position.stopped_by_reaction


def test_after_a_step_down_the_participant_climbs_again_one_step_at_a_time() -> None:
    resolved = reaction_at_step_2(resolved=STEP_2_AT + timedelta(hours=6))
    doses = [*UP_TO_STEP_2, dose("step_1", T0 + timedelta(days=6))]
    position = ladder_position(with_reaction_rule("step_down"), "exosome", doses, [resolved])
    assert position.next_step is not None and position.next_step.id == "step_2"


def test_step_down_from_maintenance_gives_the_highest_lower_step() -> None:
    doses = [*LADDER, dose("maintenance", T0 + timedelta(days=63))]
    reaction = event(onset=T0 + timedelta(days=63, hours=1), resolved=T0 + timedelta(days=63, hours=3))
    position = ladder_position(with_reaction_rule("step_down"), "exosome", doses, [reaction])
    assert position.next_step is not None and position.next_step.id == "step_4"


def test_after_a_reaction_to_a_full_maintenance_dose_the_next_cycle_keeps_its_interval() -> None:
    m1 = T0 + timedelta(days=63)
    doses = [*LADDER, dose("maintenance", m1)]
    reaction = event(onset=m1 + timedelta(hours=1), resolved=m1 + timedelta(hours=3))
    now = m1 + timedelta(days=3)
    decision = gate(now=now, administrations=doses, events=[reaction], safety_check=check("maintenance", now))
    assert codes(decision) == ["maintenance_interval"]
    assert decision.position is not None and decision.position.next_cycle == 2


def test_a_partial_maintenance_dose_is_repeated_after_the_observation_only() -> None:
    m1 = T0 + timedelta(days=63)
    doses = [*LADDER, dose("maintenance", m1, amount="3")]
    now = m1 + timedelta(days=2)
    decision = gate(now=now, administrations=doses, safety_check=check("maintenance", now))
    assert decision.allowed
    assert decision.position is not None and decision.position.next_cycle == 1


def test_a_partial_dose_must_be_repeated_before_escalating() -> None:
    doses = [dose("step_1", T0), dose("step_2", STEP_2_AT, amount="0.25")]
    day_6 = T0 + timedelta(days=6)
    decision = gate(now=day_6, administrations=doses, safety_check=check("step_2", day_6))
    assert decision.allowed and next_id(decision) == "step_2"
    assert decision.position is not None and "given only in part (0.25 of 0.5 unit)" in decision.position.note
    assert "step_2" not in decision.position.completed_step_ids


def test_a_dose_marked_partial_counts_as_partial_even_with_the_full_amount() -> None:
    doses = [dose("step_1", T0), dose("step_2", STEP_2_AT, partial=True)]
    position = ladder_position(plan(), "exosome", doses, [])
    assert position.last_dose_partial
    assert position.next_step is not None and position.next_step.id == "step_2"


def test_a_partial_dose_with_a_reaction_under_the_hold_rule_repeats_the_step() -> None:
    doses = [dose("step_1", T0), dose("step_2", STEP_2_AT, amount="0.2")]
    resolved = reaction_at_step_2(resolved=STEP_2_AT + timedelta(hours=6))
    position = ladder_position(with_reaction_rule("hold"), "exosome", doses, [resolved])
    assert position.next_step is not None and position.next_step.id == "step_2"


# --- recording a dose ---------------------------------------------------------------------------------------


def test_a_dose_above_the_step_amount_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="cannot be recorded") as info:
        check_administration(plan(), "exosome", dose("step_1", T0, amount="0.5"))
    assert "more than the step's 0.1" in str(info.value)


def test_a_dose_of_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="not a dose step"):
        unknown = Administration(step_id="step_9", given_at=T0, amount_given=Decimal("1"))
        check_administration(plan(), "exosome", unknown)


def test_a_dose_for_the_control_arm_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="no study product"):
        check_administration(plan(), "control", dose("step_1", T0))


def test_the_ladder_lists_escalation_steps_then_maintenance() -> None:
    steps = dose_steps(plan(), "exosome")
    assert [s.id for s in steps] == ["step_1", "step_2", "step_3", "step_4", "step_5", "maintenance"]
    assert [s.amount for s in steps] == [Decimal(a) for a in ("0.1", "0.5", "1", "2", "4", "4")]
    assert steps[-1].kind == "maintenance"


# --- vital signs and first-dose preconditions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sign", "value", "expected"),
    [
        ("temperature_c", "39.5", "Temperature 39.5 °C is outside the acceptable range 35.5-37.9 °C"),
        ("pulse_per_min", "128", "Pulse 128 /min is outside the acceptable range 50-100 /min"),
        (
            "systolic_mmhg",
            "85",
            "Systolic blood pressure 85 mmHg is outside the acceptable range 90-160 mmHg",
        ),
        ("diastolic_mmhg", "110", "Diastolic blood pressure 110 mmHg is outside the acceptable range 50-100"),
        ("respiratory_rate_per_min", "30", "Respiratory rate 30 /min is outside the acceptable range 10-24"),
        ("spo2_percent", "88", "Oxygen saturation (SpO2) 88 % is outside the acceptable range 92-100 %"),
    ],
)
def test_each_vital_sign_outside_its_range_refuses_with_value_and_range(
    sign: str, value: str, expected: str
) -> None:
    signed = check("step_1", T0)
    signed = SafetyCheck(
        step_id="step_1",
        signed_by="dr",
        signed_at=T0,
        answers=signed.answers,
        vital_signs={**VITALS, sign: Decimal(value)},
    )
    decision = gate(now=T0, safety_check=signed)
    assert codes(decision) == ["vital_sign_out_of_range"]
    assert expected in decision.reasons[0].message


def test_missing_vital_signs_are_listed() -> None:
    base = check("step_1", T0)
    without = SafetyCheck(
        step_id="step_1", signed_by="dr", signed_at=T0, answers=base.answers, vital_signs={}
    )
    decision = gate(now=T0, safety_check=without)
    assert codes(decision) == ["vital_signs_missing"]
    assert "Temperature (°C)" in decision.reasons[0].message and "SpO2" in decision.reasons[0].message


def test_first_dose_refused_until_the_baseline_forms_are_saved() -> None:
    decision = gate(now=T0, safety_check=check("step_1", T0), forms_done=frozenset({"vital_signs"}))
    assert codes(decision) == ["first_dose_preconditions"]
    assert "sledai_2k; lab_panel" in decision.reasons[0].message


def test_baseline_forms_are_not_asked_again_after_the_first_dose() -> None:
    decision = gate(
        now=DAY_3, administrations=AFTER_STEP_1, safety_check=check("step_2", DAY_3), forms_done=frozenset()
    )
    assert decision.allowed
