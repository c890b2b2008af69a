"""The participant page and registering a participant for screening."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trialdesk.core.roles import Action
from trialdesk.errors import ValidationFailed
from trialdesk.records.models import Participant, Site
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.web.auth import request_actor
from trialdesk.web.enrolment.common import participant_record
from trialdesk.web.enrolment.forms import RegisterForm
from trialdesk.web.form_errors import add_problems
from trialdesk.web.home.views import summary_context
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors


@login_required
@domain_errors
def participant(request: HttpRequest, code: str) -> HttpResponse:
    actor, _study, found = participant_in_request(request, code)
    record = participant_record(actor, found, get_language() or "en")
    return render(
        request,
        "trialdesk/participant.html",
        {
            "participant": found,
            "record": record,
            "may_screen": actor.may(Action.SCREEN, found.site_id),
            "may_consent": actor.may(Action.RECORD_CONSENT, found.site_id),
            "may_randomize": actor.may(Action.RANDOMIZE, found.site_id),
            **summary_context(actor, found),
        },
    )


@login_required
@domain_errors
def register(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    authorize(actor, Action.REGISTER_PARTICIPANT)
    site_ids = actor.site_ids(Action.REGISTER_PARTICIPANT)
    sites = study.sites.order_by("code")
    if site_ids is not None:
        sites = sites.filter(pk__in=site_ids)
    codes = [s.code for s in sites]
    form = RegisterForm(request.POST or None, site_codes=codes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = _register(actor, sites.get(code=data["site"]), data)
        except ValidationFailed as error:
            add_problems(form, error)
            return render(request, "trialdesk/enrolment/register.html", {"form": form}, status=400)
        messages.success(request, _("Registered %(code)s for screening.") % {"code": created.study_code})
        return HttpResponseRedirect(reverse("enrolment:participant", args=[created.study_code]))
    status = 400 if form.errors else 200
    return render(request, "trialdesk/enrolment/register.html", {"form": form}, status=status)


def _register(actor: Actor, site: Site, data: dict[str, Any]) -> Participant:
    return register_for_screening(
        actor,
        site=site,
        identity=IdentityDetails(
            full_name=data["full_name"],
            national_id=data["national_id"],
            national_id_kind=data["national_id_kind"] or "iranian",
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
        ),
        sex=data["sex"],
        year_of_birth=data["year_of_birth"],
    )
