"""Screening checklist, consent and randomize pages: the journey a site team takes, through the pages."""

from __future__ import annotations

import base64
from datetime import date

from django.urls import reverse

from tests.factories import all_met, consented
from trialdesk.core.roles import Role
from trialdesk.records.models import Allocation, AuditEntry, ConsentRecord, Participant
from trialdesk.services.randomization import generate
from trialdesk.services.studies import protocol_of

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 40).decode()


def _register(client, **overrides) -> Participant:  # type: ignore[no-untyped-def]
    data = {"site": "KUMS", "full_name": "Maryam K", "sex": "female", "year_of_birth": "1990"}
    data.update(overrides)
    response = client.post(reverse("enrolment:register"), data)
    assert response.status_code == 302, response.content.decode()
    return Participant.objects.order_by("-pk").first()


def _answers(participant: Participant, answers: dict[str, tuple[str, str]]) -> dict[str, str]:
    data = {"screened_on": "2026-01-10"}
    for cid, (value, note) in answers.items():
        data[f"answer_{cid}"] = value
        data[f"note_{cid}"] = note
    return data


def test_rheumatologist_registers_a_participant_and_lands_on_their_page(client_for, site) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    assert client.get(reverse("enrolment:register")).status_code == 200
    p = _register(client)
    assert p.study_code == "KUMS-001"
    page = client.get(reverse("enrolment:participant", args=[p.study_code])).content.decode()
    assert "Maryam K" in page and 'data-testid="not-randomized"' in page
    listing = client.get(reverse("participants")).content.decode()
    assert reverse("enrolment:participant", args=["KUMS-001"]) in listing


def test_registering_is_refused_to_a_monitor_and_form_errors_are_shown(client_for, site) -> None:
    assert client_for(Role.MONITOR).get(reverse("enrolment:register")).status_code == 403
    response = client_for(Role.INVESTIGATOR).post(
        reverse("enrolment:register"), {"site": "KUMS", "full_name": "", "sex": "female"}
    )
    assert response.status_code == 400 and Participant.objects.count() == 0
    assert "This field is required" in response.content.decode()


def test_service_rule_broken_on_register_is_a_400_page_naming_the_field(client_for, site) -> None:
    response = client_for(Role.RHEUMATOLOGIST).post(
        reverse("enrolment:register"),
        {"site": "KUMS", "full_name": "A", "sex": "female", "year_of_birth": "1800"},
    )
    assert response.status_code == 400 and "year_of_birth" in response.content.decode()


def test_screening_checklist_is_bilingual_and_grouped(client_for, site) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    p = _register(client)
    html = client.get(reverse("enrolment:screening", args=[p.study_code])).content.decode()
    assert "Class 3 or 4 resistant lupus nephritis" in html and "نفریت لوپوسی مقاوم کلاس ۳ یا ۴" in html
    for kind in ("inclusion", "inclusion_group", "exclusion"):
        assert f'data-testid="criteria-{kind}"' in html
    client.post(reverse("preferences"), {"language": "fa"})
    persian = client.get(reverse("enrolment:screening", args=[p.study_code])).content.decode()
    assert 'dir="rtl"' in persian and "فهرست غربالگری" in persian


def test_screen_fail_then_pass_keeps_both_attempts_with_reasons(client_for, site) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    p = _register(client)
    answers = all_met(p)
    answers["uncontrolled_hypertension"] = ("yes", "BP 180/110")
    response = client.post(reverse("enrolment:screening", args=[p.study_code]), _answers(p, answers))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "screen_failed"
    client.post(reverse("enrolment:screening", args=[p.study_code]), _answers(p, all_met(p)))
    p.refresh_from_db()
    assert p.status == "eligible"
    html = client.get(reverse("enrolment:participant", args=[p.study_code])).content.decode()
    assert html.count('data-testid="screening-decision"') == 2
    assert "Uncontrolled high blood pressure" in html and "exclusion applies" in html


def test_only_the_rheumatologist_screens(client_for, site) -> None:
    p = _register(client_for(Role.RHEUMATOLOGIST))
    investigator = client_for(Role.INVESTIGATOR)
    page = investigator.get(reverse("enrolment:screening", args=[p.study_code])).content.decode()
    assert 'data-testid="screening-form"' not in page
    response = investigator.post(reverse("enrolment:screening", args=[p.study_code]), _answers(p, all_met(p)))
    assert response.status_code == 403 and not p.screenings.exists()


