"""`trialdesk report`: the same templates written as an HTML file and as a PDF whose text holds the tables and
no identifying value."""

from __future__ import annotations

import io

import pytest

from trialdesk.cli_report import html_to_pdf, render_report
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry, Participant, ParticipantIdentity, Study
from trialdesk.services.actors import Actor


def test_results_report_as_html_and_pdf(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor]
) -> None:
    html = render_report("results", actors[Role.STATISTICIAN], study, None, "en")
    assert html.startswith("<!DOCTYPE html>") and 'data-testid="consort"' in html
    assert 'data-testid="table-' in html and "data:image/png;base64," in html
    pypdf = pytest.importorskip("pypdf")
    pdf = html_to_pdf(html)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Results report" in text and "Data cut-off" in text
    assert "Adverse events" in text or "adverse events" in text
    for identity in ParticipantIdentity.objects.all():
        assert identity.full_name not in text and identity.full_name not in html
    assert AuditEntry.objects.filter(action="report.results").count() == 1


def test_safety_report_in_persian(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor]
) -> None:
    html = render_report("safety", actors[Role.ETHICS_COMMITTEE], study, None, "fa")
    assert 'dir="rtl"' in html and "پیشرفت ثبت‌نام" in html
    for identity in ParticipantIdentity.objects.all():
        assert identity.full_name not in html


def test_the_persian_results_pdf_lays_the_consort_text_out_in_html(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor]
) -> None:
    """WeasyPrint does not apply bidi inside SVG text: the printed Persian diagram carries its text in HTML."""
    html = render_report("results", actors[Role.STATISTICIAN], study, None, "fa")
    assert 'data-testid="consort-overlay"' in html and "ارزیابی‌شده برای واجد شرایط بودن" in html
    assert "روش‌ها" in html and "Baseline characteristics" not in html
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(html_to_pdf(html))).pages)
    assert "ویژگی" in text
    for identity in ParticipantIdentity.objects.all():
        assert identity.full_name not in text
