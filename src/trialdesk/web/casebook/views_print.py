"""Printable case report forms as PDF (WeasyPrint, the engine of the results reports): the blank annotated
CRF of the study and a participant's filled casebook. The services check the permission, withhold identifying
items and audit the download; `?format=html` returns the same document as HTML (a preview)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language

from trialdesk.services.casebook.printable import PrintedCrf, blank_crf, filled_casebook
from trialdesk.services.pdf import html_to_pdf
from trialdesk.web.auth import request_actor
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors


def _document(request: HttpRequest, crf: PrintedCrf, filename: str) -> HttpResponse:
    html = render_to_string("trialdesk/casebook/print/document.html", {"crf": crf}, request=request)
    if request.GET.get("format") == "html":
        return HttpResponse(html)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@domain_errors
def blank_crf_pdf(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    crf = blank_crf(actor, study, language=get_language() or "en")
    return _document(request, crf, f"annotated-crf-{crf.protocol_version}.pdf")


@login_required
@domain_errors
def casebook_pdf(request: HttpRequest, code: str) -> HttpResponse:
    actor, _study, participant = participant_in_request(request, code)
    crf = filled_casebook(actor, participant, language=get_language() or "en")
    return _document(request, crf, f"casebook-{participant.study_code}.pdf")
