"""The randomization design simulator: exact figures by enumeration, the simulation against them within
Monte Carlo error (4 standard errors, fixed seeds), power against scipy's noncentral t, and every design."""

from __future__ import annotations

import json
import math
import random
import statistics
from typing import Any

import numpy as np
import pytest
from scipy import stats

from trialdesk.core.randomization import PriorAllocation, minimize
from trialdesk.core.randomization.simulation import (
    CompleteRandomization,
    Population,
    complete_randomization,
    describe,
    exact_report,
    simulate,
    with_block_sizes,
)
from trialdesk.core.randomization.simulation_draws import determined_for_observer
from trialdesk.core.randomization.simulation_report import DesignReport, Estimate
from trialdesk.errors import ProtocolError, ValidationFailed
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.randomization import RandomizationDesign

ARMS = ["exosome", "control"]
EFFECTS = (0.8, 1.0, 1.5)
MC_LIMIT = 4  # standard errors: a fixed seed keeps the test deterministic; 4 SE would be rare by chance
SEX: dict[str, Any] = {"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}
AGE: dict[str, Any] = {"id": "age", "label": {"en": "Age"}, "levels": ["young", "middle", "old"]}


def _blocks(sizes: list[int], ratio: dict[str, int] | None = None, **extra: Any) -> RandomizationDesign:
    return RandomizationDesign.model_validate(
        {
            "ratio": ratio or {"exosome": 1, "control": 1},
            "block_sizes": sizes,
            "blocks_per_stratum": 5,
            **extra,
        }
    )


def _minimization(probability: float, factors: list[dict[str, Any]]) -> RandomizationDesign:
    return RandomizationDesign.model_validate(
        {
            "method": "minimization",
            "ratio": {"exosome": 1, "control": 1},
            "minimization": {"factors": factors, "probability": probability},
        }
    )


def _within(estimate: Estimate, expected: float) -> None:
    if estimate.standard_error == 0:  # every simulated trial gave the same value
        assert estimate.value == pytest.approx(expected)
        return
    assert abs(estimate.value - expected) <= MC_LIMIT * estimate.standard_error, (estimate, expected)


def t_power_at_10_per_arm(effect: float) -> float:
    """Two-sided pooled t test, 10 per arm, alpha 0.05, straight from scipy's noncentral t."""
    critical = stats.t.ppf(0.975, 18)
    shift = effect * math.sqrt(10 * 10 / 20)
    return float(1 - stats.nct.cdf(critical, 18, shift) + stats.nct.cdf(-critical, 18, shift))


# --- exact figures ------------------------------------------------------------------------------------


def test_blocks_of_four_over_twenty_give_14_17_correct_guesses_exactly() -> None:
    report = exact_report(_blocks([4]), ARMS, participants=20, effect_sizes=EFFECTS)

    # Per block of 4: 1/2 + 2/3 + (1/3 * 1 + 2/3 * 1/2) + 1 = 17/6; five blocks.
    assert report.correct_guesses.value == pytest.approx(85 / 6, abs=1e-12)
    assert round(report.correct_guesses.value, 4) == 14.1667
    assert report.correct_guess_proportion == pytest.approx(0.7083, abs=1e-4)
    assert report.determined.value == pytest.approx(1 / 3)  # the 4th slot always, the 3rd after AA/BB
    assert report.not_balanced.value == 0
    assert report.final_imbalance.probabilities == ((0.0, pytest.approx(1.0)),)
    assert report.maximum_imbalance.thresholds == (1.0, 2.0)
    assert report.group_sizes == (((10, 10), pytest.approx(1.0)),)
    assert report.trials == 0 and report.correct_guesses.standard_error == 0


def test_complete_randomization_over_twenty_exactly() -> None:
    report = exact_report(CompleteRandomization((("exosome", 1), ("control", 1))), ARMS, participants=20)

    assert report.correct_guesses.value == pytest.approx(10)
    assert report.determined.value == 0
    balanced = math.comb(20, 10) / 2**20
    assert report.not_balanced.value == pytest.approx(1 - balanced)
    assert round(report.not_balanced.value, 3) == 0.824
    at_least_4 = sum(math.comb(20, k) for k in range(21) if abs(2 * k - 20) >= 4) / 2**20
    assert report.final_imbalance.at_least(4).value == pytest.approx(at_least_4)
    assert round(report.final_imbalance.at_least(4).value, 3) == 0.503
    assert len(report.group_sizes) == 21


def test_t_test_power_at_10_per_arm_matches_scipys_noncentral_t() -> None:
    report = exact_report(_blocks([4]), ARMS, participants=20, effect_sizes=EFFECTS)

    assert [figure.effect_size for figure in report.power] == list(EFFECTS)
    for figure in report.power:
        assert figure.t_test_exact.value == pytest.approx(
            t_power_at_10_per_arm(figure.effect_size), abs=1e-12
        )
    assert [round(f.t_test_exact.value, 3) for f in report.power] == [0.395, 0.562, 0.887]
    assert report.type_one_error.t_test_exact.value == pytest.approx(0.05)


def test_complete_randomization_loses_power_to_unequal_groups() -> None:
    blocks = exact_report(_blocks([4]), ARMS, participants=20, effect_sizes=(1.0,))
    complete = exact_report(complete_randomization(_blocks([4])), ARMS, participants=20, effect_sizes=(1.0,))

    assert complete.power[0].t_test_exact.value < blocks.power[0].t_test_exact.value


# --- the simulation against the exact figures ------------------------------------------------------------


def test_simulated_blocks_of_four_reproduce_the_exact_figures_and_power() -> None:
    report = simulate(
        _blocks([4]),
        ARMS,
        participants=20,
        trials=20_000,
        rng=np.random.default_rng(18),
        effect_sizes=EFFECTS,
    )

    _within(report.correct_guesses, 85 / 6)
    _within(report.determined, 1 / 3)
    assert report.not_balanced.value == 0
    assert report.group_sizes == (((10, 10), 1.0),)
    for figure in report.power:
        expected = t_power_at_10_per_arm(figure.effect_size)
        assert figure.t_test_exact.value == pytest.approx(expected)
        assert figure.t_test_simulated is not None and figure.wilcoxon_simulated is not None
        _within(figure.t_test_simulated, expected)
        # The rank-sum test is a little less powerful than the t test on normal data.
        assert figure.wilcoxon_simulated.value < expected
    assert report.type_one_error.t_test_simulated is not None
    _within(report.type_one_error.t_test_simulated, 0.05)
    assert report.type_one_error.wilcoxon_simulated is not None
    _within(report.type_one_error.wilcoxon_simulated, 0.0433)  # the exact test's size at 10 v 10


def test_simulated_complete_randomization_reproduces_the_exact_figures() -> None:
    scheme = CompleteRandomization((("exosome", 1), ("control", 1)))
    report = simulate(scheme, ARMS, participants=20, trials=20_000, rng=np.random.default_rng(7))
    exact = exact_report(scheme, ARMS, participants=20)

    _within(report.correct_guesses, 10)
    _within(report.not_balanced, 1 - math.comb(20, 10) / 2**20)
    _within(report.final_imbalance.at_least(4), exact.final_imbalance.at_least(4).value)
    for k in (2, 6, 8):
        _within(report.maximum_imbalance.at_least(k), exact.maximum_imbalance.at_least(k).value)
    assert report.determined.value == 0


@pytest.mark.parametrize(
    ("sizes", "ratio", "participants"),
    [
        ([2, 4, 6], {"exosome": 1, "control": 1}, 20),
        ([3, 6], {"exosome": 2, "control": 1}, 21),
        ([6], None, 17),
    ],
)
def test_simulated_list_designs_agree_with_enumeration(
    sizes: list[int], ratio: dict[str, int] | None, participants: int
) -> None:
    design = _blocks(sizes, ratio)
    report = simulate(design, ARMS, participants=participants, trials=20_000, rng=np.random.default_rng(3))
    exact = exact_report(design, ARMS, participants=participants)

    _within(report.correct_guesses, exact.correct_guesses.value)
    _within(report.determined, exact.determined.value)
    _within(report.not_balanced, exact.not_balanced.value)
    for k in exact.maximum_imbalance.thresholds[1:]:
        _within(report.maximum_imbalance.at_least(k), exact.maximum_imbalance.at_least(k).value)


def test_random_block_sizes_hide_the_last_slot_from_an_observer() -> None:
    fixed = exact_report(_blocks([4]), ARMS, participants=20)
    varied = exact_report(with_block_sizes(_blocks([4]), [2, 4, 6]), ARMS, participants=20)

    assert varied.determined.value < fixed.determined.value / 5
    assert varied.correct_guesses.value < fixed.correct_guesses.value


def test_an_observer_knows_the_last_slot_of_a_fixed_block_but_not_of_a_block_of_unknown_size() -> None:
    a, b = 0, 1
    sequence = np.array([[a, a, b, b, a, b, b, a]])
    assert determined_for_observer(sequence, [1, 1], [4]).tolist() == [
        [False, False, True, True, False, False, False, True]
    ]
    # Sizes 2 or 4: after "a" the block may be 2 (b forced) or 4 (either): not determined; after
    # "a a" only a block of 4 fits, so "b b" is forced.
    assert determined_for_observer(sequence, [1, 1], [2, 4]).tolist() == [
        [False, False, True, True, False, False, False, False]
    ]
    # After "a b a" the last "a" may open a block of 2 (b forced) or of 4 (either arm): not certain.
    assert determined_for_observer(np.array([[a, b, a, b]]), [1, 1], [2, 4]).tolist() == [[False] * 4]


# --- strata and minimization ---------------------------------------------------------------------------


def test_a_stratified_list_balances_each_stratum_within_half_a_block() -> None:
    design = _blocks([4], strata=[SEX])
    report = simulate(design, ARMS, participants=20, trials=5_000, rng=np.random.default_rng(5))

    assert report.maximum_imbalance.at_least(5).value == 0  # at most 2 per stratum
    assert report.not_balanced.value > 0  # incomplete blocks in two strata
    assert describe(design) == "permuted blocks of 4, stratified by sex"


def test_strata_shares_change_how_participants_spread() -> None:
    design = _blocks([4], strata=[SEX])
    everyone_female = Population(shares={"sex": {"female": 1.0, "male": 0.0}})
    report = simulate(
        design, ARMS, participants=20, trials=2_000, rng=np.random.default_rng(5), population=everyone_female
    )

    assert report.correct_guesses.value == pytest.approx(
        85 / 6, abs=0.1
    )  # one stratum: the unstratified list
    assert report.not_balanced.value == 0
    with pytest.raises(ValidationFailed) as error:
        simulate(
            design,
            ARMS,
            participants=20,
            trials=10,
            rng=np.random.default_rng(5),
            population=Population(shares={"sex": {"femme": 1.0}}),
        )
    assert error.value.problems[0].where == "shares.sex"


def test_stratification_by_site_uses_the_sites_given() -> None:
    design = _blocks([2], stratify_by_site=True)
    one = simulate(design, ARMS, participants=20, trials=2_000, rng=np.random.default_rng(1))
    four = simulate(
        design,
        ARMS,
        participants=20,
        trials=2_000,
        rng=np.random.default_rng(1),
        population=Population(sites=("A", "B", "C", "D")),
    )

    assert one.not_balanced.value == 0
    assert four.not_balanced.value > 0.3  # an odd count in any of the four sites leaves a block open


def test_vectorized_minimization_follows_the_core_rule() -> None:
    """The same figures as allocating one participant at a time with `minimize` (within MC error)."""
    design = _minimization(0.8, [SEX, AGE])
    report = simulate(design, ARMS, participants=20, trials=10_000, rng=np.random.default_rng(2))

    rng = random.Random(11)
    guesses, finals = [], []
    for _ in range(400):
        earlier: list[PriorAllocation] = []
        score = 0.0
        for _ in range(20):
            levels = {"sex": rng.choice(SEX["levels"]), "age": rng.choice(AGE["levels"])}
            result = minimize(design, ARMS, earlier, levels, rng)
            score += 1 / len(result.preferred_arms) if result.arm in result.preferred_arms else 0.0
            earlier.append(PriorAllocation(result.arm, levels))
        guesses.append(score)
        finals.append(abs(sum(1 if e.arm == "exosome" else -1 for e in earlier)))

    def agree(simulated: float, simulated_error: float, values: list[float]) -> None:
        error = math.hypot(simulated_error, statistics.stdev(values) / math.sqrt(len(values)))
        assert abs(simulated - statistics.mean(values)) <= MC_LIMIT * error

    agree(report.correct_guesses.value, report.correct_guesses.standard_error, guesses)
    agree(report.final_imbalance.mean, 0.0, finals)  # 10,000 simulated trials: their error is small
    assert report.determined.value == 0  # a random element: nothing is certain


def test_deterministic_minimization_on_one_factor_keeps_each_level_within_one() -> None:
    report = simulate(
        _minimization(1.0, [SEX]), ARMS, participants=20, trials=2_000, rng=np.random.default_rng(4)
    )

    assert report.maximum_imbalance.at_least(3).value == 0  # at most 1 per level, 2 in total
    assert report.determined.value > 0.4  # every allocation that is not a tie
    assert report.correct_guesses.value > 14


# --- reporting, reproducibility and bad input -------------------------------------------------------------


def test_the_seed_design_report_carries_every_figure_by_name() -> None:
    protocol = load_protocol(default_study_path())
    assert protocol.randomization is not None
    report = simulate(
        protocol.randomization,
        [arm.id for arm in protocol.arms],
        participants=20,
        trials=2_000,
        rng=np.random.default_rng(1),
        effect_sizes=(1.0,),
    )
    data = json.loads(json.dumps(report.as_json()))

    assert data["design"] == "permuted blocks of 4"
    assert {
        "correct_guesses",
        "correct_guesses_standard_error",
        "correct_guess_proportion",
        "not_balanced",
        "determined_proportion",
        "final_imbalance",
        "maximum_imbalance",
        "group_sizes",
        "type_one_error",
        "power",
        "trials",
        "participants",
        "alpha",
    } <= set(data)
    assert set(data["final_imbalance"]) == {"mean", "distribution", "at_least"}
    assert data["group_sizes"] == [{"sizes": {"exosome": 10, "control": 10}, "probability": 1.0}]
    assert {"effect_size", "t_test_exact", "t_test_simulated", "wilcoxon_simulated"} <= set(data["power"][0])


def test_the_same_seed_gives_the_same_report() -> None:
    def run() -> DesignReport:
        return simulate(
            with_block_sizes(_blocks([4]), [2, 4, 6]),
            ARMS,
            participants=20,
            trials=3_000,
            rng=np.random.default_rng(99),
            effect_sizes=(0.5,),
        )

    assert run() == run()


def test_bad_settings_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        simulate(_blocks([4]), ARMS, participants=0, trials=0, rng=np.random.default_rng(1), alpha=1.5)
    assert {p.where for p in error.value.problems} == {"participants", "trials", "alpha"}
    with pytest.raises(ProtocolError):
        simulate(
            _blocks([4]), ["exosome", "placebo"], participants=20, trials=10, rng=np.random.default_rng(1)
        )
    with pytest.raises(ValidationFailed) as error:
        with_block_sizes(_blocks([4]), [3])
    assert error.value.problems[0].where == "block_sizes"
    with pytest.raises(ValueError, match="simulate"):
        exact_report(_minimization(0.8, [SEX]), ARMS, participants=20)


def test_an_effect_size_of_zero_is_the_type_one_error_once() -> None:
    report = simulate(
        _blocks([4]),
        ARMS,
        participants=20,
        trials=2_000,
        rng=np.random.default_rng(8),
        effect_sizes=(0.0, 1.0),
    )

    assert report.power[0] == report.type_one_error
    assert report.type_one_error.t_test_simulated is not None
    assert report.type_one_error.t_test_simulated.value < 0.1
