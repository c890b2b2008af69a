from __future__ import annotations

import pytest

from tests.services.exports.trial import SmallTrial, build


@pytest.fixture
def small_trial(actors, site, clock) -> SmallTrial:  # type: ignore[no-untyped-def]
    return build(actors, site, clock)
