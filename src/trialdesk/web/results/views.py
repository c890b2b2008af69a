"""The results report (statistician) and the safety report (ethics committee) as pages, and dataset downloads.

The services decide who may see what and audit every generation; these views only parse the cut-off and turn
figures into `data:` URIs (the CSP allows `img-src data:`; no inline script or style is needed)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, Problem, ValidationFailed
from trialdesk.records.models import GeneratedKind
from trialdesk.services.actors import authorize
from trialdesk.services.results import results_report, safety_report
from trialdesk.services.results.document import safety_context
from trialdesk.web.auth import request_actor
from trialdesk.web.views import domain_errors

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def parse_cutoff(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            "The data cut-off is not a date", (Problem("cutoff", "must be a date as YYYY-MM-DD"),)
        ) from None


def language() -> str:
    return "fa" if (get_language() or "en").startswith("fa") else "en"


@login_required
@domain_errors
def results(request: HttpRequest) -> HttpResponse:
    """The Generate panel and the reports generated so far (the report itself is a background job)."""
    from trialdesk.web.jobs.views import panel_context

    actor, _ = request_actor(request)
    authorize(actor, Action.VIEW_RESULTS)
    return render(
        request, "trialdesk/results/results.html", panel_context(request, GeneratedKind.RESULTS_REPORT)
    )


@login_required
@domain_errors
def dataset(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    actor, study = request_actor(request)
    cutoff = parse_cutoff(request.GET.get("cutoff"))
    report = results_report(actor, study=study, cutoff=cutoff, language=language(), with_figures=False)
    found = next((f for f in report.results.datasets if f.name == name and f.format == fmt), None)
    if found is None:
        raise NotFound(f"No dataset {name}.{fmt}")
    response = HttpResponse(found.content, content_type=CONTENT_TYPES[found.format])
    stamp = report.title.cutoff.isoformat()
    response["Content-Disposition"] = f'attachment; filename="{found.name}-{stamp}.{found.format}"'
    response["X-Content-SHA256"] = found.sha256
    return response


@login_required
@domain_errors
def safety(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    cutoff = parse_cutoff(request.GET.get("cutoff"))
    report = safety_report(actor, study=study, cutoff=cutoff, language=language())
    from trialdesk.web.jobs.views import panel_context

    context = {**safety_context(report), **panel_context(request, GeneratedKind.SAFETY_REPORT)}
    return render(request, "trialdesk/results/safety.html", context)
