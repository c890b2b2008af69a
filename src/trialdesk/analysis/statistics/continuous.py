"""Continuous outcomes: description, Hodges-Lehmann shift with exact CI, exact Wilcoxon, ANCOVA, mixed model.

Every comparison is "first group minus second" (in the report: exosome minus control).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from math import comb

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from trialdesk.analysis.statistics.exact import MAX_EXACT_TOTAL, doubled_midranks, subset_sum_counts
from trialdesk.analysis.statistics.results import Comparison, Summary

HL_EXACT = "Hodges-Lehmann shift; exact CI from the Wilcoxon (Mann-Whitney U) null distribution"
HL_NORMAL = "Hodges-Lehmann shift; CI from the normal approximation to Mann-Whitney U"
WILCOXON_EXACT = "Wilcoxon rank-sum, exact permutation distribution of mid-ranks (ties kept), two-sided"
WILCOXON_NORMAL = "Wilcoxon rank-sum, normal approximation with tie-corrected variance, two-sided"
ANCOVA = "ANCOVA (OLS): change from baseline ~ arm + baseline; t-based CI"
MIXED = (
    "Linear mixed model (statsmodels MixedLM, REML): change ~ arm + baseline + visit, random intercept "
    "per participant; arm effect common to the post-baseline visits"
)


Values = Sequence[float] | npt.NDArray[np.float64]
"""Observations of one group; NaN marks a missing value."""


def _clean(values: Values) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    return np.asarray(array[~np.isnan(array)], dtype=np.float64)


def describe(values: Values) -> Summary:
    """n, mean, SD (n-1), median, quartiles, min and max of the non-missing values."""
    data = _clean(values)
    if data.size == 0:
        return Summary(0, None, None, None, None, None, None, None)
    q1, median, q3 = (float(q) for q in np.percentile(data, [25, 50, 75]))
    sd = float(np.std(data, ddof=1)) if data.size > 1 else None
    return Summary(
        int(data.size), float(data.mean()), sd, median, q1, q3, float(data.min()), float(data.max())
    )


def wilcoxon_rank_sum(first: Values, second: Values) -> Comparison:
    """Two-sided Wilcoxon rank-sum p. Ties get mid-ranks; up to 60 values the p-value is exact under the
    permutation distribution of those mid-ranks (conditional on the ties), above that normal."""
    x, y = _clean(first), _clean(second)
    m, n = x.size, y.size
    if m == 0 or n == 0:
        return Comparison(WILCOXON_EXACT, None, None, None, None, 0.95, m, n, note="a group has no values")
    ranks = doubled_midranks([*x.tolist(), *y.tolist()])
    observed = sum(ranks[:m])
    centre = m * (m + n + 1)  # doubled expected rank sum
    if m + n <= MAX_EXACT_TOTAL:
        counts = subset_sum_counts(ranks, m)
        sums = np.arange(counts.size)
        extreme = int(counts[np.abs(sums - centre) >= abs(observed - centre)].sum())
        return Comparison(WILCOXON_EXACT, None, None, None, extreme / comb(m + n, m), 0.95, m, n)
    _, tie_counts = np.unique(np.concatenate([x, y]), return_counts=True)
    total = m + n
    variance = m * n / 12 * (total + 1 - float((tie_counts**3 - tie_counts).sum()) / (total * (total - 1)))
    z = max(abs(observed - centre) / 2 - 0.5, 0) / math.sqrt(variance) if variance > 0 else 0.0
    return Comparison(WILCOXON_NORMAL, None, None, None, float(2 * stats.norm.sf(z)), 0.95, m, n)


def hodges_lehmann(first: Values, second: Values, level: float = 0.95) -> Comparison:
    """Median of all pairwise differences first - second, with the distribution-free CI [D(k), D(mn+1-k)].

    k is the largest integer with P(U <= k-1) <= (1-level)/2 under the untied exact null distribution of
    Mann-Whitney U (exact up to 60 values; normal above). The p-value is the exact Wilcoxon test's.
    """
    x, y = _clean(first), _clean(second)
    m, n = x.size, y.size
    if m == 0 or n == 0:
        return Comparison(HL_EXACT, None, None, None, None, level, m, n, note="a group has no values")
    differences = np.sort(np.subtract.outer(x, y).ravel())
    estimate = float(np.median(differences))
    half_alpha = (1 - level) / 2
    exact = m + n <= MAX_EXACT_TOTAL
    if exact:
        counts = subset_sum_counts(list(range(1, m + n + 1)), m)[m * (m + 1) // 2 :]  # index = U
        cdf = np.cumsum(counts) / comb(m + n, m)
        k = int(np.searchsorted(cdf, half_alpha, side="right"))  # number of U values with cdf <= alpha/2
        achieved = 1 - 2 * float(cdf[k - 1]) if k > 0 else 1.0
    else:
        z = stats.norm.isf(half_alpha)
        k = int(math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12)))
        achieved = level
    p_value = wilcoxon_rank_sum(x, y).p_value
    method = HL_EXACT if exact else HL_NORMAL
    if k < 1:
        note = "too few values for a finite interval at this level"
        return Comparison(method, estimate, None, None, p_value, level, m, n, note=note)
    low, high = float(differences[k - 1]), float(differences[m * n - k])
    note = f"achieved confidence {achieved:.4f}" if exact else ""
    return Comparison(method, estimate, low, high, p_value, level, m, n, note=note)


def ancova(
    change: Sequence[float], baseline: Sequence[float], first_arm: Sequence[bool], level: float = 0.95
) -> Comparison:
    """The arm coefficient of OLS change ~ 1 + first_arm + baseline, on complete rows."""
    import statsmodels.api as sm

    frame = pd.DataFrame({"change": change, "baseline": baseline, "arm": np.asarray(first_arm, dtype=float)})
    frame = frame.dropna()
    m, n = int(frame["arm"].sum()), int((1 - frame["arm"]).sum())
    if m < 1 or n < 1 or len(frame) < 4:
        return Comparison(ANCOVA, None, None, None, None, level, m, n, note="too few complete values")
    design = sm.add_constant(frame[["arm", "baseline"]].to_numpy(), has_constant="add")
    fit = sm.OLS(frame["change"].to_numpy(), design).fit()
    low, high = (float(v) for v in fit.conf_int(alpha=1 - level)[1])
    return Comparison(ANCOVA, float(fit.params[1]), low, high, float(fit.pvalues[1]), level, m, n)


def mixed_model(long: pd.DataFrame, level: float = 0.95) -> Comparison:
    """Sensitivity model over visits. `long` has columns participant, first_arm (bool), visit, baseline,
    change (post-baseline rows only). Convergence and any optimizer warnings are reported, never raised."""
    import statsmodels.formula.api as smf

    data = long.dropna(subset=["change", "baseline"]).assign(arm=lambda f: f["first_arm"].astype(float))
    m = int(data.loc[data["arm"] == 1, "participant"].nunique())
    n = int(data.loc[data["arm"] == 0, "participant"].nunique())
    if m < 2 or n < 2:
        return Comparison(
            MIXED, None, None, None, None, level, m, n, converged=False, note="too few participants"
        )
    formula = (
        "change ~ arm + baseline + C(visit)" if data["visit"].nunique() > 1 else "change ~ arm + baseline"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = smf.mixedlm(formula, data, groups=data["participant"]).fit(reml=True, method=["lbfgs"])
        except (np.linalg.LinAlgError, ValueError) as error:
            return Comparison(MIXED, None, None, None, None, level, m, n, converged=False, note=str(error))
    low, high = (float(v) for v in fit.conf_int(alpha=1 - level).loc["arm"])
    messages = sorted({str(w.message).splitlines()[0] for w in caught})
    return Comparison(
        MIXED,
        float(fit.fe_params["arm"]),
        low,
        high,
        float(fit.pvalues["arm"]),
        level,
        m,
        n,
        converged=bool(fit.converged) and not messages,
        note="; ".join(messages),
    )
