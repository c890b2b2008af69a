"""Pocock-Simon minimization with a random element."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.core.randomization import PriorAllocation, minimize
from trialdesk.errors import ProtocolError, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign

SEX: dict[str, Any] = {"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}
NEPHRITIS: dict[str, Any] = {"id": "nephritis", "label": {"en": "Lupus nephritis"}, "levels": ["yes", "no"]}
AGE: dict[str, Any] = {"id": "age", "label": {"en": "Age group"}, "levels": ["under_30", "30_50", "over_50"]}


def _design(
    factors: Sequence[Mapping[str, Any]] = (SEX,),
    probability: float = 1.0,
    ratio: Mapping[str, int] | None = None,
    **settings_overrides: Any,
) -> RandomizationDesign:
    return RandomizationDesign.model_validate(
        {
            "method": "minimization",
            "ratio": dict(ratio or {"a": 1, "b": 1}),
            "minimization": {"factors": list(factors), "probability": probability, **settings_overrides},
        }
    )


def _run(
    design: RandomizationDesign, participants: int, rng: random.Random
) -> list[tuple[str, dict[str, str]]]:
    assert design.minimization is not None
    existing: list[tuple[str, Mapping[str, str]]] = []
    done: list[tuple[str, dict[str, str]]] = []
    for _ in range(participants):
        levels = {f.id: rng.choice(f.levels) for f in design.minimization.factors}
        result = minimize(design, list(design.ratio), existing, levels, rng)
        existing.append((result.arm, levels))
        done.append((result.arm, levels))
    return done


def _max_marginal_imbalance(
    design: RandomizationDesign, done: Sequence[tuple[str, Mapping[str, str]]]
) -> int:
    assert design.minimization is not None
    worst = 0
    for factor in design.minimization.factors:
        for level in factor.levels:
            arms = Counter(arm for arm, levels in done if levels[factor.id] == level)
            worst = max(worst, abs(arms["a"] - arms["b"]))
    return worst


@settings(deadline=None, max_examples=60)
@given(seed=st.integers(min_value=0, max_value=2**32), participants=st.integers(min_value=1, max_value=60))
def test_deterministic_minimization_keeps_every_level_within_one_for_a_single_factor(
    seed: int, participants: int
) -> None:
    design = _design([AGE], probability=1.0)
    rng = random.Random(seed)
    existing: list[tuple[str, Mapping[str, str]]] = []
    for _ in range(participants):
        levels = {"age": rng.choice(["under_30", "30_50", "over_50"])}
        existing.append((minimize(design, ["a", "b"], existing, levels, rng).arm, levels))
        assert _max_marginal_imbalance(design, existing) <= 1


def test_deterministic_minimization_over_several_factors_stays_close_but_not_within_one() -> None:
    # With two or more factors, the levels of one participant can pull in opposite directions, so the
    # per-level bound of 1 no longer holds; the imbalance stays small all the same.
    design = _design([SEX, NEPHRITIS, AGE], probability=1.0)
    worst = [_max_marginal_imbalance(design, _run(design, 60, random.Random(seed))) for seed in range(100)]
    assert max(worst) <= 5
    assert statistics.mean(worst) < 3


def test_minimization_with_probability_point_eight_is_much_better_balanced_than_simple_randomization() -> (
    None
):
    design = _design([SEX, NEPHRITIS, AGE], probability=0.8)
    minimized: list[int] = []
    simple: list[int] = []
    for seed in range(150):
        rng = random.Random(seed)
        done = _run(design, 40, rng)
        minimized.append(_max_marginal_imbalance(design, done))
        coin = random.Random(10_000 + seed)
        simple.append(_max_marginal_imbalance(design, [(coin.choice("ab"), levels) for _, levels in done]))
    assert statistics.mean(minimized) < statistics.mean(simple) / 2


def test_scores_are_recorded_per_arm_and_adjusted_for_the_ratio() -> None:
    design = _design([SEX], ratio={"a": 2, "b": 1})
    existing = [
        ("a", {"sex": "female"}),
        ("a", {"sex": "female"}),
        ("b", {"sex": "female"}),
        ("b", {"sex": "male"}),
    ]
    result = minimize(design, ["a", "b"], existing, {"sex": "female"}, random.Random(1))
    # a: 3/2 vs 1/1 -> 0.5; b: 2/2 vs 2/1 -> 1.0
    assert result.scores == (("a", 0.5), ("b", 1.0))
    assert result.preferred_arms == ("a",) and result.preferred_arm == "a"
    assert result.arm == "a" and result.followed_preference
    assert 0 <= result.random_draw < 1


def test_factor_weights_decide_between_conflicting_factors() -> None:
    heavy_sex = _design([{**SEX, "weight": 3}, NEPHRITIS])
    heavy_nephritis = _design([SEX, {**NEPHRITIS, "weight": 3}])
    existing = [("a", {"sex": "female", "nephritis": "no"}), ("b", {"sex": "male", "nephritis": "yes"})]
    new = {"sex": "female", "nephritis": "yes"}
    assert minimize(heavy_sex, ["a", "b"], existing, new, random.Random(0)).arm == "b"
    assert minimize(heavy_nephritis, ["a", "b"], existing, new, random.Random(0)).arm == "a"


def test_variance_measure_scores_three_arms() -> None:
    design = _design([SEX], ratio={"a": 1, "b": 1, "c": 1}, imbalance="variance")
    existing = [PriorAllocation("a", {"sex": "male"}), PriorAllocation("b", {"sex": "male"})]
    result = minimize(design, ["a", "b", "c"], existing, {"sex": "male"}, random.Random(0))
    assert result.preferred_arms == ("c",)
    assert result.scores[2] == ("c", 0.0)
    assert result.scores[0][1] == pytest.approx(2 / 3)


def test_ties_are_broken_at_random_between_the_tied_arms() -> None:
    design = _design([SEX])
    chosen = Counter(
        minimize(design, ["a", "b"], [], {"sex": "male"}, random.Random(seed)).arm for seed in range(400)
    )
    assert set(chosen) == {"a", "b"}
    assert 150 < chosen["a"] < 250
    result = minimize(design, ["a", "b"], [], {"sex": "male"}, random.Random(0))
    assert result.preferred_arms == ("a", "b")


def test_preferred_arm_is_given_with_the_design_probability() -> None:
    design = _design([SEX], probability=0.8)
    existing = [("a", {"sex": "male"})]
    results = [
        minimize(design, ["a", "b"], existing, {"sex": "male"}, random.Random(seed)) for seed in range(2000)
    ]
    assert all(r.preferred_arm == "b" for r in results)
    followed = sum(r.arm == "b" for r in results) / len(results)
    assert 0.77 < followed < 0.83
    assert all(r.followed_preference == (r.random_draw < 0.8) for r in results)


def test_same_seed_gives_the_same_allocation() -> None:
    design = _design([SEX, NEPHRITIS], probability=0.8)
    assert _run(design, 30, random.Random(4)) == _run(design, 30, random.Random(4))


def test_site_is_a_factor_when_it_has_a_weight() -> None:
    design = _design([SEX], site_weight=2.0)
    existing = [("a", {"sex": "male", "site": "KUMS"})]
    result = minimize(design, ["a", "b"], existing, {"sex": "female", "site": "KUMS"}, random.Random(0))
    assert result.arm == "b"
    with pytest.raises(ValidationFailed) as caught:
        minimize(design, ["a", "b"], [], {"sex": "female"}, random.Random(0))
    assert [p.where for p in caught.value.problems] == ["site"]


def test_missing_or_unknown_levels_are_refused_by_name() -> None:
    design = _design([SEX, NEPHRITIS])
    with pytest.raises(ValidationFailed) as caught:
        minimize(design, ["a", "b"], [], {"sex": "other", "smoker": "yes"}, random.Random(0))
    assert [p.where for p in caught.value.problems] == ["sex", "nephritis", "smoker"]


def test_minimization_refuses_a_list_design_and_mismatched_arms() -> None:
    blocks = RandomizationDesign.model_validate(
        {"ratio": {"a": 1, "b": 1}, "block_sizes": [4], "blocks_per_stratum": 1}
    )
    with pytest.raises(ProtocolError):
        minimize(blocks, ["a", "b"], [], {}, random.Random(0))
    with pytest.raises(ProtocolError):
        minimize(_design(), ["a", "c"], [], {"sex": "male"}, random.Random(0))
