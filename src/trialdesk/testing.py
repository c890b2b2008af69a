"""Fakes for the clock and the random source, so rules are tested with a fixed time and seed.

Production code takes a `Clock` (anything with `now() -> datetime`) and a `random.Random`;
tests hand it these.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC. Tests may stop it at an instant with `frozen_system_clock` (pages and the services
    they call read this clock, so a page test can run at 00:30 local time)."""

    def __init__(self) -> None:
        self.frozen_at: datetime | None = None

    def now(self) -> datetime:
        return self.frozen_at if self.frozen_at is not None else datetime.now(UTC)


@contextmanager
def frozen_system_clock(at: datetime) -> Iterator[None]:
    """Stop the system clock at `at` (aware) for the duration of the block."""
    previous = SYSTEM_CLOCK.frozen_at
    SYSTEM_CLOCK.frozen_at = at
    try:
        yield
    finally:
        SYSTEM_CLOCK.frozen_at = previous


@dataclass
class FixedClock:
    """A clock that says what it is told; `advance` moves it forward."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta


def seeded_random(seed: int = 20210608) -> random.Random:
    """A reproducible random source for tests (default seed: the ethics approval date)."""
    return random.Random(seed)


SYSTEM_CLOCK = SystemClock()
"""The default clock of every service (a module-level singleton: no call in argument defaults)."""
