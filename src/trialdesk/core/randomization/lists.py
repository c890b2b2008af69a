"""The randomization list: frozen slots per stratum, and the pure choice of the next slot."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from trialdesk.errors import Conflict, IntegrityBroken, NotFound
from trialdesk.protocol.randomization import RandomizationDesign

ListSource = Literal["generated", "sealed_envelope", "redcap", "canonical"]


@dataclass(frozen=True)
class Slot:
    """One row of the list: the `sequence`-th allocation (1-based) of its stratum."""

    stratum: str
    sequence: int
    block: int
    """Block number within the stratum, 1-based."""
    block_size: int
    position_in_block: int
    arm: str
    code: str = ""
    """The randomization id / code of an imported row ('' when the list has none)."""


@dataclass(frozen=True)
class ListDesign:
    """The summary of the design a list was made for; part of the commitment."""

    method: str
    ratio: tuple[tuple[str, int], ...]
    block_sizes: tuple[int, ...]
    stratification: tuple[str, ...]
    """The components of the stratum keys ('site' first when stratified by site), empty when unstratified."""
    source: ListSource

    @classmethod
    def of(cls, design: RandomizationDesign, *, source: ListSource) -> ListDesign:
        return cls(
            method=design.method,
            ratio=tuple(design.ratio.items()),
            block_sizes=tuple(design.block_sizes),
            stratification=tuple(design.stratification_factor_ids),
            source=source,
        )

    @property
    def ratio_total(self) -> int:
        return sum(share for _, share in self.ratio)


@dataclass(frozen=True)
class RandomizationList:
    design: ListDesign
    strata: tuple[str, ...]
    slots: tuple[Slot, ...]
    """Ordered by stratum (in `strata` order), then sequence."""

    def slots_of(self, stratum: str) -> tuple[Slot, ...]:
        return tuple(
            sorted((slot for slot in self.slots if slot.stratum == stratum), key=lambda s: s.sequence)
        )

    def slot(self, stratum: str, sequence: int) -> Slot:
        for slot in self.slots:
            if slot.stratum == stratum and slot.sequence == sequence:
                return slot
        raise NotFound(f"The randomization list has no slot {sequence} in stratum '{stratum}'.")


def build_list(design: ListDesign, strata: Sequence[str], slots: Sequence[Slot]) -> RandomizationList:
    """A list with its slots in canonical order (stratum order, then sequence)."""
    order = {key: index for index, key in enumerate(strata)}
    ordered = sorted(slots, key=lambda s: (order[s.stratum], s.sequence))
    return RandomizationList(design=design, strata=tuple(strata), slots=tuple(ordered))


def next_slot(
    randomization_list: RandomizationList, stratum: str, used_sequence_numbers: Collection[int]
) -> Slot:
    """The next slot of `stratum` given the sequence numbers already allocated there.

    Refuses with `Conflict` when the stratum's list is used up (never a slot of another stratum), with
    `NotFound` for a stratum the list does not have, and with `IntegrityBroken` when the used numbers are
    not exactly 1..k (a skipped or unknown slot means the recorded allocations do not follow the list).
    """
    if stratum not in randomization_list.strata:
        raise NotFound(
            f"The randomization list has no stratum '{stratum}'. Ask the epidemiologist to check the list.",
            details={"stratum": stratum},
        )
    slots = randomization_list.slots_of(stratum)
    used = set(used_sequence_numbers)
    expected = set(range(1, len(used) + 1))
    if used != expected:
        unknown = sorted(used - {s.sequence for s in slots})
        skipped = sorted(expected - used)
        raise IntegrityBroken(
            f"The allocations recorded in stratum '{stratum}' do not follow the list "
            f"(skipped slots: {skipped or 'none'}; slots not in the list: {unknown or 'none'}). "
            "Randomization is stopped until the trial statistician has checked the list.",
            details={"stratum": stratum, "skipped": skipped, "unknown": unknown},
        )
    by_sequence = {slot.sequence: slot for slot in slots}
    if len(used) + 1 not in by_sequence:
        raise Conflict(
            f"The randomization list of stratum '{stratum}' is used up ({len(slots)} of {len(slots)} slots "
            "allocated). This participant cannot be randomized until the epidemiologist extends the list; "
            "a slot is never taken from another stratum.",
            details={"stratum": stratum, "slots": len(slots)},
        )
    return by_sequence[len(used) + 1]
