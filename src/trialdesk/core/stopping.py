"""Stopping rules over the adverse events of the study: which participants stop, and whether dosing pauses.

A participant rule that fires stops that participant's study-product dosing. A study rule that fires pauses all
study-product dosing until the ethics/safety committee records a decision on the triggering event; events the
committee has already decided on (`reviewed_event_ids`) no longer pause the study.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from trialdesk.core.adverse_events import AdverseEvent, describe, first_condition_met
from trialdesk.protocol.treatment import StoppingRule, StoppingRules


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    scope: Literal["participant", "study"]
    event_id: str
    participant_id: str
    message: str


@dataclass(frozen=True)
class StoppingDecision:
    participant_hits: tuple[RuleHit, ...]
    study_hits: tuple[RuleHit, ...]

    @property
    def stopped_participants(self) -> frozenset[str]:
        return frozenset(hit.participant_id for hit in self.participant_hits)

    @property
    def study_paused(self) -> bool:
        return bool(self.study_hits)

    def participant_stopped(self, participant_id: str) -> bool:
        return participant_id in self.stopped_participants

    def reasons_for(self, participant_id: str) -> tuple[str, ...]:
        return tuple(h.message for h in self.participant_hits if h.participant_id == participant_id)

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        return tuple(h.message for h in self.study_hits)


def _hits(
    rules: Sequence[StoppingRule], scope: Literal["participant", "study"], events: Sequence[AdverseEvent]
) -> list[RuleHit]:
    hits: list[RuleHit] = []
    for event in sorted(events, key=lambda e: (e.onset_at, e.id)):
        for rule in rules:
            if first_condition_met(event, rule.conditions) is not None:
                hits.append(
                    RuleHit(
                        rule.id,
                        scope,
                        event.id,
                        event.participant_id,
                        f"{rule.description.en}: participant {event.participant_id}, {describe(event)}.",
                    )
                )
    return hits


def evaluate_stopping(
    rules: StoppingRules,
    adverse_events: Sequence[AdverseEvent],
    *,
    reviewed_event_ids: Collection[str] = frozenset(),
) -> StoppingDecision:
    """Apply the participant and study rules to every event (of every participant)."""
    participant_hits = _hits(rules.participant, "participant", adverse_events)
    pending = [e for e in adverse_events if e.id not in reviewed_event_ids]
    return StoppingDecision(tuple(participant_hits), tuple(_hits(rules.study, "study", pending)))


__all__ = ["RuleHit", "StoppingDecision", "evaluate_stopping"]