def test_consent_records_who_when_which_version_and_the_drawn_signature(client_for, site) -> None:
    client = client_for(Role.INVESTIGATOR)
    p = _register(client)
    page = client.get(reverse("enrolment:consent", args=[p.study_code])).content.decode()
    assert 'data-testid="signature-canvas"' in page and "trialdesk/signature.js" in page
    versions = [d.version for d in protocol_of(p.protocol_version).consent]
    response = client.post(
        reverse("enrolment:consent", args=[p.study_code]),
        {"document_version": versions[-1], "consented_on": "2026-01-09", "signature_png": PNG},
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get(participant=p)
    assert (record.obtained_by, record.consented_on, record.signature_png) == (
        "investigator",
        date(2026, 1, 9),
        PNG,
    )
    html = client.get(reverse("enrolment:participant", args=[p.study_code])).content.decode()
    assert 'data-testid="signature-image"' in html


def test_consent_with_a_bad_signature_or_future_date_is_refused_naming_the_field(client_for, site) -> None:
    client = client_for(Role.INVESTIGATOR)
    p = _register(client)
    response = client.post(
        reverse("enrolment:consent", args=[p.study_code]),
        {"document_version": "1.0", "consented_on": "2030-01-01", "signature_png": "javascript:alert(1)"},
    )
    html = response.content.decode()
    assert response.status_code == 400 and "consented_on" in html and "signature" in html
    assert not ConsentRecord.objects.exists()


def test_withdrawal_records_date_and_scope_and_closes_the_forms(client_for, actors, site, clock) -> None:
    p = consented(actors, site, clock)
    client = client_for(Role.RHEUMATOLOGIST)
    response = client.post(
        reverse("enrolment:withdraw", args=[p.study_code]),
        {"withdrawn_on": "2026-01-10", "scope": "no_further_visits_data_kept", "reason": "moved away"},
    )
    assert response.status_code == 302
    html = client.get(reverse("enrolment:participant", args=[p.study_code])).content.decode()
    assert 'data-testid="withdrawal"' in html and "moved away" in html
    assert "data recorded so far are kept" in html
    again = client.post(reverse("enrolment:screening", args=[p.study_code]), _answers(p, all_met(p)))
    assert again.status_code == 409 and "withdrew consent" in again.content.decode()


def test_randomize_asks_for_confirmation_then_shows_the_arm(client_for, actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=4, clock=clock)
    p = consented(actors, site, clock)
    client = client_for(Role.INVESTIGATOR)
    before = client.get(reverse("enrolment:participant", args=[p.study_code])).content.decode()
    assert 'data-testid="randomize-link"' in before
    confirm = client.get(reverse("enrolment:randomize", args=[p.study_code])).content.decode()
    assert "final" in confirm and 'data-testid="randomize-confirm"' in confirm
    unconfirmed = client.post(reverse("enrolment:randomize", args=[p.study_code]), {})
    assert unconfirmed.status_code == 400 and not Allocation.objects.exists()
    response = client.post(
        reverse("enrolment:randomize", args=[p.study_code]), {"confirm": "on"}, follow=True
    )
    allocation = Allocation.objects.get(participant=p)
    arm_name = {"exosome": "Exosome", "control": "Control"}[allocation.arm]
    html = response.content.decode()
    assert f'<strong data-testid="allocated-arm">{arm_name}</strong>' in html
    assert AuditEntry.objects.filter(action="randomization.allocate", object_id=p.study_code).exists()
    second = client.post(reverse("enrolment:randomize", args=[p.study_code]), {"confirm": "on"})
    assert second.status_code == 409 and "final" in second.content.decode()


def test_randomize_without_a_list_is_a_clear_409(client_for, actors, site, clock) -> None:
    p = consented(actors, site, clock)
    response = client_for(Role.RHEUMATOLOGIST).post(
        reverse("enrolment:randomize", args=[p.study_code]), {"confirm": "on"}
    )
    assert response.status_code == 409 and "epidemiologist must generate" in response.content.decode()


def test_participant_of_another_site_is_not_found(client_for, actors, other_site, site, clock) -> None:
    p = consented(actors, site, clock)
    from trialdesk.services.people import add_person

    add_person(
        actors[Role.ADMINISTRATOR],
        study=site.study,
        username="teh-doctor",
        display_name="TEH",
        password="x-very-long-password-1",
        role=Role.RHEUMATOLOGIST,
        site=other_site,
        clock=clock,
    )
    from django.test import Client

    client = Client()
    assert client.login(username="teh-doctor", password="x-very-long-password-1")
    assert client.get(reverse("enrolment:participant", args=[p.study_code])).status_code == 404


def test_participant_page_keeps_the_other_areas_panels(client_for, actors, site, clock) -> None:
    from django.template.loader import get_template

    source = get_template("trialdesk/participant.html").template.source
    assert '{% include "trialdesk/treatment/participant_panel.html" %}' in source
    assert '{% include "trialdesk/casebook/participant_panel.html" %}' in source


def test_participant_page_in_persian_is_translated_with_jalali_dates(client_for, actors, site, clock) -> None:
    p = consented(actors, site, clock)
    client = client_for(Role.MONITOR)
    client.post(reverse("preferences"), {"language": "fa", "calendar": "jalali"})
    html = client.get(reverse("enrolment:participant", args=[p.study_code])).content.decode()
    assert "تصادفی‌سازی نشده است." in html and "واجد شرایط" in html
    assert "۱۴۰۴/۱۰/۲۰" in html  # 2026-01-10, the consent date, in Jalali with Persian digits
    assert p.identity.full_name in html  # the monitor verifies source documents and may see identity
