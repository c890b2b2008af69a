"""Saving forms, wrong roles (403), domain errors as messages, queries, verification, locks, the
e-signature and the database lock, through the pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.web.casebook.test_form_pages import LAB, _client, _url
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.verification import lock_database


@pytest.fixture
def participant(enrol: Callable[..., Participant]) -> Participant:
    return enrol()


def test_save_needs_confirmation_then_shows_standardized_value_and_later_needs_a_reason(
    participant: Participant,
) -> None:
    client = _client("rheumatologist")
    url = _url(participant, "lab_panel")
    refused = client.post(url, LAB)
    assert refused.status_code == 400
    assert "confirm with a reason" in refused.content.decode()
    saved = client.post(url, LAB | {"confirm-glucose": "Non-fasting repeat confirmed by the laboratory"})
    assert saved.status_code == 302
    page = client.get(url).content.decode()
    assert (
        'data-testid="std-glucose"><bdi dir="ltr">= 540.48 mg/dL' in page
        and 'data-testid="flag-c3">L' in page
    )
    assert 'data-testid="change-reason"' in page
    assert re.search(r'data-testid="ctcae-glucose">CTCAE v5.0: Hyperglycemia', page)
    changed = LAB | {"f-c3-value": "61", "confirm-glucose": "confirmed"}
    no_reason = client.post(url, changed)
    assert no_reason.status_code == 400 and "reason for the change" in no_reason.content.decode()
    assert client.post(url, changed | {"change_reason": "transcription error"}).status_code == 302
    history = client.get(url).content.decode()
    assert 'data-testid="item-history"' in history and "transcription error" in history
    assert "<td>60 mg/dL</td><td>61 mg/dL</td>" in history


def test_wrong_roles_are_refused_with_403(participant: Participant) -> None:
    _client("rheumatologist").post(_url(participant, "lab_panel"), LAB | {"confirm-glucose": "ok"})
    assert _client("statistician").post(_url(participant, "lab_panel"), LAB).status_code == 403
    assert (
        _client("rheumatologist").post(_url(participant, "lab_panel", "casebook:form_verify")).status_code
        == 403
    )
    lock = _url(participant, "lab_panel", "casebook:form_lock")
    assert _client("monitor").post(lock, {"reason": "x"}).status_code == 403
    sign = reverse("casebook:sign", args=[participant.study_code])
    assert _client("monitor").post(sign, {"password": PASSWORD}).status_code == 403
    statistician_page = _client("statistician").get(_url(participant, "lab_panel")).content.decode()
    assert 'data-testid="save-form"' not in statistician_page and "disabled" in statistician_page


def test_domain_errors_are_messages_not_500(participant: Participant) -> None:
    monitor = _client("monitor")
    not_saved = monitor.post(
        _url(participant, "lab_panel", "casebook:query_raise"), {"item_path": "glucose", "text": "?"}
    )
    assert not_saved.status_code == 404 and "is not saved yet" in not_saved.content.decode()
    _client("rheumatologist").post(_url(participant, "lab_panel"), LAB | {"confirm-glucose": "ok"})
    empty = monitor.post(
        _url(participant, "lab_panel", "casebook:query_raise"), {"item_path": "glucose", "text": ""}
    )
    assert empty.status_code == 400 and "A query needs a text" in empty.content.decode()
    wrong_visit = _client("rheumatologist").get(_url(participant, "lab_panel", visit="no_such_visit"))
    assert wrong_visit.status_code == 400 and "is not a visit of arm" in wrong_visit.content.decode()


def test_query_lifecycle_verification_lock_and_signature_through_the_pages(participant: Participant) -> None:
    site, monitor, manager = _client("rheumatologist"), _client("monitor"), _client("data_manager")
    url = _url(participant, "lab_panel")
    site.post(url, LAB | {"confirm-glucose": "confirmed"})
    monitor.post(
        _url(participant, "lab_panel", "casebook:query_raise"), {"item_path": "c3", "text": "Check C3?"}
    )
    assert 'data-testid="query-badge-c3"' in site.get(url).content.decode()
    inbox = site.get(reverse("casebook:queries")).content.decode()
    query_id = int(re.search(r'data-testid="answer-(\d+)"', inbox).group(1))  # type: ignore[union-attr]
    site.post(reverse("casebook:query_answer", args=[query_id]), {"text": "C3 is 60 mg/dL on the report"})
    assert f'data-testid="close-{query_id}"' in monitor.get(reverse("casebook:queries")).content.decode()
    monitor.post(reverse("casebook:query_close", args=[query_id]), {"text": "thanks"})
    monitor.post(_url(participant, "lab_panel", "casebook:form_verify"))
    assert 'data-testid="verified"' in monitor.get(url).content.decode()

    manager.post(_url(participant, "lab_panel", "casebook:form_lock"), {"reason": "cleaned"})
    locked = site.post(url, LAB | {"confirm-glucose": "x", "change_reason": "late edit"})
    assert locked.status_code == 409 and "is locked" in locked.content.decode()
    manager.post(_url(participant, "lab_panel", "casebook:form_unlock"), {"reason": "correction requested"})
    assert 'data-testid="locked"' not in site.get(url).content.decode()

    investigator = _client("investigator")
    sign = reverse("casebook:sign", args=[participant.study_code])
    assert "I confirm that I have reviewed" in investigator.get(sign).content.decode()
    unconfirmed = investigator.post(sign, {"password": PASSWORD})  # other baseline forms are still missing
    assert unconfirmed.status_code == 400 and "Forms are missing" in unconfirmed.content.decode()
    assert 'data-testid="sign-missing"' in unconfirmed.content.decode()
    wrong = investigator.post(sign, {"password": "not-it", "confirm_missing": "1"})
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    assert investigator.post(sign, {"password": PASSWORD, "confirm_missing": "1"}).status_code == 302
    casebook = investigator.get(reverse("casebook:casebook", args=[participant.study_code])).content.decode()
    assert "Signed by investigator" in casebook and 'data-testid="form-row-baseline-1-lab_panel"' in casebook


def test_after_the_database_lock_pages_are_read_only_and_a_save_is_refused_with_a_message(
    participant: Participant, actors: dict[Role, Actor]
) -> None:
    site = _client("rheumatologist")
    url = _url(participant, "lab_panel")
    site.post(url, LAB | {"confirm-glucose": "confirmed"})
    lock_database(actors[Role.DATA_MANAGER], participant.study, reason="final analysis")
    page = site.get(url).content.decode()
    assert "The database is locked" in page and 'data-testid="save-form"' not in page
    refused = site.post(url, LAB | {"confirm-glucose": "x", "change_reason": "late"})
    assert refused.status_code == 409 and "The database was locked" in refused.content.decode()
    raise_url = _url(participant, "lab_panel", "casebook:query_raise")
    assert _client("monitor").post(raise_url, {"item_path": "c3", "text": "?"}).status_code == 409
