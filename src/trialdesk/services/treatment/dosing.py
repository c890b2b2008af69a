"""Dosing: where a participant stands on the ladder, the pre-dose safety check, and recording a dose.

`record_dose` re-evaluates the gate inside its transaction, holding a row lock on the participant (and on the
study, so a study pause recorded by a concurrent adverse-event save cannot slip between the check and the
write): two concurrent requests for the same dose cannot both pass. A refusal raises `Conflict` whose
`problems` are the gate's reasons (code, clinician message) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trialdesk.core.dosing import Administration as CoreAdministration
from trialdesk.core.dosing import (
    DoseStep,
    Finding,
    GateDecision,
    LadderPosition,
    check_administration,
    dose_steps,
)
from trialdesk.core.roles import Action
from trialdesk.errors import Conflict, Problem, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.treatment import DosingPlan, SafetyCheckItem, VitalSignLimit
from trialdesk.records.models import ConsentWithdrawal, Participant
from trialdesk.records.treatment.models import Administration, ProductLot, SafetyCheck
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_time
from trialdesk.services.treatment._common import (
    active_pauses,
    allocation_of,
    authorize_any,
    dosing_plan,
    governing,
    not_in_future,
    participant_stops,
    pause_as_seen,
    visible_sites,
)
from trialdesk.services.treatment.dose_input import check_dose_input, check_safety_check_input
from trialdesk.services.treatment.gate import attestation_problems, gate_at, parse_vital_signs
from trialdesk.services.treatment.lots import lot_for_dose
from trialdesk.services.treatment.rungs import LadderRung, ladder_rungs
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class DosingStatus:
    """Everything the dosing page shows. `gate.reasons` say exactly why the next dose is refused and
    `gate.earliest_allowed_at` from when the time rules allow it. For the control arm `receives_product`
    is False, `ladder` is empty and the gate's reason is `no_study_product`."""

    participant: Participant
    arm: str
    receives_product: bool
    background_therapy: Text | None
    ladder: tuple[LadderRung, ...]
    position: LadderPosition | None
    gate: GateDecision
    administrations: tuple[Administration, ...]
    safety_check: SafetyCheck | None  # the latest signed check (the gate says whether it fits the next dose)
    safety_check_items: tuple[SafetyCheckItem, ...]
    vital_sign_limits: tuple[VitalSignLimit, ...]
    study_paused: bool
    pause_reasons: tuple[str, ...]
    participant_stopped: bool
    stop_reasons: tuple[str, ...]
    withdrawn: bool
    as_of: datetime
    pause_rules: tuple[
        str, ...
    ] = ()  # the stopping rules behind the pauses and stops, each once (pages word them)
    stop_rules: tuple[str, ...] = ()


def dosing_status(actor: Actor, *, participant: Participant, clock: Clock = SYSTEM_CLOCK) -> DosingStatus:
    """The ladder, where the participant stands, and the gate's answer for the next dose now."""
    readers = (Action.GIVE_TREATMENT, Action.VIEW_FORM_DATA)
    authorize_any(actor, readers, participant.site_id)
    now = clock.now()
    arm = allocation_of(participant).arm
    plan = dosing_plan(governing(participant))
    arm_plan = plan.arm(arm)
    gate, check = gate_at(participant, arm, now)
    doses = list(Administration.objects.filter(participant=participant).select_related("lot"))
    steps = dose_steps(plan, arm)
    cycles = arm_plan.maintenance.cycles if arm_plan.maintenance is not None else 0
    sites = visible_sites(actor, readers)
    pauses = [pause_as_seen(p, sites) for p in active_pauses(participant.study)]
    stops = participant_stops(participant)
    return DosingStatus(
        participant=participant,
        arm=arm,
        receives_product=arm_plan.receives_product,
        background_therapy=arm_plan.background_therapy,
        ladder=ladder_rungs(steps, cycles, gate.position, doses),
        position=gate.position,
        gate=gate,
        administrations=tuple(doses),
        safety_check=check,
        safety_check_items=tuple(plan.pre_dose_safety_check),
        vital_sign_limits=tuple(plan.vital_sign_limits),
        study_paused=bool(pauses),
        pause_reasons=tuple(p.message for p in pauses),
        participant_stopped=bool(stops),
        stop_reasons=tuple(s.message for s in stops),
        pause_rules=tuple(dict.fromkeys(p.rule_id for p in pauses)),
        stop_rules=tuple(dict.fromkeys(s.rule_id for s in stops)),
        withdrawn=ConsentWithdrawal.objects.filter(participant=participant).exists(),
        as_of=now,
    )


