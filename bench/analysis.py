"""Results-report benchmark: time and peak memory of computing every table and figure of the results report
for simulated trials of 20 and 1,000 participants, beside a baseline measured in the same run.

    python -m bench.analysis [--sizes 20,1000] [--seed N] [--json]

Baseline: writing the input frames as CSV and Parquet (what merely loading/serializing the data costs).
Report: `trialdesk.analysis.results.analyse_trial` (datasets with SHA-256, statistics, CONSORT flow, tables,
figures), with its time per phase. Each is run twice: timed without tracing, then under tracemalloc for the
peak memory (Python and numpy allocations). No database is involved: the service that reads the database is
measured separately once it exists.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench.harness import format_table
from trialdesk.analysis.datasets import (
    ADVERSE_EVENTS,
    ASSESSMENTS,
    DOSES,
    PARTICIPANTS,
    SCREENING,
    dataset_files,
)
from trialdesk.analysis.results import AnalysisInputs, analyse_trial
from trialdesk.analysis.synthetic import simulate_trial
from trialdesk.protocol.loading import default_study_path, load_protocol


@dataclass(frozen=True)
class Measurement:
    participants: int
    baseline_seconds: float
    baseline_peak_mb: float
    report_seconds: float
    report_peak_mb: float
    phases: dict[str, float]
    tables: int
    figures: int

    @property
    def ratio(self) -> float:
        return self.report_seconds / self.baseline_seconds if self.baseline_seconds else float("inf")


def _measure(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """Time of one run without tracing (tracemalloc slows this Python-heavy work several times over), then
    tracemalloc's peak in MB over a second run."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak / 2**20


def measure(participants: int, seed: int = 13) -> Measurement:
    protocol = load_protocol(default_study_path())
    trial = simulate_trial(participants, seed=seed)
    inputs = AnalysisInputs(
        trial.participants, trial.screening, trial.assessments, trial.adverse_events, trial.doses
    )
    frames = (
        (trial.participants, PARTICIPANTS),
        (trial.screening, SCREENING),
        (trial.assessments, ASSESSMENTS),
        (trial.adverse_events, ADVERSE_EVENTS),
        (trial.doses, DOSES),
    )
    _, base_seconds, base_peak = _measure(lambda: [dataset_files(frame, spec) for frame, spec in frames])
    results, seconds, peak = _measure(lambda: analyse_trial(protocol, inputs))
    return Measurement(
        participants,
        base_seconds,
        base_peak,
        seconds,
        peak,
        dict(results.seconds),
        len(results.tables),
        len(results.figures),
    )


def report(measurements: list[Measurement]) -> str:
    header = (
        "participants",
        "baseline s",
        "baseline MB",
        "report s",
        "report MB",
        "x baseline",
        "datasets/statistics/tables/figures s",
    )
    rows = [
        (
            str(m.participants),
            f"{m.baseline_seconds:.2f}",
            f"{m.baseline_peak_mb:.1f}",
            f"{m.report_seconds:.2f}",
            f"{m.report_peak_mb:.1f}",
            f"{m.ratio:.0f}",
            " / ".join(
                f"{m.phases.get(p, 0.0):.2f}" for p in ("datasets", "statistics", "tables", "figures")
            ),
        )
        for m in measurements
    ]
    return format_table(header, rows)


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in text.split(","))
    if any(size < 4 for size in sizes):
        raise argparse.ArgumentTypeError("each size is at least 4 participants")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analysis", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=(20, 1000), help="comma-separated participant counts")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    arguments, _ = parser.parse_known_args(argv)  # `python -m bench` passes every benchmark the same options
    measurements = []
    for size in arguments.sizes:
        print(f"analysing a simulated trial of {size} participants ...", file=sys.stderr, flush=True)
        measurements.append(measure(size, arguments.seed))
    print(report(measurements))
    if arguments.json:
        print(json.dumps([{**asdict(m), "ratio": m.ratio} for m in measurements], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
