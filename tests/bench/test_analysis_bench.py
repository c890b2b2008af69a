"""The results-report benchmark works at a tiny size (structure only; no timing asserted)."""

from __future__ import annotations

import json

from bench.analysis import main, measure, report


def test_a_tiny_trial_is_measured_against_its_baseline(capsys: object) -> None:
    measurement = measure(8, seed=3)
    assert measurement.participants == 8
    assert measurement.baseline_seconds > 0 and measurement.report_seconds > 0
    assert measurement.report_peak_mb > 0 and measurement.baseline_peak_mb > 0
    assert set(measurement.phases) == {"datasets", "statistics", "tables", "figures"}
    assert measurement.tables > 20 and measurement.figures > 10
    assert "participants" in report([measurement])


def test_the_command_ignores_other_benchmarks_options_and_prints_json(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--sizes", "6", "--database", "sqlite", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out[out.index("[") :])
    assert data[0]["participants"] == 6
