"""Adverse events: validation, seriousness separate from grade, relatedness and SUSAR."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from trialdesk.core.adverse_events import (
    ActionTaken,
    AdverseEvent,
    Expectedness,
    Outcome,
    SeriousnessCriterion,
    is_fatal_or_life_threatening,
    is_open,
    is_related,
    is_serious,
    is_susar,
    meets_condition,
    validate_adverse_event,
)
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.treatment import AdverseEventCondition, SafetyPlan

SAFETY = SafetyPlan()
ONSET = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)
BASE = AdverseEvent(
    id="AE1",
    participant_id="P01",
    term="infusion_related_reaction",
    onset_at=ONSET,
    grade=2,
    seriousness=frozenset(),
    relationship_to_product="probable",
    relationship_to_conventional_therapy="not_related",
    expectedness=Expectedness.EXPECTED,
    action_taken=ActionTaken.INFUSION_INTERRUPTED,
    outcome=Outcome.RECOVERED,
    resolved_at=ONSET + timedelta(hours=4),
)
DEATH = SeriousnessCriterion.RESULTS_IN_DEATH


def problems_of(event: AdverseEvent) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        validate_adverse_event(event, SAFETY)
    return [f"{p.where}: {p.rule}" for p in info.value.problems]


def test_a_consistent_event_is_accepted_unchanged() -> None:
    assert validate_adverse_event(BASE, SAFETY) is BASE


def test_a_grade_the_term_does_not_have_is_refused() -> None:
    problems = problems_of(replace(BASE, term="anaphylaxis", grade=2))
    assert problems == ["grade: Anaphylaxis has no grade 2 in CTCAE (grades: 3, 4, 5)"]


def test_a_term_outside_the_table_accepts_grades_1_to_5_only() -> None:
    assert validate_adverse_event(replace(BASE, term="Headache", grade=1), SAFETY)
    assert problems_of(replace(BASE, term="Headache", grade=6))[0].startswith("grade:")


def test_resolution_before_onset_is_refused() -> None:
    assert problems_of(replace(BASE, resolved_at=ONSET - timedelta(minutes=1))) == [
        "resolved_at: the event cannot resolve before its onset"
    ]


def test_fatal_outcome_and_grade_5_go_together() -> None:
    fatal = replace(BASE, grade=5, outcome=Outcome.FATAL, seriousness=frozenset({DEATH}))
    assert validate_adverse_event(fatal, SAFETY)
    assert "grade: a fatal outcome is grade 5 (death related to the adverse event)" in problems_of(
        replace(fatal, grade=4)
    )
    assert "outcome: grade 5 means death: the outcome must be 'fatal'" in problems_of(
        replace(BASE, grade=5, seriousness=frozenset({DEATH}))
    )


def test_results_in_death_needs_a_fatal_outcome_and_a_fatal_outcome_needs_it() -> None:
    assert "seriousness: 'results in death' needs the outcome 'fatal'" in problems_of(
        replace(BASE, seriousness=frozenset({DEATH}))
    )
    assert "seriousness: a fatal event is serious: tick 'results in death'" in problems_of(
        replace(BASE, grade=5, outcome=Outcome.FATAL)
    )


def test_outcome_and_resolution_time_agree() -> None:
    assert problems_of(replace(BASE, resolved_at=None)) == [
        "resolved_at: outcome 'recovered' needs the date it resolved"
    ]
    assert problems_of(replace(BASE, outcome=Outcome.NOT_RECOVERED)) == [
        "resolved_at: outcome 'not_recovered' means the event has not resolved"
    ]


def test_relationship_must_be_on_the_scale() -> None:
    assert problems_of(replace(BASE, relationship_to_product="likely"))[0].startswith(
        "relationship_to_product:"
    )


def test_naive_times_are_refused() -> None:
    assert "onset_at: must carry a time zone" in problems_of(
        replace(BASE, onset_at=ONSET.replace(tzinfo=None))
    )


def test_every_problem_is_reported_at_once() -> None:
    bad = replace(
        BASE, term="anaphylaxis", grade=1, relationship_to_conventional_therapy="?", resolved_at=None
    )
    assert len(problems_of(bad)) == 3


def test_seriousness_is_separate_from_grade() -> None:
    assert not is_serious(replace(BASE, grade=3))
    hospitalised = replace(BASE, grade=2, seriousness=frozenset({SeriousnessCriterion.HOSPITALIZATION}))
    assert is_serious(hospitalised)
    assert not is_fatal_or_life_threatening(replace(BASE, grade=4))
    assert is_fatal_or_life_threatening(
        replace(BASE, seriousness=frozenset({SeriousnessCriterion.LIFE_THREATENING}))
    )


@pytest.mark.parametrize(
    ("level", "related"),
    [("not_related", False), ("unlikely", False), ("possible", True), ("probable", True), ("definite", True)],
)
def test_relatedness_follows_the_protocol_scale(level: str, related: bool) -> None:
    assert is_related(replace(BASE, relationship_to_product=level), SAFETY) is related


def test_a_susar_is_serious_unexpected_and_related() -> None:
    susar = replace(
        BASE,
        seriousness=frozenset({SeriousnessCriterion.HOSPITALIZATION}),
        expectedness=Expectedness.UNEXPECTED,
    )
    assert is_susar(susar, SAFETY)
    assert not is_susar(replace(susar, expectedness=Expectedness.EXPECTED), SAFETY)
    assert not is_susar(replace(susar, relationship_to_product="unlikely"), SAFETY)
    assert not is_susar(replace(susar, seriousness=frozenset()), SAFETY)


def test_an_event_is_open_from_onset_until_resolution() -> None:
    assert not is_open(BASE, ONSET - timedelta(seconds=1))
    assert is_open(BASE, ONSET)
    assert not is_open(BASE, ONSET + timedelta(hours=4))
    assert is_open(replace(BASE, resolved_at=None, outcome=Outcome.NOT_RECOVERED), ONSET + timedelta(days=30))


def test_protocol_conditions_match_on_term_grade_relatedness_and_seriousness() -> None:
    condition = AdverseEventCondition(
        id="c",
        description=Text(en="c"),
        terms=["infusion_related_reaction"],
        min_grade=2,
        relationship_to_product=["probable", "definite"],
        serious=False,
    )
    assert meets_condition(BASE, condition)
    assert meets_condition(replace(BASE, term="Infusion related reaction"), condition)
    assert not meets_condition(replace(BASE, term="fever"), condition)
    assert not meets_condition(replace(BASE, grade=1), condition)
    assert not meets_condition(replace(BASE, relationship_to_product="possible"), condition)
    assert not meets_condition(
        replace(BASE, seriousness=frozenset({SeriousnessCriterion.DISABILITY})), condition
    )
    assert meets_condition(
        replace(BASE, term="fever", grade=1), AdverseEventCondition(id="any", description=Text(en="any"))
    )
