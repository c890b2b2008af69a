"""The design simulation benchmark runs (tiny sizes; no timing asserted) and `python -m bench` can run it alone."""

from __future__ import annotations

import json

import pytest
from bench.__main__ import main as run_benchmarks
from bench.randomization_simulation import parse_arguments, report, run_benchmark


def test_benchmark_times_the_seed_design_against_both_baselines() -> None:
    result = run_benchmark(trials=2_000, baseline_trials=3, effect_sizes=(1.0,), seed=1)

    assert result.trials == 2_000 and result.naive_trials == 3
    assert result.seconds > 0 and result.complete_randomization_seconds > 0 and result.naive_seconds > 0
    assert result.ratio_to_complete_randomization == result.seconds / result.complete_randomization_seconds
    assert result.naive_seconds_scaled == pytest.approx(result.naive_seconds * 2_000 / 3)
    assert abs(result.correct_guesses - 85 / 6) < 0.1
    assert result.within_goal  # below 100,000 trials the goal does not apply
    data = json.loads(json.dumps(result.as_json()))
    assert {"seconds", "cpu_seconds", "ratio_to_complete_randomization", "speed_up_over_naive_loop"} <= set(
        data
    )
    printed = report(result)
    assert "2000 simulated trials" in printed and "complete randomization" in printed and "naive" in printed


def test_options_and_running_just_this_benchmark(capsys) -> None:
    args = parse_arguments(["--trials", "10", "--effect-sizes", "0.5,1", "--json"])
    assert (args.trials, args.effect_sizes, args.json) == (10, (0.5, 1.0), True)
    with pytest.raises(SystemExit):
        parse_arguments(["--trials", "0"])
    with pytest.raises(SystemExit):
        parse_arguments(["--database", "sqlite"])
    assert parse_arguments(["--database", "sqlite"], lenient=True).trials == 100_000

    assert (
        run_benchmarks(["randomization_simulation", "--trials", "300", "--baseline-trials", "2", "--json"])
        == 0
    )
    captured = capsys.readouterr()
    assert "== benchmark: randomization_simulation" in captured.err
    assert "== benchmark: randomization\n" not in captured.err  # the database benchmark did not run
    assert '"benchmark": "randomization_simulation"' in captured.out
