"""Issue 15 through the pages: a form saved half-done and completed later, messages naming items by label,
SLEDAI-2K "none of the below", the query bubble and the Queries count, confirmations before signing with
forms missing and locking an unverified form, error pages with a way forward, the printable PDFs."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import consented
from tests.services.casebook.helpers import SLEDAI_ITEMS
from tests.web.casebook.test_form_pages import _client, _url
from trialdesk.records.casebook.models import FormRecord, Query
from trialdesk.records.models import AuditEntry, Participant

WEIGHT_8 = ("seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
            "lupus_headache", "cerebrovascular_accident", "vasculitis")  # fmt: skip


@pytest.fixture
def participant(enrol: Callable[..., Participant]) -> Participant:
    return enrol()


def _sledai(**answers: str) -> dict[str, str]:
    return {f"f-{k}": v for k, v in answers.items()}


def test_a_form_saved_incomplete_is_completed_later_and_messages_name_items_by_label(
    participant: Participant,
) -> None:
    client = _client("rheumatologist")
    url = _url(participant, "sledai_2k")
    refused = client.post(url, _sledai(pga="1", seizure="no") | {"save_as": "complete"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "<strong>Psychosis</strong>: is required" in page
    assert "<code>psychosis</code>" not in page and "sledai_2k" not in page.split("save-problems")[1][:400]
    saved = client.post(url, _sledai(pga="1", seizure="no") | {"save_as": "incomplete"})
    assert saved.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="status">Incomplete' in page and 'data-testid="save-incomplete"' in page
    assert FormRecord.objects.get(form_id="sledai_2k").status == "incomplete"
    rest = _sledai(pga="1", **{item: "no" for item in SLEDAI_ITEMS})
    assert client.post(url, rest | {"save_as": "complete"}).status_code == 302  # no reason: only new answers
    assert FormRecord.objects.get(form_id="sledai_2k").status == "complete"
    casebook = client.get(reverse("casebook:casebook", args=[participant.study_code])).content.decode()
    assert "Incomplete" not in casebook.split('data-testid="form-row-baseline-1-sledai_2k"')[1][:300]


def test_persian_save_as_incomplete_and_labels_in_persian(participant: Participant) -> None:
    client = _client("rheumatologist")
    client.post(reverse("preferences"), {"language": "fa"})
    url = _url(participant, "sledai_2k")
    refused = client.post(url, _sledai(pga="1") | {"save_as": "complete"}).content.decode()
    assert "<strong>تشنج</strong>" in refused and "ذخیره به‌صورت ناقص" in refused
    assert client.post(url, _sledai(pga="1") | {"save_as": "incomplete"}).status_code == 302
    assert 'data-testid="status">ناقص' in client.get(url).content.decode()


def test_none_of_the_below_marks_only_the_blocks_unanswered_descriptors_absent(
    participant: Participant,
) -> None:
    client = _client("rheumatologist")
    url = _url(participant, "sledai_2k")
    page = client.get(url).content.decode()
    assert 'data-testid="none-below-seizure"' in page and 'data-testid="none-below-arthritis"' in page
    body = client.post(
        _url(participant, "sledai_2k", "casebook:form_check") + "?none=seizure", _sledai(psychosis="yes")
    ).content.decode()
    assert 'value="yes" checked' in body.split('data-testid="item-psychosis"')[1][:900]
    for item in WEIGHT_8[2:]:
        assert 'value="no" checked' in body.split(f'data-testid="item-{item}"')[1][:900], item
    assert 'value="no" checked' not in body.split('data-testid="item-arthritis"')[1][:900]


def test_a_query_raised_from_the_bubble_beside_the_field_and_counted_in_the_menu(
    participant: Participant,
) -> None:
    site = _client("rheumatologist")
    url = _url(participant, "sledai_2k")
    site.post(url, _sledai(pga="1", seizure="no") | {"save_as": "incomplete"})
    monitor = _client("monitor")
    assert 'data-testid="query-bubble-pga"' in monitor.get(url).content.decode()
    bubble = _url(participant, "sledai_2k", "casebook:query_bubble")
    inline = monitor.get(bubble + "?item=pga").content.decode()
    assert 'name="item_path" value="pga"' in inline and "Physician Global Assessment" in inline
    assert "<script" not in inline and "<form" not in inline
    empty = monitor.post(bubble, {"item_path": "pga", "text": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and 'data-testid="query-inline-error"' in empty.content.decode()
    raised = monitor.post(bubble, {"item_path": "pga", "text": "PGA source?"}, HTTP_HX_REQUEST="true")
    assert raised.headers["HX-Redirect"] == url
    assert Query.objects.get().item_path == "pga"
    menu = site.get(reverse("dashboard")).content.decode()
    assert (
        'data-testid="nav-queries-count"' in menu and ">1</span>" in menu.split("nav-queries-count")[1][:80]
    )


def test_verifying_with_an_open_query_links_to_the_query_and_locking_unverified_asks_first(
    participant: Participant,
) -> None:
    _client("rheumatologist").post(
        _url(participant, "sledai_2k"), _sledai(pga="1") | {"save_as": "incomplete"}
    )
    monitor = _client("monitor")
    monitor.post(_url(participant, "sledai_2k", "casebook:query_raise"), {"item_path": "pga", "text": "?"})
    refused = monitor.post(_url(participant, "sledai_2k", "casebook:form_verify"))
    page = refused.content.decode()
    assert refused.status_code == 409 and 'data-testid="way-forward-link"' in page
    assert _url(participant, "sledai_2k") + "#queries" in page
    manager = _client("data_manager")
    lock = _url(participant, "sledai_2k", "casebook:form_lock")
    asked = manager.post(lock, {"reason": "end of study"})
    assert asked.status_code == 409 and 'data-testid="lock-unverified"' in asked.content.decode()
    assert not FormRecord.objects.get(form_id="sledai_2k").locked
    assert manager.post(lock, {"reason": "end of study", "confirm_unverified": "1"}).status_code == 302
    assert FormRecord.objects.get(form_id="sledai_2k").locked


def test_randomizing_without_a_list_warns_first_and_the_refusal_links_to_the_epidemiologist(
    actors, site, clock
) -> None:
    p = consented(actors, site, clock)
    doctor = _client("rheumatologist")
    url = reverse("enrolment:randomize", args=[p.study_code])
    assert 'data-testid="no-list-warning"' in doctor.get(url).content.decode()
    refused = doctor.post(url, {"confirm": "on"})
    assert refused.status_code == 409
    assert (
        f'href="{reverse("enrolment:generate")}" data-testid="way-forward-link"' in refused.content.decode()
    )


def test_the_blank_crf_and_the_filled_casebook_download_as_pdf_and_are_audited(
    participant: Participant,
) -> None:
    client = _client("rheumatologist")
    client.post(_url(participant, "sledai_2k"), _sledai(pga="1", fever="yes") | {"save_as": "incomplete"})
    blank = client.get(reverse("casebook:blank_crf_pdf"))
    assert blank.status_code == 200 and blank["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(blank.content)).pages)
    assert "Seizure" in text and "seizure" in text and "yes_no" in text and "lupus_anticoagulant" in text
    filled = client.get(reverse("casebook:casebook_pdf", args=[participant.study_code]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(filled.content)).pages)
    assert participant.study_code in text and "Fever" in text
    assert AuditEntry.objects.filter(action__in=("crf.print_blank", "casebook.print")).count() == 2
    assert _client("ethics_committee").get(reverse("casebook:blank_crf_pdf")).status_code == 403
