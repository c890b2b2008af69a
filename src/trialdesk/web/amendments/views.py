"""Amendment pages: upload (administrator), the difference with approval (ethics committee) and activation
(administrator), the history of versions, and who still needs to re-consent. Rules live in the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError, ValidationFailed
from trialdesk.services.amendments import (
    activate_amendment,
    amendment_view,
    approve_amendment,
    preview_upload,
    propose_amendment,
    stored_version,
    version_history,
)
from trialdesk.services.clock import local_today
from trialdesk.services.reconsent import participants_needing_reconsent
from trialdesk.web.amendments.forms import ActivationForm, ApprovalForm, UploadForm
from trialdesk.web.amendments.wording import change_lines, refusal_lines
from trialdesk.web.errors import http_status
from trialdesk.web.form_errors import add_problems
from trialdesk.web.request_context import trial
from trialdesk.web.views import domain_errors


@login_required
@domain_errors
def history(request: HttpRequest) -> HttpResponse:
    context = trial(request)
    versions = version_history(context.actor, study=context.study)
    return render(
        request,
        "trialdesk/amendments/history.html",
        {"versions": versions, "may_propose": context.actor.may(Action.PROPOSE_AMENDMENT)},
    )


@login_required
@domain_errors
def upload(request: HttpRequest) -> HttpResponse:
    context = trial(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST" and form.is_valid():
        handle = form.cleaned_data["protocol_file"]
        raw, name = handle.read(), handle.name or "protocol.yaml"
        try:
            created = propose_amendment(context.actor, study=context.study, raw=raw, filename=name)
        except TrialdeskError as error:
            status = http_status(error)
            if isinstance(error, ValidationFailed):
                add_problems(form, error)
            else:
                form.add_error(None, error.message)
            extra = _preview(context, raw, name)
        else:
            messages.success(request, _("Version %(version)s is proposed.") % {"version": created.version})
            return HttpResponseRedirect(reverse("amendments:version", args=[created.pk]))
    elif request.method == "POST":
        status = 400
    return render(request, "trialdesk/amendments/upload.html", {"form": form, **extra}, status=status)


def _preview(context: Any, raw: bytes, name: str) -> dict[str, Any]:
    """The difference and the refusals of a refused upload, in the page's language (empty when unreadable)."""
    try:
        changes, refusals = preview_upload(context.actor, study=context.study, raw=raw, filename=name)
    except TrialdeskError:
        return {}
    return {"changes": change_lines(changes), "refusals": refusal_lines(refusals)}


def _version_page(request: HttpRequest, pk: int, status: int = 200, **forms: Any) -> HttpResponse:
    context = trial(request)
    found = stored_version(context.actor, study=context.study, pk=pk)
    view = amendment_view(found)
    today = local_today()
    return render(
        request,
        "trialdesk/amendments/version.html",
        {
            "version": found,
            "base": view.base,
            "changes": change_lines(view.changes),
            "refusals": refusal_lines(view.refusals),
            "may_approve": found.state == "proposed" and context.actor.may(Action.APPROVE_AMENDMENT),
            "may_activate": found.state == "approved" and context.actor.may(Action.ACTIVATE_AMENDMENT),
            "approval_form": forms.get("approval_form") or ApprovalForm(initial={"approved_on": today}),
            "activation_form": forms.get("activation_form")
            or ActivationForm(initial={"effective_from": today}),
        },
        status=status,
    )


@login_required
@domain_errors
def version(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_page(request, pk)


@require_POST
@login_required
@domain_errors
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    context = trial(request)
    found = stored_version(context.actor, study=context.study, pk=pk)
    form = ApprovalForm(request.POST)
    if form.is_valid():
        try:
            approve_amendment(
                context.actor,
                version=found,
                reference=form.cleaned_data["reference"],
                approved_on=form.cleaned_data["approved_on"],
            )
        except ValidationFailed as error:
            add_problems(form, error)
            return _version_page(request, pk, status=400, approval_form=form)
        messages.success(
            request, _("The approval of version %(version)s is recorded.") % {"version": found.version}
        )
        return HttpResponseRedirect(reverse("amendments:version", args=[pk]))
    return _version_page(request, pk, status=400, approval_form=form)


@require_POST
@login_required
@domain_errors
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    context = trial(request)
    found = stored_version(context.actor, study=context.study, pk=pk)
    form = ActivationForm(request.POST)
    if form.is_valid():
        try:
            activate_amendment(
                context.actor, version=found, effective_from=form.cleaned_data["effective_from"]
            )
        except ValidationFailed as error:
            add_problems(form, error)
            return _version_page(request, pk, status=400, activation_form=form)
        messages.success(request, _("Version %(version)s is activated.") % {"version": found.version})
        return HttpResponseRedirect(reverse("amendments:version", args=[pk]))
    return _version_page(request, pk, status=400, activation_form=form)


@login_required
@domain_errors
def reconsent(request: HttpRequest) -> HttpResponse:
    context = trial(request)
    rows = participants_needing_reconsent(context.actor, study=context.study, on=local_today())
    return render(request, "trialdesk/amendments/reconsent.html", {"rows": rows})
