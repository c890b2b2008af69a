"""The dosing gate from stored data: doses, events, the latest safety check (with its vital signs), stops,
pauses and the first-dose preconditions (forms saved at the protocol's named visit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from trialdesk.core.dosing import Administration as CoreAdministration
from trialdesk.core.dosing import Finding, GateDecision, GateReason, evaluate_gate
from trialdesk.core.dosing import SafetyCheck as CoreSafetyCheck
from trialdesk.core.dosing.vitals import out_of_range
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.treatment import DosingPlan
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import ConsentWithdrawal, Participant
from trialdesk.records.treatment.models import Administration, AdverseEvent, SafetyCheck
from trialdesk.services.clock import local_time
from trialdesk.services.treatment._common import (
    active_pauses,
    dosing_plan,
    governing,
    participant_stops,
    to_core_event,
)
from trialdesk.services.treatment.dose_input import vital_sign_problems


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_vital_signs(plan: DosingPlan, raw: Mapping[str, object]) -> dict[str, Decimal]:
    """The vital signs typed at the safety check as numbers; refused (naming each field) when a required one is
    missing, one is not a number, or one is not a vital sign of the protocol."""
    limits = {limit.id: limit for limit in plan.vital_sign_limits}
    values: dict[str, Decimal] = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        if value is None or str(value).strip() == "":
            continue
        number = _decimal(value)
        if key not in limits:
            problems.append(Problem(f"vital_signs.{key}", "not a vital sign of the protocol"))
        elif number is None:
            problems.append(Problem(f"vital_signs.{key}", f"must be a number in {limits[key].unit}"))
        elif fits := vital_sign_problems(number, f"vital_signs.{key}"):
            problems += fits
        else:
            values[key] = number
    for limit in plan.vital_sign_limits:
        if (
            limit.required
            and limit.id not in values
            and f"vital_signs.{limit.id}" not in {p.where for p in problems}
        ):
            problems.append(Problem(f"vital_signs.{limit.id}", f"required ({limit.label.en}, {limit.unit})"))
    if problems:
        raise ValidationFailed("The pre-dose safety check cannot be signed", tuple(problems))
    return values


def attestation_problems(
    plan: DosingPlan, answers: Mapping[str, str], values: Mapping[str, Decimal]
) -> list[Problem]:
    """A 'normal' answer to an item attesting the vital signs, against values outside their ranges."""
    outside = out_of_range(plan.vital_sign_limits, values)
    if not outside:
        return []
    return [
        Problem(
            f"answers.{item.id}",
            "cannot be 'normal': " + "; ".join(outside) + " (answer 'abnormal' or correct the value)",
        )
        for item in plan.pre_dose_safety_check
        if item.attests_vital_signs and answers.get(item.id) == Finding.NORMAL.value
    ]


def core_doses(participant: Participant) -> list[CoreAdministration]:
    return [
        CoreAdministration(
            step_id=a.step_id,
            given_at=local_time(a.given_at),
            amount_given=a.amount_given,
            partial=a.partial,
            lot_id=a.lot.lot_id,
        )
        for a in Administration.objects.filter(participant=participant).select_related("lot")
    ]


def _core_check(check: SafetyCheck | None) -> CoreSafetyCheck | None:
    """Stored vital signs that are not numbers (free text before the ranges existed) count as not recorded."""
    if check is None:
        return None
    vitals = {k: n for k, v in (check.vital_signs or {}).items() if (n := _decimal(v)) is not None}
    return CoreSafetyCheck(
        step_id=check.step_id,
        signed_by=check.signed_by,
        signed_at=local_time(check.signed_at),
        answers={k: Finding(v) for k, v in check.answers.items()},
        vital_signs=vitals,
    )


def latest_check(participant: Participant, at: datetime) -> SafetyCheck | None:
    return (
        SafetyCheck.objects.filter(participant=participant, signed_at__lte=at)
        .order_by("-signed_at", "-pk")
        .first()
    )


def precondition_forms(participant: Participant, plan: DosingPlan) -> tuple[frozenset[str], dict[str, str]]:
    """The forms saved at the preconditions' visit (occurrence 1), and every form's English title."""
    protocol = governing(participant)
    titles = {form.id: form.title.en for form in protocol.forms}
    pre = plan.first_dose_preconditions
    if pre is None:
        return frozenset(), titles
    done = FormRecord.objects.filter(participant=participant, visit_id=pre.visit, occurrence=1)
    return frozenset(done.values_list("form_id", flat=True)), titles


def gate_at(participant: Participant, arm: str, at: datetime) -> tuple[GateDecision, SafetyCheck | None]:
    """The gate at `at` from what is stored now (the caller holds the locks when it matters)."""
    plan = dosing_plan(governing(participant))
    events = [
        to_core_event(e)
        for e in AdverseEvent.objects.filter(participant=participant).select_related("participant")
    ]
    check = latest_check(participant, at)
    forms_done, titles = precondition_forms(participant, plan)
    gate = evaluate_gate(
        plan=plan,
        arm=arm,
        administrations=core_doses(participant),
        adverse_events=events,
        safety_check=_core_check(check),
        study_paused=bool(active_pauses(participant.study)),
        participant_stopped=bool(participant_stops(participant)),
        precondition_forms_done=forms_done,
        form_titles=titles,
        now=local_time(at),
    )
    withdrawal = ConsentWithdrawal.objects.filter(participant=participant).first()
    if withdrawal is not None:
        reason = GateReason(
            "withdrawn",
            f"{participant.study_code} withdrew consent on {withdrawal.withdrawn_on.isoformat()}: "
            "no further doses.",
            params={"code": participant.study_code, "on": withdrawal.withdrawn_on},
        )
        gate = replace(gate, allowed=False, reasons=(reason, *gate.reasons))
    return gate, check
