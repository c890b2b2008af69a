"""The participant's dosing page: the ladder, where they stand, the gate's answer, the safety check and the dose.

Every rule is the services' (`trialdesk.services.treatment.dosing`); a refused action re-renders the page with
the refusal's reasons (and the gate's time from which the dose would be allowed), never a 500.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trialdesk.core.dosing import DoseStep
from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError
from trialdesk.records.treatment.models import ProductLot
from trialdesk.services.treatment.dosing import DosingStatus, dosing_status, record_dose, record_safety_check
from trialdesk.services.treatment.lots import usable_lots
from trialdesk.web.treatment.forms import ROUTE_CHOICES, AdministrationForm, SafetyCheckForm
from trialdesk.web.treatment.views_common import (
    ParticipantContext,
    error_status,
    language,
    participant_context,
    text,
)
from trialdesk.web.views import domain_errors
from trialdesk.web.wording import position_sentence, rule_description

# A short translated heading per gate reason code; the reason's own message gives the detail and the time.
REASON_TITLES = {
    "participant_stopped": gettext_lazy("Participant stopped"),
    "study_paused": gettext_lazy("Study paused"),
    "no_study_product": gettext_lazy("No study product in this arm"),
    "ladder_complete": gettext_lazy("All planned doses given"),
    "stopped_after_reaction": gettext_lazy("Stopped after a reaction"),
    "adverse_event_hold": gettext_lazy("Adverse event hold"),
    "observation_period": gettext_lazy("Observation period not over"),
    "earliest_day": gettext_lazy("Too early in the ladder"),
    "maintenance_interval": gettext_lazy("Maintenance interval not reached"),
    "safety_check_missing": gettext_lazy("Safety check missing"),
    "safety_check_other_dose": gettext_lazy("Safety check is for another dose"),
    "safety_check_stale": gettext_lazy("Safety check signed before the last dose"),
    "safety_check_in_future": gettext_lazy("Safety check dated in the future"),
    "safety_check_unsigned": gettext_lazy("Safety check not signed"),
    "safety_check_incomplete": gettext_lazy("Safety check incomplete"),
    "safety_check_abnormal": gettext_lazy("Safety check found an abnormal result"),
    "vital_signs_missing": gettext_lazy("Vital signs missing"),
    "vital_sign_out_of_range": gettext_lazy("Vital sign outside its range"),
    "first_dose_preconditions": gettext_lazy("Baseline not complete"),
    "withdrawn": gettext_lazy("Consent withdrawn"),
    "step_id": gettext_lazy("Another step is due"),
}
ROUTE_LABELS = dict(ROUTE_CHOICES)


def _reasons(status: DosingStatus) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "title": REASON_TITLES.get(r.code, r.code),
            "message": r.message,
            "params": r.params,
            "allowed_from": r.allowed_from,
        }
        for r in status.gate.reasons
    ]


def _refusal(error: TrialdeskError | None) -> tuple[list[dict[str, Any]], datetime | None]:
    """The gate's reasons carried by a refused dose (`Conflict.details`), with their times parsed back."""
    if error is None or "reasons" not in error.details:
        return [], None
    reasons = [
        {
            "code": r["code"],
            "title": REASON_TITLES.get(r["code"], r["code"]),
            "message": r["message"],
            "allowed_from": datetime.fromisoformat(r["allowed_from"]) if r.get("allowed_from") else None,
        }
        for r in error.details["reasons"]
    ]
    steps = [p for p in error.problems if p.where == "step_id"]
    reasons = [
        {"code": "step_id", "title": REASON_TITLES["step_id"], "message": p.rule, "allowed_from": None}
        for p in steps
    ] + reasons
    earliest = error.details.get("earliest_allowed_at")
    return reasons, datetime.fromisoformat(earliest) if earliest else None


def _rule_texts(ctx: ParticipantContext, rule_ids: tuple[str, ...], messages: tuple[str, ...]) -> list[str]:
    """Each stopping rule once, in the page language (the stored English message if the protocol lacks it)."""
    fallback = messages[0] if messages else ""
    return [rule_description(ctx.protocol.stopping_rules, rule_id, fallback) for rule_id in rule_ids]


