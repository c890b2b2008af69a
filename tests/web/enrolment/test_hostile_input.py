"""Hostile or careless registration input: a 4xx naming the field, nothing stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from trialdesk.core.input_rules import iranian_national_code_ok
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant, ParticipantIdentity

GOOD = {"site": "KUMS", "full_name": "Zahra K", "sex": "female", "national_id": "0499370899"}

HOSTILE = [
    ("full_name", {"full_name": "a\u0000b"}),
    ("full_name", {"full_name": "x" * 1_000_000}),
    ("full_name", {"full_name": "evil\u202egnp.exe"}),
    ("national_id", {"national_id": "1" * 40}),
    ("national_id", {"national_id": "12345"}),
    ("national_id", {"national_id": "0012345678"}),  # wrong check digit
    ("phone", {"phone": "abc"}),
    ("date_of_birth", {"date_of_birth": "9999-12-31"}),
    ("date_of_birth", {"date_of_birth": "1403-01-01"}),  # a Jalali-looking date is not read as Gregorian
    ("date_of_birth", {"date_of_birth": "-5"}),
    ("date_of_birth", {"date_of_birth": -5}),
    ("year_of_birth", {"date_of_birth": "1990-05-01", "year_of_birth": 1985}),
]


def _post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("field", "override"), HOSTILE)
def test_api_registration_refuses_hostile_values_naming_the_field(client_for, site, field, override) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    response = _post(client, "/api/participants/register", {**GOOD, **override})
    assert 400 <= response.status_code < 500, response.content[:300]
    assert field in response.content.decode()[:5000]
    assert not Participant.objects.exists() and not ParticipantIdentity.objects.exists()


@pytest.mark.parametrize(("field", "override"), HOSTILE[:9])
def test_page_registration_shows_the_form_again_naming_the_field(client_for, site, field, override) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    data = {**GOOD, "national_id_kind": "iranian", **override}
    response = client.post("/participants/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'name="full_name"' in page  # the form again, with what was typed kept
    assert not Participant.objects.exists()


def test_a_good_registration_and_a_foreign_identifier_are_stored(client_for, site) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    assert _post(client, "/api/participants/register", GOOD).status_code == 200
    foreign = {**GOOD, "national_id": "P1234567", "national_id_kind": "foreign", "phone": "+98 912 345 6789"}
    assert _post(client, "/api/participants/register", foreign).status_code == 200
    assert ParticipantIdentity.objects.filter(national_id_kind="foreign").count() == 1


def test_the_iranian_national_code_check_digit() -> None:
    assert iranian_national_code_ok("0499370899")
    assert iranian_national_code_ok("0012345679")
    assert not iranian_national_code_ok("0012345678")
    assert not iranian_national_code_ok("0000000000")
    assert not iranian_national_code_ok("049937089")
