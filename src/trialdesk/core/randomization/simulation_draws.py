"""Vectorized allocation sequences for the design simulation: many simulated trials at once with numpy.

Arms are integers 0..K-1 in the ratio's order. Each function returns, per participant, the arm given,
the expected score of a guesser using the convergence strategy, and whether the allocation was fully
determined by what came before (`determined_for_observer`); `simulation.py` turns these into the report's figures.

The guesser (Blackwell and Hodges' convergence strategy) guesses the arm with the fewest participants so
far, counted against the ratio (count / share), among the allocations of the same stratum. A tie is
guessed at random, weighted by the ratio (1/2 each for 1:1); the score is the *expected* score of that
random guess, which removes one source of Monte Carlo noise without changing the expectation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TIE = 1e-9


@dataclass(frozen=True)
class Draws:
    """Per simulated trial (rows) and participant (columns, in order of arrival)."""

    arms: IntArray
    guess_scores: FloatArray
    determined: BoolArray


def convergence_scores(arms: IntArray, shares: FloatArray) -> FloatArray:
    """Expected score of the convergence guess for each allocation of each row (one row = one sequence)."""
    arm_count = len(shares)
    one_hot = arms[..., None] == np.arange(arm_count)
    before = np.cumsum(one_hot, axis=-2) - one_hot  # counts of each arm before this allocation
    adjusted = before / shares
    tied = adjusted <= adjusted.min(axis=-1, keepdims=True) + TIE
    weight = np.where(tied, shares, 0.0)
    actual = np.take_along_axis(weight, arms[..., None], axis=-1)[..., 0]
    result: FloatArray = actual / weight.sum(axis=-1)
    return result


def complete_randomization(rng: np.random.Generator, rows: int, length: int, shares: FloatArray) -> IntArray:
    """Each allocation drawn independently with probability share / total."""
    arms: IntArray = rng.choice(len(shares), size=(rows, length), p=shares / shares.sum()).astype(np.int64)
    return arms


def permuted_blocks(
    rng: np.random.Generator, rows: int, length: int, shares: Sequence[int], block_sizes: Sequence[int]
) -> IntArray:
    """Rows of consecutive permuted blocks, each block's size drawn uniformly from `block_sizes`."""
    sizes = np.array(sorted(block_sizes), dtype=np.int64)
    block_count = -(-length // int(sizes.min()))
    chosen = (
        rng.integers(len(sizes), size=(rows, block_count))
        if len(sizes) > 1
        else np.zeros((rows, block_count), dtype=np.int64)
    )
    size_of_block = sizes[chosen]
    ends = np.cumsum(size_of_block, axis=1)
    position = np.arange(length)
    starts = np.zeros((rows, length + int(sizes.max())), dtype=np.int64)
    np.put_along_axis(starts, np.minimum(ends, starts.shape[1] - 1), 1, axis=1)
    block_of = np.cumsum(starts[:, :length], axis=1)  # blocks that ended at or before each position
    size_here = np.take_along_axis(size_of_block, block_of, axis=1)
    within = position[None, :] - (np.take_along_axis(ends, block_of, axis=1) - size_here)
    arms = np.zeros((rows, length), dtype=np.int64)
    total = sum(shares)
    row_index = np.broadcast_to(np.arange(rows)[:, None], (rows, length))
    for size in sizes.tolist():
        content = np.repeat(np.arange(len(shares)), [share * size // total for share in shares])
        order = np.argsort(rng.random((rows, block_count, size)), axis=2)
        here = size_here == size
        arms[here] = content[order][row_index[here], block_of[here], within[here]]
    return arms


def determined_for_observer(arms: IntArray, shares: Sequence[int], block_sizes: Sequence[int]) -> BoolArray:
    """Whether each allocation was certain to someone who saw every earlier one of the sequence and knows
    the ratio and the allowed block sizes, but not which sizes were drawn.

    A hypothesis is "the current block started at s and has size m": possible when the allocations before
    s split into complete balanced blocks of allowed sizes and those since s fit into a block of m. The
    allocation is determined when every possible hypothesis leaves room for one and the same arm only.
    For fixed blocks this is the last slot(s) of a block holding one arm.
    """
    rows, length = arms.shape
    arm_count = len(shares)
    sizes = sorted(block_sizes)
    base = sizes[-1] + 1
    # Arm counts of a stretch of the sequence, coded as one integer (digits in base `base`): a code
    # difference of two prefixes is the code of the stretch between them while no count reaches `base`.
    digits = base ** np.arange(arm_count)
    prefix_code = np.concatenate(
        [np.zeros((rows, 1), dtype=np.int64), np.cumsum(digits[arms], axis=1)], axis=1
    )
    tables = {m: _block_tables(shares, m, base) for m in sizes}
    splits = np.zeros((rows, length + 1), dtype=np.bool_)  # the first i allocations are whole blocks
    splits[:, 0] = True
    for i in range(1, length + 1):
        for m in sizes:
            if m <= i:
                whole = prefix_code[:, i] - prefix_code[:, i - m] == tables[m][3]
                splits[:, i] |= splits[:, i - m] & whole
    determined = np.zeros((rows, length), dtype=np.bool_)
    for t in range(length):
        forced = np.full(rows, -1, dtype=np.int64)  # -1: no hypothesis yet
        free = splits[:, t].copy()  # a new block may start here: any arm can come
        for back in range(1, min(t, sizes[-1] - 1) + 1):
            code = prefix_code[:, t] - prefix_code[:, t - back]
            for m in (m for m in sizes if m > back):
                fits, single, arm, _whole = tables[m]
                possible = splits[:, t - back] & fits[code]
                arm_here = arm[code]
                free |= possible & (~single[code] | ((forced >= 0) & (forced != arm_here)))
                forced = np.where(possible & single[code] & (forced < 0), arm_here, forced)
        determined[:, t] = ~free & (forced >= 0)
    return determined


def _block_tables(shares: Sequence[int], size: int, base: int) -> tuple[BoolArray, BoolArray, IntArray, int]:
    """For each coded stretch of fewer than `size` allocations: whether it fits a block of `size`, whether
    the block then has room for one arm only, and which; and the code of a whole block."""
    arm_count = len(shares)
    total = sum(shares)
    content = np.array([share * size // total for share in shares])
    codes = np.arange(base**arm_count)
    counts = (codes[:, None] // base ** np.arange(arm_count)) % base
    left = content - counts
    fits = (left >= 0).all(axis=1) & (counts.sum(axis=1) < size)
    single = (left > 0).sum(axis=1) == 1
    arm = np.argmax(left, axis=1).astype(np.int64)
    return fits, single, arm, int((content * base ** np.arange(arm_count)).sum())


def gather_strata(per_stratum: npt.NDArray[np.generic], strata: IntArray) -> npt.NDArray[np.generic]:
    """Participant t of a trial takes the next entry of its own stratum's sequence.

    `per_stratum` has shape (trials, strata, length); `strata` (trials, participants) names each
    participant's stratum. Returns shape (trials, participants).
    """
    stratum_count = per_stratum.shape[1]
    one_hot = strata[..., None] == np.arange(stratum_count)
    position = (np.cumsum(one_hot, axis=1) - one_hot)[one_hot].reshape(strata.shape)
    trial = np.arange(strata.shape[0])[:, None]
    gathered: npt.NDArray[np.generic] = per_stratum[trial, strata, position]
    return gathered


def list_draws(
    rng: np.random.Generator,
    *,
    strata: IntArray,
    stratum_count: int,
    shares: Sequence[int],
    block_sizes: Sequence[int] | None,
) -> Draws:
    """Permuted blocks (or, with `block_sizes` None, complete randomization), one sequence per stratum."""
    trials, participants = strata.shape
    rows = trials * stratum_count
    share_array = np.array(shares, dtype=np.float64)
    if block_sizes is None:
        arms = complete_randomization(rng, rows, participants, share_array)
        determined = np.zeros(arms.shape, dtype=np.bool_)
    else:
        arms = permuted_blocks(rng, rows, participants, shares, block_sizes)
        determined = determined_for_observer(arms, shares, block_sizes)
    scores = convergence_scores(arms, share_array)
    shape = (trials, stratum_count, participants)
    return Draws(
        arms=gather_strata(arms.reshape(shape), strata).astype(np.int64),
        guess_scores=gather_strata(scores.reshape(shape), strata).astype(np.float64),
        determined=gather_strata(determined.reshape(shape), strata).astype(np.bool_),
    )


@dataclass(frozen=True)
class MinimizationPlan:
    """Minimization settings as arrays: factor weights and the measure, the ratio, the probability."""

    weights: Sequence[float]
    level_counts: Sequence[int]
    shares: Sequence[int]
    probability: float
    variance: bool


def minimization_draws(rng: np.random.Generator, plan: MinimizationPlan, levels: IntArray) -> Draws:
    """Pocock-Simon minimization as in `minimization.minimize`, for every trial at once.

    `levels` has shape (trials, participants, factors). The guesser knows the factors and guesses the
    preferred arm (the convergence strategy measured by minimization's own score); a tie is guessed at
    random weighted by the ratio. An allocation is determined when the probability is 1 and one arm is
    preferred.
    """
    trials, participants, factor_count = levels.shape
    arm_count = len(plan.shares)
    shares = np.array(plan.shares, dtype=np.float64)
    weights = np.array(plan.weights, dtype=np.float64)
    counts = np.zeros((trials, factor_count, max(plan.level_counts), arm_count), dtype=np.float64)
    arms = np.zeros((trials, participants), dtype=np.int64)
    scores = np.zeros((trials, participants), dtype=np.float64)
    determined = np.zeros((trials, participants), dtype=np.bool_)
    trial = np.arange(trials)[:, None]
    factor = np.arange(factor_count)[None, :]
    candidate = np.eye(arm_count)
    for t in range(participants):
        here = counts[trial, factor, levels[:, t, :]]  # (trials, factors, arms)
        trial_counts = (here[:, :, None, :] + candidate[None, None, :, :]) / shares
        if plan.variance:
            imbalance = trial_counts.var(axis=3)
        else:
            imbalance = trial_counts.max(axis=3) - trial_counts.min(axis=3)
        score = np.einsum("tfk,f->tk", imbalance, weights)
        lowest = score.min(axis=1, keepdims=True)
        tied = np.abs(score - lowest) <= TIE * np.maximum(1.0, np.maximum(np.abs(score), np.abs(lowest)))
        preferred = _weighted_pick(rng, np.where(tied, shares, 0.0))
        others = np.where(np.arange(arm_count) == preferred[:, None], 0.0, shares)
        follow = rng.random(trials) < plan.probability
        arm = np.where(follow, preferred, _weighted_pick(rng, others)) if plan.probability < 1 else preferred
        tie_weight = np.where(tied, shares, 0.0)
        scores[:, t] = tie_weight[np.arange(trials), arm] / tie_weight.sum(axis=1)
        determined[:, t] = (plan.probability >= 1) & (tied.sum(axis=1) == 1)
        arms[:, t] = arm
        counts[trial, factor, levels[:, t, :], arm[:, None]] += 1
    return Draws(arms=arms, guess_scores=scores, determined=determined)


def _weighted_pick(rng: np.random.Generator, weights: FloatArray) -> IntArray:
    """One column per row, with probability proportional to the row's weights."""
    cumulative = np.cumsum(weights, axis=1)
    point = rng.random(len(weights)) * cumulative[:, -1]
    picked: IntArray = (point[:, None] >= cumulative).sum(axis=1).astype(np.int64)
    clipped: IntArray = np.minimum(picked, weights.shape[1] - 1)
    return clipped
