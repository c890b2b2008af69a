"""The participant home: tabs on every participant page, the timeline, the next step, search by code."""

from __future__ import annotations

import re

import pytest

from trialdesk.core.roles import Role
from trialdesk.records.models import Participant

pytestmark = pytest.mark.django_db

PARTICIPANT_ROLES = (
    Role.RHEUMATOLOGIST,
    Role.INVESTIGATOR,
    Role.MONITOR,
    Role.DATA_MANAGER,
    Role.STATISTICIAN,
)


def tab_links(body: str) -> dict[str, str]:
    bar = body.split('data-testid="participant-tabs"')[1].split("</nav>")[0]
    return dict((key, url) for url, key in re.findall(r'<a href="([^"]+)" data-testid="tab-([a-z_]+)"', bar))


def test_every_tab_a_role_is_shown_opens_and_carries_the_same_tab_bar(trial, client_for):
    code = trial.participants[0].study_code
    for role in PARTICIPANT_ROLES:
        client = client_for(role)
        tabs = tab_links(client.get(f"/participants/{code}/").content.decode())
        assert {"summary", "timeline", "screening", "consent"} <= tabs.keys(), role
        for key, url in tabs.items():
            page = client.get(url)
            assert page.status_code == 200, (role, key, url)
            assert tab_links(page.content.decode()) == tabs, (role, key)
            assert f'href="{url}" data-testid="tab-{key}" aria-current="page"' in page.content.decode()
    investigator = tab_links(client_for(Role.INVESTIGATOR).get(f"/participants/{code}/").content.decode())
    assert set(investigator) == {
        "summary", "timeline", "screening", "consent", "dosing", "visits", "forms", "adverse_events", "queries"
    }  # fmt: skip


def test_timeline_lists_what_happened_with_dates_newest_first(trial, client_for):
    code = trial.participants[0].study_code
    body = client_for(Role.INVESTIGATOR).get(f"/participants/{code}/timeline/").content.decode()
    kinds = re.findall(r'data-testid="timeline-entry" data-kind="([a-z_]+)"', body)
    for kind in ("registered", "screened", "consented", "randomized", "form_saved", "query_raised", "dose"):
        assert kind in kinds, kind
    assert "adverse_event" in kinds and kinds[-1] == "registered"
    assert "Form saved: Vital signs" in body and "Randomized to" in body


def test_pseudonymous_and_concealed_roles_see_neither_name_nor_arm(trial, client_for):
    participant = trial.participants[0]
    code = participant.study_code
    name = participant.identity.full_name
    arm = "Exosome"
    for role in (Role.DATA_MANAGER, Role.STATISTICIAN):
        for url in (f"/participants/{code}/", f"/participants/{code}/timeline/"):
            body = client_for(role).get(url).content.decode()
            assert f">{name}<" not in body, (role, url)
            if role is Role.DATA_MANAGER:
                assert f"Randomized to {arm}" not in body and 'data-testid="allocated-arm"' not in body
    manager_dosing = client_for(Role.DATA_MANAGER).get(f"/participants/{code}/dosing/").content.decode()
    assert 'data-testid="arm"' not in manager_dosing
    doctor = client_for(Role.INVESTIGATOR).get(f"/participants/{code}/").content.decode()
    assert 'data-testid="allocated-arm"' in doctor and f">{name}<" in doctor


def test_summary_names_the_next_step(trial, client_for, actors, site, clock):
    code = trial.participants[0].study_code  # the exosome arm: a ladder of doses
    body = client_for(Role.INVESTIGATOR).get(f"/participants/{code}/").content.decode()
    assert 'data-testid="next-step"' in body
    codes = re.findall(r'data-testid="next-step-item" data-code="([a-z_]+)"', body)
    assert "forms_overdue" in codes and ("dose_allowed" in codes or "dose_blocked" in codes)
    registered = Participant.objects.filter(status="registered").first()
    if registered is None:
        from tests.factories import consented

        registered = consented(actors, site, clock)
    body = client_for(Role.RHEUMATOLOGIST).get(f"/participants/{registered.study_code}/").content.decode()
    assert re.search(r'data-code="(screen|consent|randomize)"', body)


def test_participant_queries_tab_lists_that_participants_queries(trial, client_for):
    exosome, control = trial.participants
    monitor = client_for(Role.MONITOR)
    assert (
        "Please confirm the pulse"
        in monitor.get(f"/participants/{exosome.study_code}/queries/").content.decode()
    )
    assert (
        "Please confirm the pulse"
        not in monitor.get(f"/participants/{control.study_code}/queries/").content.decode()
    )


def test_search_by_code_opens_the_participant_or_lists_matches(trial, client_for):
    code = trial.participants[0].study_code
    client = client_for(Role.MONITOR)
    assert 'data-testid="participant-search"' in client.get("/").content.decode()
    found = client.get("/participants/", {"q": code.lower()})
    assert found.status_code == 302 and found["Location"] == f"/participants/{code}/"
    several = client.get("/participants/", {"q": "KUMS"}).content.decode()
    assert several.count('data-testid="participant-code"') == Participant.objects.count()
    assert "No participants yet." in client.get("/participants/", {"q": "NOPE"}).content.decode()
    assert (
        'data-testid="participant-search"' not in client_for(Role.ETHICS_COMMITTEE).get("/").content.decode()
    )


def test_visit_calendar_links_each_visit_to_its_forms(trial, client_for):
    code = trial.participants[0].study_code
    body = client_for(Role.INVESTIGATOR).get(f"/participants/{code}/visits/").content.decode()
    assert f'href="/participants/{code}/forms/#visit-baseline-1"' in body
    casebook = client_for(Role.INVESTIGATOR).get(f"/participants/{code}/forms/").content.decode()
    assert 'id="visit-baseline-1"' in casebook


def test_home_in_persian(trial, client_for):
    code = trial.participants[0].study_code
    body = client_for(Role.INVESTIGATOR, "fa").get(f"/participants/{code}/timeline/").content.decode()
    assert 'dir="rtl"' in body and "گاه‌شمار" in body


def test_save_and_go_to_next_form_leads_to_the_next_form_still_to_fill(trial, client_for, actors):
    from trialdesk.services.casebook.tracking import expected_forms
    from trialdesk.web.home.next_form import next_form_url

    exosome = trial.participants[0]
    code = exosome.study_code
    page = client_for(Role.INVESTIGATOR).get(f"/participants/{code}/forms/baseline/1/vital_signs/")
    assert 'name="then" value="next" class="secondary" data-testid="save-and-next"' in page.content.decode()
    investigator = actors[Role.INVESTIGATOR]
    forms = expected_forms(investigator, exosome)
    here = next(i for i, f in enumerate(forms) if (f.visit_id, f.form_id) == ("baseline", "vital_signs"))
    expected = next(
        f for f in forms[here + 1 :] if f.visit_id == "baseline" and f.state in ("due", "overdue")
    )
    assert next_form_url(investigator, exosome, "baseline", 1, "vital_signs") == (
        f"/participants/{code}/forms/baseline/1/{expected.form_id}/"
    )
