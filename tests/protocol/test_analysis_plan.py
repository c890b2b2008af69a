"""The `analysis:` section: the seed plan loads, and a bad plan is refused with the path named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trialdesk.errors import ProtocolError
from trialdesk.protocol.analysis import plan_hash
from trialdesk.protocol.loading import default_study_path, parse_protocol, read_protocol_data


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return read_protocol_data(default_study_path())


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(data)
    return [str(problem) for problem in caught.value.problems]


def test_the_seed_plan_has_the_four_registered_primary_outcomes(seed: dict[str, Any]) -> None:
    plan = parse_protocol(seed).analysis
    assert plan is not None
    primary = {e.outcome for e in plan.endpoints if e.role == "primary"}
    assert primary == {"ana", "antiphospholipid_antibodies", "glucose", "triglyceride"}
    assert plan.baseline_visit.id == "week_0" and plan.alpha == 0.05
    assert all(e.label.en != "SRI-4" for e in plan.endpoints)


def test_an_unknown_item_is_named_with_its_path(seed: dict[str, Any]) -> None:
    data = copy.deepcopy(seed)
    data["analysis"]["endpoints"][2]["item"] = "glucos"
    assert any(
        p.startswith("analysis.endpoints[2].item") and "'glucos' is in no form" in p for p in _problems(data)
    )


def test_a_positivity_code_must_be_a_choice_of_the_item(seed: dict[str, Any]) -> None:
    data = copy.deepcopy(seed)
    ana = next(e for e in data["analysis"]["endpoints"] if e["id"] == "ana_positive")
    ana["positive_if"] = {"at_least_code": "1:100"}
    assert any("code '1:100' is not a choice of item 'ana_titre'" in p for p in _problems(data))


def test_overlapping_windows_are_refused(seed: dict[str, Any]) -> None:
    data = copy.deepcopy(seed)
    data["analysis"]["visits"][2]["window_before_days"] = 40
    assert any(p.startswith("analysis.visits") and "overlap" in p for p in _problems(data))


def test_a_method_must_suit_the_endpoint_type(seed: dict[str, Any]) -> None:
    data = copy.deepcopy(seed)
    data["analysis"]["endpoints"][2]["method"] = "fisher_exact"
    assert any(
        p.startswith("analysis.endpoints.2") or "does not apply to a continuous endpoint" in p
        for p in _problems(data)
    )


def test_a_text_item_cannot_be_a_continuous_endpoint(seed: dict[str, Any]) -> None:
    data = copy.deepcopy(seed)
    data["analysis"]["endpoints"][2]["item"] = "ana_pattern"
    assert any("a single_choice item cannot be a continuous endpoint" in p for p in _problems(data))


def test_the_plan_hash_follows_the_plan_content(seed: dict[str, Any]) -> None:
    plan = parse_protocol(seed).analysis
    changed = copy.deepcopy(seed)
    changed["analysis"]["alpha"] = 0.025
    other = parse_protocol(changed).analysis
    assert plan is not None and other is not None
    assert len(plan_hash(plan)) == 64 and plan_hash(plan) != plan_hash(other)
