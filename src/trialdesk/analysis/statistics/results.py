"""Result objects of the statistics: plain frozen data, each naming the method that produced it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of one group; quartiles by linear interpolation (numpy's default, R type 7)."""

    n: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None
    method: str = "n, mean (SD, n-1 divisor), median (IQR, linear interpolation), min-max"


@dataclass(frozen=True)
class Comparison:
    """A between-arm comparison: estimate (first arm minus second), confidence interval and p-value."""

    method: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    confidence_level: float
    n_first: int
    n_second: int
    converged: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class Proportion:
    """A count out of a total with its Clopper-Pearson (exact binomial) interval."""

    count: int
    total: int
    proportion: float | None
    ci_low: float | None
    ci_high: float | None
    confidence_level: float
    method: str = "Clopper-Pearson exact binomial interval"


@dataclass(frozen=True)
class TestResult:
    """A test without an estimate (Fisher's, Boschloo's exact test)."""

    method: str
    p_value: float
    statistic: float | None = None
