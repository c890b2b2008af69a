"""Adverse events as values: validation, seriousness (ICH E2A), relatedness, SUSAR, and protocol conditions.

Severity (the CTCAE grade) and seriousness (the six ICH E2A criteria) are recorded separately: a grade 3 event
need not be serious, and a grade 2 event that prolongs a hospital stay is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from trialdesk.core.ctcae import find_term, grades_for, normalize_term
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.treatment import AdverseEventCondition, SafetyPlan


class SeriousnessCriterion(StrEnum):
    """ICH E2A §II.B: an event is serious when it meets any of these."""

    RESULTS_IN_DEATH = "results_in_death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALIZATION = "hospitalization"  # requires inpatient hospitalisation or prolongs an existing one
    DISABILITY = "disability"  # persistent or significant disability/incapacity
    CONGENITAL_ANOMALY = "congenital_anomaly"
    IMPORTANT_MEDICAL_EVENT = "important_medical_event"


class Expectedness(StrEnum):
    """Assessed against the reference safety information (the Investigator's Brochure in force)."""

    EXPECTED = "expected"
    UNEXPECTED = "unexpected"


class ActionTaken(StrEnum):
    NONE = "none"
    INFUSION_INTERRUPTED = "infusion_interrupted"
    DOSING_HELD = "dosing_held"
    DOSE_REDUCED = "dose_reduced"
    PRODUCT_WITHDRAWN = "product_withdrawn"
    NOT_APPLICABLE = "not_applicable"


class Outcome(StrEnum):
    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


_RESOLVED_OUTCOMES = frozenset({Outcome.RECOVERED, Outcome.RECOVERED_WITH_SEQUELAE, Outcome.FATAL})
_ONGOING_OUTCOMES = frozenset({Outcome.RECOVERING, Outcome.NOT_RECOVERED})


@dataclass(frozen=True, kw_only=True)
class AdverseEvent:
    """One adverse event of one participant. `term` is a CTCAE term id or name (or a free 'other' term).

    `relationship_to_product` / `relationship_to_conventional_therapy` are level ids of the protocol's
    relatedness scale. `resolved_at` is None while the event is ongoing (for a fatal event: the time of death).
    """

    id: str
    participant_id: str
    term: str
    onset_at: datetime
    grade: int
    seriousness: frozenset[SeriousnessCriterion]
    relationship_to_product: str
    relationship_to_conventional_therapy: str
    expectedness: Expectedness
    action_taken: ActionTaken
    outcome: Outcome
    resolved_at: datetime | None = None

    @property
    def term_id(self) -> str:
        return normalize_term(self.term)

    @property
    def term_label(self) -> str:
        found = find_term(self.term)
        return found.name if found is not None else self.term


def validate_adverse_event(event: AdverseEvent, safety: SafetyPlan) -> AdverseEvent:
    """Return the event unchanged when consistent; otherwise raise `ValidationFailed` naming every problem."""
    problems: list[Problem] = []
    allowed = grades_for(event.term)
    if event.grade not in allowed:
        shown = ", ".join(str(g) for g in allowed)
        problems.append(
            Problem("grade", f"{event.term_label} has no grade {event.grade} in CTCAE (grades: {shown})")
        )
    for where, dt in (("onset_at", event.onset_at), ("resolved_at", event.resolved_at)):
        if dt is not None and dt.tzinfo is None:
            problems.append(Problem(where, "must carry a time zone"))
    if (
        event.resolved_at is not None
        and event.resolved_at.tzinfo is not None
        and event.onset_at.tzinfo is not None
        and event.resolved_at < event.onset_at
    ):
        problems.append(Problem("resolved_at", "the event cannot resolve before its onset"))
    fatal = event.outcome is Outcome.FATAL
    if fatal and event.grade != 5:
        problems.append(Problem("grade", "a fatal outcome is grade 5 (death related to the adverse event)"))
    if event.grade == 5 and not fatal:
        problems.append(Problem("outcome", "grade 5 means death: the outcome must be 'fatal'"))
    if SeriousnessCriterion.RESULTS_IN_DEATH in event.seriousness and not fatal:
        problems.append(Problem("seriousness", "'results in death' needs the outcome 'fatal'"))
    if fatal and SeriousnessCriterion.RESULTS_IN_DEATH not in event.seriousness:
        problems.append(Problem("seriousness", "a fatal event is serious: tick 'results in death'"))
    if event.outcome in _RESOLVED_OUTCOMES and event.resolved_at is None:
        problems.append(Problem("resolved_at", f"outcome '{event.outcome.value}' needs the date it resolved"))
    if event.outcome in _ONGOING_OUTCOMES and event.resolved_at is not None:
        problems.append(
            Problem("resolved_at", f"outcome '{event.outcome.value}' means the event has not resolved")
        )
    levels = safety.level_ids
    for where, level in (
        ("relationship_to_product", event.relationship_to_product),
        ("relationship_to_conventional_therapy", event.relationship_to_conventional_therapy),
    ):
        if level not in levels:
            problems.append(
                Problem(where, f"'{level}' is not on the relatedness scale ({', '.join(sorted(levels))})")
            )
    if problems:
        raise ValidationFailed(f"The adverse event '{event.term_label}' is not consistent", tuple(problems))
    return event


# CTCAE v5.0 navigational note on Allergic reaction: "If related to infusion, use ... Infusion related reaction.
# Do not report both." One clinical event gets one of the two terms.
EXCLUSIVE_TERMS: tuple[frozenset[str], ...] = (frozenset({"allergic_reaction", "infusion_related_reaction"}),)


def _periods_overlap(a: AdverseEvent, b: AdverseEvent) -> bool:
    """Open periods [onset, resolution) overlap; an unresolved event is open to the end of time."""
    a_open_at_b = a.resolved_at is None or b.onset_at < a.resolved_at
    b_open_at_a = b.resolved_at is None or a.onset_at < b.resolved_at
    return a_open_at_b and b_open_at_a


def check_not_reported_twice(event: AdverseEvent, others: Iterable[AdverseEvent]) -> None:
    """Refuse `event` when the same participant already has an event under a mutually exclusive CTCAE term
    (allergic reaction / infusion related reaction) whose open period overlaps this one: that is the same
    clinical event reported twice. `others` excludes `event` itself."""
    for pair in EXCLUSIVE_TERMS:
        if event.term_id not in pair:
            continue
        for other in others:
            same_participant = other.participant_id == event.participant_id
            if (
                same_participant
                and other.term_id in pair - {event.term_id}
                and _periods_overlap(event, other)
            ):
                note = find_term("allergic_reaction")
                rule = note.navigational_note if note is not None else "Do not report both."
                raise ValidationFailed(
                    f"{event.term_label} overlaps {describe(other)}: CTCAE v5.0 says: {rule}",
                    (Problem("term", f"{describe(other)} is already reported for this event. {rule}"),),
                )


def is_serious(event: AdverseEvent) -> bool:
    """Serious in the ICH E2A sense: at least one seriousness criterion (independent of the grade)."""
    return bool(event.seriousness)


def is_related(event: AdverseEvent, safety: SafetyPlan) -> bool:
    """Related to the study product on the protocol's scale (e.g. possible, probable, definite)."""
    return event.relationship_to_product in safety.related_level_ids


def is_unexpected(event: AdverseEvent) -> bool:
    return event.expectedness is Expectedness.UNEXPECTED


def is_susar(event: AdverseEvent, safety: SafetyPlan) -> bool:
    """Suspected unexpected serious adverse reaction: serious, unexpected and related to the product."""
    return is_serious(event) and is_unexpected(event) and is_related(event, safety)


def is_fatal_or_life_threatening(event: AdverseEvent) -> bool:
    """By the seriousness criteria (ICH E2A), not by the CTCAE grade."""
    return bool(
        event.seriousness & {SeriousnessCriterion.RESULTS_IN_DEATH, SeriousnessCriterion.LIFE_THREATENING}
    )


def is_open(event: AdverseEvent, at: datetime) -> bool:
    """Started by `at` and not resolved by then."""
    return event.onset_at <= at and (event.resolved_at is None or event.resolved_at > at)


def meets_condition(event: AdverseEvent, condition: AdverseEventCondition) -> bool:
    """Does the event meet a protocol condition (terms, minimum grade, relatedness levels, seriousness)?"""
    if condition.terms and event.term_id not in {normalize_term(t) for t in condition.terms}:
        return False
    if condition.min_grade is not None and event.grade < condition.min_grade:
        return False
    if (
        condition.relationship_to_product
        and event.relationship_to_product not in condition.relationship_to_product
    ):
        return False
    return condition.serious is None or condition.serious == is_serious(event)


def first_condition_met(
    event: AdverseEvent, conditions: Iterable[AdverseEventCondition]
) -> AdverseEventCondition | None:
    for condition in conditions:
        if meets_condition(event, condition):
            return condition
    return None


def describe(event: AdverseEvent) -> str:
    """'Infusion related reaction, grade 2 (onset 2026-01-13 10:00 UTC)'."""
    return f"{event.term_label}, grade {event.grade} (onset {format_time(event.onset_at)})"


def format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "")


__all__ = [
    "EXCLUSIVE_TERMS",
    "ActionTaken",
    "AdverseEvent",
    "Expectedness",
    "Outcome",
    "SeriousnessCriterion",
    "check_not_reported_twice",
    "describe",
    "first_condition_met",
    "format_time",
    "is_fatal_or_life_threatening",
    "is_open",
    "is_related",
    "is_serious",
    "is_susar",
    "is_unexpected",
    "meets_condition",
    "validate_adverse_event",
]
