"""Fixtures of the protocol tests: a minimal valid protocol mapping and the importer fixtures folder."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

_MINIMAL: dict[str, Any] = {
    "id": "mini-trial",
    "version": "1.0.0",
    "registration": {"scientific_title": {"en": "A minimal trial"}},
    "design": {"target_sample_size": 8},
    "arms": [{"id": "a", "name": {"en": "A"}}, {"id": "b", "name": {"en": "B"}}],
    "criteria": [{"id": "consent", "kind": "inclusion", "text": {"en": "Informed consent"}}],
}


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh, valid protocol mapping that a test may change."""
    return copy.deepcopy(_MINIMAL)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
