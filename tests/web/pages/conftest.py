"""A small trial made the real way (forms, a query, a dose, an adverse event, a signature) and signed-in
clients per role, for the list pages, the status grid and the participant home."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.services.exports.trial import SmallTrial, build
from trialdesk.core.roles import Role
from trialdesk.records.models import Site
from trialdesk.services.actors import Actor
from trialdesk.testing import FixedClock


@pytest.fixture
def trial(actors: dict[Role, Actor], site: Site, clock: FixedClock) -> SmallTrial:
    return build(actors, site, clock)


@pytest.fixture
def client_for(actors: dict[Role, Actor]) -> Callable[..., Client]:
    def make(role: Role, language: str = "en") -> Client:
        client = Client()
        assert client.login(username=role.value, password=PASSWORD)
        client.post(reverse("preferences"), {"language": language})
        return client

    return make
