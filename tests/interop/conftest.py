"""Fixtures of the interop tests: one small synthetic trial (rows as a service would stream them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.interop.synthetic import Trial, build_trial


@pytest.fixture(scope="module")
def trial() -> Trial:
    return build_trial(participants=4)


@pytest.fixture
def created_at() -> datetime:
    return datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def written_odm(
    writer: Callable[..., Iterable[bytes]], trial: Trial, created_at: datetime, path: Path
) -> Path:
    """The trial written by an ODM writer (1.3.2 or 2.0; the same keyword contract) to `path`."""
    with path.open("wb") as out:
        for chunk in writer(
            trial.protocol,
            values=trial.values,
            users=trial.users,
            sites=trial.sites,
            created_at=created_at,
            audit=trial.audit,
            queries=trial.queries,
            signatures=trial.signatures,
        ):
            out.write(chunk)
    return path
