"""Which changes a running trial refuses, with the reason; every other change applies.

Rules (docs/protocol.md, "Amendments"): an arm that holds participants is not removed; the randomization design
(method, ratio, blocks, strata, allocation) does not change once the first participant is allocated; an item that
holds data is not removed (nor its form), and its type or unit does not change in a way the stored values cannot
follow. `TrialState.running()` is the worst case (every arm used, allocation begun, every item holding data): what
`trialdesk protocol diff` reports for a trial that is running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.protocol.amendments.base import Change, Guard


@dataclass(frozen=True)
class TrialState:
    """What the running trial holds, as far as the rules ask."""

    arms_with_participants: frozenset[str]
    allocation_started: bool
    items_with_data: frozenset[str]
    everything: bool = False  # the worst case: every arm, every item

    @classmethod
    def running(cls) -> TrialState:
        return cls(frozenset(), True, frozenset(), everything=True)

    @classmethod
    def not_started(cls) -> TrialState:
        return cls(frozenset(), False, frozenset())


@dataclass(frozen=True)
class Refusal:
    change: Change
    reason: str  # a code worded by `describe_refusal`
    subjects: tuple[str, ...]  # the arms or items that hold data


def _holds(change: Change, state: TrialState) -> tuple[str, ...] | None:
    """The subjects that make the guard hold (empty tuple: holds without subjects), or None."""
    if change.guard is Guard.AFTER_FIRST_ALLOCATION:
        return () if state.allocation_started else None
    pool = (
        state.arms_with_participants if change.guard is Guard.ARM_HAS_PARTICIPANTS else state.items_with_data
    )
    held = tuple(s for s in change.guard_subjects if state.everything or s in pool)
    return held or None


def refused_changes(changes: Sequence[Change], state: TrialState) -> list[Refusal]:
    """The changes a trial in `state` refuses, each with its reason."""
    refused: list[Refusal] = []
    for change in changes:
        if change.guard is None:
            continue
        held = _holds(change, state)
        if held is not None:
            refused.append(Refusal(change, change.refusal, held))
    return refused
