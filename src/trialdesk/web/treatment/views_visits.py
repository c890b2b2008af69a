"""The participant's visit calendar (record done / missed, deviations) and the overdue list per site."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, PermissionDenied, Problem, TrialdeskError, ValidationFailed
from trialdesk.records.models import Site
from trialdesk.services.clock import local_today
from trialdesk.services.treatment.visits import (
    calendar,
    list_deviations,
    overdue_list,
    record_deviation,
    record_missed_visit,
    record_visit,
)
from trialdesk.web.auth import request_actor
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.treatment.forms import DEVIATION_LABELS, DeviationForm, VisitRecordForm
from trialdesk.web.treatment.views_common import ParticipantContext, error_status, participant_context, text
from trialdesk.web.views import domain_errors

ANCHOR_RANDOMIZATION = gettext_lazy("randomization")
STATUS_LABELS = {
    "done_in_window": gettext_lazy("done in window"),
    "done_out_of_window": gettext_lazy("done outside its window"),
    "missed": gettext_lazy("missed"),
    "upcoming": gettext_lazy("upcoming"),
    "due": gettext_lazy("due now"),
    "overdue": gettext_lazy("overdue"),
}


def _anchor_kind(anchored_on: str, labels: dict[str, str]) -> str:
    """'injection step_2 on 2026-01-13' -> 'injection Step 2: 0.5 unit' (the date is shown in the viewer's
    calendar); visit and step ids are replaced by their protocol labels."""
    kind = anchored_on.rsplit(" on ", 1)[0]
    if kind == "randomization":
        return str(ANCHOR_RANDOMIZATION)
    words = kind.split(" ")
    return " ".join(labels.get(word, word) for word in words)


def _form_error(form: Any) -> ValidationFailed:
    problems = tuple(Problem(name, str(e)) for name, errors in form.errors.items() for e in errors)
    return ValidationFailed(_("The form is incomplete."), problems)


def _page(request: HttpRequest, ctx: ParticipantContext, error: TrialdeskError | None = None) -> HttpResponse:
    cal = calendar(ctx.actor, participant=ctx.participant)
    schedule = ctx.protocol.schedule
    labels = {visit.id: text(visit.label) for visit in schedule.visits} if schedule is not None else {}
    if ctx.protocol.dosing is not None and ctx.arm_id in ctx.protocol.dosing.arms:
        arm = ctx.protocol.dosing.arms[ctx.arm_id]
        labels |= {step.id: text(step.label) for step in arm.steps}
        if arm.maintenance is not None:
            labels[arm.maintenance.id] = text(arm.maintenance.label)
    counts: dict[str, int] = {}
    for row in cal.rows:
        counts[row.occurrence.visit_id] = counts.get(row.occurrence.visit_id, 0) + 1
    rows = [
        {
            "visit_id": row.occurrence.visit_id,
            "occurrence": row.occurrence.occurrence,
            "count": counts[row.occurrence.visit_id],
            "label": text(row.occurrence.label),
            "anchor_kind": _anchor_kind(row.occurrence.anchored_on, labels),
            "anchor_date": row.occurrence.anchor_date,
            "earliest": row.occurrence.earliest,
            "target": row.occurrence.target,
            "latest": row.occurrence.latest,
            "status": row.status.value,
            "status_label": STATUS_LABELS.get(row.status.value, row.status.value),
            "recorded": row.recorded,
            "done_on": row.recorded.done_on if row.recorded else None,
            "reason": row.recorded.missed_reason if row.recorded else "",
            "deviations": row.deviations,
        }
        for row in cal.rows
    ]
    deviations = [
        {
            "occurred_on": d.occurred_on,
            "recorded_at": d.recorded_at,
            "category": DEVIATION_LABELS.get(d.category, d.category),
            "visit": f"{d.visit.visit_id} #{d.visit.occurrence}" if d.visit else "",
            "reason": d.reason,
            "recorded_by": d.recorded_by,
            "automatic": d.automatic,
        }
        for d in list_deviations(ctx.actor, participant=ctx.participant)
    ]
    context = ctx.page(
        randomized_on=cal.randomized_on,
        rows=rows,
        awaiting=[labels.get(visit_id, visit_id) for visit_id in cal.awaiting_anchor],
        deviations=deviations,
        may_record=ctx.may(Action.RECORD_VISIT),
        may_deviate=ctx.may(Action.RECORD_DEVIATION),
        may_view_forms=ctx.may(Action.VIEW_FORM_DATA),
        deviation_form=DeviationForm(initial={"occurred_on": local_today()}),
        visit_error=error,
        today=local_today(),
    )
    return render(request, "trialdesk/treatment/visits.html", context, status=error_status(error))


@login_required
@domain_errors
def visits(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, participant_context(request, code))


@login_required
@require_POST
@domain_errors
def record(request: HttpRequest, code: str) -> HttpResponse:
    ctx = participant_context(request, code)
    form = VisitRecordForm(request.POST)
    if not form.is_valid():
        return _page(request, ctx, _form_error(form))
    data = form.cleaned_data
    try:
        if data["outcome"] == "missed":
            result = record_missed_visit(
                ctx.actor,
                participant=ctx.participant,
                visit_id=data["visit_id"],
                occurrence=data["occurrence"],
                reason=data["reason"],
            )
        else:
            if data["done_on"] is None:
                raise ValidationFailed(
                    _("Give the date the visit was done (or record it as missed)."),
                    (Problem("done_on", "required"),),
                )
            result = record_visit(
                ctx.actor,
                participant=ctx.participant,
                visit_id=data["visit_id"],
                occurrence=data["occurrence"],
                done_on=data["done_on"],
            )
    except TrialdeskError as error:
        return _page(request, ctx, error)
    messages.success(request, _("Visit recorded."))
    if result.deviation is not None:
        messages.warning(
            request, _("Protocol deviation recorded: %(reason)s") % {"reason": result.deviation.reason}
        )
    return redirect("treatment:visits", code=code)


@login_required
@require_POST
@domain_errors
def deviation(request: HttpRequest, code: str) -> HttpResponse:
    ctx = participant_context(request, code)
    form = DeviationForm(request.POST)
    if not form.is_valid():
        return _page(request, ctx, _form_error(form))
    data = form.cleaned_data
    try:
        record_deviation(
            ctx.actor,
            participant=ctx.participant,
            category=data["category"],
            reason=data["reason"],
            occurred_on=data["occurred_on"],
            visit_id=data["visit_id"] or None,
            occurrence=data["occurrence"],
        )
    except TrialdeskError as error:
        return _page(request, ctx, error)
    messages.success(request, _("Protocol deviation recorded."))
    return redirect("treatment:visits", code=code)


@login_required
@domain_errors
def overdue(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    allowed: set[int] | None = set()
    for action in (Action.RECORD_VISIT, Action.VIEW_FORM_DATA):
        ids = actor.site_ids(action)
        allowed = None if ids is None or allowed is None else allowed | ids
    if allowed is not None and not allowed:
        raise PermissionDenied(_("%(user)s may not see the visit calendars") % {"user": actor.username})
    sites = (
        Site.objects.filter(study=study)
        if allowed is None
        else Site.objects.filter(study=study, pk__in=allowed)
    )
    code = request.GET.get("site") or None
    selected = sites.filter(code=code).first() if code else None
    if code and selected is None:
        raise NotFound(_("No site %(code)s visible to you") % {"code": code})
    rows = []
    for site in [selected] if selected else list(sites):
        for row in overdue_list(actor, site=site):
            rows.append(
                {
                    "study_code": row.participant.study_code,
                    "site_code": site.code,
                    "label": text(row.occurrence.label),
                    "occurrence": row.occurrence.occurrence,
                    "earliest": row.occurrence.earliest,
                    "latest": row.occurrence.latest,
                    "days_overdue": row.days_overdue,
                }
            )
    rows.sort(key=lambda r: (r["latest"], r["study_code"]))
    page = paginate(request, rows)
    context = {
        "rows": page.object_list,
        "sites": sites,
        "selected_site": selected,
        **pager_context(request, page),
    }
    return render(request, "trialdesk/treatment/overdue.html", context)
