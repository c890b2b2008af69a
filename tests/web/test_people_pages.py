"""Administrators manage people, roles and sites on pages; the dashboard says what waits for the user."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import consented
from trialdesk.core.roles import Role
from trialdesk.records.models import Person, RoleAssignment, Site

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def test_administrator_adds_a_site_a_person_and_a_role_on_pages(actors: dict, site: Site) -> None:
    admin = _client(Role.ADMINISTRATOR)
    assert admin.get(reverse("people")).status_code == 200
    response = admin.post(
        reverse("people"), {"which": "site", "site-code": "teh", "site-name": "Tehran centre"}
    )
    assert response.status_code == 302 and Site.objects.filter(code="TEH").exists()
    response = admin.post(
        reverse("people"),
        {
            "which": "person",
            "person-username": "dr.new",
            "person-display_name": "Dr New",
            "person-password": "a-long-enough-passphrase-42",
            "person-role": "investigator",
            "person-site": "TEH",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(user__username="dr.new")
    assert RoleAssignment.objects.get(person=person).site.code == "TEH"
    response = admin.post(
        reverse("people"),
        {"which": "grant", "grant-person": str(person.pk), "grant-role": "monitor", "grant-site": ""},
    )
    assert response.status_code == 302
    assert {a.role for a in RoleAssignment.objects.filter(person=person)} == {"investigator", "monitor"}
    page = admin.get(reverse("people")).content.decode()
    assert "Dr New" in page and "Tehran centre" in page


def test_a_refused_person_names_the_field_and_changes_nothing(actors: dict, site: Site) -> None:
    admin = _client(Role.ADMINISTRATOR)
    response = admin.post(
        reverse("people"),
        {
            "which": "person",
            "person-username": "monitor",
            "person-display_name": "Again",
            "person-password": "a-long-enough-passphrase-42",
            "person-role": "monitor",
            "person-site": "",
        },
    )
    assert response.status_code == 400 and "already taken" in response.content.decode()
    assert not Person.objects.filter(display_name="Again").exists()


def test_only_an_administrator_reaches_the_people_page(actors: dict) -> None:
    response = _client(Role.MONITOR).get(reverse("people"))
    assert response.status_code == 403
    assert reverse("people") not in _client(Role.MONITOR).get(reverse("dashboard")).content.decode()


def test_dashboard_says_what_waits_for_the_rheumatologist(actors: dict, site: Site, clock) -> None:  # type: ignore[no-untyped-def]
    consented(actors, site, clock)
    page = _client(Role.RHEUMATOLOGIST).get(reverse("dashboard")).content.decode()
    assert 'data-testid="task-randomize"' in page and "waiting for randomization" in page
    monitor_page = _client(Role.MONITOR).get(reverse("dashboard")).content.decode()
    assert "task-randomize" not in monitor_page and "Nothing is waiting for you today." in monitor_page


def test_sign_in_page_names_the_trial(study) -> None:  # type: ignore[no-untyped-def]
    page = Client().get(reverse("login")).content.decode()
    assert 'data-testid="signin-study"' in page and "placenta mesenchymal stem cell" in page
