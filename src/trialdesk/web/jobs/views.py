"""Generated files: the Generate form (htmx or plain POST), the polled progress, the file's page, downloads,
the release of a results report, and the released results the committee and the monitor may read.

Polling is htmx's `hx-trigger="every 1s"` on the job fragment (no inline script: the CSP allows none); a
finished job's fragment carries no trigger, so polling stops by itself. The progress bar is a `<progress>`
element, which needs no inline style either.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError
from trialdesk.records.models import GeneratedFile, GeneratedKind
from trialdesk.services.jobs import (
    generated_file,
    generated_files,
    open_generated,
    release_results,
    released_results,
    report_body,
    request_generated_file,
)
from trialdesk.web.auth import request_actor
from trialdesk.web.errors import http_status
from trialdesk.web.results.views import language, parse_cutoff
from trialdesk.web.views import domain_errors

PAGES = {
    GeneratedKind.RESULTS_REPORT: "results:results",
    GeneratedKind.SAFETY_REPORT: "results:safety_report",
    GeneratedKind.EXPORT: "exports:exports",
}


def panel_context(request: HttpRequest, kind: GeneratedKind) -> dict[str, Any]:
    """What `jobs/_panel.html` needs on the results, safety-report and exports pages."""
    actor, study = request_actor(request)
    return {
        "job_kind": kind.value,
        "jobs": generated_files(actor, study=study, kinds=[kind.value]),
        "may_release": actor.may(Action.RELEASE_RESULTS),
        "report_language": language(),
    }


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: HttpRequest, kind: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    try:
        return reverse(PAGES[GeneratedKind(kind)])
    except ValueError:
        return reverse("dashboard")


@login_required
@require_POST
def request_file(request: HttpRequest) -> HttpResponse:
    """Ask for a file; htmx gets the job's fragment (polling), a plain form is sent back to its page."""
    actor, study = request_actor(request)
    kind = request.POST.get("kind", "")
    try:
        job = request_generated_file(
            actor,
            study=study,
            kind=kind,
            format=request.POST.get("format", ""),
            cutoff=parse_cutoff(request.POST.get("cutoff")),
            language=request.POST.get("language") or language(),
        )
    except TrialdeskError as error:
        if _is_htmx(request):
            return render(request, "trialdesk/jobs/_error.html", {"error": error})
        return render(request, "trialdesk/error.html", {"error": error}, status=http_status(error))
    if _is_htmx(request):
        return render(request, "trialdesk/jobs/_job.html", _job_context(request, job))
    return HttpResponseRedirect(_back(request, kind))


def _job_context(request: HttpRequest, job: GeneratedFile) -> dict[str, Any]:
    actor, _ = request_actor(request)
    return {"job": job, "may_release": actor.may(Action.RELEASE_RESULTS)}


@login_required
@require_GET
@domain_errors
def progress(request: HttpRequest, job_id: int) -> HttpResponse:
    actor, study = request_actor(request)
    job = generated_file(actor, study=study, job_id=job_id)
    return render(request, "trialdesk/jobs/_job.html", _job_context(request, job))


@login_required
@require_GET
@domain_errors
def generated(request: HttpRequest, job_id: int) -> HttpResponse:
    """A generated file's page: what it is, its files with their SHA-256, and a report's body."""
    actor, study = request_actor(request)
    job = generated_file(actor, study=study, job_id=job_id)
    body = ""
    if job.status == "done" and job.kind != GeneratedKind.EXPORT:
        job, body = report_body(actor, study=study, job_id=job_id)
    context = {
        **_job_context(request, job),
        "body": body,
        "body_dir": "rtl" if job.language == "fa" else "ltr",
    }
    return render(request, "trialdesk/jobs/generated.html", context)


def _file_response(found: Any, *, inline: bool = False) -> FileResponse:
    response = FileResponse(
        found.path.open("rb"), content_type=found.media_type, as_attachment=not inline, filename=found.name
    )
    response["X-Content-SHA256"] = found.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
@domain_errors
def download(request: HttpRequest, job_id: int) -> HttpResponse:  # a FileResponse, streamed
    actor, study = request_actor(request)
    return cast(HttpResponse, _file_response(open_generated(actor, study=study, job_id=job_id)))


@login_required
@require_GET
@domain_errors
def download_part(request: HttpRequest, job_id: int, name: str) -> HttpResponse:
    actor, study = request_actor(request)
    return cast(HttpResponse, _file_response(open_generated(actor, study=study, job_id=job_id, part=name)))


@login_required
@require_POST
@domain_errors
def release(request: HttpRequest, job_id: int) -> HttpResponse:
    actor, study = request_actor(request)
    release_results(actor, study=study, job_id=job_id)
    return HttpResponseRedirect(reverse("jobs:generated", args=[job_id]))


@login_required
@require_GET
@domain_errors
def released(request: HttpRequest) -> HttpResponse:
    """Results reports the statistician has released (the committee's and the monitor's menu link)."""
    actor, study = request_actor(request)
    jobs = released_results(actor, study=study)
    return render(request, "trialdesk/jobs/released.html", {"jobs": jobs})
