"""Shared fixtures: a stored protocol, a site, and an actor for each role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from tests.factories import randomized
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant, Site, Study
from trialdesk.services.actors import Actor, actor_for
from trialdesk.services.people import add_person
from trialdesk.services.sites import create_site
from trialdesk.services.studies import install_protocol
from trialdesk.testing import FixedClock

# Speed is measured in bench/, not asserted: a loaded CI machine must not fail a property test on time.
hypothesis_settings.register_profile("trialdesk", deadline=None)
hypothesis_settings.load_profile("trialdesk")

# The pure layers' tests never open a database, so they behave the same on every engine: CI runs them in the
# SQLite pass only (`.ci/run` passes `--ignore` for these folders to the PostgreSQL pass). A test here that
# asked for the database would silently run on one engine, so collecting one is an error.
PURE_TEST_FOLDERS = ("tests/core/", "tests/protocol/", "tests/analysis/")
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wrong = [
        item.nodeid
        for item in items
        if item.nodeid.startswith(PURE_TEST_FOLDERS)
        and (
            item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
    ]
    if wrong:
        raise pytest.UsageError(
            "tests of the pure layers must not use the database (move them to tests/services or tests/web): "
            + ", ".join(wrong)
        )


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


PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def system() -> Actor:
    return Actor.system("installer")


@pytest.fixture
def study(db: None, system: Actor, clock: FixedClock) -> Study:
    return install_protocol(system, clock=clock).study


@pytest.fixture
def site(study: Study, system: Actor, clock: FixedClock) -> Site:
    return create_site(system, study=study, code="KUMS", name="Medical Biology Research Center", clock=clock)


@pytest.fixture
def other_site(study: Study, system: Actor, clock: FixedClock) -> Site:
    return create_site(system, study=study, code="TEH", name="Another centre", clock=clock)


@pytest.fixture
def actors(study: Study, site: Site, system: Actor, clock: FixedClock) -> dict[Role, Actor]:
    """One person per role at the KUMS site (epidemiologist, ethics committee, statistician, data manager study-wide)."""
    study_wide = {
        Role.EPIDEMIOLOGIST,
        Role.ETHICS_COMMITTEE,
        Role.STATISTICIAN,
        Role.DATA_MANAGER,
        Role.ADMINISTRATOR,
    }
    out: dict[Role, Actor] = {}
    for role in Role:
        person = add_person(
            system,
            study=study,
            username=role.value,
            display_name=role.value.title(),
            password=PASSWORD,
            role=role,
            site=None if role in study_wide else site,
            clock=clock,
        )
        out[role] = actor_for(person, study.pk)
    return out


@pytest.fixture
def enrol(actors: dict[Role, Actor], site: Site, clock: FixedClock) -> Callable[..., Participant]:
    """Factory fixture: `enrol()` or `enrol(arm="exosome")` gives a randomized participant at KUMS."""

    def make(arm: str | None = None) -> Participant:
        return randomized(actors, site, clock, arm=arm)

    return make
