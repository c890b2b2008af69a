"""Ordinal ANA titre: dilution codes to log2 steps, shift tables and the between-arm change in steps."""

from __future__ import annotations

import math
from collections.abc import Sequence

from trialdesk.analysis.statistics.continuous import hodges_lehmann
from trialdesk.analysis.statistics.results import Comparison

LOG2_SHIFT = "ANA titre in log2 dilution steps; change from baseline compared by "


def titre_step(code: str | None, first_dilution: int = 40) -> float | None:
    """'negative' -> 0, '1:40' -> 1, '1:80' -> 2, ... (one step per doubling); None or unknown -> None.

    Negative is placed one step below the first screening dilution (an assumption in the plan)."""
    if code is None:
        return None
    if code == "negative":
        return 0.0
    if code.startswith("1:") and code[2:].isdigit() and int(code[2:]) >= first_dilution:
        return math.log2(int(code[2:]) / first_dilution) + 1
    return None


def change_in_steps(
    first_changes: Sequence[float], second_changes: Sequence[float], level: float = 0.95
) -> Comparison:
    """Between-arm shift in the change of log2 steps (Hodges-Lehmann, exact Wilcoxon with mid-ranks)."""
    result = hodges_lehmann(first_changes, second_changes, level)
    return Comparison(
        LOG2_SHIFT + result.method,
        result.estimate,
        result.ci_low,
        result.ci_high,
        result.p_value,
        level,
        result.n_first,
        result.n_second,
        note=result.note,
    )


def shift_table(
    baseline: Sequence[str | None], later: Sequence[str | None], categories: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Counts of (baseline category, later category) over participants with both."""
    table = {(b, a): 0 for b in categories for a in categories}
    for before, after in zip(baseline, later, strict=True):
        if before is not None and after is not None and (before, after) in table:
            table[(before, after)] += 1
    return table
