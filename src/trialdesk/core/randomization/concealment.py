"""Concealment check: do the recorded allocations follow the list, in order, one slot each?

Within each stratum, allocations taken in time order must use slots 1, 2, 3, ... with the list's arm.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from trialdesk.core.randomization.lists import RandomizationList

DiscrepancyKind = Literal["unknown_slot", "duplicate", "out_of_order", "arm_mismatch", "gap"]


@dataclass(frozen=True)
class RecordedAllocation:
    """An allocation as stored: the slot it used and the arm the participant was given."""

    stratum: str
    sequence: int
    arm: str
    participant: str = ""


@dataclass(frozen=True)
class Discrepancy:
    kind: DiscrepancyKind
    stratum: str
    sequence: int
    position: int | None
    """1-based position of the allocation in time order (None for a gap, which no allocation used)."""
    message: str


def check_allocation_order(
    randomization_list: RandomizationList, allocations_in_time_order: Sequence[RecordedAllocation]
) -> list[Discrepancy]:
    """Every way the recorded allocations depart from the list (empty when they follow it exactly).

    * unknown_slot: the stratum or sequence number is not in the list;
    * duplicate: a slot used a second time;
    * out_of_order: a slot used while an earlier slot of its stratum was still free;
    * arm_mismatch: the arm recorded differs from the list's arm for that slot;
    * gap: a slot left unused before the last used slot of its stratum.
    """
    arms = {(s.stratum, s.sequence): s.arm for s in randomization_list.slots}
    used: dict[str, set[int]] = {}
    found: list[Discrepancy] = []
    for position, allocation in enumerate(allocations_in_time_order, start=1):
        found.extend(_check_allocation(allocation, position, arms, used))
    found.extend(_gaps(randomization_list.strata, used))
    return found


def _check_allocation(
    allocation: RecordedAllocation,
    position: int,
    arms: Mapping[tuple[str, int], str],
    used: dict[str, set[int]],
) -> list[Discrepancy]:
    """How one allocation departs from the list, given the slots used before it; marks its slot used."""
    key = (allocation.stratum, allocation.sequence)
    who = f" ({allocation.participant})" if allocation.participant else ""
    label = f"slot {allocation.sequence} of stratum {allocation.stratum}{who}"
    if key not in arms:
        return [
            Discrepancy(
                "unknown_slot",
                *key,
                position,
                f"Allocation {position} used {label}, which is not in the list.",
            )
        ]
    taken = used.setdefault(allocation.stratum, set())
    if allocation.sequence in taken:
        return [
            Discrepancy("duplicate", *key, position, f"Allocation {position} used {label} a second time.")
        ]
    found: list[Discrepancy] = []
    first_free = next(n for n in range(1, len(taken) + 2) if n not in taken)
    if allocation.sequence != first_free:
        found.append(
            Discrepancy(
                "out_of_order",
                *key,
                position,
                f"Allocation {position} used {label} while slot {first_free} was still free.",
            )
        )
    taken.add(allocation.sequence)
    if allocation.arm != arms[key]:
        found.append(
            Discrepancy(
                "arm_mismatch",
                *key,
                position,
                f"Allocation {position} recorded arm '{allocation.arm}' for {label}; the list says '{arms[key]}'.",
            )
        )
    return found


def _gaps(strata: Sequence[str], used: Mapping[str, set[int]]) -> list[Discrepancy]:
    """The slots of each stratum left unused below its last used slot."""
    found: list[Discrepancy] = []
    for stratum in strata:
        taken = used.get(stratum, set())
        if taken:
            for sequence in range(1, max(taken)):
                if sequence not in taken:
                    found.append(
                        Discrepancy(
                            "gap",
                            stratum,
                            sequence,
                            None,
                            f"Slot {sequence} of stratum {stratum} was skipped: a later slot was used.",
                        )
                    )
    return found
