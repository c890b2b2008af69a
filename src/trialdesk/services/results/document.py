"""A report as a standalone HTML document (the page templates, no site chrome) and as PDF (WeasyPrint).

Shared by the pages, the background job that keeps a generated report, and `trialdesk report`: the same
context and the same templates give the same document wherever it is made. Figures are `data:` URIs, so
nothing is fetched when the document is shown or turned into a PDF.
"""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from trialdesk.analysis.consort_html import consort_overlay
from trialdesk.analysis.sections import results_sections
from trialdesk.services.results import ResultsReport, SafetyReport


def data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def results_context(report: ResultsReport, *, printed: bool = False) -> dict[str, Any]:
    """What the results templates show (the page, the CLI's HTML file and the PDF share it). Printed in a
    right-to-left language, the CONSORT diagram's text is laid out in HTML over the boxes (`consort_html`):
    WeasyPrint has no bidi inside SVG text. The page keeps the SVG (its CSP refuses inline styles)."""
    results = report.results
    overlay = ""
    if printed and report.title.language == "fa":
        overlay = mark_safe(consort_overlay(results.consort, gettext, "fa"))  # noqa: S308 (text escaped)
    return {
        "consort_overlay": overlay,
        "methods": report.methods,
        "sections": results_sections(results.tables),
        "recruitment": report.recruitment,
        "title": report.title,
        "plan_version": report.plan_version,
        "plan_sha256": report.plan_sha256,
        "datasets": results.datasets,
        "consort_svg": data_uri(results.consort_svg.encode("utf-8"), "image/svg+xml"),
        "tables": results.tables,
        "figures": [
            (name, data_uri(content, "image/png")) for name, content in sorted(results.figures.items())
        ],
    }


def safety_context(report: SafetyReport) -> dict[str, Any]:
    return {
        "title": report.title,
        "report": report,
        "tables": report.tables,
        "randomized_total": sum(n for _, n in report.randomized_by_arm),
    }


def render_document(report: ResultsReport | SafetyReport, language: str, *, printed: bool = False) -> str:
    """The standalone HTML document of a results or safety report, in `language` (`printed`: for the PDF)."""
    with translation.override(language):
        if isinstance(report, SafetyReport):
            context = {**safety_context(report), "kind": "safety"}
        else:
            context = {**results_context(report, printed=printed), "kind": "results"}
        return render_to_string("trialdesk/results/document.html", context)


def document_body(html: str) -> str:
    """The inside of `<body>` of a document made by `render_document` (to show it inside a page)."""
    start = html.find("<body>")
    end = html.rfind("</body>")
    return html[start + len("<body>") : end] if start >= 0 and end > start else ""
