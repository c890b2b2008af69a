"""Visit calendar, overdue list, adverse-event form (CTCAE texts, lab suggestion) and the safety dashboard pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.treatment.test_pages import dose, lot, sign_check, signed_in  # noqa: F401 (`lot` is a fixture)
from trialdesk.core.roles import Role
from trialdesk.records.treatment.models import AdverseEvent, ExpeditedReport, ProtocolDeviation, StudyPause

pytestmark = pytest.mark.django_db


def ae_data(**overrides: object) -> dict[str, object]:
    onset = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    data: dict[str, object] = {
        "term": "infusion_related_reaction",
        "onset_at": onset,
        "grade": "1",
        "relationship_to_product": "probable",
        "relationship_to_conventional_therapy": "not_related",
        "expectedness": "expected",
        "action_taken": "infusion_interrupted",
        "outcome": "recovering",
        "seriousness": ["not_serious"],
    }
    data.update(overrides)
    return data


# --- visits ---------------------------------------------------------------------------------------------------


def test_control_calendar_lists_visits_from_randomization_and_records_done_and_missed(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="control")
    client = signed_in(Role.RHEUMATOLOGIST)
    url = reverse("treatment:visits", args=[p.study_code])
    html = client.get(url).content.decode()
    assert 'data-testid="visit-baseline-1"' in html and 'data-testid="visit-end_of_study-1"' in html
    assert "post_injection_labs" not in html

    record = reverse("treatment:record_visit", args=[p.study_code])
    done = {"visit_id": "baseline", "occurrence": 1, "outcome": "done", "done_on": "2026-01-12"}
    assert client.post(record, done).status_code == 302
    missing_reason = {"visit_id": "assessment_w7", "occurrence": 1, "outcome": "missed", "reason": ""}
    refused = client.post(record, missing_reason)
    assert refused.status_code == 400
    assert (
        'data-testid="visit-error"' in refused.content.decode()
        and "<code>reason</code>: required" in refused.content.decode()
    )
    missed = missing_reason | {"reason": "travelled abroad"}
    assert client.post(record, missed).status_code == 302
    late = {"visit_id": "assessment_w14", "occurrence": 1, "outcome": "done", "done_on": "2026-06-30"}
    assert client.post(record, late).status_code == 302

    html = client.get(url).content.decode()
    assert 'data-testid="visit-baseline-1" data-status="done_in_window"' in html
    assert 'data-status="missed"' in html and 'data-status="done_out_of_window"' in html
    categories = sorted(ProtocolDeviation.objects.filter(participant=p).values_list("category", flat=True))
    assert categories == ["missed_visit", "visit_out_of_window"]


@pytest.mark.usefixtures("lot")
def test_exosome_lab_draw_waits_for_the_injection_and_is_anchored_on_its_actual_date(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    client = signed_in(Role.INVESTIGATOR)
    url = reverse("treatment:visits", args=[p.study_code])
    html = client.get(url).content.decode()
    assert 'data-testid="awaiting-anchor"' in html and "Safety draw 2-3 days after injection" in html

    sign_check(client, p.study_code)
    assert dose(client, p.study_code).status_code == 302
    html = client.get(url).content.decode()
    assert 'data-testid="visit-post_injection_labs-1" data-status="upcoming"' in html
    earliest = (timezone.localdate() + timedelta(days=2)).isoformat()
    row = html.split('data-testid="visit-post_injection_labs-1"')[1].split("</tr>")[0]
    assert earliest in row


def test_monitor_records_a_deviation_by_hand(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="control")
    client = signed_in(Role.MONITOR)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("treatment:record_deviation", args=[p.study_code]),
        {"category": "procedure", "reason": "blood drawn in the wrong tube", "occurred_on": today},
    )
    assert response.status_code == 302
    assert ProtocolDeviation.objects.get(participant=p).recorded_by == "monitor"


def test_overdue_list_per_site_shows_the_missed_windows(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="control")
    client = signed_in(Role.INVESTIGATOR)
    html = client.get(reverse("treatment:overdue") + "?site=KUMS").content.decode()
    assert p.study_code in html and 'data-testid="overdue-row"' in html
    assert client.get(reverse("treatment:overdue") + "?site=NOPE").status_code == 404
    assert signed_in(Role.ETHICS_COMMITTEE).get(reverse("treatment:overdue")).status_code == 403


# --- adverse events -------------------------------------------------------------------------------------------


def test_adverse_event_form_reports_and_updates_an_event(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    client = signed_in(Role.INVESTIGATOR)
    url = reverse("treatment:adverse_events", args=[p.study_code])
    page = client.get(url).content.decode()
    # No term and no clinical judgement is preselected: every select opens on its blank "choose" option.
    form = page.split('data-testid="ae-form"')[1]
    assert "Mild transient reaction" not in page and not re.search(r'<option value="[^"]+"\s*selected', form)
    assert not re.search(r"<input[^>]*\schecked", form)
    assert (
        "Mild transient reaction"
        in client.get(
            reverse("treatment:ctcae_grades"), {"term": "infusion_related_reaction"}
        ).content.decode()
    )
    assert client.post(url, ae_data()).status_code == 302
    event = AdverseEvent.objects.get(participant=p)
    resolved = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    update = ae_data(outcome="recovered", resolved_at=resolved, reason="resolved after antihistamine")
    assert client.post(f"{url}?event={event.number}", update).status_code == 302
    event.refresh_from_db()
    assert event.outcome == "recovered" and event.current_version == 2


def test_inconsistent_adverse_event_is_refused_with_the_rule_named(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    response = signed_in(Role.INVESTIGATOR).post(
        reverse("treatment:adverse_events", args=[p.study_code]), ae_data(term="anaphylaxis", grade="1")
    )
    assert response.status_code == 400
    assert "Anaphylaxis has no grade 1" in response.content.decode()
    assert not AdverseEvent.objects.exists()


def test_grade_texts_and_lab_suggestion_partials(actors) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(Role.INVESTIGATOR)
    grades = client.get(reverse("treatment:ctcae_grades"), {"term": "anaphylaxis"}).content.decode()
    assert 'data-testid="grade-3"' in grades and 'data-testid="grade-1"' not in grades
    low = {"lab_test": "glucose", "lab_value": "45", "lab_unit": "mg/dL", "lab_lln": "70", "lab_uln": "100"}
    html = client.get(reverse("treatment:lab_suggestion"), low).content.decode()
    assert 'data-testid="suggested-grade" data-term="hypoglycemia" data-grade="2"' in html
    high = low | {"lab_value": "250"}
    assert (
        'data-testid="hyperglycemia-question"'
        in client.get(reverse("treatment:lab_suggestion"), high).content.decode()
    )
    no_range = {"lab_test": "glucose", "lab_value": "45", "lab_unit": "mg/dL"}
    assert "No LLN given" in client.get(reverse("treatment:lab_suggestion"), no_range).content.decode()
    tg = {"lab_test": "triglycerides", "lab_value": "600", "lab_unit": "mg/dL"}
    assert 'data-grade="3"' in client.get(reverse("treatment:lab_suggestion"), tg).content.decode()


def test_statistician_reads_adverse_events_but_has_no_form(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="control")
    client = signed_in(Role.STATISTICIAN)
    html = client.get(reverse("treatment:adverse_events", args=[p.study_code])).content.decode()
    assert 'data-testid="adverse-events"' in html and 'data-testid="ae-form"' not in html
    assert client.post(reverse("treatment:adverse_events", args=[p.study_code]), ae_data()).status_code == 403


# --- safety dashboard -----------------------------------------------------------------------------------------


def test_related_sae_pauses_dosing_starts_a_clock_and_the_committee_lifts_the_pause(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    other = enrol(arm="exosome")
    investigator = signed_in(Role.INVESTIGATOR)
    sae = ae_data(term="fever", grade="2", seriousness=["hospitalization"], expectedness="unexpected")
    assert investigator.post(reverse("treatment:adverse_events", args=[p.study_code]), sae).status_code == 302
    report = ExpeditedReport.objects.get()

    html = investigator.get(reverse("treatment:safety")).content.decode()
    assert 'data-paused="yes"' in html and f'data-testid="report-{report.event.code}"' in html
    dosing = investigator.get(reverse("treatment:dosing", args=[other.study_code])).content.decode()
    assert 'data-testid="reason-study_paused"' in dosing and 'data-testid="pause-reason"' in dosing

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = investigator.post(
        reverse("treatment:mark_sent", args=[report.pk]), {"sent_on": tomorrow, "which": "initial"}
    )
    assert future.status_code == 400 and "<code>sent_on</code>: in the future" in future.content.decode()

    today = timezone.localdate().isoformat()
    sent = investigator.post(
        reverse("treatment:mark_sent", args=[report.pk]), {"sent_on": today, "which": "initial"}
    )
    assert sent.status_code == 302
    report.refresh_from_db()
    assert report.sent_on is not None

    pause = StudyPause.objects.get()
    ethics = signed_in(Role.ETHICS_COMMITTEE)
    assert ethics.get(reverse("treatment:safety")).status_code == 200
    refused = investigator.post(
        reverse("treatment:decide_pause", args=[pause.pk]), {"lift": "lift", "decision": "resume"}
    )
    assert refused.status_code == 403
    decided = ethics.post(
        reverse("treatment:decide_pause", args=[pause.pk]),
        {"lift": "lift", "decision": "DSMB reviewed: resume"},
    )
    assert decided.status_code == 302
    pause.refresh_from_db()
    assert pause.state == "lifted"
    assert 'data-paused="no"' in ethics.get(reverse("treatment:safety")).content.decode()


def test_safety_dashboard_is_refused_to_roles_without_safety_access(actors) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(Role.EPIDEMIOLOGIST).get(reverse("treatment:safety")).status_code == 403
    assert Client().get(reverse("treatment:safety")).status_code == 302  # sign in first


@pytest.mark.parametrize(
    "missing",
    [
        "relationship_to_product",
        "relationship_to_conventional_therapy",
        "expectedness",
        "action_taken",
        "outcome",
        "seriousness",
    ],
)
def test_adverse_event_without_an_explicit_choice_is_refused_by_the_page(enrol, missing) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    data = ae_data()
    del data[missing]
    response = signed_in(Role.INVESTIGATOR).post(
        reverse("treatment:adverse_events", args=[p.study_code]), data
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose it explicitly" in html or "None of these: not serious" in html
    assert not AdverseEvent.objects.exists()


def test_not_serious_cannot_be_ticked_with_a_criterion(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    data = ae_data(seriousness=["not_serious", "hospitalization"])
    response = signed_in(Role.INVESTIGATOR).post(
        reverse("treatment:adverse_events", args=[p.study_code]), data
    )
    assert response.status_code == 400 and not AdverseEvent.objects.exists()


def test_fever_suggestion_from_a_temperature_on_the_adverse_event_form(actors) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(Role.INVESTIGATOR)
    url = reverse("treatment:lab_suggestion")
    fever = {"lab_test": "temperature", "lab_value": "39.5", "lab_unit": "°C"}
    assert 'data-term="fever" data-grade="2"' in client.get(url, fever).content.decode()
    hot = fever | {"lab_value": "40.6"}
    assert 'data-testid="suggestion-note"' in client.get(url, hot).content.decode()
    assert 'data-grade="4"' in client.get(url, hot | {"hours_above_40": "30"}).content.decode()
    no_lln = {"lab_test": "glucose", "lab_value": "50", "lab_unit": "mg/dL"}
    assert "No LLN" in client.get(url, no_lln).content.decode()
