"""Adverse events of a participant: the list, the report / follow-up form, CTCAE grade texts and lab suggestions.

The two htmx partials (`ctcae_grades`, `lab_suggestion`) only read the CTCAE table and the pure suggestion;
saving goes through `services.treatment.adverse_events`, which also applies the stopping rules and the
expedited clock.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from trialdesk.core.ctcae import GENERAL_GRADES, find_term, grades_for
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, TrialdeskError
from trialdesk.protocol.treatment import SafetyPlan
from trialdesk.records.treatment.models import AdverseEvent
from trialdesk.services.clock import local_time, local_today
from trialdesk.services.treatment.adverse_events import (
    NOT_SERIOUS,
    AdverseEventInput,
    event_versions,
    get_adverse_event,
    list_adverse_events,
    report_adverse_event,
    suggest_grade,
    update_adverse_event,
)
from trialdesk.web.treatment.forms import (
    DATETIME_FORMAT,
    OTHER_TERM,
    OUTCOME_LABELS,
    AdverseEventForm,
    LabValueForm,
)
from trialdesk.web.treatment.views_common import (
    ParticipantContext,
    error_status,
    language,
    participant_context,
    text,
)
from trialdesk.web.views import domain_errors

PLAIN_FIELDS = (
    "relationship_to_product",
    "relationship_to_conventional_therapy",
    "expectedness",
    "action_taken",
    "outcome",
    "description",
)


def grade_rows(term: str | None) -> list[dict[str, Any]]:
    """The grades a term may take with the CTCAE v5.0 text (and the general meaning beside it)."""
    found = find_term(term) if term else None
    rows = []
    for grade in grades_for(term or OTHER_TERM):
        specific = found.grades.get(grade) if found is not None else None
        rows.append(
            {
                "grade": grade,
                "text": specific or GENERAL_GRADES[grade],
                "general": GENERAL_GRADES[grade] if specific else "",
                "general_text": GENERAL_GRADES[
                    grade
                ],  # a Persian page words it; CTCAE's own text stays English
            }
        )
    return rows


def _initial(event: AdverseEvent) -> dict[str, Any]:
    known = find_term(event.term)
    local = local_time
    return {
        "term": known.id if known is not None else OTHER_TERM,
        "other_term": "" if known is not None else event.term,
        "onset_at": local(event.onset_at).strftime(DATETIME_FORMAT),
        "resolved_at": local(event.resolved_at).strftime(DATETIME_FORMAT) if event.resolved_at else None,
        "grade": event.grade,
        "seriousness": list(event.seriousness) or [NOT_SERIOUS],
        "relationship_to_product": event.relationship_to_product,
        "relationship_to_conventional_therapy": event.relationship_to_conventional_therapy,
        "expectedness": event.expectedness,
        "action_taken": event.action_taken,
        "outcome": event.outcome,
        "description": event.description,
        "aware_on": local_today(),
    }


def _scale(ctx: ParticipantContext) -> SafetyPlan:
    return ctx.protocol.safety if ctx.protocol.safety is not None else SafetyPlan()


def _editing(request: HttpRequest, ctx: ParticipantContext) -> AdverseEvent | None:
    number = request.GET.get("event")
    if not number or not number.isdigit():
        return None
    return get_adverse_event(ctx.actor, participant=ctx.participant, number=int(number))


def _rows(ctx: ParticipantContext, safety: SafetyPlan) -> list[dict[str, Any]]:
    levels = {level.id: text(level.label) for level in safety.relatedness_scale}
    rows = []
    for e in list_adverse_events(ctx.actor, participant=ctx.participant):
        known = find_term(e.term)
        rows.append(
            {
                "id": e.number,
                "code": e.code,
                "term_id": known.id if known else e.term,
                "term_label": known.name if known else e.term,
                "grade": e.grade,
                "onset_at": e.onset_at,
                "resolved_at": e.resolved_at,
                "serious": bool(e.seriousness),
                "relationship_to_product_label": levels.get(
                    e.relationship_to_product, e.relationship_to_product
                ),
                "outcome_label": OUTCOME_LABELS.get(e.outcome, e.outcome),
                "version": e.current_version,
            }
        )
    return rows


def _page(
    request: HttpRequest,
    ctx: ParticipantContext,
    form: AdverseEventForm | None = None,
    error: TrialdeskError | None = None,
) -> HttpResponse:
    safety = _scale(ctx)
    editing = _editing(request, ctx)
    if form is None:
        initial = _initial(editing) if editing is not None else {"first_knowledge_on": local_today()}
        form = AdverseEventForm(initial=initial, scale=safety.relatedness_scale, language=language())
    term = form["term"].value() or next(iter(form.fields["term"].choices))[0]  # type: ignore[attr-defined]
    grade = form["grade"].value()
    context = ctx.page(
        events=_rows(ctx, safety),
        may_report=ctx.may(Action.REPORT_ADVERSE_EVENT),
        form=form,
        lab_form=LabValueForm(use_required_attribute=False),  # it must not block the AE form's submit
        editing={"id": editing.number, "term_label": _rows_label(editing)} if editing is not None else None,
        versions=event_versions(ctx.actor, event=editing) if editing is not None else [],
        ae_error=error,
        plain_fields=PLAIN_FIELDS,
        term=find_term(str(term)),
        grades=grade_rows(str(term)),
        selected_grade=int(grade) if str(grade or "").isdigit() else None,
    )
    status = 400 if form.errors and error is None else error_status(error)
    return render(request, "trialdesk/treatment/adverse_events.html", context, status=status)


def _rows_label(event: AdverseEvent) -> str:
    known = find_term(event.term)
    return f"{event.code} — {known.name if known else event.term}"


def _typed_term(error: TrialdeskError, form: AdverseEventForm) -> TrialdeskError:
    """A term typed in "other term" is named by that field (the service calls it `term`)."""
    if form.cleaned_data.get("term") == OTHER_TERM:
        error.problems = tuple(
            Problem("other_term", p.rule) if p.where == "term" else p for p in error.problems
        )
    return error


@login_required
@domain_errors
def adverse_events(request: HttpRequest, code: str) -> HttpResponse:
    ctx = participant_context(request, code)
    if request.method != "POST":
        return _page(request, ctx)
    safety = _scale(ctx)
    form = AdverseEventForm(request.POST, scale=safety.relatedness_scale, language=language())
    if not form.is_valid():
        return _page(request, ctx, form)
    data = form.cleaned_data
    details = AdverseEventInput(
        term=form.term_value(),
        onset_at=data["onset_at"],
        grade=data["grade"],
        relationship_to_product=data["relationship_to_product"],
        relationship_to_conventional_therapy=data["relationship_to_conventional_therapy"],
        expectedness=data["expectedness"],
        action_taken=data["action_taken"],
        outcome=data["outcome"],
        seriousness=frozenset(data["seriousness"]),  # ["not_serious"] is the explicit "none of these"
        resolved_at=data["resolved_at"],
        description=data["description"],
    )
    try:
        editing = _editing(request, ctx)
        if editing is not None:
            result = update_adverse_event(
                ctx.actor, event=editing, details=details, reason=data["reason"], aware_on=data["aware_on"]
            )
        else:
            result = report_adverse_event(
                ctx.actor,
                participant=ctx.participant,
                details=details,
                first_knowledge_on=data["first_knowledge_on"],
            )
    except TrialdeskError as error:
        return _page(request, ctx, form, _typed_term(error, form))
    messages.success(request, _("Adverse event %(code)s saved.") % {"code": result.event.code})
    for stop in result.new_stops:
        messages.warning(request, _("Participant dosing stopped: %(m)s") % {"m": stop.message})
    for pause in result.new_pauses:
        messages.warning(request, _("All study dosing paused: %(m)s") % {"m": pause.message})
    if result.expedited is not None:
        messages.warning(
            request,
            _("Expedited report required by %(due)s (see the safety page).")
            % {"due": result.expedited.initial_due_on.isoformat()},
        )
    return redirect(reverse("treatment:adverse_events", args=[code]))


@login_required
def ctcae_grades(request: HttpRequest) -> HttpResponse:
    """htmx: the grade choices and their CTCAE v5.0 texts for the chosen term."""
    term = request.GET.get("term") or OTHER_TERM
    grade = request.GET.get("grade") or ""
    context = {
        "term": find_term(term),
        "grades": grade_rows(term),
        "selected_grade": int(grade) if grade.isdigit() else None,
        "swapped": True,  # marks the htmx answer, so a browser test can wait for the swap
    }
    return render(request, "trialdesk/treatment/_ctcae_grades.html", context)


@login_required
def lab_suggestion(request: HttpRequest) -> HttpResponse:
    """htmx: the CTCAE grade a glucose, triglyceride or temperature value suggests (or the v5 hyperglycemia
    question, or a note saying why no grade can be given, e.g. no LLN or no duration above 40.0 °C)."""
    form = LabValueForm(request.GET)
    context: dict[str, Any] = {"asked": False}
    if form.is_valid():
        data = form.cleaned_data
        context["asked"] = True
        try:
            suggestion = suggest_grade(
                test=data["lab_test"],
                value=data["lab_value"],
                unit=data["lab_unit"],
                lln=data["lab_lln"],
                uln=data["lab_uln"],
                hours_above_40=data["hours_above_40"],
            )
        except TrialdeskError as error:
            context["error"] = error
        else:
            context["suggestion"] = suggestion
            term_id = getattr(suggestion, "term_id", None)
            found = find_term(term_id) if term_id else None
            context["term_name"] = found.name if found else ""
    return render(request, "trialdesk/treatment/_lab_suggestion.html", context)
