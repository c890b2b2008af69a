"""Stopping rules of the seed trial over adverse events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import yaml

import trialdesk
from trialdesk.core.adverse_events import (
    ActionTaken,
    AdverseEvent,
    Expectedness,
    Outcome,
    SeriousnessCriterion,
)
from trialdesk.core.stopping import evaluate_stopping
from trialdesk.protocol.treatment import StoppingRules

T = datetime(2026, 1, 20, 8, 0, tzinfo=UTC)


@cache
def rules() -> StoppingRules:
    path = Path(trialdesk.__file__).parent / "studies" / "kums_exosome_sle" / "treatment.yaml"
    return StoppingRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))["stopping_rules"])


def event(
    event_id: str,
    participant: str,
    *,
    grade: int,
    related: str,
    serious: frozenset[SeriousnessCriterion] = frozenset(),
    term: str = "fever",
) -> AdverseEvent:
    return AdverseEvent(
        id=event_id,
        participant_id=participant,
        term=term,
        onset_at=T + timedelta(hours=int(event_id[-1])),
        grade=grade,
        seriousness=serious,
        relationship_to_product=related,
        relationship_to_conventional_therapy="not_related",
        expectedness=Expectedness.UNEXPECTED,
        action_taken=ActionTaken.DOSING_HELD,
        outcome=Outcome.NOT_RECOVERED,
    )


def test_no_events_stop_nothing() -> None:
    decision = evaluate_stopping(rules(), [])
    assert not decision.study_paused and decision.stopped_participants == frozenset()


def test_a_related_grade_3_event_stops_that_participant_only() -> None:
    decision = evaluate_stopping(rules(), [event("AE1", "P01", grade=3, related="possible")])
    assert decision.participant_stopped("P01")
    assert not decision.participant_stopped("P02")
    assert not decision.study_paused
    assert "stops this participant's exosome dosing" in decision.reasons_for("P01")[0]
    assert "Fever, grade 3" in decision.reasons_for("P01")[0]


def test_an_unrelated_grade_3_event_stops_no_one() -> None:
    decision = evaluate_stopping(rules(), [event("AE1", "P01", grade=3, related="unlikely")])
    assert decision.stopped_participants == frozenset()


def test_a_related_grade_4_event_pauses_the_study_and_stops_the_participant() -> None:
    decision = evaluate_stopping(rules(), [event("AE1", "P01", grade=4, related="definite")])
    assert decision.study_paused
    assert decision.participant_stopped("P01")
    assert [h.rule_id for h in decision.study_hits] == ["related_grade_4_or_more"]


def test_a_related_serious_event_of_low_grade_pauses_the_study() -> None:
    sae = event(
        "AE2", "P02", grade=2, related="probable", serious=frozenset({SeriousnessCriterion.HOSPITALIZATION})
    )
    decision = evaluate_stopping(rules(), [sae])
    assert decision.study_paused
    assert not decision.participant_stopped("P02")
    assert "pauses all exosome dosing" in decision.pause_reasons[0]


def test_an_unrelated_serious_event_does_not_pause_the_study() -> None:
    sae = event(
        "AE2",
        "P02",
        grade=4,
        related="not_related",
        serious=frozenset({SeriousnessCriterion.LIFE_THREATENING}),
    )
    assert not evaluate_stopping(rules(), [sae]).study_paused


def test_the_pause_lifts_only_for_events_the_committee_has_decided_on() -> None:
    first = event("AE1", "P01", grade=4, related="definite")
    second = event(
        "AE2", "P02", grade=2, related="possible", serious=frozenset({SeriousnessCriterion.DISABILITY})
    )
    assert evaluate_stopping(rules(), [first, second], reviewed_event_ids={"AE1"}).study_paused
    lifted = evaluate_stopping(rules(), [first, second], reviewed_event_ids={"AE1", "AE2"})
    assert not lifted.study_paused
    assert lifted.participant_stopped("P01")  # a participant stop is not lifted by the committee review
