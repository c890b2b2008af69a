"""Protocol files: includes, duplicated sections, and a canonical content hash."""

from __future__ import annotations

import functools
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.errors import ProtocolError
from trialdesk.protocol.loading import (
    canonical_json,
    content_hash,
    default_study_path,
    load_protocol,
    parse_protocol,
    read_protocol_data,
)


def _write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same content with every mapping's keys in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: _shuffled(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@functools.cache
def _default_data_and_hash() -> tuple[dict[str, Any], str]:
    data = read_protocol_data(default_study_path())
    return data, content_hash(parse_protocol(data))


# Each example parses the whole shipped protocol (about a second on a busy 2-core machine): 15 random key
# orders at every level say what 100 would, in a sixth of the time.
@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_content_hash_does_not_depend_on_key_order(rng: random.Random) -> None:
    data, reference = _default_data_and_hash()
    assert content_hash(parse_protocol(_shuffled(data, rng))) == reference


def test_content_hash_changes_when_content_changes(minimal: dict[str, Any]) -> None:
    before = content_hash(parse_protocol(minimal))
    minimal["design"]["target_sample_size"] = 9
    assert content_hash(parse_protocol(minimal)) != before


def test_content_hash_changes_when_a_translation_changes(minimal: dict[str, Any]) -> None:
    before = content_hash(parse_protocol(minimal))
    minimal["arms"][0]["name"]["fa"] = "الف"
    assert content_hash(parse_protocol(minimal)) != before


def test_canonical_json_keeps_persian_text_readable() -> None:
    assert "رضایت آگاهانه" in canonical_json(load_protocol(default_study_path()))


def test_included_files_add_their_sections(tmp_path: Path, minimal: dict[str, Any]) -> None:
    arms, criteria = minimal.pop("arms"), minimal.pop("criteria")
    _write(tmp_path / "arms.yaml", {"arms": arms})
    _write(tmp_path / "criteria.yaml", {"criteria": criteria})
    main = _write(tmp_path / "protocol.yaml", {**minimal, "include": ["arms.yaml", "criteria.yaml"]})
    protocol = load_protocol(main)
    assert [arm.id for arm in protocol.arms] == ["a", "b"]
    assert [c.id for c in protocol.criteria] == ["consent"]


def test_split_protocol_hashes_like_the_single_file(tmp_path: Path, minimal: dict[str, Any]) -> None:
    single = load_protocol(_write(tmp_path / "single.yaml", minimal))
    _write(tmp_path / "arms.yaml", {"arms": minimal.pop("arms")})
    split = load_protocol(_write(tmp_path / "protocol.yaml", {**minimal, "include": ["arms.yaml"]}))
    assert content_hash(split) == content_hash(single)


def test_a_section_defined_in_two_files_is_refused(tmp_path: Path, minimal: dict[str, Any]) -> None:
    _write(tmp_path / "arms.yaml", {"arms": minimal["arms"]})
    main = _write(tmp_path / "protocol.yaml", {**minimal, "include": ["arms.yaml"]})
    with pytest.raises(ProtocolError) as caught:
        load_protocol(main)
    assert caught.value.message == "arms.yaml: section 'arms' is defined in more than one file"
    assert [str(p) for p in caught.value.problems] == ["arms: defined again in arms.yaml"]


def test_include_must_be_a_list(tmp_path: Path, minimal: dict[str, Any]) -> None:
    main = _write(tmp_path / "protocol.yaml", {**minimal, "include": "arms.yaml"})
    with pytest.raises(ProtocolError, match="'include' must be a list"):
        load_protocol(main)


def test_a_missing_included_file_is_a_protocol_error(tmp_path: Path, minimal: dict[str, Any]) -> None:
    main = _write(tmp_path / "protocol.yaml", {**minimal, "include": ["absent.yaml"]})
    with pytest.raises(ProtocolError, match="cannot read protocol file"):
        load_protocol(main)
