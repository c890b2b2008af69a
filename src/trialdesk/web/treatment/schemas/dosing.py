"""Dosing: the ladder and the gate's answer, the pre-dose safety check, and a dose."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema

from trialdesk.core.dosing import DoseStep, GateDecision
from trialdesk.records.treatment.models import Administration
from trialdesk.services.treatment.dosing import DosingStatus
from trialdesk.web.fields import IsoDateTime
from trialdesk.web.treatment.schemas import RowSchema


class StepOut(RowSchema):
    id: str
    label: str
    amount: Decimal
    unit: str
    route: str
    kind: str
    earliest_day: int
    observation_hours: int

    @staticmethod
    def resolve_label(step: DoseStep) -> str:
        return step.label.en


def step_out(step: DoseStep) -> StepOut:
    return StepOut.from_orm(step)


class RungOut(Schema):
    step: StepOut
    cycle: int | None
    state: str
    doses: int


class ReasonOut(RowSchema):
    code: str
    message: str
    allowed_from: datetime | None


class GateOut(Schema):
    allowed: bool
    next_step: StepOut | None
    reasons: list[ReasonOut]
    earliest_allowed_at: datetime | None
    note: str | None


def gate_out(gate: GateDecision) -> GateOut:
    return GateOut(
        allowed=gate.allowed,
        next_step=step_out(gate.next_step) if gate.next_step else None,
        reasons=[ReasonOut.from_orm(r) for r in gate.reasons],
        earliest_allowed_at=gate.earliest_allowed_at,
        note=gate.position.note if gate.position else None,
    )


class DoseOut(RowSchema):
    id: int
    step_id: str
    maintenance_cycle: int | None
    planned_amount: Decimal
    amount_given: Decimal
    unit: str
    route: str
    lot_id: str
    partial: bool
    given_at: datetime
    infusion_started_at: datetime | None
    infusion_stopped_at: datetime | None
    immediate_reaction: str
    given_by: str
    recorded_by: str

    @staticmethod
    def resolve_lot_id(dose: Administration) -> str:
        return dose.lot.lot_id


def dose_out(dose: Administration) -> DoseOut:
    return DoseOut.from_orm(dose)


class DosingStatusOut(Schema):
    participant: str
    arm: str
    receives_product: bool
    ladder: list[RungOut]
    gate: GateOut
    doses: list[DoseOut]
    study_paused: bool
    pause_reasons: list[str]
    participant_stopped: bool
    stop_reasons: list[str]
    safety_check_items: dict[str, str]


def dosing_out(status: DosingStatus) -> DosingStatusOut:
    return DosingStatusOut(
        participant=status.participant.study_code,
        arm=status.arm,
        receives_product=status.receives_product,
        ladder=[
            RungOut(step=step_out(r.step), cycle=r.cycle, state=r.state, doses=len(r.doses))
            for r in status.ladder
        ],
        gate=gate_out(status.gate),
        doses=[dose_out(d) for d in status.administrations],
        study_paused=status.study_paused,
        pause_reasons=list(status.pause_reasons),
        participant_stopped=status.participant_stopped,
        stop_reasons=list(status.stop_reasons),
        safety_check_items={i.id: i.label.en for i in status.safety_check_items},
    )


class SafetyCheckIn(Schema):
    step_id: str
    answers: dict[str, str]
    vital_signs: dict[str, Decimal] = {}
    symptoms: str = ""


class SafetyCheckOut(RowSchema):
    id: int
    step_id: str
    answers: dict[str, str]
    signed_by: str
    signed_at: datetime


class DoseIn(Schema):
    step_id: str
    lot_id: str
    amount_given: Decimal
    given_at: IsoDateTime | None = None
    infusion_started_at: IsoDateTime | None = None
    infusion_stopped_at: IsoDateTime | None = None
    partial: bool = False
    immediate_reaction: str = ""
    given_by: str = ""
