"""The results page (statistician), its dataset downloads and the safety report (ethics committee)."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from tests.web.treatment.test_pages import signed_in
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry, GeneratedFile, Participant, ParticipantIdentity, Person

pytestmark = pytest.mark.django_db


def _no_identity(html: str) -> None:
    for identity in ParticipantIdentity.objects.all():
        assert identity.full_name not in html


def test_the_results_page_offers_generation_without_computing_the_report(
    trial: dict[str, Participant],
) -> None:
    """The report is a background job (tests/web/jobs); the page itself is quick and reads no data."""
    client = signed_in(Role.STATISTICIAN)
    page = client.get(reverse("results:results"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="generate-panel"' in html and 'data-testid="nav-results"' in html
    assert not AuditEntry.objects.filter(action="report.results").exists()


def test_a_dataset_is_still_downloadable_directly(trial: dict[str, Participant]) -> None:
    csv = signed_in(Role.STATISTICIAN).get(reverse("results:dataset", args=["participants", "csv"]))
    assert csv.status_code == 200
    assert csv["X-Content-SHA256"] == hashlib.sha256(csv.content).hexdigest()
    assert csv.content.decode().count("\n") == 1 + len(trial)


def test_ethics_committee_reads_the_safety_report(trial: dict[str, Participant]) -> None:
    client = signed_in(Role.ETHICS_COMMITTEE)
    page = client.get(reverse("results:safety_report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="enrolment"' in html and 'data-testid="stopping-status"' in html
    assert 'data-testid="nav-safety-report"' in html and 'data-testid="nav-results"' not in html
    _no_identity(html)
    assert client.get(reverse("results:results")).status_code == 403


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.MONITOR, Role.DATA_MANAGER, Role.RHEUMATOLOGIST])
def test_other_roles_are_refused(role: Role, trial: dict[str, Participant]) -> None:
    client = signed_in(role)
    assert client.get(reverse("results:results")).status_code == 403
    assert client.get(reverse("results:safety_report")).status_code == 403
    assert client.get(reverse("results:dataset", args=["participants", "csv"])).status_code == 403


def test_a_malformed_cut_off_is_a_clear_400(trial: dict[str, Participant]) -> None:
    answer = signed_in(Role.STATISTICIAN).get(reverse("results:safety_report") + "?cutoff=yesterday")
    assert answer.status_code == 400 and "cutoff" in answer.content.decode()


def test_the_safety_report_in_persian_is_right_to_left(trial: dict[str, Participant]) -> None:
    Person.objects.filter(user__username=Role.ETHICS_COMMITTEE.value).update(language="fa")
    html = signed_in(Role.ETHICS_COMMITTEE).get(reverse("results:safety_report")).content.decode()
    assert 'dir="rtl"' in html and "گزارش ایمنی برای کمیتهٔ اخلاق" in html
    _no_identity(html)


def _generated_results(language: str) -> str:
    """The statistician generates the results report (HTML) and opens its page."""
    client = signed_in(Role.STATISTICIAN)
    form = {"kind": "results_report", "format": "html", "language": language}
    assert client.post(reverse("jobs:request"), form, HTTP_HX_REQUEST="true").status_code == 200
    job = GeneratedFile.objects.latest("pk")
    return client.get(reverse("jobs:generated", args=[job.pk])).content.decode()


def test_the_results_report_has_methods_and_the_consort_results_items(trial: dict[str, Participant]) -> None:
    html = _generated_results("en")
    assert 'data-testid="methods"' in html and "Analysis plan version" in html
    for item in ("22", "23", "24", "25", "26", "27", "28", "appendix"):
        assert f'data-testid="consort-item-{item}"' in html
    assert 'data-testid="recruitment"' in html


def test_the_results_report_in_persian_is_worded_in_persian(trial: dict[str, Participant]) -> None:
    Person.objects.filter(user__username=Role.STATISTICIAN.value).update(language="fa")
    html = _generated_results("fa")
    for persian in ("روش‌ها", "جریان شرکت‌کنندگان", "ویژگی‌های پایه", "عوارض ناخواستهٔ جدی", "آسیب‌ها"):
        assert persian in html
    for english in ("Baseline characteristics", "Serious adverse events", "Participant flow"):
        assert english not in html
    _no_identity(html)
