"""Binary outcomes: Clopper-Pearson proportions, Newcombe's hybrid score risk difference, Fisher, Boschloo."""

from __future__ import annotations

import math

from scipy import stats

from trialdesk.analysis.statistics.results import Comparison, Proportion, TestResult

NEWCOMBE = (
    "Risk difference with Newcombe's hybrid score interval (Wilson limits per arm; Newcombe 1998, method 10)"
)
FISHER = "Fisher's exact test, two-sided (tables no more probable than the observed)"
BOSCHLOO = "Boschloo's exact unconditional test, two-sided (scipy.stats.boschloo_exact)"
BOSCHLOO_MAX_ARM = 100
"""Above this many per arm Boschloo's test is not computed (its cost grows with the product of the arm sizes,
and Fisher's test and the Newcombe interval are adequate there)."""


def clopper_pearson(count: int, total: int, level: float = 0.95) -> Proportion:
    """count/total with the exact binomial interval from the beta quantiles."""
    if total == 0:
        return Proportion(count, total, None, None, None, level)
    alpha = 1 - level
    low = 0.0 if count == 0 else float(stats.beta.ppf(alpha / 2, count, total - count + 1))
    high = 1.0 if count == total else float(stats.beta.ppf(1 - alpha / 2, count + 1, total - count))
    return Proportion(count, total, count / total, low, high, level)


def wilson(count: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of count/total (closed form)."""
    z = float(stats.norm.isf((1 - level) / 2))
    p = count / total
    centre = (2 * total * p + z * z) / (2 * (total + z * z))
    half = z * math.sqrt(z * z + 4 * total * p * (1 - p)) / (2 * (total + z * z))
    return centre - half, centre + half


def risk_difference(
    count_first: int, total_first: int, count_second: int, total_second: int, level: float = 0.95
) -> Comparison:
    """p1 - p2 with Newcombe's hybrid score interval; the p-value is Fisher's exact test's."""
    if total_first == 0 or total_second == 0:
        return Comparison(
            NEWCOMBE, None, None, None, None, level, total_first, total_second, note="an arm is empty"
        )
    p1, p2 = count_first / total_first, count_second / total_second
    l1, u1 = wilson(count_first, total_first, level)
    l2, u2 = wilson(count_second, total_second, level)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    p_value = fisher(count_first, total_first, count_second, total_second).p_value
    return Comparison(
        NEWCOMBE, difference, low, high, p_value, level, total_first, total_second, note="p: Fisher's exact"
    )


def _table(count_first: int, total_first: int, count_second: int, total_second: int) -> list[list[int]]:
    """Arms as columns: scipy's Boschloo takes each column as an independent binomial sample."""
    return [[count_first, count_second], [total_first - count_first, total_second - count_second]]


def fisher(count_first: int, total_first: int, count_second: int, total_second: int) -> TestResult:
    odds, p_value = stats.fisher_exact(_table(count_first, total_first, count_second, total_second))
    return TestResult(FISHER, float(p_value), float(odds))


def boschloo(count_first: int, total_first: int, count_second: int, total_second: int) -> TestResult:
    """Boschloo's test maximises over the nuisance proportion on scipy's default grid (32 points + refine)."""
    if total_first == 0 or total_second == 0:
        return TestResult(BOSCHLOO, 1.0)
    if max(total_first, total_second) > BOSCHLOO_MAX_ARM:
        return TestResult(BOSCHLOO + f"; not computed above {BOSCHLOO_MAX_ARM} per arm", float("nan"))
    result = stats.boschloo_exact(
        _table(count_first, total_first, count_second, total_second), alternative="two-sided"
    )
    return TestResult(BOSCHLOO, float(min(result.pvalue, 1.0)), float(result.statistic))
