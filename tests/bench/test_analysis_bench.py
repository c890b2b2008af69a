"""The results-report benchmark works at a tiny size (structure only; no timing asserted).

One run through the command (analysing even a tiny trial twice, timed and traced, takes tens of seconds),
checked both as the printed table and as JSON.
"""

from __future__ import annotations

import json

from bench.analysis import main


def test_the_command_measures_a_tiny_trial_against_its_baseline_and_ignores_other_options(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--sizes", "6", "--database", "sqlite", "--json"]) == 0
    out = capsys.readouterr().out
    assert "participants" in out[: out.index("[")]  # the table comes first
    (measurement,) = json.loads(out[out.index("[") :])
    assert measurement["participants"] == 6
    assert measurement["baseline_seconds"] > 0 and measurement["report_seconds"] > 0
    assert measurement["report_peak_mb"] > 0 and measurement["baseline_peak_mb"] > 0
    assert set(measurement["phases"]) == {"datasets", "statistics", "tables", "figures"}
    assert measurement["tables"] > 20 and measurement["figures"] > 10
