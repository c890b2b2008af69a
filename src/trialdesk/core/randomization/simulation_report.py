"""The figures of a design report, and the tally that builds them chunk by chunk.

Imbalance is measured in participants against the ratio: the largest minus the smallest arm count, each
divided by its share of the ratio in lowest terms (|n_A - n_B| for two arms at 1:1). Every simulated
figure carries its Monte Carlo standard error; an exact figure has `trials == 0` and errors of 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trialdesk.core.randomization.exact import ExactFigures
from trialdesk.core.randomization.power import t_test_power
from trialdesk.core.randomization.simulation_draws import FloatArray, IntArray


@dataclass(frozen=True)
class Estimate:
    value: float
    standard_error: float
    """Monte Carlo standard error (0 for an exact figure)."""


@dataclass(frozen=True)
class Distribution:
    """The distribution of a non-negative imbalance: (value, P(imbalance == value)), ascending."""

    probabilities: tuple[tuple[float, float], ...]
    trials: int

    def at_least(self, threshold: float) -> Estimate:
        """P(imbalance >= threshold)."""
        p = min(1.0, float(sum(prob for value, prob in self.probabilities if value >= threshold - 1e-9)))
        return Estimate(p, _proportion_error(p, self.trials))

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Every value above 0 the imbalance can take (in this simulation or enumeration)."""
        return tuple(value for value, _ in self.probabilities if value > 0)

    @property
    def mean(self) -> float:
        return sum(value * prob for value, prob in self.probabilities)

    def as_json(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "distribution": {_key(value): prob for value, prob in self.probabilities},
            "at_least": {_key(k): self.at_least(k).value for k in self.thresholds},
        }


@dataclass(frozen=True)
class PowerFigure:
    """Rejection rate of the primary comparison (first two arms) at one effect size (0: type I error)."""

    effect_size: float
    t_test_exact: Estimate
    """Noncentral t, averaged over the design's group sizes (its error is from simulating those sizes)."""
    t_test_simulated: Estimate | None
    wilcoxon_simulated: Estimate | None

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"effect_size": self.effect_size}
        for name in ("t_test_exact", "t_test_simulated", "wilcoxon_simulated"):
            value: Estimate | None = getattr(self, name)
            result[name] = value.value if value else None
            result[f"{name}_standard_error"] = value.standard_error if value else None
        return result


@dataclass(frozen=True)
class DesignReport:
    label: str
    arms: tuple[str, ...]
    participants: int
    trials: int
    """Simulated trials; 0 when every figure is exact (by enumeration)."""
    alpha: float
    final_imbalance: Distribution
    maximum_imbalance: Distribution
    """The largest imbalance at any moment of enrolment."""
    correct_guesses: Estimate
    """Expected number of correct guesses of the next arm by the convergence strategy."""
    determined: Estimate
    """Expected proportion of allocations that were certain from the earlier ones (see simulation_draws)."""
    group_sizes: tuple[tuple[tuple[int, ...], float], ...]
    """(arm counts in ratio order, probability)."""
    type_one_error: PowerFigure
    power: tuple[PowerFigure, ...]

    @property
    def not_balanced(self) -> Estimate:
        """P(the final counts are not exactly at the ratio)."""
        return self.final_imbalance.at_least(1e-6)

    @property
    def correct_guess_proportion(self) -> float:
        return self.correct_guesses.value / self.participants

    def as_json(self) -> dict[str, Any]:
        return {
            "design": self.label,
            "arms": list(self.arms),
            "participants": self.participants,
            "trials": self.trials,
            "exact": self.trials == 0,
            "alpha": self.alpha,
            "not_balanced": self.not_balanced.value,
            "not_balanced_standard_error": self.not_balanced.standard_error,
            "final_imbalance": self.final_imbalance.as_json(),
            "maximum_imbalance": self.maximum_imbalance.as_json(),
            "correct_guesses": self.correct_guesses.value,
            "correct_guesses_standard_error": self.correct_guesses.standard_error,
            "correct_guess_proportion": self.correct_guess_proportion,
            "determined_proportion": self.determined.value,
            "determined_proportion_standard_error": self.determined.standard_error,
            "group_sizes": [
                {"sizes": dict(zip(self.arms, sizes, strict=True)), "probability": p}
                for sizes, p in self.group_sizes
            ],
            "type_one_error": self.type_one_error.as_json(),
            "power": [figure.as_json() for figure in self.power],
        }


