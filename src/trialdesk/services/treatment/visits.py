"""Visits: the participant calendar (windows from actual dates), the overdue list, visits, missed visits and
protocol deviations. A visit done outside its window records a deviation automatically; so does a missed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trialdesk.core.input_rules import (
    LONG_TEXT,
    clinical_date_problems,
    occurrence_problems,
    raise_problems,
    text_problems,
)
from trialdesk.core.roles import Action
from trialdesk.core.schedule import (
    DeviationSuggestion,
    Injection,
    VisitOccurrence,
    VisitStatus,
    participant_calendar,
    visit_states,
)
from trialdesk.core.schedule import RecordedVisit as CoreRecordedVisit
from trialdesk.errors import AlreadyDone, NotFound, Problem, ValidationFailed
from trialdesk.protocol.registration import earliest_study_date
from trialdesk.protocol.schedule import VisitSchedule
from trialdesk.records.models import Allocation, Participant, Site
from trialdesk.records.treatment.models import Administration, ProtocolDeviation, RecordedVisit
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_date, local_today
from trialdesk.services.treatment._common import (
    allocation_of,
    authorize_any,
    governing,
    visit_schedule,
)
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import SYSTEM_CLOCK, Clock

DEVIATION_CATEGORIES = tuple(value for value, _ in ProtocolDeviation.CATEGORIES)


@dataclass(frozen=True)
class CalendarRow:
    """One visit occurrence with its window, its status on `as_of`, and what was recorded."""

    occurrence: VisitOccurrence  # visit_id, occurrence, label, anchored_on, earliest, target, latest
    status: VisitStatus  # done_in_window | done_out_of_window | missed | upcoming | due | overdue
    recorded: RecordedVisit | None
    suggestion: DeviationSuggestion | None  # set when done outside the window
    deviations: tuple[ProtocolDeviation, ...]


@dataclass(frozen=True)
class VisitCalendar:
    participant: Participant
    arm: str
    randomized_on: date
    as_of: date
    rows: tuple[CalendarRow, ...]
    awaiting_anchor: tuple[str, ...]  # visit ids whose anchor (e.g. the injection) has not happened yet


@dataclass(frozen=True)
class OverdueRow:
    participant: Participant
    occurrence: VisitOccurrence
    days_overdue: int  # days since the window closed


@dataclass(frozen=True)
class VisitResult:
    visit: RecordedVisit
    deviation: ProtocolDeviation | None  # recorded automatically (out of window, or missed)


def _core_recorded(participant: Participant) -> list[CoreRecordedVisit]:
    return [
        CoreRecordedVisit(visit_id=r.visit_id, occurrence=r.occurrence, done_on=r.done_on, missed=r.missed)
        for r in _stored_visits(participant)
    ]


def _stored_visits(participant: Participant) -> list[RecordedVisit]:
    # Through the related managers: the overdue list prefetches them, so 500 participants cost no more queries.
    return list(participant.recorded_visits.all())


def _build(
    participant: Participant, allocation: Allocation, as_of: date, schedule: VisitSchedule | None = None
) -> VisitCalendar:
    schedule = schedule or visit_schedule(governing(participant))
    randomized_on = local_date(allocation.allocated_at)
    given: list[Administration] = list(participant.administrations.all())
    injections = [Injection(a.step_id, local_date(a.given_at)) for a in given]
    recorded_core = _core_recorded(participant)
    cal = participant_calendar(
        schedule,
        arm=allocation.arm,
        randomized_on=randomized_on,
        injections=injections,
        recorded=recorded_core,
    )
    stored = {(r.visit_id, r.occurrence): r for r in _stored_visits(participant)}
    deviations: dict[int, list[ProtocolDeviation]] = {}
    noted: list[ProtocolDeviation] = list(participant.deviations.all())
    for d in noted:
        if d.visit_id is not None:
            deviations.setdefault(d.visit_id, []).append(d)
    rows = []
    for state in visit_states(cal, recorded_core, as_of):
        o = state.occurrence
        record = stored.get((o.visit_id, o.occurrence))
        rows.append(
            CalendarRow(
                o,
                state.status,
                record,
                state.deviation,
                tuple(deviations.get(record.pk, ())) if record else (),
            )
        )
    return VisitCalendar(participant, allocation.arm, randomized_on, as_of, tuple(rows), cal.awaiting_anchor)


def calendar(
    actor: Actor, *, participant: Participant, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK
) -> VisitCalendar:
    """Every visit occurrence of the participant's arm with its window and status (as of today by default)."""
    authorize_any(actor, (Action.RECORD_VISIT, Action.VIEW_FORM_DATA), participant.site_id)
    return _build(participant, allocation_of(participant), as_of or local_today(clock))


