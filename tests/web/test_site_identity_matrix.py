"""Who sees what (issue 12): identifying form items (`identifying: true`, the date of birth) reach only roles
with view_identity, on pages, in the API, in the item history and never in the audit log; a site-scoped reader
of the safety dashboard learns that the study is paused, not another site's participant, event term or grade."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import randomized
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry
from trialdesk.services.actors import actor_for
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.people import add_person
from trialdesk.services.treatment.adverse_events import AdverseEventInput, report_adverse_event

pytestmark = pytest.mark.django_db

BIRTH = "1990-05-17"
DEMOGRAPHICS = {
    "sex": "female",
    "birth_date_known": "yes",
    "birth_date": BIRTH,
    "height": "165.0",
    "screening_weight": "60.0",
}
SEE_IDENTITY = (Role.RHEUMATOLOGIST, Role.INVESTIGATOR, Role.MONITOR)
PSEUDONYMOUS = (Role.STATISTICIAN, Role.DATA_MANAGER)


def _client(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


@pytest.fixture
def demographics(actors, enrol, clock) -> str:
    participant = enrol()
    where = {"visit_id": "baseline", "occurrence": 1, "form_id": "demographics"}
    save_form(actors[Role.RHEUMATOLOGIST], participant, values=DEMOGRAPHICS, clock=clock, **where)
    return participant.study_code


def _reads(role: Role, code: str) -> dict[str, str]:
    client = _client(role)
    api = f"/api/casebook/participants/{code}/forms/baseline/1/demographics"
    page = reverse("casebook:form", args=[code, "baseline", 1, "demographics"])
    return {
        "api form": client.get(api).content.decode(),
        "api history": client.get(api + "/history").content.decode(),
        "page": client.get(page).content.decode(),
    }


@pytest.mark.parametrize("role", PSEUDONYMOUS)
def test_a_pseudonymous_role_never_reads_the_date_of_birth(demographics, role) -> None:
    for where, content in _reads(role, demographics).items():
        assert BIRTH not in content, where
        assert "165" in content or where == "api history" or "height" in content, where  # the rest is there


@pytest.mark.parametrize("role", SEE_IDENTITY)
def test_roles_that_see_identity_read_it(demographics, role) -> None:
    reads = _reads(role, demographics)
    assert BIRTH in reads["api form"] and BIRTH in reads["api history"]


def test_the_audit_log_never_holds_an_identifying_value(demographics) -> None:
    saves = AuditEntry.objects.filter(action="form.save")
    assert saves.exists()
    assert all(BIRTH not in str(entry.after) for entry in saves)
    assert any("identifying value recorded separately" in str(entry.after) for entry in saves)


@pytest.fixture
def paused_elsewhere(actors, site, other_site, system, clock):
    """A serious event at TUMS pauses the whole study (a KUMS reader may learn that, not whose or what)."""
    teh = {}
    for role in (Role.RHEUMATOLOGIST, Role.INVESTIGATOR, Role.EPIDEMIOLOGIST):
        person = add_person(
            system, study=site.study, username=f"teh-{role.value}", display_name=role.value,
            password=PASSWORD, role=role, site=other_site, clock=clock,
        )  # fmt: skip
        teh[role] = actor_for(person, site.study.pk)
    teh[Role.EPIDEMIOLOGIST] = actors[Role.EPIDEMIOLOGIST]
    elsewhere = randomized(teh, other_site, clock, arm="exosome")
    serious = AdverseEventInput(
        term="pneumonia", onset_at=clock.now() - timedelta(hours=1), grade=3, relationship_to_product="probable",
        relationship_to_conventional_therapy="not_related", expectedness="unexpected", action_taken="none",
        outcome="recovering", seriousness=frozenset({"hospitalization"}),
    )  # fmt: skip
    report_adverse_event(teh[Role.INVESTIGATOR], participant=elsewhere, details=serious, clock=clock)
    return elsewhere


def _names_nothing_of(elsewhere, content: str) -> None:
    assert elsewhere.study_code not in content
    assert "neumonia" not in content and "grade 3" not in content.lower()


def test_the_safety_dashboard_does_not_name_another_sites_participant_or_event(
    enrol, paused_elsewhere
) -> None:
    enrol(arm="exosome")  # a KUMS participant, so the KUMS monitor has something of their own
    monitor = _client(Role.MONITOR)  # KUMS only
    page = monitor.get(reverse("treatment:safety")).content.decode()
    api = monitor.get("/api/safety/dashboard")
    assert api.status_code == 200 and api.json()["study_paused"] is True
    assert 'data-paused="yes"' in page
    for content in (page, api.content.decode()):
        _names_nothing_of(paused_elsewhere, content)
    committee = _client(Role.ETHICS_COMMITTEE)  # study-wide: decides the pause, so reads it whole
    assert "neumonia" in committee.get("/api/safety/dashboard").content.decode()


def test_the_dosing_page_and_api_say_the_study_is_paused_without_another_sites_details(
    enrol, paused_elsewhere
) -> None:
    own = enrol(arm="exosome").study_code  # KUMS
    investigator = _client(Role.INVESTIGATOR)  # KUMS only
    api = investigator.get(f"/api/participants/{own}/dosing")
    assert api.status_code == 200, api.content
    status = api.json()
    assert status["study_paused"] is True and status["gate"]["allowed"] is False
    assert status["pause_reasons"] and all("another site" in m for m in status["pause_reasons"])
    page = investigator.get(reverse("treatment:dosing", args=[own])).content.decode()
    # the page names the stopping rule in force (its protocol text, in the page language), no event details
    assert 'data-testid="pause-reason"' in page
    for content in (page, api.content.decode()):
        _names_nothing_of(paused_elsewhere, content)
