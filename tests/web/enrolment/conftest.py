"""Signed-in clients per role for the enrolment pages and endpoints."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from trialdesk.core.roles import Role


@pytest.fixture
def client_for(actors: dict) -> Callable[[Role], Client]:
    def make(role: Role) -> Client:
        client = Client()
        assert client.login(username=role.value, password=PASSWORD)
        return client

    return make
