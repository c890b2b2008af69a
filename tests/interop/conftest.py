"""Fixtures of the interop tests: one small synthetic trial (rows as a service would stream them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.interop.synthetic import Trial, build_trial


@pytest.fixture(scope="module")
def trial() -> Trial:
    return build_trial(participants=4)


@pytest.fixture
def created_at() -> datetime:
    return datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
