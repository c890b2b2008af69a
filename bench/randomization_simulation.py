"""Design simulation benchmark: 100,000 simulated trials of the seed design, against two baselines.

    python -m bench.randomization_simulation [--trials 100000] [--baseline-trials 200]
                                             [--effect-sizes 0.8,1.0,1.5] [--seed 18] [--json]

It times the whole report the page and the command make (`core.randomization.simulation.simulate`:
allocations, guesses, determined allocations, imbalance, and the t and Wilcoxon tests at effect size 0
and each effect size) for the seed protocol's design, and in the same run:

* the same number of trials of complete randomization through the same code (the cheapest design: the
  ratio says what the block machinery and the observer's bookkeeping cost);
* a naive pure-Python loop over `--baseline-trials` trials (the core's `generate_list`, a loop for the
  guesses and imbalance, scipy's `ttest_ind` and `mannwhitneyu` per trial), scaled to the same number of
  trials (the ratio is the speed-up of vectorizing).

No database is used. The goal is under 10 s for 100,000 trials on the 2-core test machine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from trialdesk.core.randomization import generate_list
from trialdesk.core.randomization.simulation import complete_randomization, simulate
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.randomization import RandomizationDesign

GOAL_SECONDS = 10.0


@dataclass(frozen=True)
class SimulationBenchResult:
    design: str
    trials: int
    seconds: float
    cpu_seconds: float
    """CPU time of the design run: on a shared machine the wall time also counts other processes' turns."""
    complete_randomization_seconds: float
    naive_trials: int
    naive_seconds: float
    correct_guesses: float
    """A check that the run did the work: about 14.17 for the seed design."""

    @property
    def trials_per_second(self) -> float:
        return self.trials / self.seconds

    @property
    def ratio_to_complete_randomization(self) -> float:
        return self.seconds / self.complete_randomization_seconds

    @property
    def naive_seconds_scaled(self) -> float:
        return self.naive_seconds * self.trials / self.naive_trials

    @property
    def speed_up_over_naive_loop(self) -> float:
        return self.naive_seconds_scaled / self.seconds

    @property
    def within_goal(self) -> bool:
        return self.trials < 100_000 or self.seconds < GOAL_SECONDS

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "trials_per_second": self.trials_per_second,
            "ratio_to_complete_randomization": self.ratio_to_complete_randomization,
            "naive_seconds_scaled": self.naive_seconds_scaled,
            "speed_up_over_naive_loop": self.speed_up_over_naive_loop,
            "goal_seconds": GOAL_SECONDS,
            "within_goal": self.within_goal,
        }


def run_benchmark(
    *, trials: int, baseline_trials: int, effect_sizes: tuple[float, ...], seed: int
) -> SimulationBenchResult:
    protocol = load_protocol(default_study_path())
    design = protocol.randomization
    assert design is not None
    arms = [arm.id for arm in protocol.arms]
    participants = protocol.design.target_sample_size

    def timed(scheme: Any) -> tuple[float, float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        report = simulate(
            scheme,
            arms,
            participants=participants,
            trials=trials,
            rng=np.random.default_rng(seed),
            effect_sizes=effect_sizes,
        )
        return time.perf_counter() - started, time.process_time() - cpu, report.correct_guesses.value

    seconds, cpu_seconds, guesses = timed(design)
    complete_seconds, _, _ = timed(complete_randomization(design))
    started = time.perf_counter()
    naive_loop(design, arms, participants, baseline_trials, effect_sizes, random.Random(seed))
    naive_seconds = time.perf_counter() - started
    return SimulationBenchResult(
        design=f"{protocol.id}: {design.ratio_text}, block sizes {design.block_sizes}",
        trials=trials,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        complete_randomization_seconds=complete_seconds,
        naive_trials=baseline_trials,
        naive_seconds=naive_seconds,
        correct_guesses=guesses,
    )


def naive_loop(
    design: RandomizationDesign,
    arms: list[str],
    participants: int,
    trials: int,
    effect_sizes: tuple[float, ...],
    rng: random.Random,
) -> float:
    """The same figures one trial at a time in plain Python (returns the mean correct guesses)."""
    total_guesses = 0.0
    for _ in range(trials):
        sequence = [slot.arm for slot in generate_list(design, arms, ["all"], rng).slots[:participants]]
        counts = dict.fromkeys(arms, 0)
        worst = 0
        for arm in sequence:
            fewest = min(counts.values())
            tied = [a for a in arms if counts[a] == fewest]
            total_guesses += 1 / len(tied) if arm in tied else 0.0
            counts[arm] += 1
            worst = max(worst, max(counts.values()) - min(counts.values()))
        for effect in (0.0, *effect_sizes):
            first = [rng.gauss(effect, 1) for _ in range(counts[arms[0]])]
            second = [rng.gauss(0, 1) for _ in range(counts[arms[1]])]
            stats.ttest_ind(first, second)
            stats.mannwhitneyu(first, second)
    return total_guesses / trials


def report(result: SimulationBenchResult) -> str:
    lines = [
        f"design simulation: {result.design}",
        f"  {result.trials} simulated trials of the design, full report: {result.seconds:.2f} s "
        f"(CPU {result.cpu_seconds:.2f} s; {result.trials_per_second:,.0f} trials/s; goal < {GOAL_SECONDS:g} s for 100,000: "
        + ("met" if result.within_goal else "NOT MET")
        + ")",
        f"  complete randomization, same trials and code: {result.complete_randomization_seconds:.2f} s "
        f"(ratio {result.ratio_to_complete_randomization:.2f})",
        f"  naive Python loop, {result.naive_trials} trials: {result.naive_seconds:.2f} s, scaled to "
        f"{result.trials}: {result.naive_seconds_scaled:.1f} s (vectorized is {result.speed_up_over_naive_loop:.0f}x faster)",
        f"  check: expected correct guesses {result.correct_guesses:.3f} (exact 14.167 for blocks of 4 over 20)",
    ]
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None = None, *, lenient: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.randomization_simulation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--trials", type=_positive, default=100_000)
    parser.add_argument("--baseline-trials", type=_positive, default=200, help="trials of the naive loop")
    parser.add_argument("--effect-sizes", type=_effects, default=(0.8, 1.0, 1.5))
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    if lenient:  # under `python -m bench`, options meant for another benchmark are not ours to refuse
        return parser.parse_known_args(argv)[0]
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _effects(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None, *, lenient: bool = False) -> int:
    args = parse_arguments(argv, lenient=lenient)
    result = run_benchmark(
        trials=args.trials,
        baseline_trials=args.baseline_trials,
        effect_sizes=args.effect_sizes,
        seed=args.seed,
    )
    print(report(result), flush=True)
    if args.json:
        print(json.dumps({"benchmark": "randomization_simulation", "result": result.as_json()}, indent=2))
    return 0  # speed is reported, not asserted


def main_within_all(argv: list[str] | None = None) -> int:
    """The entry `python -m bench` uses: options of the other benchmarks are ignored."""
    return main(argv, lenient=True)


if __name__ == "__main__":
    sys.exit(main())
