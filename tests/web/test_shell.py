from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from trialdesk.core.roles import Role
from trialdesk.records.models import FailedSignIn, Site
from trialdesk.services.actors import Actor
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.testing import FixedClock

from ..conftest import PASSWORD


def _signed_in(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def test_pages_need_sign_in(actors: dict) -> None:
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_sign_in_with_password_reaches_the_dashboard(actors: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("login"),
        {"username": "monitor", "password": PASSWORD, "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert response.status_code == 200 and "placenta mesenchymal stem cell" in response.content.decode()


def test_sign_in_without_csrf_token_is_refused(actors: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "monitor", "password": PASSWORD})
    assert response.status_code == 403


def test_repeated_failed_sign_ins_lock_the_account_even_with_the_right_password(
    actors: dict, settings
) -> None:
    client = Client()
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        client.post(reverse("login"), {"username": "monitor", "password": "wrong-password"})
    assert FailedSignIn.objects.filter(username="monitor").count() == settings.LOGIN_THROTTLE_ATTEMPTS
    response = client.post(reverse("login"), {"username": "monitor", "password": PASSWORD})
    assert response.status_code == 200 and "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_stored_as_argon2_hashes(actors: dict) -> None:
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="monitor").password.startswith("argon2")


def test_persian_page_is_right_to_left_with_jalali_dates(actors: dict) -> None:
    client = _signed_in(Role.MONITOR)
    client.post(reverse("preferences"), {"language": "fa", "calendar": "jalali"})
    html = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "داشبورد" in html
    assert "۱۴۰۴/۱۰/" in html or "۱۴۰۵/" in html  # today in Jalali with Persian digits (2026 = 1404/1405)


def test_calendar_preference_both_shows_gregorian_and_jalali(
    actors: dict, site: Site, clock: FixedClock
) -> None:
    register_for_screening(
        actors[Role.RHEUMATOLOGIST],
        site=site,
        identity=IdentityDetails(full_name="A B"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    client = _signed_in(Role.MONITOR)
    client.post(reverse("preferences"), {"language": "en", "calendar": "both"})
    html = client.get(reverse("participants")).content.decode()
    assert "2026-01-10 (1404/10/20)" in html


def test_identity_column_is_absent_for_the_statistician(actors: dict, site: Site, clock: FixedClock) -> None:
    register_for_screening(
        actors[Role.RHEUMATOLOGIST],
        site=site,
        identity=IdentityDetails(full_name="Hidden Name"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    assert "Hidden Name" in _signed_in(Role.MONITOR).get(reverse("participants")).content.decode()
    assert "Hidden Name" not in _signed_in(Role.STATISTICIAN).get(reverse("participants")).content.decode()


def test_ethics_committee_gets_a_403_page_not_a_crash_on_the_participant_list(actors: dict) -> None:
    response = _signed_in(Role.ETHICS_COMMITTEE).get(reverse("participants"))
    assert response.status_code == 403 and "may not view participants" in response.content.decode()


def test_admin_is_for_superusers_only(actors: dict, study, system: Actor, clock: FixedClock) -> None:
    from trialdesk.services.people import add_person

    add_person(
        system,
        study=study,
        username="root-admin",
        display_name="Root",
        password=PASSWORD,
        role=Role.ADMINISTRATOR,
        site=None,
        superuser=True,
        clock=clock,
    )
    assert _signed_in(Role.ADMINISTRATOR).get("/admin/").status_code == 302  # a plain administrator role
    root = Client()
    root.login(username="root-admin", password=PASSWORD)
    assert root.get("/admin/").status_code == 200


def test_api_lists_participants_and_refuses_anonymous(actors: dict, site: Site, clock: FixedClock) -> None:
    register_for_screening(
        actors[Role.RHEUMATOLOGIST],
        site=site,
        identity=IdentityDetails(full_name="A B"),
        sex="male",
        year_of_birth=1970,
        clock=clock,
    )
    assert Client().get("/api/participants").status_code == 401
    rows = _signed_in(Role.STATISTICIAN).get("/api/participants").json()
    assert rows[0]["study_code"] == "KUMS-001" and rows[0]["full_name"] is None
    assert _signed_in(Role.ETHICS_COMMITTEE).get("/api/participants").status_code == 403
    schema = _signed_in(Role.STATISTICIAN).get("/api/openapi.json").json()
    assert "/api/participants" in schema["paths"]


@pytest.mark.parametrize("url", ["/", "/participants/"])
def test_pages_set_security_headers(actors: dict, url: str) -> None:
    response = _signed_in(Role.MONITOR).get(url)
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_load_swagger_from_the_app_not_a_cdn(actors: dict) -> None:
    page = _signed_in(Role.MONITOR).get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