def _ladder(status: DosingStatus, maintenance: Any) -> list[dict[str, Any]]:
    rows = []
    first = status.position.first_dose_at if status.position else None
    first_day = timezone.localtime(first).date() if first is not None else None
    for rung in status.ladder:
        label = text(rung.step.label)
        if rung.cycle is not None:
            label = _("%(label)s — cycle %(n)s") % {"label": label, "n": rung.cycle}
        rows.append(
            {
                "step": rung.step,
                "cycle": rung.cycle,
                "state": rung.state,
                "label": label,
                "amount": f"{rung.step.amount.normalize():f}",
                "day_date": first_day + timedelta(days=rung.step.earliest_day) if first_day else None,
                "route_label": ROUTE_LABELS.get(rung.step.route, rung.step.route),
                "interval_min": maintenance.interval_min_days if maintenance else None,
                "interval_max": maintenance.interval_max_days if maintenance else None,
                "testid": rung.step.id if rung.cycle is None else f"{rung.step.id}-{rung.cycle}",
            }
        )
    return rows


def _doses(status: DosingStatus, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "given_at": d.given_at,
            "step_label": labels.get(d.step_id, d.step_id)
            + (f" ({d.maintenance_cycle})" if d.maintenance_cycle else ""),
            "partial": d.partial,
            "amount_given": f"{d.amount_given.normalize():f}",
            "unit": d.unit,
            "route": ROUTE_LABELS.get(d.route, d.route),
            "lot_id": d.lot.lot_id,
            "infusion_started_at": d.infusion_started_at,
            "infusion_stopped_at": d.infusion_stopped_at,
            "given_by": d.given_by,
            "immediate_reaction": d.immediate_reaction,
        }
        for d in status.administrations
    ]


def _check_form(status: DosingStatus) -> SafetyCheckForm:
    """The empty pre-dose check, for the gate's next step."""
    next_step = status.gate.next_step
    return SafetyCheckForm(
        initial={"step_id": next_step.id if next_step else ""},
        items=status.safety_check_items,
        language=language(),
        limits=status.vital_sign_limits,
    )


def _dose_form(status: DosingStatus, steps: list[DoseStep], lots: list[ProductLot]) -> AdministrationForm:
    """The empty dose form: the gate's next step and its amount, and the lot when only one is usable."""
    next_step = status.gate.next_step
    # The dose time defaults to "now" at submission: a minute-rounded time shown in the form would fall
    # before a safety check signed a few seconds earlier and the gate would not see that check.
    initial: dict[str, Any] = {}
    if next_step is not None:
        initial |= {"step_id": next_step.id, "amount_given": next_step.amount}
    if len(lots) == 1:
        initial["lot_id"] = lots[0].lot_id
    return AdministrationForm(
        initial=initial, steps=steps, lot_ids=[lot.lot_id for lot in lots], language=language()
    )


