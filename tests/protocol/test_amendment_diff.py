"""The difference between two protocols and the rules for a running trial (pure; no database)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.amended_seed import NEW_EXCLUSION, amend, protocols, seed_data, write
from tests.conftest import minimal_protocol_data
from trialdesk.cli import main
from trialdesk.protocol.amendments import (
    TrialState,
    describe,
    describe_refusal,
    diff_protocols,
    refused_changes,
)
from trialdesk.protocol.amendments.items import type_convertible
from trialdesk.protocol.loading import parse_protocol

RUNNING = TrialState.running()


def test_the_seed_amendment_reads_as_five_changes_none_refused() -> None:
    old, new = protocols()
    changes = diff_protocols(old, new)
    assert [describe(c) for c in changes] == [
        "Criterion added (exclusion): Active tuberculosis",
        "Form Laboratory panel: new version 1.2 (was 1.1)",
        "Item added to Laboratory panel: ESR (lab)",
        "Lab test added: Erythrocyte sedimentation rate",
        "New consent document version 2.0: Informed consent form, version 2; participants still in the trial "
        "re-consent",
    ]
    assert changes[0].subject == NEW_EXCLUSION
    assert refused_changes(changes, RUNNING) == []


def test_persian_wording_uses_the_persian_text_of_the_protocol() -> None:
    old, new = protocols()
    first = diff_protocols(old, new)[0]
    fake = {"Criterion added ({kind}): {text}": "معیار افزوده شد ({kind}): {text}", "exclusion": "خروج"}
    assert (
        describe(first, language="fa", translate=lambda s: fake.get(s, s))
        == "معیار افزوده شد (خروج): سل فعال"
    )


def test_identical_protocols_have_no_difference() -> None:
    old, _ = protocols()
    assert diff_protocols(old, old) == []


def _mini(**overrides: Any) -> Any:
    return parse_protocol(minimal_protocol_data(**overrides))


def test_removing_an_arm_is_refused_only_when_it_has_participants() -> None:
    three = [
        {"id": "a", "name": {"en": "A"}},
        {"id": "b", "name": {"en": "B"}},
        {"id": "c", "name": {"en": "C"}},
    ]
    changes = diff_protocols(_mini(arms=three), _mini())
    assert [c.code for c in changes] == ["arm.removed"]
    used = TrialState(frozenset({"c"}), True, frozenset())
    (refusal,) = refused_changes(changes, used)
    assert describe_refusal(refusal) == "Refused: arm C has participants; an arm in use cannot be removed"
    assert refused_changes(changes, TrialState(frozenset({"a"}), True, frozenset())) == []


def test_a_randomization_change_is_refused_after_the_first_allocation_only() -> None:
    data = seed_data()
    ratio = copy.deepcopy(data)
    ratio["randomization"]["ratio"] = {"exosome": 2, "control": 1}
    ratio["randomization"]["block_sizes"] = [3]
    ratio["randomization"]["slots_per_stratum"] = 21
    changes = diff_protocols(parse_protocol(data), parse_protocol(ratio))
    assert [c.code for c in changes] == ["randomization.changed"]
    (refusal,) = refused_changes(changes, RUNNING)
    assert "cannot change after the first allocation" in describe_refusal(refusal)
    assert refused_changes(changes, TrialState.not_started()) == []


def _form(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "f",
        "version": "1",
        "title": {"en": "Form F"},
        "sections": [{"id": "s", "title": {"en": "S"}, "items": list(items)}],
    }


def test_removing_an_item_that_holds_data_is_refused() -> None:
    weight = {"id": "weight", "label": {"en": "Weight"}, "type": "decimal", "unit": "kg"}
    height = {"id": "height", "label": {"en": "Height"}, "type": "decimal", "unit": "cm"}
    changes = diff_protocols(_mini(forms=[_form(weight, height)]), _mini(forms=[_form(weight)]))
    assert [c.code for c in changes] == ["item.removed"]
    (refusal,) = refused_changes(changes, TrialState(frozenset(), False, frozenset({"height"})))
    assert describe_refusal(refusal) == "Refused: item Height of Form F holds data and cannot be removed"
    assert refused_changes(changes, TrialState(frozenset(), False, frozenset({"weight"}))) == []


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        ("integer", "decimal", False),
        ("decimal", "integer", True),
        ("date", "text", False),
        ("text", "date", True),
    ],
)
def test_an_item_type_change_is_refused_when_stored_values_cannot_be_converted(
    old: str, new: str, refused: bool
) -> None:
    before = {"id": "x", "label": {"en": "X"}, "type": old}
    after = {**before, "type": new}
    changes = diff_protocols(_mini(forms=[_form(before)]), _mini(forms=[_form(after)]))
    assert [c.code for c in changes] == ["item.type_changed"]
    assert type_convertible(old, new) is not refused
    refusals = refused_changes(changes, RUNNING)
    assert bool(refusals) is refused
    if refused:
        assert (
            describe_refusal(refusals[0])
            == f"Refused: values of X entered as {old} cannot be converted to {new}"
        )


def test_a_unit_change_of_an_item_with_data_is_refused() -> None:
    before = {"id": "weight", "label": {"en": "Weight"}, "type": "decimal", "unit": "kg"}
    changes = diff_protocols(_mini(forms=[_form(before)]), _mini(forms=[_form({**before, "unit": "lb"})]))
    (refusal,) = refused_changes(changes, RUNNING)
    assert describe_refusal(refusal) == "Refused: values of Weight entered in kg cannot be converted to lb"


def test_cli_diff_prints_the_changes_and_exits_0_or_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = seed_data()
    old, new = write(data, tmp_path / "old.yaml"), write(amend(data), tmp_path / "new.yaml")
    assert main(["protocol", "diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "Criterion added (exclusion): Active tuberculosis" in out
    assert "Every change could apply to a running trial." in out
    retyped = amend(data)
    retyped["forms"][-1]["sections"][0]["items"][0]["type"] = "integer"
    assert main(["protocol", "diff", str(old), str(write(retyped, tmp_path / "bad.yaml"))]) == 4
    out = capsys.readouterr().out
    assert "1 change(s) would be refused for a running trial:" in out
    assert "values of Date blood was drawn entered as date cannot be converted to integer" in out
