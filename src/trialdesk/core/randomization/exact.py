"""Exact figures of an unstratified list design by enumeration (a dynamic programme over its states).

The state after t allocations is (the count of each arm, what is left of the current block, the largest
imbalance so far); its probability is carried forward one allocation at a time, so blocks of 4 over 20
participants, or complete randomization over 20, take a few hundred states instead of 2^20 sequences.
Guesses, determined allocations and imbalance are defined exactly as in the simulation
(`simulation_draws`): the same figures, without Monte Carlo error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from trialdesk.core.randomization.simulation_draws import TIE

Observer = tuple[frozenset[tuple[int, tuple[int, ...]]], bool]
"""What someone who saw every allocation can still believe: the open blocks (size, counts so far) that
fit what they saw, and whether a new block may start now (see `simulation_draws.determined_for_observer`)."""
State = tuple[tuple[int, ...], tuple[int, ...] | None, Fraction, Observer]


@dataclass(frozen=True)
class ExactFigures:
    """The distribution of the final and maximum imbalance, arm sizes, and the expected guesses."""

    final_imbalance: dict[Fraction, float]
    maximum_imbalance: dict[Fraction, float]
    arm_sizes: dict[tuple[int, ...], float]
    correct_guesses: float
    determined_proportion: float


MAX_STATES = 200_000


def enumerate_design(
    shares: Sequence[int], block_sizes: Sequence[int] | None, participants: int
) -> ExactFigures:
    """Exact figures for permuted blocks (or complete randomization when `block_sizes` is None).

    Raises ValueError when the state space outgrows `MAX_STATES` (many arms over many participants).
    """
    start: Observer = (frozenset(), True)
    states: dict[State, float] = {(tuple(0 for _ in shares), None, Fraction(0), start): 1.0}
    guesses = 0.0
    determined = 0.0
    for _ in range(participants):
        following: dict[State, float] = defaultdict(float)
        for (counts, remaining, worst, observer), probability in states.items():
            forced = block_sizes is not None and _forced(observer, shares, block_sizes)
            for arm, arm_probability, left in _next_arms(shares, block_sizes, remaining):
                p = probability * arm_probability
                guesses += p * _guess_score(counts, shares, arm)
                determined += p if forced else 0.0
                new_counts = counts[:arm] + (counts[arm] + 1,) + counts[arm + 1 :]
                imbalance = imbalance_of(new_counts, shares)
                seen = _observe(observer, arm, shares, block_sizes) if block_sizes is not None else observer
                following[(new_counts, left, max(worst, imbalance), seen)] += p
        if len(following) > MAX_STATES:
            raise ValueError(f"more than {MAX_STATES} states: too large to enumerate, simulate instead")
        states = following
    final: dict[Fraction, float] = defaultdict(float)
    maximum: dict[Fraction, float] = defaultdict(float)
    sizes: dict[tuple[int, ...], float] = defaultdict(float)
    for (counts, _remaining, worst, _observer), probability in states.items():
        final[imbalance_of(counts, shares)] += probability
        maximum[worst] += probability
        sizes[counts] += probability
    return ExactFigures(
        final_imbalance=dict(final),
        maximum_imbalance=dict(maximum),
        arm_sizes=dict(sizes),
        correct_guesses=guesses,
        determined_proportion=determined / participants if participants else 0.0,
    )


def imbalance_of(counts: Sequence[int], shares: Sequence[int]) -> Fraction:
    """Largest minus smallest count divided by its share: |n_A - n_B| for two arms at 1:1."""
    adjusted = [Fraction(count, share) for count, share in zip(counts, reduced(shares), strict=True)]
    return max(adjusted) - min(adjusted)


def reduced(shares: Sequence[int]) -> tuple[int, ...]:
    """The ratio in lowest terms (2:2 is 1:1), so imbalance is counted in participants."""
    divisor = 0
    for share in shares:
        divisor = _gcd(divisor, share)
    return tuple(share // divisor for share in shares)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _next_arms(
    shares: Sequence[int], block_sizes: Sequence[int] | None, remaining: tuple[int, ...] | None
) -> list[tuple[int, float, tuple[int, ...] | None]]:
    """(arm, probability, what is left of the block after it)."""
    total = sum(shares)
    if block_sizes is None:
        return [(arm, share / total, None) for arm, share in enumerate(shares)]
    if remaining is None or not any(remaining):
        options: list[tuple[int, float, tuple[int, ...] | None]] = []
        for size in block_sizes:
            block = tuple(share * size // total for share in shares)
            for arm, p, left in _next_arms(shares, block_sizes, block):
                options.append((arm, p / len(block_sizes), left))
        return options
    size = sum(remaining)
    return [
        (arm, n / size, remaining[:arm] + (n - 1,) + remaining[arm + 1 :])
        for arm, n in enumerate(remaining)
        if n
    ]


def _observe(observer: Observer, arm: int, shares: Sequence[int], block_sizes: Sequence[int]) -> Observer:
    """The observer's hypotheses after seeing `arm`."""
    total = sum(shares)
    open_blocks, may_start = observer
    candidates = set(open_blocks)
    if may_start:
        candidates |= {(size, tuple(0 for _ in shares)) for size in block_sizes}
    kept: set[tuple[int, tuple[int, ...]]] = set()
    boundary = False
    for size, counts in candidates:
        after = counts[:arm] + (counts[arm] + 1,) + counts[arm + 1 :]
        content = tuple(share * size // total for share in shares)
        if any(n > limit for n, limit in zip(after, content, strict=True)):
            continue
        if after == content:
            boundary = True
        else:
            kept.add((size, after))
    return frozenset(kept), boundary


def _forced(observer: Observer, shares: Sequence[int], block_sizes: Sequence[int]) -> bool:
    """Whether every hypothesis leaves room for one and the same arm only."""
    open_blocks, may_start = observer
    if may_start:
        return False
    total = sum(shares)
    arms: set[int] = set()
    for size, counts in open_blocks:
        left = [share * size // total - n for share, n in zip(shares, counts, strict=True)]
        room = [arm for arm, n in enumerate(left) if n > 0]
        if len(room) != 1:
            return False
        arms.add(room[0])
    return len(arms) == 1


def _guess_score(counts: Sequence[int], shares: Sequence[int], arm: int) -> float:
    adjusted = [count / share for count, share in zip(counts, shares, strict=True)]
    lowest = min(adjusted)
    tied = [share if value <= lowest + TIE else 0 for value, share in zip(adjusted, shares, strict=True)]
    return tied[arm] / sum(tied)
