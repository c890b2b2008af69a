"""The exports page: every format with a download link, and the data cut-off day."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from trialdesk.errors import Problem, TrialdeskError, ValidationFailed
from trialdesk.records.models import GeneratedKind
from trialdesk.services.exports import export, export_formats
from trialdesk.web.errors import http_status
from trialdesk.web.exports.streaming import stream_response
from trialdesk.web.request_context import trial
from trialdesk.web.views import domain_errors


def _cutoff(request: HttpRequest) -> date | None:
    text = request.GET.get("cutoff", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValidationFailed(
            "The cut-off must be a date", (Problem("cutoff", "a date YYYY-MM-DD"),)
        ) from error


@login_required
@domain_errors
def exports(request: HttpRequest) -> HttpResponse:
    context = trial(request)
    formats = export_formats(context.actor)
    cutoff = _cutoff(request)
    from trialdesk.web.jobs.views import panel_context

    return render(
        request,
        "trialdesk/exports/page.html",
        {
            "formats": formats,
            "cutoff": cutoff.isoformat() if cutoff else "",
            **panel_context(request, GeneratedKind.EXPORT),
        },
    )


@login_required
def download(request: HttpRequest, format: str) -> HttpResponse | StreamingHttpResponse:
    """The file, streamed; a refusal is a page with the message (403/400), never a 500."""
    try:
        context = trial(request)
        domain = request.GET.get("domain") or None
        made = export(
            context.actor, study=context.study, format=format, cutoff=_cutoff(request), domain=domain
        )
    except TrialdeskError as error:
        return render(request, "trialdesk/error.html", {"error": error}, status=http_status(error))
    return stream_response(made)
