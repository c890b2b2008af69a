"""A participant's casebook (visits from the schedule, their forms and states), source verification, form
lock/unlock and the investigator's e-signature. Services decide; these views show and post."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import ValidationFailed
from trialdesk.services.casebook.entry import load_form
from trialdesk.services.casebook.queries import list_queries
from trialdesk.services.casebook.tracking import ExpectedForm, expected_forms
from trialdesk.services.casebook.verification import (
    SIGNATURE_MEANING,
    casebook_signature,
    lock_form,
    sign_casebook,
    unlock_form,
    verify_form,
)
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors


@dataclass(frozen=True)
class FormRow:
    form_id: str
    title: str
    status: str  # saved / verified / locked / upcoming / due / overdue / visit_missed / withdrawn
    url: str
    open_queries: int


@dataclass
class VisitRow:
    visit_id: str
    occurrence: int
    label: str
    earliest: date
    target: date
    latest: date
    forms: list[FormRow] = field(default_factory=list)


@login_required
@domain_errors
def casebook(request: HttpRequest, code: str) -> HttpResponse:
    """The participant's visits from the schedule, each with its forms and their state."""
    actor, study, participant = participant_in_request(request, code)
    fa = (get_language() or "en") == "fa"
    open_queries: Counter[tuple[str, int, str]] = Counter(
        (q.visit_id, q.occurrence, q.form_id)
        for q in list_queries(actor, study=study, participant=participant)
        if q.unresolved
    )
    visits: dict[tuple[str, int], VisitRow] = {}
    for expected in expected_forms(actor, participant):
        key = (expected.visit_id, expected.occurrence)
        if key not in visits:
            visits[key] = VisitRow(
                expected.visit_id,
                expected.occurrence,
                (expected.visit_label_fa if fa else "") or expected.visit_label_en,
                expected.earliest,
                expected.target,
                expected.latest,
            )
        visits[key].forms.append(
            FormRow(
                form_id=expected.form_id,
                title=(expected.form_title_fa if fa else "") or expected.form_title_en,
                status=expected.state,
                url=reverse(
                    "casebook:form", args=[code, expected.visit_id, expected.occurrence, expected.form_id]
                ),
                open_queries=open_queries[(expected.visit_id, expected.occurrence, expected.form_id)],
            )
        )
    return render(
        request,
        "trialdesk/casebook/casebook.html",
        {
            "participant": participant,
            "visits": list(visits.values()),
            "randomized": getattr(participant, "allocation", None) is not None,
            "signature": casebook_signature(actor, participant),
            "can_sign": actor.may(Action.SIGN_CASEBOOK, participant.site_id),
        },
    )


def _back_to_form(code: str, visit_id: str, occurrence: int, form_id: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("casebook:form", args=[code, visit_id, occurrence, form_id]))


@require_POST
@login_required
@domain_errors
def form_verify(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> HttpResponse:
    actor, study, participant = participant_in_request(request, code)
    verify_form(actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id)
    messages.success(request, _("Form marked as source-data verified."))
    return _back_to_form(code, visit_id, occurrence, form_id)


@require_POST
@login_required
@domain_errors
def form_lock(request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str) -> HttpResponse:
    actor, study, participant = participant_in_request(request, code)
    reason = request.POST.get("reason", "")
    view = load_form(actor, participant, visit_id, occurrence, form_id)
    unverified = view.exists and not view.verified_by and actor.may(Action.LOCK_FORM, participant.site_id)
    if unverified and not request.POST.get("confirm_unverified"):
        return render(
            request,
            "trialdesk/casebook/lock_confirm.html",
            {"participant": participant, "view": view, "reason": reason,
             "form_title": view.definition.title.in_language(get_language() or "en")},
            status=409,
        )  # fmt: skip
    lock_form(actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, reason=reason)
    messages.success(request, _("Form locked."))
    return _back_to_form(code, visit_id, occurrence, form_id)


@require_POST
@login_required
@domain_errors
def form_unlock(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> HttpResponse:
    actor, study, participant = participant_in_request(request, code)
    reason = request.POST.get("reason", "")
    unlock_form(actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, reason=reason)
    messages.success(request, _("Form unlocked."))
    return _back_to_form(code, visit_id, occurrence, form_id)


def _missing_row(code: str, expected: ExpectedForm, language: str) -> dict[str, str]:
    fa = language == "fa"
    return {
        "visit": (expected.visit_label_fa if fa else "") or expected.visit_label_en,
        "form": (expected.form_title_fa if fa else "") or expected.form_title_en,
        "state": expected.state,
        "url": reverse(
            "casebook:form", args=[code, expected.visit_id, expected.occurrence, expected.form_id]
        ),
    }


@login_required
@domain_errors
def sign(request: HttpRequest, code: str) -> HttpResponse:
    """The investigator signs the casebook by re-entering the password; the meaning is stated on screen and
    stored, in the language it was shown in."""
    actor, study, participant = participant_in_request(request, code)
    meaning = _(SIGNATURE_MEANING)
    problems: tuple[object, ...] = ()
    message = ""
    status = 200
    missing = [f for f in expected_forms(actor, participant) if f.missing]
    may_sign = actor.may(Action.SIGN_CASEBOOK, participant.site_id)
    if request.method == "POST" and may_sign and missing and not request.POST.get("confirm_missing"):
        message, status = _("Forms are missing: tick the box to sign the casebook without them."), 400
    elif request.method == "POST":
        try:
            sign_casebook(actor, participant, password=request.POST.get("password", ""), meaning=meaning)
        except ValidationFailed as error:
            message, problems, status = error.message, error.problems, 400
        else:
            messages.success(request, _("Casebook signed."))
            return HttpResponseRedirect(reverse("casebook:casebook", args=[code]))
    return render(
        request,
        "trialdesk/casebook/sign.html",
        {
            "participant": participant,
            "meaning": meaning,
            "signature": casebook_signature(actor, participant),
            "can_sign": actor.may(Action.SIGN_CASEBOOK, participant.site_id),
            "error_message": message,
            "problems": problems,
            "missing": [_missing_row(code, f, get_language() or "en") for f in missing],
        },
        status=status,
    )