@dataclass
class Tally:
    """Running sums over simulated chunks (mutable; only `simulate` holds one)."""

    participants: int
    effect_sizes: tuple[float, ...]
    alpha: float
    trials: int = 0
    final: Counter[float] = field(default_factory=Counter)
    maximum: Counter[float] = field(default_factory=Counter)
    sizes: Counter[tuple[int, ...]] = field(default_factory=Counter)
    sums: dict[str, list[float]] = field(default_factory=dict)
    """name -> [sum, sum of squares]."""

    def add_balance(
        self,
        *,
        final: FloatArray,
        maximum: FloatArray,
        guesses: FloatArray,
        determined: FloatArray,
        counts: IntArray,
    ) -> None:
        self.trials += len(final)
        _count(self.final, final)
        _count(self.maximum, maximum)
        rows, times = np.unique(counts, axis=0, return_counts=True)
        self.sizes.update(dict(zip(map(tuple, rows.tolist()), times.tolist(), strict=True)))
        self._add("guesses", guesses)
        self._add("determined", determined)

    def add_rejections(self, effect: float, t_rejects: FloatArray, w_rejects: FloatArray) -> None:
        self._add(f"t {effect}", t_rejects)
        self._add(f"w {effect}", w_rejects)

    def _add(self, name: str, values: FloatArray) -> None:
        total = self.sums.setdefault(name, [0.0, 0.0])
        total[0] += float(values.sum())
        total[1] += float((values**2).sum())

    def _estimate(self, name: str) -> Estimate:
        total, squares = self.sums[name]
        mean = total / self.trials
        variance = max(squares / self.trials - mean**2, 0.0) * self.trials / max(self.trials - 1, 1)
        return Estimate(mean, math.sqrt(variance / self.trials))

    def report(self, *, label: str, arms: tuple[str, ...]) -> DesignReport:
        sizes = tuple((counts, n / self.trials) for counts, n in sorted(self.sizes.items()))

        def figure(effect: float) -> PowerFigure:
            return PowerFigure(
                effect_size=effect,
                t_test_exact=_expected_t_power(sizes, effect, self.alpha, self.trials),
                t_test_simulated=self._estimate(f"t {effect}"),
                wilcoxon_simulated=self._estimate(f"w {effect}"),
            )

        return DesignReport(
            label=label,
            arms=arms,
            participants=self.participants,
            trials=self.trials,
            alpha=self.alpha,
            final_imbalance=_distribution(self.final, self.trials),
            maximum_imbalance=_distribution(self.maximum, self.trials),
            correct_guesses=self._estimate("guesses"),
            determined=self._estimate("determined"),
            group_sizes=sizes,
            type_one_error=figure(0.0),
            power=tuple(figure(effect) for effect in self.effect_sizes),
        )


def report_from_exact(
    figures: ExactFigures,
    *,
    label: str,
    arms: tuple[str, ...],
    participants: int,
    effect_sizes: tuple[float, ...],
    alpha: float,
) -> DesignReport:
    sizes = tuple(sorted(figures.arm_sizes.items()))

    def figure(effect: float) -> PowerFigure:
        return PowerFigure(effect, _expected_t_power(sizes, effect, alpha, 0), None, None)

    return DesignReport(
        label=label,
        arms=arms,
        participants=participants,
        trials=0,
        alpha=alpha,
        final_imbalance=Distribution(_sorted(figures.final_imbalance), 0),
        maximum_imbalance=Distribution(_sorted(figures.maximum_imbalance), 0),
        correct_guesses=Estimate(figures.correct_guesses, 0.0),
        determined=Estimate(figures.determined_proportion, 0.0),
        group_sizes=sizes,
        type_one_error=figure(0.0),
        power=tuple(figure(effect) for effect in effect_sizes),
    )


def _expected_t_power(
    sizes: Sequence[tuple[tuple[int, ...], float]], effect: float, alpha: float, trials: int
) -> Estimate:
    powers = [(t_test_power(counts[0], counts[1], effect, alpha), p) for counts, p in sizes]
    mean = sum(power * p for power, p in powers)
    if not trials:
        return Estimate(mean, 0.0)
    variance = sum(p * (power - mean) ** 2 for power, p in powers)
    return Estimate(mean, math.sqrt(variance / trials))


def _count(counter: Counter[float], values: FloatArray) -> None:
    distinct, times = np.unique(values, return_counts=True)
    counter.update(dict(zip(distinct.tolist(), times.tolist(), strict=True)))


def _distribution(counter: Counter[float], trials: int) -> Distribution:
    return Distribution(tuple((value, n / trials) for value, n in sorted(counter.items())), trials)


def _sorted(probabilities: Any) -> tuple[tuple[float, float], ...]:
    return tuple((float(value), p) for value, p in sorted(probabilities.items()))


def _proportion_error(p: float, trials: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.0) / trials) if trials else 0.0


def _key(value: float) -> str:
    return f"{value:g}"


__all__ = ["DesignReport", "Distribution", "Estimate", "PowerFigure", "Tally", "report_from_exact"]
