"""What a randomization design does, simulated before the list is made: balance, predictability, power.

`simulate(scheme, arm_ids, participants=..., trials=..., rng=...)` runs many simulated trials of a design
(fixed or random block sizes, any ratio, strata, minimization, or complete randomization as the
baseline) with numpy, every trial at once, and returns a `DesignReport` of named figures (see
`simulation_report.py`). `exact_report` gives the same figures by enumeration where that is feasible.

Participants arrive one by one; each one's level of every factor (and site) is drawn independently with
the shares of the `Population` (equal shares unless given). For a stratified list the participant takes
the next slot of their stratum's own list; minimization sees every earlier participant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from trialdesk.core.randomization.exact import enumerate_design, reduced
from trialdesk.core.randomization.power import simulated_rejections
from trialdesk.core.randomization.simulation_draws import (
    Draws,
    IntArray,
    MinimizationPlan,
    list_draws,
    minimization_draws,
)
from trialdesk.core.randomization.simulation_report import (
    DesignReport,
    Tally,
    report_from_exact,
)
from trialdesk.errors import Problem, ProtocolError, ValidationFailed
from trialdesk.protocol.randomization import SITE_FACTOR, RandomizationDesign, check_against_arms

CHUNK_SLOTS = 400_000
"""Trials x participants x strata simulated at once (20,000 trials of 20 unstratified participants): bounds
memory to a few tens of MB whatever the trial size, without slowing numpy."""


@dataclass(frozen=True)
class CompleteRandomization:
    """Every participant drawn independently at the ratio: the baseline a design is compared with."""

    ratio: tuple[tuple[str, int], ...]


Scheme = RandomizationDesign | CompleteRandomization


@dataclass(frozen=True)
class Population:
    """Who arrives: factor id -> level -> share (a factor not named has equal shares), and the sites."""

    shares: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sites: tuple[str, ...] = ("site",)


def complete_randomization(design: RandomizationDesign) -> CompleteRandomization:
    return CompleteRandomization(ratio=tuple(design.ratio.items()))


def with_block_sizes(design: RandomizationDesign, block_sizes: Sequence[int]) -> RandomizationDesign:
    """The same list design (ratio, strata) with other block sizes; the list length rounded up to fit."""
    if design.method != "permuted_blocks":
        raise ProtocolError("Only a permuted-block design can be given other block sizes.")
    length = design.slots_per_stratum or (design.blocks_per_stratum or 1) * max(design.block_sizes)
    if len(block_sizes) == 1:
        length = -(-length // block_sizes[0]) * block_sizes[0]
    data = design.model_dump()
    data.update(block_sizes=list(block_sizes), slots_per_stratum=length, blocks_per_stratum=None)
    try:
        return RandomizationDesign.model_validate(data)
    except ValueError as error:
        raise ValidationFailed(
            "These block sizes do not fit the allocation ratio.", (Problem("block_sizes", str(error)),)
        ) from None


def standard_alternatives(design: RandomizationDesign) -> tuple[Scheme, ...]:
    """What a design is compared with: permuted blocks of random sizes 1, 2 and 3 times the ratio total
    (2, 4 or 6 for 1:1; unless the design is exactly that, or minimization), then complete randomization."""
    alternatives: list[Scheme] = []
    total = design.ratio_total
    varied = [total, 2 * total, 3 * total]
    if design.method == "permuted_blocks" and sorted(design.block_sizes) != varied:
        alternatives.append(with_block_sizes(design, varied))
    alternatives.append(complete_randomization(design))
    return tuple(alternatives)


def describe(scheme: Scheme) -> str:
    """'permuted blocks of 4', 'permuted blocks of 2, 4 or 6 (random)', 'complete randomization', ..."""
    if isinstance(scheme, CompleteRandomization):
        return "complete randomization"
    if scheme.method == "minimization":
        assert scheme.minimization is not None
        return f"minimization (probability {scheme.minimization.probability:g})"
    sizes = sorted(scheme.block_sizes)
    if len(sizes) == 1:
        text = f"permuted blocks of {sizes[0]}"
    else:
        text = "permuted blocks of " + ", ".join(map(str, sizes[:-1])) + f" or {sizes[-1]} (random)"
    strata = scheme.stratification_factor_ids
    return text + (f", stratified by {', '.join(strata)}" if strata else "")


def simulate(
    scheme: Scheme,
    arm_ids: Sequence[str],
    *,
    participants: int,
    trials: int,
    rng: np.random.Generator,
    effect_sizes: Sequence[float] = (),
    alpha: float = 0.05,
    population: Population | None = None,
) -> DesignReport:
    """Simulate `trials` trials of `participants` each (see the module docstring)."""
    ratio = _ratio(scheme, arm_ids)
    _check_numbers(participants=participants, trials=trials, alpha=alpha, effect_sizes=effect_sizes)
    people = population or Population()
    shares = [share for _, share in ratio]
    tally = Tally(participants=participants, effect_sizes=tuple(effect_sizes), alpha=alpha)
    done = 0
    while done < trials:
        size = min(trials - done, max(1, CHUNK_SLOTS // (participants * _stratum_count(scheme, people))))
        draws = _draw(scheme, rng, size, participants, people)
        counts = _tally_balance(tally, draws, shares)
        for effect in dict.fromkeys((0.0, *effect_sizes)):  # once each, even if 0 is asked for
            t_rejects, w_rejects = simulated_rejections(rng, counts[:, :2], effect, alpha)
            tally.add_rejections(effect, t_rejects, w_rejects)
        done += size
    return tally.report(label=describe(scheme), arms=tuple(arm for arm, _ in ratio))


def exact_report(
    scheme: Scheme,
    arm_ids: Sequence[str],
    *,
    participants: int,
    effect_sizes: Sequence[float] = (),
    alpha: float = 0.05,
) -> DesignReport:
    """The figures by enumeration: an unstratified list design or complete randomization (not minimization).

    Raises ValueError when the design cannot be enumerated (strata, minimization, too many states).
    """
    ratio = _ratio(scheme, arm_ids)
    _check_numbers(participants=participants, trials=1, alpha=alpha, effect_sizes=effect_sizes)
    if isinstance(scheme, CompleteRandomization):
        block_sizes = None
    elif scheme.method != "permuted_blocks" or scheme.stratification_factor_ids:
        raise ValueError("only an unstratified list design can be enumerated; simulate the others")
    else:
        block_sizes = sorted(scheme.block_sizes)
    figures = enumerate_design([share for _, share in ratio], block_sizes, participants)
    return report_from_exact(
        figures,
        label=describe(scheme),
        arms=tuple(arm for arm, _ in ratio),
        participants=participants,
        effect_sizes=tuple(effect_sizes),
        alpha=alpha,
    )


def _ratio(scheme: Scheme, arm_ids: Sequence[str]) -> tuple[tuple[str, int], ...]:
    if isinstance(scheme, CompleteRandomization):
        ratio = scheme.ratio
        problems = [Problem("ratio", f"'{arm}' is not an arm") for arm, _ in ratio if arm not in arm_ids]
    else:
        ratio = tuple(scheme.ratio.items())
        problems = check_against_arms(scheme, arm_ids)
    if len(ratio) < 2 or any(share <= 0 for _, share in ratio):
        problems.append(Problem("ratio", "at least two arms, each with a positive share"))
    if problems:
        raise ProtocolError("The allocation ratio does not match the protocol's arms.", tuple(problems))
    return ratio


def _check_numbers(*, participants: int, trials: int, alpha: float, effect_sizes: Sequence[float]) -> None:
    problems: list[Problem] = []
    if participants < 1:
        problems.append(Problem("participants", "must be at least 1"))
    if trials < 1:
        problems.append(Problem("trials", "must be at least 1"))
    if not 0 < alpha < 1:
        problems.append(Problem("alpha", "must be between 0 and 1"))
    if any(not math.isfinite(effect) for effect in effect_sizes):
        problems.append(Problem("effect_sizes", "must be finite numbers"))
    if problems:
        raise ValidationFailed("The simulation settings are not valid.", tuple(problems))


def _draw(
    scheme: Scheme, rng: np.random.Generator, trials: int, participants: int, population: Population
) -> Draws:
    if isinstance(scheme, CompleteRandomization):
        strata = np.zeros((trials, participants), dtype=np.int64)
        shares = [share for _, share in scheme.ratio]
        return list_draws(rng, strata=strata, stratum_count=1, shares=shares, block_sizes=None)
    if scheme.method == "minimization":
        return _draw_minimization(scheme, rng, trials, participants, population)
    factors = [(f.id, tuple(f.levels)) for f in scheme.strata]
    if scheme.stratify_by_site:
        factors.insert(0, (SITE_FACTOR, population.sites))
    strata = np.zeros((trials, participants), dtype=np.int64)
    for factor_id, levels in factors:  # the stratum index in mixed radix, the site first
        strata = strata * len(levels) + _levels(rng, population, factor_id, levels, trials, participants)
    stratum_count = math.prod(len(levels) for _, levels in factors)
    return list_draws(
        rng,
        strata=strata,
        stratum_count=stratum_count,
        shares=list(scheme.ratio.values()),
        block_sizes=scheme.block_sizes,
    )


def _draw_minimization(
    design: RandomizationDesign,
    rng: np.random.Generator,
    trials: int,
    participants: int,
    population: Population,
) -> Draws:
    settings = design.minimization
    assert settings is not None  # guaranteed by the design's validator
    factors = [(f.id, tuple(f.levels)) for f in settings.factors]
    weights = [f.weight for f in settings.factors]
    if settings.site_weight is not None:
        factors.append((SITE_FACTOR, population.sites))
        weights.append(settings.site_weight)
    plan = MinimizationPlan(
        weights=weights,
        level_counts=[len(levels) for _, levels in factors],
        shares=list(design.ratio.values()),
        probability=settings.probability,
        variance=settings.imbalance == "variance",
    )
    drawn = [_levels(rng, population, fid, levels, trials, participants) for fid, levels in factors]
    return minimization_draws(rng, plan, np.stack(drawn, axis=2))


def _stratum_count(scheme: Scheme, population: Population) -> int:
    if isinstance(scheme, CompleteRandomization) or scheme.method != "permuted_blocks":
        return 1
    sites = len(population.sites) if scheme.stratify_by_site else 1
    return sites * math.prod(len(factor.levels) for factor in scheme.strata)


def _levels(
    rng: np.random.Generator,
    population: Population,
    factor_id: str,
    levels: tuple[str, ...],
    trials: int,
    participants: int,
) -> IntArray:
    given = population.shares.get(factor_id, {})
    unknown = sorted(set(given) - set(levels))
    weights = np.array([float(given.get(level, 0.0 if given else 1.0)) for level in levels])
    if unknown or weights.sum() <= 0 or (weights < 0).any():
        where = f"shares.{factor_id}"
        raise ValidationFailed(
            "The shares of a factor's levels are not valid.",
            (Problem(where, f"non-negative shares of {', '.join(levels)}, not all 0 (unknown: {unknown})"),),
        )
    drawn: IntArray = rng.choice(len(levels), size=(trials, participants), p=weights / weights.sum())
    return drawn.astype(np.int64)


def _tally_balance(tally: Tally, draws: Draws, shares: Sequence[int]) -> IntArray:
    """Add a chunk's balance and guessing figures to the tally; return its final arm counts."""
    arm_count = len(shares)
    one_hot = draws.arms[..., None] == np.arange(arm_count)
    running = np.cumsum(one_hot, axis=1) / np.array(reduced(shares), dtype=np.float64)
    imbalance = np.round(running.max(axis=2) - running.min(axis=2), 9)
    tally.add_balance(
        final=imbalance[:, -1],
        maximum=imbalance.max(axis=1),
        guesses=draws.guess_scores.sum(axis=1),
        determined=draws.determined.mean(axis=1),
        counts=one_hot.sum(axis=1),
    )
    counts: IntArray = one_hot.sum(axis=1).astype(np.int64)
    return counts


__all__ = [
    "CompleteRandomization",
    "Population",
    "Scheme",
    "complete_randomization",
    "describe",
    "exact_report",
    "simulate",
    "standard_alternatives",
    "with_block_sizes",
]
