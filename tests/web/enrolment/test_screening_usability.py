"""Issue 15, item 8: screening with less to undo (an empty checklist is not recorded, the result is shown
after recording, the history shows answers and notes), withdrawal offered only after consent, and the
signature pad naming whose signature it takes."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import all_met, consented
from tests.web.enrolment.test_pages import _answers, _register
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry, ScreeningRecord


def test_an_empty_screening_checklist_is_refused_and_nothing_is_recorded(client_for, site) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    p = _register(client)
    refused = client.post(reverse("enrolment:screening", args=[p.study_code]), {"screened_on": "2026-01-10"})
    assert refused.status_code == 400 and "Nothing was recorded" in refused.content.decode()
    unknown_only = _answers(p, {c: ("unknown", "") for c in list(all_met(p))[:3]})
    assert client.post(reverse("enrolment:screening", args=[p.study_code]), unknown_only).status_code == 400
    assert not ScreeningRecord.objects.exists()
    assert not AuditEntry.objects.filter(action="screening.record").exists()


def test_after_a_screen_failure_the_page_shows_the_result_and_the_history_the_answers(
    client_for, site
) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    p = _register(client)
    answers = all_met(p)
    answers["uncontrolled_hypertension"] = ("yes", "BP 180/110 on 2026-01-09")
    url = reverse("enrolment:screening", args=[p.study_code])
    assert client.post(url, _answers(p, answers)).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="screening-result"' in page and 'data-testid="screening-form"' not in page
    assert "not eligible" in page.split('data-testid="screening-result-decision"')[1][:60]
    history = page.split('data-testid="screening-answers-1"')[1]
    assert "BP 180/110 on 2026-01-09" in history and "Uncontrolled high blood pressure" in history
    again = client.get(url + "?again=1").content.decode()
    assert 'data-testid="screening-form"' in again and 'value="BP 180/110 on 2026-01-09"' in again


def test_withdrawal_is_offered_only_after_consent_and_the_pad_names_the_signer(
    client_for, actors, site, clock
) -> None:
    client = client_for(Role.RHEUMATOLOGIST)
    p = _register(client)
    before = client.get(reverse("enrolment:consent", args=[p.study_code])).content.decode()
    assert 'data-testid="withdrawal-form"' not in before
    assert f"Signature of the participant giving consent ({p.study_code})" in before
    other = consented(actors, site, clock, name="Q")
    after = client.get(reverse("enrolment:consent", args=[other.study_code])).content.decode()
    assert 'data-testid="withdrawal-form"' in after