def overdue_list(
    actor: Actor, *, site: Site, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK
) -> list[OverdueRow]:
    """Visits of the site's randomized, not withdrawn participants whose window closed with nothing recorded."""
    authorize_any(actor, (Action.RECORD_VISIT, Action.VIEW_FORM_DATA), site.pk)
    day = as_of or local_today(clock)
    rows: list[OverdueRow] = []
    allocations = Allocation.objects.filter(participant__site=site, participant__withdrawal__isnull=True)
    schedule = visit_schedule(governing_protocol(study=site.study, purpose=Purpose.TREATMENT, on=day))
    for allocation in allocations.select_related("participant__site", "participant__study").prefetch_related(
        "participant__administrations", "participant__recorded_visits", "participant__deviations"
    ):
        cal = _build(allocation.participant, allocation, day, schedule)
        for row in cal.rows:
            if row.status is VisitStatus.OVERDUE:
                rows.append(
                    OverdueRow(allocation.participant, row.occurrence, (day - row.occurrence.latest).days)
                )
    return sorted(rows, key=lambda r: (r.occurrence.latest, r.participant.study_code))


def _occurrence(participant: Participant, visit_id: str, occurrence: int, as_of: date) -> VisitOccurrence:
    cal = _build(participant, allocation_of(participant), as_of)
    for row in cal.rows:
        if row.occurrence.visit_id == visit_id and row.occurrence.occurrence == occurrence:
            if row.recorded is not None:
                what = "missed" if row.recorded.missed else f"done on {row.recorded.done_on}"
                raise AlreadyDone(f"Visit {visit_id} #{occurrence} is already recorded ({what})")
            return row.occurrence
    if visit_id in cal.awaiting_anchor:
        raise ValidationFailed(
            f"Visit {visit_id} cannot be recorded yet: what it is anchored on has not happened",
            (Problem("visit_id", "anchor not reached"),),
        )
    raise NotFound(
        f"{participant.study_code} has no visit {visit_id} #{occurrence} on their calendar",
        (Problem("visit_id", "not on this participant's calendar"),),
    )


def _deviation(
    uow: UnitOfWork,
    *,
    participant: Participant,
    category: str,
    reason: str,
    occurred_on: date,
    visit: RecordedVisit | None,
    automatic: bool,
) -> ProtocolDeviation:
    deviation = ProtocolDeviation.objects.create(
        participant=participant,
        category=category,
        reason=reason,
        occurred_on=occurred_on,
        visit=visit,
        automatic=automatic,
        recorded_by=uow.actor.username,
        recorded_at=uow.now,
    )
    uow.record(
        "deviation.record",
        object_type="participant",
        object_id=participant.study_code,
        before=None,
        after={
            "category": category,
            "occurred_on": occurred_on.isoformat(),
            "visit": visit and f"{visit.visit_id}#{visit.occurrence}",
            "automatic": automatic,
            "reason": reason,
        },
    )
    return deviation


def record_visit(
    actor: Actor,
    *,
    participant: Participant,
    visit_id: str,
    occurrence: int,
    done_on: date,
    clock: Clock = SYSTEM_CLOCK,
) -> VisitResult:
    """Record a visit as done. Outside its window, a `visit_out_of_window` deviation is recorded with it."""
    with use_case(actor, Action.RECORD_VISIT, participant=participant, clock=clock) as uow:
        now, today = uow.now, uow.today
        raise_problems(_visit_problems(visit_id, occurrence), "No such visit occurrence")
        if done_on > today:
            raise ValidationFailed(
                "A visit cannot be recorded in the future", (Problem("done_on", "in the future"),)
            )
        locked = uow.locked_participant
        slot = _occurrence(locked, visit_id, occurrence, today)
        if done_on < local_date(allocation_of(locked).allocated_at):
            raise ValidationFailed(
                "A visit cannot be done before randomization", (Problem("done_on", "before randomization"),)
            )
        visit = RecordedVisit.objects.create(
            participant=locked,
            visit_id=visit_id,
            occurrence=occurrence,
            done_on=done_on,
            window_earliest=slot.earliest,
            window_latest=slot.latest,
            recorded_by=actor.username,
            recorded_at=now,
        )
        uow.record(
            "visit.record",
            object_type="participant",
            object_id=locked.study_code,
            before=None,
            after={"visit": f"{visit_id}#{occurrence}", "done_on": done_on.isoformat()},
        )
        deviation = None
        if not slot.contains(done_on):
            outside = (
                (done_on - slot.earliest).days if done_on < slot.earliest else (done_on - slot.latest).days
            )
            word = f"{-outside} day(s) early" if outside < 0 else f"{outside} day(s) late"
            deviation = _deviation(
                uow,
                participant=locked,
                category="visit_out_of_window",
                reason=f"{slot.label.en} #{occurrence} done on {done_on.isoformat()}, {word} (window "
                f"{slot.earliest.isoformat()} to {slot.latest.isoformat()}).",
                occurred_on=done_on,
                visit=visit,
                automatic=True,
            )
    return VisitResult(visit, deviation)


