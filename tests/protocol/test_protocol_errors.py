"""Malformed protocol files give errors that name the path and the rule, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trialdesk.errors import Problem, ProtocolError
from trialdesk.protocol.loading import format_location, load_protocol, parse_protocol


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(data, source="trial.yaml")
    error = caught.value
    assert error.__cause__ is None and error.__suppress_context__  # no pydantic chain shown
    assert error.message.startswith("trial.yaml: the protocol is not valid")
    return [str(problem) for problem in error.problems]


def test_missing_arm_name_is_named_by_its_path(minimal: dict[str, Any]) -> None:
    del minimal["arms"][1]["name"]
    assert _problems(minimal) == ["arms[1].name: field required"]


def test_unknown_criterion_kind_names_the_expected_kinds(minimal: dict[str, Any]) -> None:
    minimal["criteria"][0]["kind"] = "foo"
    assert _problems(minimal) == [
        "criteria[0].kind: unknown criterion kind 'foo' (expected inclusion or exclusion)"
    ]


@pytest.mark.parametrize("size", [0, -5])
def test_sample_size_must_be_positive(minimal: dict[str, Any], size: int) -> None:
    minimal["design"]["target_sample_size"] = size
    assert _problems(minimal) == ["design.target_sample_size: must be greater than 0"]


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (("design", "target_sample_size"), "twenty", "design.target_sample_size: must be a whole number"),
        (("design", "placebo"), "perhaps", "design.placebo: must be yes or no (true/false)"),
        (("arms",), {"id": "a"}, "arms: must be a list"),
        (("registration", "scientific_title"), "A title", "registration.scientific_title: must be a mapping of fields"),
        (("registration", "registration_date"), "8 June 2021", "registration.registration_date: must be a date written as YYYY-MM-DD"),
        (("design", "eligibility", "min_age_years"), -1, "design.eligibility.min_age_years: must be at least 0"),
        (("design", "masking"), "blind", "design.masking: unknown masking 'blind' (expected none, single, double, triple or quadruple)"),
        (("id",), "Mini Trial", "id: must be a lower-case identifier (a letter, then letters, digits, '_' or '-')"),
        (("version",), 1, "version: must be text"),
    ],
)  # fmt: skip
def test_wrong_types_name_the_path_and_the_expected_form(
    minimal: dict[str, Any], path: tuple[str, ...], value: Any, rule: str
) -> None:
    target = minimal
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    assert _problems(minimal) == [rule]


def test_unknown_keys_are_refused_at_any_depth(minimal: dict[str, Any]) -> None:
    minimal["sponsor"] = "x"
    minimal["arms"][0]["colour"] = "red"
    assert sorted(_problems(minimal)) == ["arms[0].colour: unknown field", "sponsor: unknown field"]


@pytest.mark.parametrize("section", ["arms", "criteria"])
def test_duplicate_ids_are_refused(minimal: dict[str, Any], section: str) -> None:
    minimal[section].append(dict(minimal[section][0]))
    assert _problems(minimal) == [f"{section}: id '{minimal[section][0]['id']}' is used twice"]


def test_jalali_approval_date_must_be_the_gregorian_day(minimal: dict[str, Any]) -> None:
    minimal["registration"]["ethics_committees"] = [
        {"name": "EC", "approval_date": "2021-06-08", "approval_date_jalali": "1400/03/19"}
    ]
    assert _problems(minimal) == [
        "registration.ethics_committees[0]: approval_date_jalali 1400/03/19 is 2021-06-09, not the approval_date 2021-06-08"
    ]


def test_impossible_jalali_date_is_refused(minimal: dict[str, Any]) -> None:
    minimal["registration"]["ethics_committees"] = [
        {"name": "EC", "approval_date": "2021-06-08", "approval_date_jalali": "1400/13/40"}
    ]
    assert _problems(minimal) == [
        "registration.ethics_committees[0]: '1400/13/40' is not a valid Jalali date"
    ]


def test_jalali_date_in_another_form_is_refused(minimal: dict[str, Any]) -> None:
    minimal["registration"]["ethics_committees"] = [
        {"name": "EC", "approval_date": "2021-06-08", "approval_date_jalali": "1400-03-18"}
    ]
    assert _problems(minimal) == [
        "registration.ethics_committees[0].approval_date_jalali: must be a Jalali date written as YYYY/MM/DD, e.g. 1400/03/18"
    ]


def test_every_problem_is_reported_at_once(minimal: dict[str, Any]) -> None:
    del minimal["arms"][0]["name"]
    minimal["criteria"][0]["kind"] = "maybe"
    minimal["design"]["target_sample_size"] = 0
    assert len(_problems(minimal)) == 3


def test_error_text_lists_each_problem_on_its_own_line(minimal: dict[str, Any]) -> None:
    del minimal["arms"][1]["name"]
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(minimal, source="trial.yaml")
    assert str(caught.value).splitlines()[1:] == ["  - arms[1].name: field required"]
    assert "Traceback" not in str(caught.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    assert caught.value.message.startswith("protocol.yaml is not valid YAML")
    assert caught.value.problems == (Problem("protocol.yaml", "YAML syntax"),)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="must be a mapping of sections"):
        load_protocol(path)


def test_a_missing_file_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot read protocol file"):
        load_protocol(tmp_path / "absent.yaml")


def test_file_errors_name_the_file_and_the_path(tmp_path: Path, minimal: dict[str, Any]) -> None:
    del minimal["arms"][1]["name"]
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(minimal), encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    assert caught.value.message.startswith("trial.yaml:")
    assert [str(p) for p in caught.value.problems] == ["arms[1].name: field required"]


def test_location_formatting_joins_names_and_indexes() -> None:
    assert format_location(("arms", 1, "name")) == "arms[1].name"
    assert format_location(("registration", "ethics_committees", 0)) == "registration.ethics_committees[0]"
    assert format_location(()) == ""
