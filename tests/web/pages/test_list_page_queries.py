"""Every list page paginates and asks the database the same number of queries at 10 and at 500 participants."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.pages.bulk import clone
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant

pytestmark = pytest.mark.django_db

LIST_PAGES = (
    (Role.INVESTIGATOR, "/"),
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


def test_a_list_page_shows_fifty_rows_a_page_with_the_total_and_links(trial, client_for):
    clone(trial.participants, 120 - Participant.objects.count())
    client = client_for(Role.INVESTIGATOR)
    first = client.get("/participants/").content.decode()
    assert first.count('data-testid="participant-code"') == 50 and "1–50 of 120" in first
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    last = client.get("/participants/?page=3").content.decode()
    assert last.count('data-testid="participant-code"') == 20 and 'href="?page=2" rel="prev"' in last
    assert "101–120 of 120" in client.get("/participants/?page=99").content.decode()
    persian = client_for(Role.INVESTIGATOR, "fa").get("/participants/?page=2").content.decode()
    pager = persian[persian.index('data-testid="pager"') :]
    pager = pager[: pager.index("</nav>")]
    assert "۵۱" in pager and "۱۰۰" in pager and "۱۲۰" in pager and "۲" in pager  # the page's digits
    text = re.sub(r"<[^>]*>", " ", pager)  # the words shown, not the links' ?page=N
    assert not re.search(r"[0-9]", text), text
