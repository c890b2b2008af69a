"""Permuted blocks: what a balanced block holds, and generating a list from a seeded random source."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from trialdesk.core.randomization.lists import ListDesign, RandomizationList, Slot, build_list
from trialdesk.core.randomization.strata import is_stratum_of
from trialdesk.errors import Problem, ProtocolError, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign, check_against_arms


def block_composition(ratio: Sequence[tuple[str, int]], block_size: int) -> dict[str, int]:
    """How many slots of each arm a complete block of `block_size` holds (the ratio scaled up)."""
    total = sum(share for _, share in ratio)
    if block_size <= 0 or block_size % total:
        raise ValueError(f"block size {block_size} is not a multiple of the ratio total {total}")
    return {arm: share * block_size // total for arm, share in ratio}


def is_balanced(arms: Sequence[str], ratio: Sequence[tuple[str, int]]) -> bool:
    """Whether a complete block holds the arms exactly at the ratio."""
    try:
        wanted = block_composition(ratio, len(arms))
    except ValueError:
        return False
    counts = Counter(arms)
    return set(counts) <= set(wanted) and all(counts[arm] == n for arm, n in wanted.items())


def fits_in_block(arms: Sequence[str], ratio: Sequence[tuple[str, int]], block_size: int) -> bool:
    """Whether `arms` can be the start of a balanced block of `block_size` (no arm beyond its share)."""
    if len(arms) > block_size:
        return False
    wanted = block_composition(ratio, block_size)
    counts = Counter(arms)
    return all(arm in wanted and n <= wanted[arm] for arm, n in counts.items())


def permuted_block(ratio: Sequence[tuple[str, int]], block_size: int, rng: random.Random) -> list[str]:
    """One block: the ratio multiset in a uniformly random order (a Fisher-Yates shuffle by `rng`)."""
    arms = [arm for arm, n in block_composition(ratio, block_size).items() for _ in range(n)]
    rng.shuffle(arms)
    return arms


def generate_list(
    design: RandomizationDesign, arm_ids: Sequence[str], strata_keys: Sequence[str], rng: random.Random
) -> RandomizationList:
    """A permuted-block list, one sequence per stratum, reproducible from the state of `rng`.

    Per stratum, blocks are drawn until the stratum has `blocks_per_stratum` blocks, or at least
    `slots_per_stratum` slots (with variable blocks the last block is kept whole, so the stratum may be
    longer). Each block's size is drawn uniformly from `block_sizes` (`rng.choice` over the sorted set) and
    its content is a uniformly random permutation of the ratio multiset (`rng.shuffle`). Arms are laid out
    in the ratio's order before shuffling, so the same seed always gives the same list.
    """
    if design.method != "permuted_blocks":
        raise ProtocolError("This protocol randomizes by minimization: there is no list to generate.")
    problems = check_against_arms(design, arm_ids)
    if problems:
        raise ProtocolError("The allocation ratio does not match the protocol's arms.", tuple(problems))
    _check_strata(design, strata_keys)
    ratio = tuple(design.ratio.items())
    sizes = sorted(design.block_sizes)
    slots: list[Slot] = []
    for stratum in strata_keys:
        sequence = 0
        block_number = 0
        while not _stratum_is_long_enough(design, sequence, block_number):
            block_number += 1
            size = sizes[0] if len(sizes) == 1 else rng.choice(sizes)
            for position, arm in enumerate(permuted_block(ratio, size, rng), start=1):
                sequence += 1
                slots.append(
                    Slot(
                        stratum=stratum,
                        sequence=sequence,
                        block=block_number,
                        block_size=size,
                        position_in_block=position,
                        arm=arm,
                    )
                )
    return build_list(ListDesign.of(design, source="generated"), strata_keys, slots)


def _stratum_is_long_enough(design: RandomizationDesign, slots: int, blocks: int) -> bool:
    if design.blocks_per_stratum is not None:
        return blocks >= design.blocks_per_stratum
    assert design.slots_per_stratum is not None  # guaranteed by the design's validator
    return slots >= design.slots_per_stratum


def _check_strata(design: RandomizationDesign, strata_keys: Sequence[str]) -> None:
    problems: list[Problem] = []
    if not strata_keys:
        problems.append(Problem("strata", "no stratum was given"))
    for key in strata_keys:
        if not is_stratum_of(design, key):
            problems.append(Problem(f"stratum '{key}'", "not a stratum of this design"))
    if len(set(strata_keys)) != len(strata_keys):
        problems.append(Problem("strata", "a stratum is listed twice"))
    if problems:
        raise ValidationFailed("The strata given do not match the randomization design.", tuple(problems))


def partition_into_blocks(
    arms: Sequence[str], ratio: Sequence[tuple[str, int]], block_sizes: Sequence[int]
) -> list[int] | int:
    """Split a sequence without block markers into consecutive blocks of the allowed sizes.

    Every block must be complete and balanced, except that the last may be incomplete if it does not
    exceed any arm's share. Returns the block sizes (preferring the smallest size at each step), or, when
    no split exists, the index (0-based) of the furthest position reachable through balanced blocks, where
    the first unexplainable block starts.
    """
    n = len(arms)
    sizes = sorted(set(block_sizes))

    def complete_at(i: int, size: int) -> bool:
        return i + size <= n and is_balanced(arms[i : i + size], ratio)

    def tail_at(i: int, size: int) -> bool:
        return n - i < size and fits_in_block(arms[i:], ratio, size)

    feasible = [False] * (n + 1)
    feasible[n] = True
    for i in range(n - 1, -1, -1):
        feasible[i] = any((complete_at(i, s) and feasible[i + s]) or tail_at(i, s) for s in sizes)
    if not feasible[0]:
        reachable = {0}
        for i in range(n + 1):
            if i in reachable:
                reachable.update(i + s for s in sizes if complete_at(i, s))
        return max(reachable)
    result: list[int] = []
    i = 0
    while i < n:
        size = next(s for s in sizes if (complete_at(i, s) and feasible[i + s]) or tail_at(i, s))
        result.append(size)
        i += size
    return result