def record_missed_visit(
    actor: Actor,
    *,
    participant: Participant,
    visit_id: str,
    occurrence: int,
    reason: str,
    clock: Clock = SYSTEM_CLOCK,
) -> VisitResult:
    """Record that a visit did not happen (with the reason); a `missed_visit` deviation is recorded with it."""
    with use_case(actor, Action.RECORD_VISIT, participant=participant, clock=clock) as uow:
        raise_problems(
            [
                *_visit_problems(visit_id, occurrence),
                *text_problems(reason, where="reason", max_length=LONG_TEXT, multiline=True, required=True),
            ],
            "The reason the visit was missed is required and must be plain text",
        )
        why = reason.strip()
        now, today = uow.now, uow.today
        locked = uow.locked_participant
        slot = _occurrence(locked, visit_id, occurrence, today)
        visit = RecordedVisit.objects.create(
            participant=locked,
            visit_id=visit_id,
            occurrence=occurrence,
            missed=True,
            missed_reason=why,
            window_earliest=slot.earliest,
            window_latest=slot.latest,
            recorded_by=actor.username,
            recorded_at=now,
        )
        uow.record(
            "visit.missed",
            object_type="participant",
            object_id=locked.study_code,
            before=None,
            after={"visit": f"{visit_id}#{occurrence}", "missed": True},
            reason=why,
        )
        deviation = _deviation(
            uow,
            participant=locked,
            category="missed_visit",
            reason=f"{slot.label.en} #{occurrence} missed: {why}",
            occurred_on=min(slot.latest, today),
            visit=visit,
            automatic=True,
        )
    return VisitResult(visit, deviation)


def _visit_problems(visit_id: str, occurrence: int | None) -> list[Problem]:
    """A visit id and occurrence that can name a visit at all (checked before any lookup)."""
    return [*text_problems(visit_id, where="visit_id", max_length=60), *occurrence_problems(occurrence)]


def _check_deviation(
    participant: Participant, category: str, reason: str, occurred_on: date, today: date
) -> None:
    problems: list[Problem] = []
    if category not in DEVIATION_CATEGORIES:
        problems.append(Problem("category", f"must be one of {', '.join(DEVIATION_CATEGORIES)}"))
    problems += text_problems(reason, where="reason", max_length=LONG_TEXT, multiline=True, required=True)
    earliest = earliest_study_date(governing(participant).registration)
    problems += clinical_date_problems(occurred_on, where="occurred_on", earliest=earliest, today=today)
    raise_problems(problems, "The deviation cannot be recorded")


def record_deviation(
    actor: Actor,
    *,
    participant: Participant,
    category: str,
    reason: str,
    occurred_on: date,
    visit_id: str | None = None,
    occurrence: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> ProtocolDeviation:
    """Record a protocol deviation by hand (site staff or monitor); optionally linked to a recorded visit."""
    with use_case(
        actor, Action.RECORD_DEVIATION, participant=participant, allow_withdrawn=True, clock=clock
    ) as uow:
        locked = uow.locked_participant
        _check_deviation(locked, category, reason, occurred_on, uow.today)
        raise_problems(_visit_problems(visit_id or "", occurrence), "No such visit occurrence")
        visit = None
        if visit_id is not None:
            visit = RecordedVisit.objects.filter(
                participant=locked, visit_id=visit_id, occurrence=occurrence or 1
            ).first()
            if visit is None:
                raise NotFound(
                    f"Visit {visit_id} #{occurrence or 1} is not recorded for {locked.study_code}",
                    (Problem("visit_id", "not recorded"),),
                )
        return _deviation(
            uow,
            participant=locked,
            category=category,
            reason=reason.strip(),
            occurred_on=occurred_on,
            visit=visit,
            automatic=False,
        )


def list_deviations(actor: Actor, *, participant: Participant) -> list[ProtocolDeviation]:
    authorize_any(actor, (Action.RECORD_DEVIATION, Action.VIEW_FORM_DATA), participant.site_id)
    return list(ProtocolDeviation.objects.filter(participant=participant).select_related("visit"))
