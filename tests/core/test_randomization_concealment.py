"""The concealment check: recorded allocations must follow the list, in order, one slot each."""

from __future__ import annotations

import random

from trialdesk.core.randomization import (
    RandomizationList,
    RecordedAllocation,
    check_allocation_order,
    generate_list,
    strata_keys,
)
from trialdesk.protocol.randomization import RandomizationDesign

DESIGN = RandomizationDesign.model_validate(
    {
        "ratio": {"exosome": 1, "control": 1},
        "block_sizes": [4],
        "slots_per_stratum": 8,
        "strata": [{"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}],
    }
)
LIST: RandomizationList = generate_list(
    DESIGN, ["exosome", "control"], strata_keys(DESIGN, []), random.Random(2)
)
F, M = "sex=female", "sex=male"


def _take(stratum: str, sequence: int, arm: str | None = None) -> RecordedAllocation:
    return RecordedAllocation(stratum, sequence, arm or LIST.slot(stratum, sequence).arm)


def test_allocations_following_the_list_in_each_stratum_have_no_discrepancy() -> None:
    interleaved = [_take(F, 1), _take(M, 1), _take(M, 2), _take(F, 2), _take(F, 3)]
    assert check_allocation_order(LIST, interleaved) == []


def test_slot_used_twice_is_a_duplicate() -> None:
    found = check_allocation_order(LIST, [_take(F, 1), _take(F, 2), _take(F, 2)])
    assert [(d.kind, d.sequence, d.position) for d in found] == [("duplicate", 2, 3)]


def test_slot_taken_ahead_of_a_free_one_is_out_of_order_and_the_skipped_slot_a_gap() -> None:
    found = check_allocation_order(LIST, [_take(F, 1), _take(F, 3)])
    assert [(d.kind, d.sequence, d.position) for d in found] == [("out_of_order", 3, 2), ("gap", 2, None)]
    assert "while slot 2 was still free" in found[0].message


def test_late_fill_of_a_skipped_slot_leaves_only_the_out_of_order_record() -> None:
    found = check_allocation_order(LIST, [_take(F, 1), _take(F, 3), _take(F, 2)])
    assert [d.kind for d in found] == ["out_of_order"]


def test_arm_differing_from_the_list_is_a_mismatch() -> None:
    slot = LIST.slot(M, 1)
    other = "control" if slot.arm == "exosome" else "exosome"
    found = check_allocation_order(LIST, [RecordedAllocation(M, 1, other, participant="KS-007")])
    assert [d.kind for d in found] == ["arm_mismatch"]
    assert "KS-007" in found[0].message


def test_slot_outside_the_list_is_unknown() -> None:
    found = check_allocation_order(
        LIST, [RecordedAllocation("all", 1, "exosome"), RecordedAllocation(F, 99, "x")]
    )
    assert [d.kind for d in found] == ["unknown_slot", "unknown_slot"]


def test_no_allocations_means_no_discrepancy() -> None:
    assert check_allocation_order(LIST, []) == []
