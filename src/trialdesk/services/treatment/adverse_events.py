"""Adverse events: first report and follow-up updates (every version kept), with the safety consequences.

Every save, in the same transaction: validates the event (`core.adverse_events`), evaluates the protocol's
stopping rules over every event of the study (a participant rule records a `ParticipantStop`, a study rule a
`StudyPause`), and starts the ICH E2A expedited clock when the event is serious, unexpected and related.
The participant row and the study row are locked, so a pause and a concurrent dose serialise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max

from trialdesk.core.adverse_events import (
    ActionTaken,
    Expectedness,
    Outcome,
    SeriousnessCriterion,
    check_not_reported_twice,
    validate_adverse_event,
)
from trialdesk.core.adverse_events import AdverseEvent as CoreAdverseEvent
from trialdesk.core.ctcae import TERMS
from trialdesk.core.ctcae_values import ValueSuggestion, suggest_from_value
from trialdesk.core.roles import Action
from trialdesk.core.stopping import evaluate_stopping
from trialdesk.errors import NotFound, Problem, ValidationFailed
from trialdesk.protocol.registration import earliest_study_date
from trialdesk.records.models import Participant
from trialdesk.records.treatment.models import (
    AdverseEvent,
    AdverseEventVersion,
    ExpeditedReport,
    ParticipantStop,
    StudyPause,
)
from trialdesk.services.actors import Actor
from trialdesk.services.treatment._common import (
    authorize_any,
    governing,
    not_in_future,
    pause_as_seen,
    safety_plan,
    stopping_rules,
    to_core_event,
    visible_sites,
)
from trialdesk.services.treatment.ae_input import (
    INPUT_FIELDS,
    JUDGEMENT_FIELDS,
    NOT_SERIOUS,
    AdverseEventInput,
    awareness_date,
    check_choice,
    check_input,
    criteria_of,
    explicit_choice_problems,
    values_of,
)
from trialdesk.services.treatment.expedited import start_or_upgrade_clock
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class AdverseEventResult:
    event: AdverseEvent
    version: AdverseEventVersion
    new_stops: tuple[ParticipantStop, ...]  # participant stopping rules that fired on this save
    new_pauses: tuple[StudyPause, ...]  # study-wide pauses started by this save
    expedited: ExpeditedReport | None  # the event's expedited clock, if it has one


def _core(details: AdverseEventInput, participant: Participant, event_id: str) -> CoreAdverseEvent:
    problems = explicit_choice_problems(details)
    if problems:
        raise ValidationFailed("The adverse event needs every assessment chosen", tuple(problems))
    check_choice(Expectedness, str(details.expectedness), "expectedness", problems)
    check_choice(ActionTaken, str(details.action_taken), "action_taken", problems)
    check_choice(Outcome, str(details.outcome), "outcome", problems)
    for criterion in criteria_of(details):
        check_choice(SeriousnessCriterion, criterion, "seriousness", problems)
    if not details.term.strip():
        problems.append(Problem("term", "required"))
    if problems:
        raise ValidationFailed("The adverse event cannot be saved", tuple(problems))
    event = CoreAdverseEvent(
        id=event_id,
        participant_id=participant.study_code,
        term=details.term.strip(),
        onset_at=details.onset_at,
        grade=details.grade,
        seriousness=frozenset(SeriousnessCriterion(s) for s in criteria_of(details)),
        relationship_to_product=str(details.relationship_to_product),
        relationship_to_conventional_therapy=str(details.relationship_to_conventional_therapy),
        expectedness=Expectedness(str(details.expectedness)),
        action_taken=ActionTaken(str(details.action_taken)),
        outcome=Outcome(str(details.outcome)),
        resolved_at=details.resolved_at,
    )
    validate_adverse_event(event, safety_plan(governing(participant)))
    others = AdverseEvent.objects.filter(participant=participant).select_related("participant")
    if event_id.isdigit():
        others = others.exclude(pk=int(event_id))
    check_not_reported_twice(event, [to_core_event(other) for other in others])
    return event


def _earliest(participant: Participant) -> date | None:
    return earliest_study_date(governing(participant).registration)


def _check_times(details: AdverseEventInput, now: datetime) -> None:
    not_in_future(details.onset_at, now, "onset_at")
    if details.resolved_at is not None:
        not_in_future(details.resolved_at, now, "resolved_at")


def _consequences(
    event: AdverseEvent, participant: Participant, uow: UnitOfWork, aware_on: date
) -> tuple[tuple[ParticipantStop, ...], tuple[StudyPause, ...], ExpeditedReport | None]:
    """Stopping rules over every event of the study, and the expedited clock of this event (from `aware_on`)."""
    now = uow.now
    protocol = governing(participant)
    events = AdverseEvent.objects.filter(participant__study_id=participant.study_id).select_related(
        "participant"
    )
    by_id = {str(e.pk): e for e in events}
    decision = evaluate_stopping(stopping_rules(protocol), [to_core_event(e) for e in events])
    stops: list[ParticipantStop] = []
    for hit in decision.participant_hits:
        source = by_id[hit.event_id]
        stop, created = ParticipantStop.objects.get_or_create(
            participant_id=source.participant_id,
            rule_id=hit.rule_id,
            event=source,
            defaults={"message": hit.message, "stopped_at": now},
        )
        if created:
            stops.append(stop)
            uow.record(
                "safety.participant_stop",
                object_type="participant",
                object_id=source.participant.study_code,
                before=None,
                after={"rule": hit.rule_id, "event": source.code},
                reason=hit.message,
            )
    pauses: list[StudyPause] = []
    for hit in decision.study_hits:
        source = by_id[hit.event_id]
        pause, created = StudyPause.objects.get_or_create(
            study_id=participant.study_id,
            rule_id=hit.rule_id,
            event=source,
            defaults={"message": hit.message, "paused_at": now, "paused_by": f"stopping rule {hit.rule_id}"},
        )
        if created:
            pauses.append(pause)
            uow.record(
                "safety.study_pause",
                object_type="study_pause",
                object_id=str(pause.pk),
                before=None,
                after={"rule": hit.rule_id, "event": source.code, "state": "active"},
                reason=hit.message,
            )
    report = start_or_upgrade_clock(event, protocol, uow, aware_on)
    return tuple(stops), tuple(pauses), report


def _as_seen(actor: Actor, pauses: tuple[StudyPause, ...]) -> tuple[StudyPause, ...]:
    """The pauses a save started, as the reporter may read them (another site's event is not named)."""
    sites = visible_sites(actor, (Action.REPORT_ADVERSE_EVENT, Action.VIEW_SAFETY))
    return tuple(pause_as_seen(p, sites) for p in pauses)


def _version(
    event: AdverseEvent, values: dict[str, object], actor: Actor, now: datetime, reason: str, aware_on: date
) -> AdverseEventVersion:
    return AdverseEventVersion.objects.create(
        event=event,
        version=event.current_version,
        reason=reason,
        aware_on=aware_on,
        recorded_by=actor.username,
        recorded_at=now,
        **values,
    )


def _audit_values(values: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


def report_adverse_event(
    actor: Actor,
    *,
    participant: Participant,
    details: AdverseEventInput,
    first_knowledge_on: date | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> AdverseEventResult:
    """Report a new adverse event (version 1). `first_knowledge_on` (default today) starts any expedited clock."""
    with use_case(
        actor, Action.REPORT_ADVERSE_EVENT, participant=participant, lock_study=True, clock=clock
    ) as uow:
        now = uow.now
        check_input(
            details,
            earliest=_earliest(participant),
            now=now,
            aware=("first_knowledge_on", first_knowledge_on),
        )
        _check_times(details, now)
        _core(details, participant, "new")
        known = awareness_date(first_knowledge_on, details.onset_at, now, "first_knowledge_on")
        values = values_of(details)
        locked = uow.locked_participant
        number = (AdverseEvent.objects.filter(participant=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        event = AdverseEvent.objects.create(
            participant=locked,
            number=number,
            first_knowledge_on=known,
            reported_by=actor.username,
            reported_at=now,
            current_version=1,
            **values,
        )
        version = _version(event, values, actor, now, "", known)
        uow.record(
            "adverse_event.report",
            object_type="adverse_event",
            object_id=event.code,
            before=None,
            after=_audit_values(values),
        )
        stops, pauses, report = _consequences(event, locked, uow, known)
    return AdverseEventResult(event, version, stops, _as_seen(actor, pauses), report)


def update_adverse_event(
    actor: Actor,
    *,
    event: AdverseEvent,
    details: AdverseEventInput,
    reason: str,
    aware_on: date | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> AdverseEventResult:
    """A follow-up: the whole current assessment again, with why it changed. The earlier versions are kept.

    `aware_on` is the date the site learned the follow-up information (default today in the study's zone; not
    in the future, not before the onset); it is stored on the version and any expedited clock this follow-up
    starts or shortens counts from it, not from the day it was typed in.
    Allowed after a withdrawal of consent (following an event to its resolution is a safety duty)."""
    participant = event.participant
    with use_case(
        actor,
        Action.REPORT_ADVERSE_EVENT,
        participant=participant,
        lock_study=True,
        allow_withdrawn=True,
        clock=clock,
    ) as uow:
        now = uow.now
        check_input(
            details, earliest=_earliest(participant), now=now, aware=("aware_on", aware_on), reason=reason
        )
        _check_times(details, now)
        _core(details, participant, str(event.pk))
        learned = awareness_date(aware_on, details.onset_at, now, "aware_on")
        values = values_of(details)
        locked = uow.locked_participant
        current = AdverseEvent.objects.select_related("participant").get(pk=event.pk)
        before = _audit_values({f: getattr(current, f) for f in INPUT_FIELDS})
        for name, value in values.items():
            setattr(current, name, value)
        current.current_version += 1
        current.save()
        version = _version(current, values, actor, now, reason.strip(), learned)
        uow.record(
            "adverse_event.update",
            object_type="adverse_event",
            object_id=current.code,
            before=before,
            after=_audit_values(values),
            reason=reason.strip(),
        )
        stops, pauses, report = _consequences(current, locked, uow, learned)
    return AdverseEventResult(current, version, stops, _as_seen(actor, pauses), report)


def list_adverse_events(actor: Actor, *, participant: Participant) -> list[AdverseEvent]:
    """The participant's events (current assessment), in reporting order."""
    authorize_any(actor, (Action.REPORT_ADVERSE_EVENT, Action.VIEW_SAFETY), participant.site_id)
    return list(AdverseEvent.objects.filter(participant=participant).select_related("participant"))


def get_adverse_event(actor: Actor, *, participant: Participant, number: int) -> AdverseEvent:
    """Event `number` (1, 2, ...) of the participant."""
    authorize_any(actor, (Action.REPORT_ADVERSE_EVENT, Action.VIEW_SAFETY), participant.site_id)
    event = (
        AdverseEvent.objects.filter(participant=participant, number=number)
        .select_related("participant")
        .first()
    )
    if event is None:
        raise NotFound(f"{participant.study_code} has no adverse event {number}")
    return event


def event_versions(actor: Actor, *, event: AdverseEvent) -> list[AdverseEventVersion]:
    """Every assessment of the event, first report first."""
    authorize_any(actor, (Action.REPORT_ADVERSE_EVENT, Action.VIEW_SAFETY), event.participant.site_id)
    return list(event.versions.order_by("version"))


def suggest_grade(
    *,
    test: str,
    value: Decimal | str,
    unit: str,
    lln: Decimal | str | None = None,
    uln: Decimal | str | None = None,
    hours_above_40: Decimal | str | None = None,
) -> ValueSuggestion | None:
    """The CTCAE grade a value suggests: glucose (hypoglycemia, or for a high value the v5 hyperglycemia
    question; without an LLN a note saying so), triglycerides (absolute bands), body temperature in °C (fever;
    above 40.0 °C with the hours above it). None when the value suggests nothing. Pure; the investigator
    confirms the grade on the AE form."""
    return suggest_from_value(test, value, unit, lln, uln, hours_above_40)


@dataclass(frozen=True)
class AdverseEventChoices:
    """What the AE form offers: (value, English label) pairs; `terms` are the CTCAE terms with their grades."""

    terms: tuple[tuple[str, str, tuple[int, ...]], ...]  # (term id, name, grades it may take)
    relatedness: tuple[tuple[str, str], ...]
    seriousness: tuple[str, ...]
    expectedness: tuple[str, ...]
    action_taken: tuple[str, ...]
    outcome: tuple[str, ...]


def form_choices(participant: Participant) -> AdverseEventChoices:
    """The choices of the AE form for a participant's protocol (no permission needed: nothing is revealed)."""
    scale = safety_plan(governing(participant)).relatedness_scale
    return AdverseEventChoices(
        terms=tuple((t.id, t.name, t.available_grades) for t in TERMS.values()),
        relatedness=tuple((level.id, level.label.en) for level in scale),
        seriousness=tuple(c.value for c in SeriousnessCriterion),
        expectedness=tuple(e.value for e in Expectedness),
        action_taken=tuple(a.value for a in ActionTaken),
        outcome=tuple(o.value for o in Outcome),
    )


__all__ = [
    "INPUT_FIELDS",
    "JUDGEMENT_FIELDS",
    "NOT_SERIOUS",
    "AdverseEventChoices",
    "AdverseEventInput",
    "AdverseEventResult",
    "event_versions",
    "form_choices",
    "get_adverse_event",
    "list_adverse_events",
    "report_adverse_event",
    "suggest_grade",
    "update_adverse_event",
]
