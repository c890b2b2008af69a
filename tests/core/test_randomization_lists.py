"""Permuted-block list generation, strata, the next slot, and the commitment."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from trialdesk.core.randomization import (
    RandomizationList,
    canonical_form,
    commitment,
    generate_list,
    next_slot,
    parse_canonical_form,
    strata_keys,
    stratum_key,
    verify_commitment,
)
from trialdesk.errors import Conflict, IntegrityBroken, NotFound, ProtocolError, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign

SEED_ARMS = ["exosome", "control"]
SEX = {"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}
NEPHRITIS = {"id": "nephritis", "label": {"en": "Lupus nephritis"}, "levels": ["yes", "no"]}


def _design(**overrides: Any) -> RandomizationDesign:
    data: dict[str, Any] = {
        "ratio": {"exosome": 1, "control": 1},
        "block_sizes": [4],
        "slots_per_stratum": 20,
    }
    data.update(overrides)
    return RandomizationDesign.model_validate(data)


def _seed_list(seed: int) -> RandomizationList:
    design = _design()
    return generate_list(design, SEED_ARMS, strata_keys(design, []), random.Random(seed))


@st.composite
def designs(draw: st.DrawFn) -> RandomizationDesign:
    arms = draw(st.integers(min_value=2, max_value=4))
    shares = draw(st.lists(st.integers(min_value=1, max_value=3), min_size=arms, max_size=arms))
    total = sum(shares)
    multiples = draw(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=3, unique=True))
    return RandomizationDesign.model_validate(
        {
            "ratio": {f"arm{i}": share for i, share in enumerate(shares)},
            "block_sizes": [total * m for m in multiples],
            "blocks_per_stratum": draw(st.integers(min_value=1, max_value=8)),
        }
    )


def _blocks(randomization_list: RandomizationList, stratum: str) -> list[list[str]]:
    slots = randomization_list.slots_of(stratum)
    return [[s.arm for s in group] for _, group in itertools.groupby(slots, key=lambda s: s.block)]


@settings(deadline=None, max_examples=150)
@given(design=designs(), seed=st.integers(min_value=0, max_value=2**32))
def test_every_complete_block_is_balanced_at_the_ratio(design: RandomizationDesign, seed: int) -> None:
    result = generate_list(design, list(design.ratio), ["all"], random.Random(seed))
    total = design.ratio_total
    for block in _blocks(result, "all"):
        assert len(block) in design.block_sizes
        counts = Counter(block)
        assert {arm: counts[arm] for arm in design.ratio} == {
            arm: share * len(block) // total for arm, share in design.ratio.items()
        }


@settings(deadline=None, max_examples=150)
@given(
    sizes=st.lists(st.sampled_from([2, 4, 6, 8]), min_size=1, max_size=4, unique=True),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_one_to_one_prefix_imbalance_never_exceeds_half_the_largest_block(
    sizes: list[int], seed: int
) -> None:
    design = _design(block_sizes=sizes, slots_per_stratum=None, blocks_per_stratum=10)
    result = generate_list(design, SEED_ARMS, ["all"], random.Random(seed))
    difference = 0
    for slot in result.slots:
        difference += 1 if slot.arm == "exosome" else -1
        assert abs(difference) <= max(sizes) // 2


@settings(deadline=None, max_examples=100)
@given(design=designs(), seed=st.integers(min_value=0, max_value=2**32))
def test_any_prefix_is_within_one_block_of_the_ratio(design: RandomizationDesign, seed: int) -> None:
    result = generate_list(design, list(design.ratio), ["all"], random.Random(seed))
    counts: Counter[str] = Counter()
    largest = max(design.block_sizes)
    for n, slot in enumerate(result.slots, start=1):
        counts[slot.arm] += 1
        for arm, share in design.ratio.items():
            assert abs(counts[arm] - n * share / design.ratio_total) <= largest * share / design.ratio_total


@settings(deadline=None, max_examples=50)
@given(design=designs(), seed=st.integers(min_value=0, max_value=2**32))
def test_same_seed_gives_the_same_list(design: RandomizationDesign, seed: int) -> None:
    first = generate_list(design, list(design.ratio), ["all"], random.Random(seed))
    second = generate_list(design, list(design.ratio), ["all"], random.Random(seed))
    assert first == second
    assert commitment(first) == commitment(second)


def test_different_seeds_almost_always_give_different_lists() -> None:
    lists = {canonical_form(_seed_list(seed)) for seed in range(300)}
    # 6**5 = 7776 equally likely seed lists: a few coincidences among 300 are possible, many are not.
    assert len(lists) >= 290


def test_each_ordering_of_a_two_two_block_is_equally_frequent() -> None:
    design = _design(slots_per_stratum=None, blocks_per_stratum=1)
    orderings: Counter[tuple[str, ...]] = Counter()
    for seed in range(3000):
        result = generate_list(design, SEED_ARMS, ["all"], random.Random(seed))
        orderings[tuple(slot.arm for slot in result.slots)] += 1
    assert len(orderings) == 6
    assert chisquare(list(orderings.values())).pvalue > 0.001


def test_orderings_are_equally_frequent_along_one_long_list_too() -> None:
    design = _design(slots_per_stratum=None, blocks_per_stratum=3000)
    result = generate_list(design, SEED_ARMS, ["all"], random.Random(20210608))
    orderings = Counter(tuple(block) for block in _blocks(result, "all"))
    assert len(orderings) == 6
    assert chisquare(list(orderings.values())).pvalue > 0.001


def test_variable_block_sizes_are_all_drawn_from_the_set() -> None:
    design = _design(block_sizes=[4, 6, 8], slots_per_stratum=400)
    result = generate_list(design, SEED_ARMS, ["all"], random.Random(7))
    sizes = Counter(block_size for block_size in (len(b) for b in _blocks(result, "all")))
    assert set(sizes) == {4, 6, 8}
    assert all(slot.block_size in (4, 6, 8) for slot in result.slots)
    assert chisquare(list(sizes.values())).pvalue > 0.001


def test_variable_blocks_fill_at_least_the_slots_and_keep_the_last_block_whole() -> None:
    design = _design(block_sizes=[4, 6], slots_per_stratum=18)
    for seed in range(50):
        result = generate_list(design, SEED_ARMS, ["all"], random.Random(seed))
        blocks = _blocks(result, "all")
        assert len(result.slots) >= 18
        assert len(result.slots) - len(blocks[-1]) < 18
        assert all(len(block) in (4, 6) for block in blocks)


def test_seed_list_has_five_blocks_of_four_and_ten_slots_per_arm() -> None:
    result = _seed_list(20210608)
    assert result.strata == ("all",)
    assert [s.sequence for s in result.slots] == list(range(1, 21))
    assert [s.block for s in result.slots] == [b for b in range(1, 6) for _ in range(4)]
    assert [s.position_in_block for s in result.slots] == [1, 2, 3, 4] * 5
    assert Counter(s.arm for s in result.slots) == {"exosome": 10, "control": 10}


def test_strata_are_every_combination_of_site_and_levels() -> None:
    design = _design(strata=[SEX, NEPHRITIS], stratify_by_site=True)
    assert strata_keys(design, ["KUMS", "TUMS"]) == (
        "site=KUMS|sex=female|nephritis=yes",
        "site=KUMS|sex=female|nephritis=no",
        "site=KUMS|sex=male|nephritis=yes",
        "site=KUMS|sex=male|nephritis=no",
        "site=TUMS|sex=female|nephritis=yes",
        "site=TUMS|sex=female|nephritis=no",
        "site=TUMS|sex=male|nephritis=yes",
        "site=TUMS|sex=male|nephritis=no",
    )
    assert strata_keys(_design(), ["KUMS"]) == ("all",)


def test_site_stratified_design_without_sites_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="no site was given"):
        strata_keys(_design(stratify_by_site=True), [])


def test_participant_stratum_key_is_built_from_site_and_levels() -> None:
    design = _design(strata=[SEX], stratify_by_site=True)
    assert stratum_key(design, site_code="KUMS", levels={"sex": "male"}) == "site=KUMS|sex=male"
    with pytest.raises(ValidationFailed) as caught:
        stratum_key(design, site_code=None, levels={"sex": "other", "age": "old"})
    assert [p.where for p in caught.value.problems] == ["site", "sex", "age"]


def test_stratified_list_has_one_complete_sequence_per_stratum() -> None:
    design = _design(strata=[SEX], stratify_by_site=True, block_sizes=[2, 4], slots_per_stratum=12)
    keys = strata_keys(design, ["KUMS", "TUMS"])
    result = generate_list(design, SEED_ARMS, keys, random.Random(3))
    assert result.strata == keys
    for key in keys:
        slots = result.slots_of(key)
        assert [s.sequence for s in slots] == list(range(1, len(slots) + 1))
        assert len(slots) >= 12
        assert [s.block for s in slots] == sorted(s.block for s in slots)
    assert [s.stratum for s in result.slots] == [k for k in keys for _ in result.slots_of(k)]
    assert len({tuple(s.arm for s in result.slots_of(k)) for k in keys}) > 1


def test_generation_refuses_arms_that_do_not_match_the_ratio() -> None:
    with pytest.raises(ProtocolError) as caught:
        generate_list(_design(), ["exosome", "placebo"], ["all"], random.Random(1))
    assert caught.value.problems


def test_generation_refuses_a_stratum_the_design_does_not_have() -> None:
    design = _design(strata=[SEX])
    with pytest.raises(ValidationFailed, match="do not match"):
        generate_list(design, SEED_ARMS, ["sex=female", "sex=unknown"], random.Random(1))


def test_next_slot_follows_the_list_in_order() -> None:
    result = _seed_list(11)
    used: set[int] = set()
    for expected in result.slots:
        slot = next_slot(result, "all", used)
        assert slot == expected
        used.add(slot.sequence)


def test_full_stratum_is_refused_not_filled_from_another() -> None:
    design = _design(strata=[SEX], slots_per_stratum=4)
    result = generate_list(design, SEED_ARMS, strata_keys(design, []), random.Random(5))
    with pytest.raises(Conflict) as caught:
        next_slot(result, "sex=female", {1, 2, 3, 4})
    assert "used up (4 of 4 slots" in caught.value.message
    assert "never taken from another stratum" in caught.value.message
    assert caught.value.details["stratum"] == "sex=female"
    assert next_slot(result, "sex=male", set()).stratum == "sex=male"


def test_next_slot_in_unknown_stratum_is_not_found() -> None:
    with pytest.raises(NotFound):
        next_slot(_seed_list(1), "sex=female", set())


def test_next_slot_refuses_when_recorded_allocations_skip_a_slot() -> None:
    with pytest.raises(IntegrityBroken) as caught:
        next_slot(_seed_list(1), "all", {1, 3})
    assert caught.value.details["skipped"] == [2]
    with pytest.raises(IntegrityBroken):
        next_slot(_seed_list(1), "all", {0})


def test_canonical_form_has_a_header_naming_the_design_and_one_line_per_slot() -> None:
    text = canonical_form(_seed_list(1)).decode("utf-8")
    lines = text.split("\n")
    assert lines[:8] == [
        "# trialdesk randomization list v1",
        "# method: permuted_blocks",
        "# ratio: exosome=1;control=1",
        "# block_sizes: 4",
        "# stratification: none",
        "# source: generated",
        "# strata: all",
        "stratum,sequence,block,block_size,position_in_block,arm,code",
    ]
    assert len(lines) == 8 + 20 + 1 and lines[-1] == ""
    assert lines[8].startswith("all,1,1,4,1,")


def test_commitment_is_the_sha256_of_the_canonical_form_and_verifies() -> None:
    import hashlib

    result = _seed_list(1)
    digest = commitment(result)
    assert digest == hashlib.sha256(canonical_form(result)).hexdigest()
    assert verify_commitment(result, digest)
    assert verify_commitment(result, digest.upper())
    assert not verify_commitment(result, "0" * 64)


@settings(deadline=None, max_examples=100)
@given(
    index=st.integers(min_value=0, max_value=19),
    field=st.sampled_from(["arm", "block", "block_size", "code"]),
)
def test_commitment_changes_when_any_slot_changes(index: int, field: str) -> None:
    original = _seed_list(1)
    slot = original.slots[index]
    changed_value: Any = {
        "arm": "control" if slot.arm == "exosome" else "exosome",
        "block": slot.block + 1,
        "block_size": slot.block_size + 2,
        "code": "X1",
    }[field]
    slots = list(original.slots)
    slots[index] = dataclasses.replace(slot, **{field: changed_value})
    tampered = dataclasses.replace(original, slots=tuple(slots))
    assert commitment(tampered) != commitment(original)
    assert not verify_commitment(tampered, commitment(original))


def test_commitment_changes_when_slots_are_swapped_or_dropped() -> None:
    original = _seed_list(1)
    digest = commitment(original)
    swapped = list(original.slots)
    i = next(n for n in range(19) if swapped[n].arm != swapped[n + 1].arm)
    swapped[i], swapped[i + 1] = (
        dataclasses.replace(swapped[i], arm=swapped[i + 1].arm),
        dataclasses.replace(swapped[i + 1], arm=swapped[i].arm),
    )
    assert commitment(dataclasses.replace(original, slots=tuple(swapped))) != digest
    assert commitment(dataclasses.replace(original, slots=original.slots[:-1])) != digest


def test_canonical_form_round_trips_and_refuses_tampered_text() -> None:
    design = _design(strata=[SEX], stratify_by_site=True, block_sizes=[2, 4], slots_per_stratum=8)
    result = generate_list(design, SEED_ARMS, strata_keys(design, ["KUMS"]), random.Random(9))
    data = canonical_form(result)
    assert parse_canonical_form(data) == result
    with pytest.raises(IntegrityBroken):
        parse_canonical_form(data.replace(b"# method", b"# mehtod"))
    with pytest.raises(IntegrityBroken):
        parse_canonical_form(data + b"\n")
