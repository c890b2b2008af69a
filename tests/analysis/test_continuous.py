"""Continuous statistics against independent computations: brute-force enumeration of every allocation of
the pooled values (n <= 10 per arm), scipy, numpy least squares; 1e-9 unless the method is iterative."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trialdesk.analysis.statistics import ancova, describe, hodges_lehmann, mixed_model, wilcoxon_rank_sum
from trialdesk.analysis.statistics.exact import doubled_midranks, subset_sum_counts

TOL = 1e-9


def _brute_rank_sum_p(x: list[float], y: list[float]) -> float:
    """Two-sided p by listing every way to choose len(x) of the pooled values (mid-ranks by scipy)."""
    pooled = x + y
    ranks = stats.rankdata(pooled)
    m = len(x)
    centre = m * (len(pooled) + 1) / 2
    observed = abs(ranks[:m].sum() - centre)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), m):
        total += 1
        if abs(ranks[list(chosen)].sum() - centre) >= observed - 1e-12:
            hits += 1
    return hits / total


def _brute_u_cdf(m: int, n: int) -> np.ndarray:
    counts = np.zeros(m * n + 1)
    for chosen in itertools.combinations(range(m + n), m):
        counts[sum(chosen) - m * (m - 1) // 2] += 1  # 0-based ranks: U = sum - m(m-1)/2
    return np.cumsum(counts) / comb(m + n, m)


def test_describe_matches_numpy_and_statistics() -> None:
    data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, float("nan")]
    summary = describe(data)
    clean = np.array([v for v in data if v == v])
    assert summary.n == 8
    assert summary.mean == pytest.approx(clean.mean(), abs=TOL)
    assert summary.sd == pytest.approx(float(pd.Series(clean).std()), abs=TOL)
    assert (summary.q1, summary.median, summary.q3) == pytest.approx(
        tuple(pd.Series(clean).quantile([0.25, 0.5, 0.75])), abs=TOL
    )
    assert (summary.minimum, summary.maximum) == (1.0, 9.0)
    assert describe([]).n == 0 and describe([]).mean is None


def test_subset_counts_equal_enumeration() -> None:
    weights = doubled_midranks([1, 2, 2, 3, 5, 5, 5, 8])
    counts = subset_sum_counts(weights, 3)
    listed = np.zeros_like(counts)
    for chosen in itertools.combinations(weights, 3):
        listed[sum(chosen)] += 1
    assert (counts == listed).all()


@pytest.mark.parametrize("seed", range(6))
def test_exact_wilcoxon_with_ties_equals_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 9)), int(rng.integers(3, 9))
    x = [float(v) for v in rng.integers(0, 6, m)]  # few distinct values: many ties
    y = [float(v) for v in rng.integers(1, 7, n)]
    result = wilcoxon_rank_sum(x, y)
    assert "exact" in result.method and "mid-ranks" in result.method
    assert result.p_value == pytest.approx(_brute_rank_sum_p(x, y), abs=TOL)


def test_exact_wilcoxon_without_ties_equals_scipy() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1, 10).tolist(), rng.normal(1, 1, 10).tolist()
    expected = stats.mannwhitneyu(x, y, alternative="two-sided", method="exact").pvalue
    assert wilcoxon_rank_sum(x, y).p_value == pytest.approx(expected, abs=TOL)


@pytest.mark.parametrize(("m", "n"), [(10, 10), (7, 9), (5, 4)])
def test_hodges_lehmann_interval_is_the_brute_force_order_statistics(m: int, n: int) -> None:
    rng = np.random.default_rng(m * 100 + n)
    x, y = rng.normal(2, 1, m), rng.normal(0, 1, n)
    result = hodges_lehmann(x.tolist(), y.tolist())
    differences = np.sort(np.subtract.outer(x, y).ravel())
    cdf = _brute_u_cdf(m, n)
    k = int((cdf <= 0.025 + 1e-15).sum())
    assert result.estimate == pytest.approx(float(np.median(differences)), abs=TOL)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (differences[k - 1], differences[m * n - k]), abs=TOL
    )
    assert result.note == f"achieved confidence {1 - 2 * cdf[k - 1]:.4f}"


def test_hodges_lehmann_too_small_for_an_interval() -> None:
    result = hodges_lehmann([1.0, 2.0], [3.0, 4.0])
    assert result.ci_low is None and "too few" in result.note


def test_large_samples_use_the_normal_approximation() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 1, 40), rng.normal(0.5, 1, 40)
    result = hodges_lehmann(x.tolist(), y.tolist())
    assert (
        "normal" in result.method
        and result.ci_low is not None
        and result.ci_low < result.estimate < result.ci_high
    )
    expected = stats.mannwhitneyu(
        x, y, alternative="two-sided", method="asymptotic", use_continuity=True
    ).pvalue
    assert wilcoxon_rank_sum(x.tolist(), y.tolist()).p_value == pytest.approx(expected, abs=TOL)


def test_ancova_equals_least_squares_by_hand() -> None:
    rng = np.random.default_rng(7)
    arm = np.array([True] * 10 + [False] * 10)
    baseline = rng.normal(100, 15, 20)
    change = -8 * arm + 0.3 * (baseline - 100) + rng.normal(0, 5, 20)
    result = ancova(change.tolist(), baseline.tolist(), arm.tolist())
    design = np.column_stack([np.ones(20), arm.astype(float), baseline])
    beta, residual, _, _ = np.linalg.lstsq(design, change, rcond=None)
    sigma2 = residual[0] / (20 - 3)
    se = np.sqrt(sigma2 * np.linalg.inv(design.T @ design)[1, 1])
    t = stats.t.ppf(0.975, 17)
    assert result.estimate == pytest.approx(beta[1], abs=TOL)
    assert (result.ci_low, result.ci_high) == pytest.approx((beta[1] - t * se, beta[1] + t * se), abs=TOL)
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(beta[1] / se), 17), abs=TOL)
    assert result.method.startswith("ANCOVA")


def test_mixed_model_on_complete_balanced_data_equals_ols() -> None:
    """With every participant at every visit and only participant-level covariates besides visit, the
    generalized least-squares estimate equals OLS whatever the variances (Zyskind's condition), so the
    MixedLM arm effect must equal the OLS one; the optimizer is iterative, hence 1e-6."""
    rng = np.random.default_rng(11)
    rows = []
    for person in range(20):
        first, baseline, own = person < 10, rng.normal(100, 10), rng.normal(0, 4)
        for visit in ("week_7", "week_14", "week_21", "week_28"):
            rows.append((f"P{person}", first, visit, baseline, -6 * first + own + rng.normal(0, 3)))
    long = pd.DataFrame(rows, columns=["participant", "first_arm", "visit", "baseline", "change"])
    result = mixed_model(long)
    visits = pd.get_dummies(long["visit"], drop_first=True).to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(long)), long["first_arm"].astype(float), long["baseline"], visits])
    beta = np.linalg.lstsq(design, long["change"].to_numpy(), rcond=None)[0]
    assert result.converged is True
    assert result.estimate == pytest.approx(beta[1], abs=1e-6)
    assert result.ci_low < result.estimate < result.ci_high
