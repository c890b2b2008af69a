"""The protocol section `randomization:` and the seed trial's YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from trialdesk.protocol.randomization import RandomizationDesign, check_against_arms

SEED_YAML = Path(__file__).parents[2] / "src/trialdesk/studies/kums_exosome_sle/randomization.yaml"


def _design(**overrides: Any) -> RandomizationDesign:
    data: dict[str, Any] = {
        "ratio": {"exosome": 1, "control": 1},
        "block_sizes": [4],
        "slots_per_stratum": 20,
    }
    data.update(overrides)
    return RandomizationDesign.model_validate(data)


def test_seed_section_is_permuted_blocks_of_four_with_twenty_slots_unstratified() -> None:
    data = yaml.safe_load(SEED_YAML.read_text(encoding="utf-8"))
    assert list(data) == ["randomization"]
    design = RandomizationDesign.model_validate(data["randomization"])
    assert design.method == "permuted_blocks"
    assert design.ratio == {"exosome": 1, "control": 1}
    assert design.block_sizes == [4]
    assert design.slots_per_stratum == 20
    assert design.strata == [] and not design.stratify_by_site
    assert check_against_arms(design, ["exosome", "control"]) == []


def test_block_size_not_a_multiple_of_the_ratio_total_is_refused() -> None:
    with pytest.raises(ValidationError, match="block size 4 is not a positive multiple of the ratio total 3"):
        _design(
            ratio={"active": 2, "placebo": 1},
            block_sizes=[3, 4],
            slots_per_stratum=None,
            blocks_per_stratum=2,
        )


def test_two_to_one_ratio_with_blocks_of_three_and_six_is_accepted() -> None:
    design = _design(ratio={"active": 2, "placebo": 1}, block_sizes=[3, 6], slots_per_stratum=30)
    assert design.ratio_total == 3 and not design.fixed_blocks


def test_slots_not_a_multiple_of_a_fixed_block_size_is_refused() -> None:
    with pytest.raises(ValidationError, match="slots_per_stratum 18 is not a multiple of the block size 4"):
        _design(slots_per_stratum=18)


def test_slots_need_not_be_a_multiple_when_block_sizes_vary() -> None:
    assert _design(block_sizes=[4, 6], slots_per_stratum=18).slots_per_stratum == 18


def test_exactly_one_of_slots_and_blocks_per_stratum_is_required() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        _design(blocks_per_stratum=5)
    with pytest.raises(ValidationError, match="exactly one"):
        _design(slots_per_stratum=None)


def test_permuted_blocks_need_block_sizes() -> None:
    with pytest.raises(ValidationError, match="need `block_sizes`"):
        _design(block_sizes=[])


def test_zero_share_in_ratio_is_refused() -> None:
    with pytest.raises(ValidationError):
        _design(ratio={"exosome": 0, "control": 1})


def test_stratification_factor_levels_must_be_unique_and_site_is_reserved() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        _design(strata=[{"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "female"]}])
    with pytest.raises(ValidationError, match="reserved"):
        _design(strata=[{"id": "site", "label": {"en": "Site"}, "levels": ["a", "b"]}])
    with pytest.raises(ValidationError, match="without"):
        _design(strata=[{"id": "sex", "label": {"en": "Sex"}, "levels": ["fe|male", "male"]}])


def test_ratio_arms_are_checked_against_protocol_arms_both_ways() -> None:
    problems = check_against_arms(_design(ratio={"exosome": 1, "placebo": 1}), ["exosome", "control"])
    assert [(p.where, p.rule) for p in problems] == [
        ("randomization.ratio.placebo", "'placebo' is not an arm of this protocol (arms: exosome, control)"),
        ("randomization.ratio", "arm 'control' has no allocation share"),
    ]


def test_minimization_design_needs_its_settings_and_no_list_fields() -> None:
    factors = [{"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"], "weight": 2}]
    design = RandomizationDesign.model_validate(
        {
            "method": "minimization",
            "ratio": {"a": 1, "b": 1},
            "minimization": {"factors": factors, "probability": 0.8, "imbalance": "variance"},
        }
    )
    assert design.minimization is not None and design.minimization.factors[0].weight == 2
    with pytest.raises(ValidationError, match="needs a `minimization:` section"):
        RandomizationDesign.model_validate({"method": "minimization", "ratio": {"a": 1, "b": 1}})
    with pytest.raises(ValidationError, match="uses no list"):
        RandomizationDesign.model_validate(
            {
                "method": "minimization",
                "ratio": {"a": 1, "b": 1},
                "block_sizes": [4],
                "minimization": {"factors": factors, "probability": 0.8},
            }
        )


def test_minimization_probability_below_chance_is_refused() -> None:
    factors = [{"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}]
    with pytest.raises(ValidationError, match="below 1/2"):
        RandomizationDesign.model_validate(
            {
                "method": "minimization",
                "ratio": {"a": 1, "b": 1},
                "minimization": {"factors": factors, "probability": 0.3},
            }
        )


def test_unknown_key_is_refused_and_design_is_frozen() -> None:
    with pytest.raises(ValidationError):
        _design(block_size=4)
    design = _design()
    with pytest.raises(ValidationError):
        design.method = "minimization"  # type: ignore[misc]
