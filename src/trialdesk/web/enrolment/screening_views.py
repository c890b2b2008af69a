"""The bilingual screening checklist (every attempt kept) and the consent page (record, withdraw)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.schema import Criterion, Protocol
from trialdesk.records.models import Participant, ScreeningRecord
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_today
from trialdesk.services.consent import record_consent, withdraw_consent
from trialdesk.services.screening import screen
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.web.enrolment.common import criteria_sections, participant_record
from trialdesk.web.enrolment.forms import ConsentForm, ScreeningForm, WithdrawalForm
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors

DECISION_MESSAGES = {
    "eligible": gettext_noop("%(code)s is eligible."),
    "not_eligible": gettext_noop("%(code)s is not eligible; the reasons are listed below."),
    "incomplete": gettext_noop("%(code)s: screening is incomplete; open criteria are listed below."),
}


@login_required
@domain_errors
def screening(request: HttpRequest, code: str) -> HttpResponse:
    actor, _study, found = participant_in_request(request, code)
    protocol = governing_protocol(study=found.study, participant=found, purpose=Purpose.DISPLAY)
    latest = found.screenings.order_by("attempt").last()
    form = ScreeningForm(
        request.POST or None, criteria=protocol.criteria, initial=_initial(latest, protocol.criteria)
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            record = screen(
                actor, participant=found, answers=form.answers(), screened_on=form.cleaned_data["screened_on"]
            )
        except ValidationFailed as error:
            form.add_error(None, _nothing_answered(error))
            status = 400
        else:
            return _recorded(request, found, record.decision)
    return _screening_page(request, actor, found, form, protocol, latest, status)


def _nothing_answered(error: ValidationFailed) -> str:
    if any(p.where == "answers" for p in error.problems):
        return _("Nothing was recorded: answer at least one criterion yes or no.")
    return "; ".join(str(p) for p in error.problems) or error.message


def _initial(latest: ScreeningRecord | None, criteria: Sequence[Criterion]) -> dict[str, object]:
    """A new attempt starts from the answers and notes of the latest one (the date is today)."""
    initial: dict[str, object] = {"screened_on": local_today()}
    answers = latest.answers if latest is not None else {}
    for criterion in criteria:
        given = answers.get(criterion.id)
        if isinstance(given, dict):
            initial[f"answer_{criterion.id}"] = given.get("answer", "")
            initial[f"note_{criterion.id}"] = given.get("note", "")
    return initial


def _recorded(request: HttpRequest, found: Participant, decision: str) -> HttpResponse:
    level = messages.SUCCESS if decision == "eligible" else messages.WARNING
    messages.add_message(request, level, _(DECISION_MESSAGES[decision]) % {"code": found.study_code})
    return HttpResponseRedirect(reverse("enrolment:screening", args=[found.study_code]))


def _screening_page(
    request: HttpRequest, actor: Actor, found: Participant, form: ScreeningForm, protocol: Protocol,
    latest: ScreeningRecord | None, status: int,
) -> HttpResponse:  # fmt: skip
    """The result of the latest attempt (with a way to screen again), or the checklist."""
    sections = [
        {
            "section": section,
            "rows": [
                {
                    "criterion": c,
                    "answer": form[f"answer_{c.id}"],
                    "note": form[f"note_{c.id}"],
                }
                for c in section.criteria
            ],
        }
        for section in criteria_sections(protocol)
    ]
    return render(
        request,
        "trialdesk/enrolment/screening.html",
        {
            "participant": found,
            "record": participant_record(actor, found, get_language() or "en"),
            "form": form,
            "sections": sections,
            "texts": {c.id: c.text for c in protocol.criteria},
            "may_screen": actor.may(Action.SCREEN, found.site_id),
            "show_result": latest is not None and request.method != "POST" and "again" not in request.GET,
        },
        status=status,
    )


@login_required
@domain_errors
def consent(request: HttpRequest, code: str) -> HttpResponse:
    actor, _study, found = participant_in_request(request, code)
    protocol = governing_protocol(study=found.study, participant=found, purpose=Purpose.DISPLAY)
    today = local_today()
    form = ConsentForm(request.POST or None, documents=protocol.consent, initial={"consented_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_consent(
            actor,
            participant=found,
            document_version=data["document_version"],
            consented_on=data["consented_on"],
            signature_png=data["signature_png"],
        )
        messages.success(
            request,
            _("Consent of %(code)s on version %(version)s is recorded.")
            % {"code": found.study_code, "version": data["document_version"]},
        )
        return HttpResponseRedirect(reverse("enrolment:participant", args=[found.study_code]))
    return _consent_page(request, actor, found, form, WithdrawalForm(initial={"withdrawn_on": today}))


@require_POST
@login_required
@domain_errors
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    actor, _study, found = participant_in_request(request, code)
    form = WithdrawalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        withdraw_consent(
            actor,
            participant=found,
            withdrawn_on=data["withdrawn_on"],
            reason=data["reason"],
            scope=data["scope"],
        )
        messages.warning(request, _("%(code)s has withdrawn consent.") % {"code": found.study_code})
        return HttpResponseRedirect(reverse("enrolment:participant", args=[found.study_code]))
    protocol = governing_protocol(study=found.study, participant=found, purpose=Purpose.DISPLAY)
    consent_form = ConsentForm(documents=protocol.consent, initial={"consented_on": local_today()})
    return _consent_page(request, actor, found, consent_form, form, status=400)


def _consent_page(
    request: HttpRequest,
    actor: Actor,
    found: Participant,
    form: ConsentForm,
    withdrawal_form: WithdrawalForm,
    status: int = 200,
) -> HttpResponse:
    protocol = governing_protocol(study=found.study, participant=found, purpose=Purpose.DISPLAY)
    return render(
        request,
        "trialdesk/enrolment/consent.html",
        {
            "participant": found,
            "record": participant_record(actor, found, get_language() or "en"),
            "documents": protocol.consent,
            "form": form,
            "withdrawal_form": withdrawal_form,
            "may_consent": actor.may(Action.RECORD_CONSENT, found.site_id),
        },
        status=status,
    )
