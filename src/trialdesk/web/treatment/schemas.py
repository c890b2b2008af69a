"""Request and response schemas of the treatment JSON API, and the conversions from service results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema

from trialdesk.core.ctcae import GradeSuggestion
from trialdesk.core.ctcae_values import ValueNote, ValueSuggestion
from trialdesk.core.dosing import DoseStep, GateDecision
from trialdesk.records.treatment.models import (
    Administration,
    AdverseEvent,
    ExpeditedReport,
    ProductLot,
    ProtocolDeviation,
    RecordedVisit,
    StudyPause,
)
from trialdesk.services.treatment.dosing import DosingStatus
from trialdesk.services.treatment.expedited import ExpeditedRow
from trialdesk.services.treatment.lots import LotRow
from trialdesk.services.treatment.visits import CalendarRow

# --- lots ---------------------------------------------------------------------------------------------------


class LotIn(Schema):
    lot_id: str
    source_id: str
    amount_per_unit: Decimal
    amount_unit: str
    expiry_date: date
    note: str = ""


class LotReleaseIn(Schema):
    released_on: date


class LotOut(Schema):
    lot_id: str
    source_id: str
    amount_per_unit: Decimal
    amount_unit: str
    expiry_date: date
    qc_released: bool
    qc_released_on: date | None
    usable: bool
    problems: list[str]
    doses_given: int


def lot_out(row: LotRow) -> LotOut:
    lot: ProductLot = row.lot
    return LotOut(
        lot_id=lot.lot_id,
        source_id=lot.source_id,
        amount_per_unit=lot.amount_per_unit,
        amount_unit=lot.amount_unit,
        expiry_date=lot.expiry_date,
        qc_released=lot.qc_released,
        qc_released_on=lot.qc_released_on,
        usable=row.usable,
        problems=list(row.problems),
        doses_given=row.doses_given,
    )


# --- dosing -------------------------------------------------------------------------------------------------


class StepOut(Schema):
    id: str
    label: str
    amount: Decimal
    unit: str
    route: str
    kind: str
    earliest_day: int
    observation_hours: int


def step_out(step: DoseStep) -> StepOut:
    return StepOut(
        id=step.id,
        label=step.label.en,
        amount=step.amount,
        unit=step.unit,
        route=step.route,
        kind=step.kind,
        earliest_day=step.earliest_day,
        observation_hours=step.observation_hours,
    )


class RungOut(Schema):
    step: StepOut
    cycle: int | None
    state: str
    doses: int


class ReasonOut(Schema):
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
        reasons=[
            ReasonOut(code=r.code, message=r.message, allowed_from=r.allowed_from) for r in gate.reasons
        ],
        earliest_allowed_at=gate.earliest_allowed_at,
        note=gate.position.note if gate.position else None,
    )


class DoseOut(Schema):
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


def dose_out(dose: Administration) -> DoseOut:
    return DoseOut(
        id=dose.pk,
        step_id=dose.step_id,
        maintenance_cycle=dose.maintenance_cycle,
        planned_amount=dose.planned_amount,
        amount_given=dose.amount_given,
        unit=dose.unit,
        route=dose.route,
        lot_id=dose.lot.lot_id,
        partial=dose.partial,
        given_at=dose.given_at,
        infusion_started_at=dose.infusion_started_at,
        infusion_stopped_at=dose.infusion_stopped_at,
        immediate_reaction=dose.immediate_reaction,
        given_by=dose.given_by,
        recorded_by=dose.recorded_by,
    )


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


class SafetyCheckOut(Schema):
    id: int
    step_id: str
    answers: dict[str, str]
    signed_by: str
    signed_at: datetime


class DoseIn(Schema):
    step_id: str
    lot_id: str
    amount_given: Decimal
    given_at: datetime | None = None
    infusion_started_at: datetime | None = None
    infusion_stopped_at: datetime | None = None
    partial: bool = False
    immediate_reaction: str = ""
    given_by: str = ""


# --- visits -------------------------------------------------------------------------------------------------


class CalendarRowOut(Schema):
    visit_id: str
    occurrence: int
    label: str
    anchored_on: str
    earliest: date
    target: date
    latest: date
    status: str
    done_on: date | None
    missed_reason: str | None
    deviation_suggested: str | None
    deviations: list[str]


def calendar_row_out(row: CalendarRow) -> CalendarRowOut:
    o = row.occurrence
    return CalendarRowOut(
        visit_id=o.visit_id,
        occurrence=o.occurrence,
        label=o.label.en,
        anchored_on=o.anchored_on,
        earliest=o.earliest,
        target=o.target,
        latest=o.latest,
        status=row.status.value,
        done_on=row.recorded.done_on if row.recorded else None,
        missed_reason=row.recorded.missed_reason if row.recorded and row.recorded.missed else None,
        deviation_suggested=row.suggestion.message if row.suggestion else None,
        deviations=[d.reason for d in row.deviations],
    )


class CalendarOut(Schema):
    participant: str
    arm: str
    randomized_on: date
    as_of: date
    visits: list[CalendarRowOut]
    awaiting_anchor: list[str]


class OverdueOut(Schema):
    participant: str
    visit_id: str
    occurrence: int
    label: str
    latest: date
    days_overdue: int


class VisitIn(Schema):
    visit_id: str
    occurrence: int = 1
    done_on: date


class MissedVisitIn(Schema):
    visit_id: str
    occurrence: int = 1
    reason: str


class DeviationIn(Schema):
    category: str
    reason: str
    occurred_on: date
    visit_id: str | None = None
    occurrence: int | None = None


class DeviationOut(Schema):
    id: int
    category: str
    reason: str
    occurred_on: date
    visit: str | None
    automatic: bool
    recorded_by: str


def deviation_out(d: ProtocolDeviation) -> DeviationOut:
    visit: RecordedVisit | None = d.visit
    return DeviationOut(
        id=d.pk,
        category=d.category,
        reason=d.reason,
        occurred_on=d.occurred_on,
        visit=f"{visit.visit_id}#{visit.occurrence}" if visit else None,
        automatic=d.automatic,
        recorded_by=d.recorded_by,
    )


class VisitOut(Schema):
    visit_id: str
    occurrence: int
    done_on: date | None
    missed: bool
    missed_reason: str
    window_earliest: date
    window_latest: date
    deviation: DeviationOut | None


# --- adverse events -----------------------------------------------------------------------------------------


class AdverseEventIn(Schema):
    """A new event. The clinical judgements have no default: a missing one is refused by the service naming the
    field. `seriousness`: the criteria met, or [] / ["not_serious"] for the explicit "not serious" answer."""

    term: str
    onset_at: datetime
    grade: int
    relationship_to_product: str | None = None
    relationship_to_conventional_therapy: str | None = None
    expectedness: str | None = None
    action_taken: str | None = None
    outcome: str | None = None
    seriousness: list[str] | None = None
    resolved_at: datetime | None = None
    description: str = ""
    first_knowledge_on: date | None = None


class AdverseEventPatch(Schema):
    """A follow-up: only the fields given change; `reason` is required. `aware_on`: the date the site learned
    this information (default today); any expedited clock it starts or shortens counts from it."""

    reason: str
    aware_on: date | None = None
    term: str | None = None
    onset_at: datetime | None = None
    grade: int | None = None
    relationship_to_product: str | None = None
    relationship_to_conventional_therapy: str | None = None
    expectedness: str | None = None
    action_taken: str | None = None
    outcome: str | None = None
    seriousness: list[str] | None = None
    resolved_at: datetime | None = None
    description: str | None = None


class ExpeditedOut(Schema):
    id: int
    event: str
    kind: str
    first_knowledge_on: date
    initial_due_on: date
    follow_up_due_on: date | None
    sent_on: date | None
    follow_up_sent_on: date | None
    status: str
    follow_up_status: str | None
    overdue: bool
    days_left: int


def expedited_out(row: ExpeditedRow) -> ExpeditedOut:
    r: ExpeditedReport = row.report
    return ExpeditedOut(
        id=r.pk,
        event=r.event.code,
        kind=r.kind,
        first_knowledge_on=r.first_knowledge_on,
        initial_due_on=r.initial_due_on,
        follow_up_due_on=r.follow_up_due_on,
        sent_on=r.sent_on,
        follow_up_sent_on=r.follow_up_sent_on,
        status=row.status.value,
        follow_up_status=row.follow_up_status.value if row.follow_up_status else None,
        overdue=row.overdue,
        days_left=row.days_left,
    )


class AdverseEventOut(Schema):
    code: str
    number: int
    participant: str
    term: str
    onset_at: datetime
    resolved_at: datetime | None
    grade: int
    seriousness: list[str]
    relationship_to_product: str
    relationship_to_conventional_therapy: str
    expectedness: str
    action_taken: str
    outcome: str
    description: str
    version: int
    first_knowledge_on: date
    reported_by: str


def event_out(e: AdverseEvent) -> AdverseEventOut:
    return AdverseEventOut(
        code=e.code,
        number=e.number,
        participant=e.participant.study_code,
        term=e.term,
        onset_at=e.onset_at,
        resolved_at=e.resolved_at,
        grade=e.grade,
        seriousness=list(e.seriousness),
        relationship_to_product=e.relationship_to_product,
        relationship_to_conventional_therapy=e.relationship_to_conventional_therapy,
        expectedness=e.expectedness,
        action_taken=e.action_taken,
        outcome=e.outcome,
        description=e.description,
        version=e.current_version,
        first_knowledge_on=e.first_knowledge_on,
        reported_by=e.reported_by,
    )


class AdverseEventSavedOut(Schema):
    event: AdverseEventOut
    participant_stops: list[str]
    study_pauses: list[str]
    expedited: ExpeditedOut | None


class GradeSuggestionIn(Schema):
    test: str  # glucose | triglycerides | temperature (°C)
    value: Decimal
    unit: str
    lln: Decimal | None = None
    uln: Decimal | None = None
    hours_above_40: Decimal | None = None  # fever above 40.0 °C: grade 3 up to 24 h, grade 4 beyond


class GradeSuggestionOut(Schema):
    kind: str  # grade | hyperglycemia_question | note (cannot be graded from the value: says why) | none
    term_id: str | None
    grade: int | None
    text: str
    choices: dict[int, str]


def suggestion_out(s: ValueSuggestion | None) -> GradeSuggestionOut:
    if s is None:
        return GradeSuggestionOut(
            kind="none", term_id=None, grade=None, text="No CTCAE grade is suggested.", choices={}
        )
    if isinstance(s, ValueNote):
        return GradeSuggestionOut(kind="note", term_id=s.term_id, grade=None, text=s.text, choices={})
    if isinstance(s, GradeSuggestion):
        return GradeSuggestionOut(
            kind="grade", term_id=s.term_id, grade=s.grade, text=s.explanation, choices={}
        )
    return GradeSuggestionOut(
        kind="hyperglycemia_question",
        term_id=s.term_id,
        grade=None,
        text=s.prompt,
        choices={c.grade: c.text for c in s.choices},
    )


# --- safety -------------------------------------------------------------------------------------------------


class PauseOut(Schema):
    id: int
    rule_id: str
    event: str
    message: str
    state: str
    paused_at: datetime
    decisions: list[str]


def pause_out(p: StudyPause) -> PauseOut:
    return PauseOut(
        id=p.pk,
        rule_id=p.rule_id,
        event=p.event.code,
        message=p.message,
        state=p.state,
        paused_at=p.paused_at,
        decisions=[
            f"{d.decided_at.date().isoformat()} {d.decided_by}: {d.decision}" for d in p.decisions.all()
        ],
    )


class StopOut(Schema):
    participant: str
    rule_id: str
    event: str
    message: str
    stopped_at: datetime


class DashboardOut(Schema):
    as_of: date
    study_paused: bool
    active_pauses: list[PauseOut]
    lifted_pauses: list[PauseOut]
    stops: list[StopOut]
    open_events: list[AdverseEventOut]
    serious_events: list[AdverseEventOut]
    expedited: list[ExpeditedOut]
    overdue_reports: list[ExpeditedOut]


class PauseDecisionIn(Schema):
    decision: str
    lift: bool


class SentIn(Schema):
    sent_on: date
    follow_up: bool = False
    reference: str = ""