def _page(
    request: HttpRequest,
    ctx: ParticipantContext,
    *,
    check_form: SafetyCheckForm | None = None,
    dose_form: AdministrationForm | None = None,
    check_error: TrialdeskError | None = None,
    dose_error: TrialdeskError | None = None,
) -> HttpResponse:
    status = dosing_status(ctx.actor, participant=ctx.participant)
    plan = ctx.protocol.dosing
    assert plan is not None  # dosing_status refuses a protocol without a dosing plan
    arm_plan = plan.arm(status.arm)
    steps = [rung.step for rung in status.ladder if rung.cycle in (None, 1)]
    next_step = status.gate.next_step
    may_give = ctx.may(Action.GIVE_TREATMENT) and status.receives_product
    lots = usable_lots(ctx.actor, study=ctx.study) if may_give else []
    if check_form is None:
        check_form = _check_form(status)
    if dose_form is None:
        dose_form = _dose_form(status, steps, lots)
    context = ctx.page(
        status=status,
        receives_product=status.receives_product,
        background_therapy=text(status.background_therapy),
        product_name=text(plan.product.name),
        unit_definition=text(plan.product.unit_definition),
        ladder=_ladder(status, arm_plan.maintenance),
        position_note=position_sentence(status.position) if status.receives_product else "",
        decision=status.gate,
        reasons=_reasons(status),
        next_step=next_step,
        next_label=text(next_step.label) if next_step else "",
        next_route=ROUTE_LABELS.get(next_step.route, next_step.route) if next_step else "",
        hold_rule=text(plan.hold_rule.description),
        reaction_rule=text(plan.reaction_rule.description),
        assumptions=plan.treatment_assumptions,
        safety_check=status.safety_check,
        may_give=may_give,
        usable_lots=lots,
        check_form=check_form,
        dose_form=dose_form,
        check_error=check_error,
        dose_error=dose_error,
        doses=_doses(status, {s.id: text(s.label) for s in steps}),
        pause_reasons=_rule_texts(ctx, status.pause_rules, status.pause_reasons),  # each rule once
        stop_reasons=_rule_texts(ctx, status.stop_rules, status.stop_reasons),
    )
    context["dose_refusal"], context["dose_refusal_earliest"] = _refusal(dose_error)
    failed = check_form.errors or dose_form.errors
    code = 400 if failed and not (check_error or dose_error) else error_status(check_error or dose_error)
    return render(request, "trialdesk/treatment/dosing.html", context, status=code)


@login_required
@domain_errors
def dosing(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, participant_context(request, code))


@login_required
@require_POST
@domain_errors
def safety_check(request: HttpRequest, code: str) -> HttpResponse:
    ctx = participant_context(request, code)
    status = dosing_status(ctx.actor, participant=ctx.participant)
    form = SafetyCheckForm(
        request.POST, items=status.safety_check_items, language=language(), limits=status.vital_sign_limits
    )
    if not form.is_valid():
        return _page(request, ctx, check_form=form)
    try:
        record_safety_check(
            ctx.actor,
            participant=ctx.participant,
            step_id=form.cleaned_data["step_id"],
            answers=form.answers(),
            vital_signs={k: str(v) for k, v in form.vital_signs().items()},
            symptoms=form.cleaned_data["symptoms"],
        )
    except TrialdeskError as error:
        return _page(request, ctx, check_form=form, check_error=error)
    messages.success(request, _("Pre-dose safety check signed."))
    return redirect("treatment:dosing", code=code)


@login_required
@require_POST
@domain_errors
def administer(request: HttpRequest, code: str) -> HttpResponse:
    ctx = participant_context(request, code)
    status = dosing_status(ctx.actor, participant=ctx.participant)
    steps = [rung.step for rung in status.ladder if rung.cycle in (None, 1)]
    lots = usable_lots(ctx.actor, study=ctx.study)
    # Any registered lot id is accepted by the form, so an unusable lot is refused by the service with its reason.
    lot_ids = {lot.lot_id for lot in lots} | {request.POST.get("lot_id", "")} - {""}
    form = AdministrationForm(request.POST, steps=steps, lot_ids=sorted(lot_ids), language=language())
    if not form.is_valid():
        return _page(request, ctx, dose_form=form)
    data = form.cleaned_data
    try:
        record_dose(
            ctx.actor,
            participant=ctx.participant,
            step_id=data["step_id"],
            lot_id=data["lot_id"],
            amount_given=data["amount_given"],
            given_at=data["given_at"],
            infusion_started_at=data["infusion_started_at"],
            infusion_stopped_at=data["infusion_stopped_at"],
            partial=data["partial"],
            immediate_reaction=data["immediate_reaction"],
            given_by=data["given_by"],
        )
    except TrialdeskError as error:
        return _page(request, ctx, dose_form=form, dose_error=error)
    messages.success(request, _("Dose recorded."))
    return redirect("treatment:dosing", code=code)
