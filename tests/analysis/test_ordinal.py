"""ANA titre as log2 dilution steps."""

from __future__ import annotations

import pytest

from trialdesk.analysis.statistics import change_in_steps, hodges_lehmann, shift_table, titre_step


def test_titre_codes_are_log2_steps() -> None:
    assert [titre_step(c) for c in ("negative", "1:40", "1:80", "1:160", "1:2560")] == [
        0.0,
        1.0,
        2.0,
        3.0,
        7.0,
    ]
    assert titre_step(None) is None and titre_step("1:20") is None and titre_step("weak") is None


def test_change_in_steps_is_the_hodges_lehmann_shift_of_the_changes() -> None:
    first, second = [-2.0, -1.0, -1.0, 0.0, -3.0, -2.0], [0.0, 1.0, 0.0, -1.0, 0.0, 0.0]
    result, reference = change_in_steps(first, second), hodges_lehmann(first, second)
    assert result.method.startswith("ANA titre in log2 dilution steps")
    assert (result.estimate, result.ci_low, result.ci_high, result.p_value) == pytest.approx(
        (reference.estimate, reference.ci_low, reference.ci_high, reference.p_value), abs=1e-12
    )


def test_shift_table_counts_pairs() -> None:
    table = shift_table(
        ["1:80", "1:80", "negative", None], ["1:40", "1:80", "1:40", "1:40"], ["negative", "1:40", "1:80"]
    )
    assert table[("1:80", "1:40")] == 1 and table[("1:80", "1:80")] == 1 and table[("negative", "1:40")] == 1
    assert sum(table.values()) == 3
