"""Power and type I error of the primary comparison at the group sizes a design produces.

The comparison is between the first two arms of the ratio; outcomes are normal with standard deviation 1
and the effect size is the difference of means in standard deviations (Cohen's d).

* Two-sample t test (pooled variance, two-sided): exact, by scipy's noncentral t, for each pair of group
  sizes; a design's power is the average over its distribution of group sizes. Also simulated, as a check.
* Wilcoxon rank-sum (Mann-Whitney), two-sided: by simulation. The test is exact (the null distribution of
  the rank sum is counted) up to 50 participants in the two groups, beyond that the normal approximation
  with continuity correction, as scipy's `mannwhitneyu` does by default.

A comparison that cannot be made (fewer than 3 participants in the two groups, or an empty group) is
counted as not rejecting.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import stats

from trialdesk.core.randomization.simulation_draws import BoolArray, FloatArray, IntArray

EXACT_RANK_SUM_LIMIT = 50


def testable(first: int, second: int) -> bool:
    return first >= 1 and second >= 1 and first + second >= 3


@cache
def t_test_power(first: int, second: int, effect_size: float, alpha: float) -> float:
    """Power of the two-sided pooled t test with these group sizes (alpha itself at effect size 0)."""
    if not testable(first, second):
        return 0.0
    freedom = first + second - 2
    critical = stats.t.ppf(1 - alpha / 2, freedom)
    shift = effect_size * math.sqrt(first * second / (first + second))
    return float(stats.nct.sf(critical, freedom, shift) + stats.nct.cdf(-critical, freedom, shift))


@cache
def _rank_sum_rejects(first: int, second: int, alpha: float) -> BoolArray:
    """For each rank sum W of the first group (index W), whether the two-sided test rejects."""
    total = first + second
    smallest = first * (first + 1) // 2
    largest = smallest + first * second
    sums = np.arange(largest + 1)
    if total <= EXACT_RANK_SUM_LIMIT:
        ways = _rank_sum_counts(first, second)
        probability = ways / ways.sum()
        lower = np.cumsum(probability)
        upper = np.cumsum(probability[::-1])[::-1]
        p_value = np.minimum(1.0, 2 * np.minimum(lower, upper))
        rejects: BoolArray = np.zeros(largest + 1, dtype=np.bool_)
        rejects[smallest:] = p_value <= alpha + 1e-12
        return rejects
    mean = first * (total + 1) / 2
    spread = math.sqrt(first * second * (total + 1) / 12)
    z = (np.abs(sums - mean) - 0.5) / spread
    normal: BoolArray = (2 * stats.norm.sf(z) <= alpha) & (sums >= smallest)
    return normal


def _rank_sum_counts(first: int, second: int) -> npt.NDArray[np.float64]:
    """Number of ways to reach each rank sum W - min(W), from 0 to first * second (Mann-Whitney U)."""
    # ways[k][u]: subsets of size k among the ranks seen so far with U statistic u (the classic recursion).
    ways = np.zeros((first + 1, first * second + 1), dtype=np.float64)
    ways[0, 0] = 1.0
    for rank in range(1, first + second + 1):
        for k in range(min(rank, first), 0, -1):
            shift = rank - k  # U grows by the number of the other group's ranks below this one
            if shift <= second:
                ways[k, shift:] += ways[k - 1, : first * second + 1 - shift]
    counts: npt.NDArray[np.float64] = ways[first]
    return counts


def simulated_rejections(
    rng: np.random.Generator, sizes: IntArray, effect_size: float, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """One simulated data set per trial at its group sizes: (t test rejects, Wilcoxon rejects), 0 or 1."""
    t_rejects = np.zeros(len(sizes))
    w_rejects = np.zeros(len(sizes))
    width = int(sizes.max()) + 1
    codes = sizes[:, 0] * width + sizes[:, 1]
    for code in np.unique(codes).tolist():
        first, second = divmod(code, width)
        if not testable(first, second):
            continue
        rows = np.flatnonzero(codes == code)
        data = rng.standard_normal((len(rows), first + second))
        data[:, :first] += effect_size
        x, y = data[:, :first], data[:, first:]
        freedom = first + second - 2
        pooled = ((x.var(axis=1, ddof=0) * first) + (y.var(axis=1, ddof=0) * second)) / freedom
        t = (x.mean(axis=1) - y.mean(axis=1)) / np.sqrt(pooled * (1 / first + 1 / second))
        t_rejects[rows] = np.abs(t) > stats.t.ppf(1 - alpha / 2, freedom)
        in_first = np.argsort(data, axis=1) < first  # by rank: is this value from the first group?
        rank_sum = in_first @ np.arange(1, first + second + 1)
        w_rejects[rows] = _rank_sum_rejects(first, second, alpha)[rank_sum]
    return t_rejects, w_rejects
