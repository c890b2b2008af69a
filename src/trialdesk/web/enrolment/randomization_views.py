"""Randomizing a participant (with confirmation) and the epidemiologist's list pages.

Concealment: only `view_list` (epidemiologist, audited) returns slots. Every other page here shows the public
commitment, or allocations already made (open label), never a free slot nor a count per arm.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trialdesk.core.roles import Action
from trialdesk.services.actors import authorize
from trialdesk.services.list_import import MAX_FILE_CHARS, import_list, mapping_from, parse_pairs
from trialdesk.services.randomization import (
    concealment_report,
    design_of,
    generate,
    randomize,
)
from trialdesk.services.randomization.lists import active_list
from trialdesk.web.auth import request_actor
from trialdesk.web.enrolment.common import participant_record
from trialdesk.web.enrolment.forms import ImportForm, RandomizeForm
from trialdesk.web.enrolment.listing import arm_labels, commitment_context, list_rows, report_rows
from trialdesk.web.enrolment.simulation_views import design_report_context
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors


@login_required
@domain_errors
def randomize_participant(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the confirmation. POST: the allocation, then the participant page naming the arm."""
    actor, study, found = participant_in_request(request, code)
    design, _arms = design_of(study)
    factors = design.minimization.factors if design.minimization else design.strata
    form = RandomizeForm(request.POST or None, factors=factors)
    if request.method == "POST" and form.is_valid():
        allocation = randomize(actor, participant=found, factors=form.factors())
        name = arm_labels(study, get_language() or "en").get(allocation.arm, allocation.arm)
        messages.success(
            request, _("%(code)s is randomized to %(arm)s.") % {"code": found.study_code, "arm": name}
        )
        return HttpResponseRedirect(reverse("enrolment:participant", args=[found.study_code]))
    return render(
        request,
        "trialdesk/enrolment/randomize.html",
        {
            "participant": found,
            "record": participant_record(actor, found, get_language() or "en"),
            "form": form,
            "may_randomize": actor.may(Action.RANDOMIZE, found.site_id),
            "no_list": active_list(study) is None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@domain_errors
def overview(request: HttpRequest) -> HttpResponse:
    """The public commitment for every role; the epidemiologist's and monitor's links."""
    actor, study = request_actor(request)
    return render(
        request,
        "trialdesk/enrolment/randomization.html",
        {
            **commitment_context(study),
            "may_view_list": actor.may(Action.VIEW_LIST),
            "may_generate": actor.may(Action.GENERATE_LIST),
            "may_import": actor.may(Action.IMPORT_LIST),
            "may_report": actor.may(Action.VIEW_CONCEALMENT_REPORT),
        },
    )


@login_required
@domain_errors
def generate_list(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    authorize(actor, Action.GENERATE_LIST)
    if request.method == "POST":
        stored = generate(actor, study=study)
        messages.success(
            request,
            _("The list is made; its commitment is published: %(hash)s") % {"hash": stored.commitment},
        )
        return HttpResponseRedirect(reverse("enrolment:list"))
    return render(
        request,
        "trialdesk/enrolment/generate.html",
        {**commitment_context(study), **design_report_context(request, study)},
    )


@login_required
@domain_errors
def view(request: HttpRequest) -> HttpResponse:
    """The whole list with its seed (epidemiologist only; every view is audited by the service)."""
    actor, study = request_actor(request)
    stored, rows, ok = list_rows(actor, study, export=False)
    return render(
        request,
        "trialdesk/enrolment/list.html",
        {
            "stored": stored,
            "rows": rows,
            "verified": ok,
            "arm_names": arm_labels(study, get_language() or "en"),
        },
    )


@login_required
@domain_errors
def export(request: HttpRequest) -> HttpResponse:
    """The canonical text (the bytes the SHA-256 commitment is over); audited as an export."""
    actor, study = request_actor(request)
    stored, _rows, _ok = list_rows(actor, study, export=True)
    response = HttpResponse(stored.canonical_text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="randomization-list-{stored.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@domain_errors
def import_page(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    authorize(actor, Action.IMPORT_LIST)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        text = upload.read(MAX_FILE_CHARS + 1)  # bytes; never more than the limit is read into memory
        stored = import_list(
            actor,
            study=study,
            source=form.cleaned_data["format"],
            text=text,
            mapping=mapping_from(parse_pairs(form.cleaned_data["treatments"], where="treatment labels")),
            file_name=upload.name,
        )
        messages.success(
            request,
            _("The list is imported; its commitment is published: %(hash)s") % {"hash": stored.commitment},
        )
        return HttpResponseRedirect(reverse("enrolment:list"))
    return render(
        request,
        "trialdesk/enrolment/import.html",
        {"form": form, **commitment_context(study)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@domain_errors
def report(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    result = concealment_report(actor, study=study)
    return render(
        request,
        "trialdesk/enrolment/concealment.html",
        {
            "report": result,
            "rows": report_rows(result),
            "arm_names": arm_labels(study, get_language() or "en"),
        },
    )
