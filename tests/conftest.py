"""Shared fixtures: a stored protocol, a site, and an actor for each role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from trialdesk.testing import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 10, 8, 30, tzinfo=UTC))


def minimal_protocol_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "mini-trial",
        "version": "1.0.0",
        "registration": {"scientific_title": {"en": "A minimal trial"}},
        "design": {"target_sample_size": 8},
        "arms": [{"id": "a", "name": {"en": "A"}}, {"id": "b", "name": {"en": "B"}}],
        "criteria": [{"id": "consent", "kind": "inclusion", "text": {"en": "Informed consent"}}],
    }
    data.update(overrides)
    return data
