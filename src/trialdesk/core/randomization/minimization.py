"""Pocock-Simon minimization with a random element.

For a new participant with levels (l_1 .. l_F) on the design's factors, and for each candidate arm k:

1. take, for every factor f, the counts n_j of earlier participants with level l_f on each arm j, adding the
   new participant to arm k;
2. divide each count by the arm's ratio share (so 2:1 counts as balanced when 2n:n): x_j = n_j / r_j;
3. measure the imbalance of the x_j: `range` = max - min, or `variance` = population variance;
4. the score G_k = sum over factors of weight_f * imbalance_f.

The preferred arms are those with the lowest score; a tie is broken at random (weighted by the ratio).
With `probability` p the preferred arm is given; otherwise one of the other arms, chosen at random
weighted by the ratio. Scores, the preferred arms and the draws are recorded in the result.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialdesk.errors import Problem, ProtocolError, ValidationFailed
from trialdesk.protocol.randomization import (
    SITE_FACTOR,
    MinimizationSettings,
    RandomizationDesign,
    check_against_arms,
)


@dataclass(frozen=True)
class MinimizationResult:
    arm: str
    scores: tuple[tuple[str, float], ...]
    """(arm, weighted imbalance if the participant were given that arm), in arm order."""
    preferred_arms: tuple[str, ...]
    """The arms with the lowest score (several when tied)."""
    preferred_arm: str
    """The preferred arm after any tie was broken."""
    random_draw: float
    """The uniform draw in [0, 1) compared with the design's probability."""
    followed_preference: bool


@dataclass(frozen=True)
class PriorAllocation:
    """An earlier participant: the arm given and the participant's level on each factor."""

    arm: str
    levels: Mapping[str, str]


def minimize(
    design: RandomizationDesign,
    arm_ids: Sequence[str],
    existing: Sequence[PriorAllocation | tuple[str, Mapping[str, str]]],
    new_factors: Mapping[str, str],
    rng: random.Random,
) -> MinimizationResult:
    """Allocate one participant by minimization over the earlier allocations (see the module docstring)."""
    settings = _settings(design, arm_ids)
    factor_weights = _factor_weights(settings)
    _check_levels(settings, new_factors)
    arms = list(design.ratio)
    ratio = design.ratio

    counts: dict[tuple[str, str], dict[str, int]] = {}
    for prior in existing:
        arm, levels = (prior.arm, prior.levels) if isinstance(prior, PriorAllocation) else prior
        if arm not in ratio:
            raise ValidationFailed(
                "An earlier allocation names an arm this protocol does not have.", (Problem("existing", arm),)
            )
        for factor_id in factor_weights:
            level = levels.get(factor_id)
            if level is not None:
                counts.setdefault((factor_id, level), dict.fromkeys(arms, 0))[arm] += 1

    scores: list[tuple[str, float]] = []
    for candidate in arms:
        total = 0.0
        for factor_id, weight in factor_weights.items():
            level_counts = dict(counts.get((factor_id, new_factors[factor_id]), dict.fromkeys(arms, 0)))
            level_counts[candidate] += 1
            adjusted = [level_counts[arm] / ratio[arm] for arm in arms]
            total += weight * _imbalance(adjusted, settings.imbalance)
        scores.append((candidate, total))

    lowest = min(score for _, score in scores)
    preferred_arms = tuple(arm for arm, score in scores if _close(score, lowest))
    preferred = (
        preferred_arms[0] if len(preferred_arms) == 1 else _weighted_choice(preferred_arms, ratio, rng)
    )
    draw = rng.random()
    followed = draw < settings.probability
    if followed:
        arm = preferred
    else:
        others = tuple(a for a in arms if a != preferred)
        arm = _weighted_choice(others, ratio, rng)
    return MinimizationResult(
        arm=arm,
        scores=tuple(scores),
        preferred_arms=preferred_arms,
        preferred_arm=preferred,
        random_draw=draw,
        followed_preference=followed,
    )


def _imbalance(values: Sequence[float], measure: str) -> float:
    if measure == "range":
        return max(values) - min(values)
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _weighted_choice(arms: Sequence[str], ratio: Mapping[str, int], rng: random.Random) -> str:
    """One of `arms`, with probability proportional to its ratio share."""
    total = sum(ratio[arm] for arm in arms)
    point = rng.randrange(total)
    for arm in arms:
        point -= ratio[arm]
        if point < 0:
            return arm
    raise AssertionError("unreachable")  # pragma: no cover


def _settings(design: RandomizationDesign, arm_ids: Sequence[str]) -> MinimizationSettings:
    if design.method != "minimization" or design.minimization is None:
        raise ProtocolError("This protocol randomizes by a list, not by minimization.")
    problems = check_against_arms(design, arm_ids)
    if problems:
        raise ProtocolError("The allocation ratio does not match the protocol's arms.", tuple(problems))
    return design.minimization


def _factor_weights(settings: MinimizationSettings) -> dict[str, float]:
    weights = {factor.id: factor.weight for factor in settings.factors}
    if settings.site_weight is not None:
        weights[SITE_FACTOR] = settings.site_weight
    return weights


def _check_levels(settings: MinimizationSettings, new_factors: Mapping[str, str]) -> None:
    problems: list[Problem] = []
    for factor in settings.factors:
        level = new_factors.get(factor.id)
        if level is None:
            problems.append(Problem(factor.id, f"{factor.label.en} is needed for minimization"))
        elif level not in factor.levels:
            problems.append(
                Problem(
                    factor.id, f"'{level}' is not a level of {factor.label.en} ({', '.join(factor.levels)})"
                )
            )
    if settings.site_weight is not None and not new_factors.get(SITE_FACTOR):
        problems.append(Problem(SITE_FACTOR, "the site is needed: it is a minimization factor"))
    known = {f.id for f in settings.factors} | ({SITE_FACTOR} if settings.site_weight is not None else set())
    problems.extend(
        Problem(name, "not a minimization factor of this protocol")
        for name in sorted(set(new_factors) - known)
    )
    if problems:
        raise ValidationFailed(
            "The participant's factors for minimization are not complete.", tuple(problems)
        )
