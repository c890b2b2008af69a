"""The safety dashboard: open AEs, SAEs, expedited clocks (mark sent), study pauses (committee decision), stops."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trialdesk.core.ctcae import find_term
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, TrialdeskError, ValidationFailed
from trialdesk.protocol.treatment import SafetyPlan
from trialdesk.records.treatment.models import AdverseEvent
from trialdesk.services.clock import local_today
from trialdesk.services.treatment.expedited import get_report, mark_report_sent
from trialdesk.services.treatment.safety import decide_pause, get_pause, safety_dashboard
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.web.auth import request_actor
from trialdesk.web.treatment.forms import MarkSentForm, PauseDecisionForm
from trialdesk.web.treatment.views_common import error_status, text
from trialdesk.web.views import domain_errors
from trialdesk.web.wording import rule_description

REPORT_STATUS = {
    "open": gettext_lazy("open"),
    "sent": gettext_lazy("sent"),
    "sent_late": gettext_lazy("sent late"),
    "overdue": gettext_lazy("overdue"),
}
PAUSE_STATES = {
    "active": gettext_lazy("awaiting the committee's decision"),
    "upheld": gettext_lazy("kept by the committee"),
    "lifted": gettext_lazy("lifted"),
}


def _event(e: AdverseEvent, levels: dict[str, str]) -> dict[str, Any]:
    known = find_term(e.term)
    return {
        "code": e.code,
        "study_code": e.participant.study_code,
        "term": known.name if known else e.term,
        "grade": e.grade,
        "onset_at": e.onset_at,
        "resolved_at": e.resolved_at,
        "serious": bool(e.seriousness),
        "relationship": levels.get(e.relationship_to_product, e.relationship_to_product),
    }


def _form_error(form: Any) -> ValidationFailed:
    problems = tuple(Problem(name, str(e)) for name, errors in form.errors.items() for e in errors)
    return ValidationFailed(_("The form is incomplete."), problems)


def _page(request: HttpRequest, error: TrialdeskError | None = None) -> HttpResponse:
    actor, study = request_actor(request)
    board = safety_dashboard(actor, study=study)
    safety_plan = governing_protocol(study=study, purpose=Purpose.TREATMENT).safety or SafetyPlan()
    levels = {level.id: text(level.label) for level in safety_plan.relatedness_scale}
    reports = [
        {
            "id": row.report.pk,
            "event": row.report.event.code,
            "kind": row.report.kind,
            "first_knowledge_on": row.report.first_knowledge_on,
            "initial_due_on": row.report.initial_due_on,
            "follow_up_due_on": row.report.follow_up_due_on,
            "sent_on": row.report.sent_on,
            "follow_up_sent_on": row.report.follow_up_sent_on,
            "status": row.status.value,
            "status_label": REPORT_STATUS.get(row.status.value, row.status.value),
            "follow_up_status": row.follow_up_status.value if row.follow_up_status else "",
            "follow_up_status_label": REPORT_STATUS.get(row.follow_up_status.value, "")
            if row.follow_up_status
            else "",
            "overdue": row.overdue,
            "days_left": row.days_left,
            "may_send": actor.may(Action.SUBMIT_EXPEDITED_REPORT, row.report.event.participant.site_id),
        }
        for row in board.expedited
    ]
    rules = governing_protocol(study=study, purpose=Purpose.TREATMENT).stopping_rules
    pauses = [
        {
            "id": p.pk,
            "message": rule_description(rules, p.rule_id, p.message),
            "state": p.state,
            "state_label": PAUSE_STATES.get(p.state, p.state),
            "paused_at": p.paused_at,
            "event": getattr(p, "event_shown", None) or p.event.code,
            "decisions": list(p.decisions.all()),
        }
        for p in (*board.active_pauses, *board.lifted_pauses)
    ]
    context = {
        "board": board,
        "study_paused": board.study_paused,
        "pauses": pauses,
        "stops": board.stops,
        "open_events": [_event(e, levels) for e in board.open_events],
        "serious_events": [_event(e, levels) for e in board.serious_events],
        "reports": reports,
        "overdue_count": len(board.overdue_reports),
        "may_decide": actor.may(Action.DECIDE_STUDY_PAUSE),
        "decision_form": PauseDecisionForm(),
        "today": local_today(),
        "safety_error": error,
    }
    return render(request, "trialdesk/treatment/safety.html", context, status=error_status(error))


@login_required
@domain_errors
def safety(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
@domain_errors
def mark_sent(request: HttpRequest, report_id: int) -> HttpResponse:
    actor, study = request_actor(request)
    form = MarkSentForm(request.POST)
    if not form.is_valid():
        return _page(request, _form_error(form))
    report = get_report(actor, study=study, report_id=report_id)
    try:
        mark_report_sent(
            actor,
            report=report,
            sent_on=form.cleaned_data["sent_on"],
            follow_up=form.cleaned_data["which"] == "follow_up",
            reference=form.cleaned_data["reference"],
        )
    except TrialdeskError as error:
        return _page(request, error)
    messages.success(request, _("Report for %(event)s marked sent.") % {"event": report.event.code})
    return redirect("treatment:safety")


@login_required
@require_POST
@domain_errors
def decide(request: HttpRequest, pause_id: int) -> HttpResponse:
    actor, study = request_actor(request)
    form = PauseDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, _form_error(form))
    pause = get_pause(actor, study=study, pause_id=pause_id)
    try:
        decide_pause(
            actor, pause=pause, decision=form.cleaned_data["decision"], lift=form.cleaned_data["lift"]
        )
    except TrialdeskError as error:
        return _page(request, error)
    messages.success(request, _("The committee's decision is recorded."))
    return redirect("treatment:safety")