def record_safety_check(
    actor: Actor,
    *,
    participant: Participant,
    step_id: str,
    answers: Mapping[str, str],
    vital_signs: Mapping[str, object],
    symptoms: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> SafetyCheck:
    """The investigator signs the pre-dose safety check for the dose `step_id` (signature = actor + now).

    `answers` maps every protocol check item id to "normal" or "abnormal" (all items are required; an
    abnormal answer is recorded and the gate then refuses the dose). `vital_signs` maps the protocol's vital
    sign ids (`dosing.vital_sign_limits`) to numbers in their units; the required ones must be given. An item
    attesting the vital signs cannot be answered "normal" when a value is outside its range.
    """
    with use_case(actor, Action.GIVE_TREATMENT, participant=participant, clock=clock) as uow:
        now = uow.now
        check_safety_check_input(step_id=step_id, answers=dict(answers), symptoms=symptoms)
        plan = dosing_plan(governing(participant))
        _check_answers(participant, plan, step_id, answers)
        values = parse_vital_signs(plan, vital_signs)
        attested = attestation_problems(plan, answers, values)
        if attested:
            raise ValidationFailed(
                "The vital signs cannot be attested normal: a value is outside its range", tuple(attested)
            )
        locked = uow.locked_participant
        check = SafetyCheck.objects.create(
            participant=locked,
            step_id=step_id,
            answers=dict(answers),
            vital_signs={k: str(v) for k, v in values.items()},
            symptoms=symptoms.strip(),
            signed_by=actor.username,
            signed_at=now,
        )
        uow.record(
            "dosing.safety_check",
            object_type="participant",
            object_id=locked.study_code,
            before=None,
            after={"step_id": step_id, "answers": dict(answers), "vital_signs": check.vital_signs},
        )
    return check


def _check_answers(
    participant: Participant, plan: DosingPlan, step_id: str, answers: Mapping[str, str]
) -> None:
    """Every check item answered normal or abnormal, for a dose step of the participant's arm."""
    steps = {s.id for s in dose_steps(plan, allocation_of(participant).arm)}
    problems: list[Problem] = []
    if not steps:
        raise Conflict(
            f"{participant.study_code}'s arm receives no study product: no pre-dose check is needed",
            (Problem("arm", "no study product"),),
        )
    if step_id not in steps:
        problems.append(Problem("step_id", f"'{step_id}' is not a dose step of this arm"))
    items = {item.id for item in plan.pre_dose_safety_check}
    for item in sorted(items - set(answers)):
        problems.append(Problem(f"answers.{item}", "required: normal or abnormal"))
    for key, value in answers.items():
        if key not in items:
            problems.append(Problem(f"answers.{key}", "not an item of the protocol's safety check"))
        elif value not in {f.value for f in Finding}:
            problems.append(Problem(f"answers.{key}", "must be normal or abnormal"))
    if problems:
        raise ValidationFailed("The pre-dose safety check cannot be signed", tuple(problems))


def _refuse(gate: GateDecision, extra: tuple[Problem, ...] = ()) -> Conflict:
    problems = extra + tuple(Problem(r.code, r.message) for r in gate.reasons)
    return Conflict(
        "The dose cannot be given now: " + " ".join(p.rule for p in problems),
        problems,
        {
            "reasons": [
                {
                    "code": r.code,
                    "message": r.message,
                    "allowed_from": r.allowed_from and r.allowed_from.isoformat(),
                }
                for r in gate.reasons
            ],
            "earliest_allowed_at": gate.earliest_allowed_at and gate.earliest_allowed_at.isoformat(),
        },
    )


def _check_dose_times(
    at: datetime, infusion_started_at: datetime | None, infusion_stopped_at: datetime | None, now: datetime
) -> None:
    for where, moment in (
        ("given_at", at),
        ("infusion_started_at", infusion_started_at),
        ("infusion_stopped_at", infusion_stopped_at),
    ):
        if moment is not None:
            not_in_future(moment, now, where)
    if infusion_started_at and infusion_stopped_at and infusion_stopped_at < infusion_started_at:
        raise ValidationFailed(
            "The infusion cannot stop before it started",
            (Problem("infusion_stopped_at", "before the start"),),
        )


def _gate_for_step(
    locked: Participant, arm: str, at: datetime, step_id: str
) -> tuple[GateDecision, SafetyCheck | None]:
    """The gate at `at`, under the locks; refused unless it allows the dose and `step_id` is its next step."""
    gate, check = gate_at(locked, arm, at)
    if gate.next_step is not None and gate.next_step.id != step_id:
        raise _refuse(
            gate,
            (Problem("step_id", f"the next dose is {gate.next_step.label.en}, not '{step_id}'"),),
        )
    if not gate.allowed:
        raise _refuse(gate)
    return gate, check


def _store_dose(
    uow: UnitOfWork,
    locked: Participant,
    *,
    gate: GateDecision,
    check: SafetyCheck | None,
    step: DoseStep,
    lot: ProductLot,
    amount_given: Decimal,
    partial: bool,
    at: datetime,
    infusion_started_at: datetime | None,
    infusion_stopped_at: datetime | None,
    immediate_reaction: str,
    given_by: str,
) -> Administration:
    """Write the allowed dose and its audit entry (inside `record_dose`'s use case)."""
    actor, now = uow.actor, uow.now
    is_partial = partial or amount_given < step.amount
    position = gate.position
    cycle = position.next_cycle if position is not None and step.kind == "maintenance" else None
    dose = Administration.objects.create(
        participant=locked,
        step_id=step.id,
        step_kind=step.kind,
        maintenance_cycle=cycle,
        planned_amount=step.amount,
        amount_given=amount_given,
        unit=step.unit,
        route=step.route,
        lot=lot,
        partial=is_partial,
        given_at=at,
        infusion_started_at=infusion_started_at,
        infusion_stopped_at=infusion_stopped_at,
        immediate_reaction=immediate_reaction.strip(),
        safety_check=check,
        given_by=given_by.strip() or actor.username,
        recorded_by=actor.username,
        recorded_at=now,
    )
    uow.record(
        "dosing.administer",
        object_type="participant",
        object_id=locked.study_code,
        before=None,
        after={
            "step_id": step.id,
            "cycle": cycle,
            "amount_given": str(amount_given),
            "unit": step.unit,
            "partial": is_partial,
            "lot_id": lot.lot_id,
            "given_at": at.isoformat(),
            "immediate_reaction": dose.immediate_reaction,
        },
    )
    return dose


def record_dose(
    actor: Actor,
    *,
    participant: Participant,
    step_id: str,
    lot_id: str,
    amount_given: Decimal,
    given_at: datetime | None = None,
    infusion_started_at: datetime | None = None,
    infusion_stopped_at: datetime | None = None,
    partial: bool = False,
    immediate_reaction: str = "",
    given_by: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> Administration:
    """Record a dose the gate allows. `step_id` must be the gate's next step (a stale form is refused).

    `given_at` defaults to the infusion start, else now; it may not be in the future. Less than the step
    amount, or `partial=True`, records a partial dose (the step is then repeated). `given_by` names who gave
    it when not the recording investigator. Refused with the gate's
    reasons (Conflict), an unusable or other-source lot (ValidationFailed), a withdrawn participant (Locked).
    """
    with use_case(actor, Action.GIVE_TREATMENT, participant=participant, lock_study=True, clock=clock) as uow:
        now = uow.now
        times = (given_at, infusion_started_at, infusion_stopped_at)
        check_dose_input(
            participant, now, (step_id, lot_id, immediate_reaction, given_by), amount_given, times
        )
        at = given_at or infusion_started_at or now
        _check_dose_times(at, infusion_started_at, infusion_stopped_at, now)
        locked = uow.locked_participant
        arm = allocation_of(locked).arm
        plan = dosing_plan(governing(locked))
        gate, check = _gate_for_step(locked, arm, at, step_id)
        step = check_administration(
            plan,
            arm,
            CoreAdministration(
                step_id=step_id, given_at=local_time(at), amount_given=amount_given, partial=partial
            ),
        )
        lot = lot_for_dose(plan, locked, lot_id, at)
        dose = _store_dose(
            uow,
            locked,
            gate=gate,
            check=check,
            step=step,
            lot=lot,
            amount_given=amount_given,
            partial=partial,
            at=at,
            infusion_started_at=infusion_started_at,
            infusion_stopped_at=infusion_stopped_at,
            immediate_reaction=immediate_reaction,
            given_by=given_by,
        )
    return dose


def list_administrations(actor: Actor, *, participant: Participant) -> list[Administration]:
    authorize_any(actor, (Action.GIVE_TREATMENT, Action.VIEW_FORM_DATA), participant.site_id)
    return list(Administration.objects.filter(participant=participant).select_related("lot"))
