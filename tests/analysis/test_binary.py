"""Binary statistics against independent computations: scipy's binomtest interval, Newcombe's (1998) own
worked examples (published to 4 decimals), hypergeometric enumeration, a brute-force sup over the nuisance
proportion for Boschloo."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from scipy import optimize, stats

from trialdesk.analysis.statistics import boschloo, clopper_pearson, fisher, risk_difference
from trialdesk.analysis.statistics.binary import wilson

TOL = 1e-9


@pytest.mark.parametrize(("count", "total"), [(0, 10), (3, 10), (7, 9), (10, 10), (1, 20)])
def test_clopper_pearson_equals_scipy(count: int, total: int) -> None:
    result = clopper_pearson(count, total)
    expected = stats.binomtest(count, total).proportion_ci(0.95, method="exact")
    assert (result.ci_low, result.ci_high) == pytest.approx((expected.low, expected.high), abs=TOL)
    assert result.proportion == count / total and "Clopper-Pearson" in result.method


def test_wilson_equals_scipy() -> None:
    expected = stats.binomtest(56, 70).proportion_ci(0.95, method="wilson")
    assert wilson(56, 70) == pytest.approx((expected.low, expected.high), abs=TOL)


# Newcombe RG. Interval estimation for the difference between independent proportions: comparison of eleven
# methods. Stat Med 1998;17:873-890, Table II, method 10 (score interval, hybrid).
NEWCOMBE_1998 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_1998)
def test_newcombe_interval_reproduces_the_published_examples(
    counts: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    result = risk_difference(*counts)
    assert result.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3], abs=TOL)
    assert (result.ci_low, result.ci_high) == pytest.approx(published, abs=5e-5)  # published to 4 decimals


def _fisher_by_enumeration(a: int, n1: int, c: int, n2: int) -> float:
    successes, total = a + c, n1 + n2

    def probability(x: int) -> float:
        return comb(n1, x) * comb(n2, successes - x) / comb(total, successes)

    observed = probability(a)
    support = range(max(0, successes - n2), min(n1, successes) + 1)
    return sum(p for p in map(probability, support) if p <= observed * (1 + 1e-7))


@pytest.mark.parametrize("counts", [(7, 10, 2, 10), (1, 9, 5, 8), (0, 10, 0, 10), (10, 10, 3, 10)])
def test_fisher_equals_hypergeometric_enumeration(counts: tuple[int, int, int, int]) -> None:
    assert fisher(*counts).p_value == pytest.approx(_fisher_by_enumeration(*counts), abs=TOL)


def _boschloo_one_sided(a: int, n1: int, c: int, n2: int, alternative: str) -> float:
    """sup over pi of P(Fisher one-sided p <= observed), every table listed, pi on a fine grid then refined."""

    def fisher_p(x1: int, x2: int) -> float:
        return float(stats.fisher_exact([[x1, x2], [n1 - x1, n2 - x2]], alternative=alternative)[1])

    observed = fisher_p(a, c)
    tables = [(x1, x2) for x1 in range(n1 + 1) for x2 in range(n2 + 1)]
    chosen = np.array([t for t in tables if fisher_p(*t) <= observed * (1 + 1e-13)])

    def mass(pi: float) -> float:
        return float((stats.binom.pmf(chosen[:, 0], n1, pi) * stats.binom.pmf(chosen[:, 1], n2, pi)).sum())

    grid = np.linspace(0, 1, 2001)
    masses = (stats.binom.pmf(chosen[:, :1], n1, grid) * stats.binom.pmf(chosen[:, 1:], n2, grid)).sum(axis=0)
    best = int(np.argmax(masses))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, 2000)]
    refined = optimize.minimize_scalar(
        lambda pi: -mass(pi), bounds=(low, high), method="bounded", options={"xatol": 1e-12}
    )
    return max(mass(grid[best]), -refined.fun)


@pytest.mark.parametrize("counts", [(7, 10, 2, 10), (1, 9, 5, 8), (4, 6, 1, 7)])
def test_boschloo_equals_a_brute_force_supremum(counts: tuple[int, int, int, int]) -> None:
    """scipy maximises the nuisance proportion numerically, so agreement is to 1e-6, not 1e-9."""
    expected = min(
        1.0, 2 * min(_boschloo_one_sided(*counts, "less"), _boschloo_one_sided(*counts, "greater"))
    )
    result = boschloo(*counts)
    assert result.p_value == pytest.approx(expected, abs=1e-6)
    assert "Boschloo" in result.method
