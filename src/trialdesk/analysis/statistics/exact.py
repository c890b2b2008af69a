"""Exact permutation distributions by counting subsets, in integers (no floating error in the counts).

`subset_sum_counts(weights, m)[s]` is the number of m-element subsets of `weights` summing to s. With
weights 1..N it is the null distribution of the Wilcoxon rank sum without ties (and so of Mann-Whitney U);
with doubled mid-ranks it is the exact permutation distribution under the observed ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb

import numpy as np
import numpy.typing as npt

MAX_EXACT_TOTAL = 60
"""Above this many observations the counts could overflow int64 (C(62, 31) > 2**63); callers approximate."""


def subset_sum_counts(weights: Sequence[int], m: int) -> npt.NDArray[np.int64]:
    """Counts of m-subsets of the non-negative integer `weights` by their sum (index = sum)."""
    if len(weights) > MAX_EXACT_TOTAL:
        raise ValueError(f"exact counting is limited to {MAX_EXACT_TOTAL} observations")
    total = int(sum(weights))
    table = np.zeros((m + 1, total + 1), dtype=np.int64)
    table[0, 0] = 1
    for weight in weights:
        # Go down in k so that each weight is used at most once.
        for k in range(min(m, len(weights)), 0, -1):
            table[k, weight:] += table[k - 1, : total + 1 - weight]
    counts: npt.NDArray[np.int64] = np.asarray(table[m], dtype=np.int64)
    assert int(counts.sum()) == comb(len(weights), m)
    return counts


def doubled_midranks(values: Sequence[float]) -> list[int]:
    """Mid-ranks (1-based, ties averaged) times two, so that they are integers."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    doubled = [0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            doubled[order[position]] = start + end + 2  # (start+1 + end+1) = twice the mid-rank
        start = end + 1
    return doubled
