"""Helpers shared by the treatment services: protocol sections, the participant's arm, core value conversion."""

from __future__ import annotations

import copy
from datetime import datetime

from trialdesk.core.adverse_events import ActionTaken, Expectedness, Outcome, SeriousnessCriterion
from trialdesk.core.adverse_events import AdverseEvent as CoreAdverseEvent
from trialdesk.core.roles import Action
from trialdesk.errors import Conflict, Problem, ValidationFailed
from trialdesk.protocol.schema import Protocol
from trialdesk.protocol.treatment import DosingPlan, SafetyPlan, StoppingRules, VisitSchedule
from trialdesk.records.models import Allocation, Participant, Study
from trialdesk.records.treatment.models import AdverseEvent, ParticipantStop, StudyPause
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.versions import Purpose, governing_protocol


def governing(participant: Participant) -> Protocol:
    """The protocol version governing the participant's treatment now (arm label, ladder, schedule, AE scale)."""
    return governing_protocol(study=participant.study, participant=participant, purpose=Purpose.TREATMENT)


def dosing_plan(protocol: Protocol) -> DosingPlan:
    if protocol.dosing is None:
        raise Conflict("The protocol defines no dosing plan", (Problem("dosing", "missing"),))
    return protocol.dosing


def visit_schedule(protocol: Protocol) -> VisitSchedule:
    if protocol.schedule is None:
        raise Conflict("The protocol defines no visit schedule", (Problem("schedule", "missing"),))
    return protocol.schedule


def safety_plan(protocol: Protocol) -> SafetyPlan:
    return protocol.safety if protocol.safety is not None else SafetyPlan()


def stopping_rules(protocol: Protocol) -> StoppingRules:
    return protocol.stopping_rules if protocol.stopping_rules is not None else StoppingRules()


def allocation_of(participant: Participant) -> Allocation:
    """The participant's allocation; treatment, visits and adverse events start at randomization."""
    allocation = Allocation.objects.filter(participant=participant).first()
    if allocation is None:
        raise Conflict(
            f"{participant.study_code} has not been randomized: treatment and visits start at randomization",
            (Problem("participant", "not randomized"),),
        )
    return allocation


def authorize_any(actor: Actor, actions: tuple[Action, ...], site_id: int | None = None) -> str:
    """Like `authorize`, for reads several roles' actions allow; the first allowed action's role is returned."""
    for action in actions:
        if actor.may(action, site_id):
            return authorize(actor, action, site_id)
    return authorize(actor, actions[0], site_id)  # raises with the first action's message


def require_text(value: str, where: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationFailed(f"{what} is required", (Problem(where, "required"),))
    return text


def not_in_future(moment: datetime, now: datetime, where: str) -> None:
    if moment.tzinfo is None:
        raise ValidationFailed(f"{where} must carry a time zone", (Problem(where, "naive datetime"),))
    if moment > now:
        raise ValidationFailed(
            f"{where} cannot be in the future ({moment.isoformat()})", (Problem(where, "in the future"),)
        )


def to_core_event(event: AdverseEvent) -> CoreAdverseEvent:
    """The current assessment of a stored event as the value the core rules take."""
    return CoreAdverseEvent(
        id=str(event.pk),
        participant_id=event.participant.study_code,
        term=event.term,
        onset_at=event.onset_at,
        grade=event.grade,
        seriousness=frozenset(SeriousnessCriterion(s) for s in event.seriousness),
        relationship_to_product=event.relationship_to_product,
        relationship_to_conventional_therapy=event.relationship_to_conventional_therapy,
        expectedness=Expectedness(event.expectedness),
        action_taken=ActionTaken(event.action_taken),
        outcome=Outcome(event.outcome),
        resolved_at=event.resolved_at,
    )


def active_pauses(study: Study) -> list[StudyPause]:
    """Pauses in force (awaiting a decision, or kept by one), oldest first."""
    return list(
        StudyPause.objects.filter(study=study)
        .exclude(state="lifted")
        .select_related("event__participant")
        .order_by("paused_at", "pk")
    )


def participant_stops(participant: Participant) -> list[ParticipantStop]:
    return list(ParticipantStop.objects.filter(participant=participant).order_by("stopped_at", "pk"))


OTHER_SITE = "another site"


def visible_sites(actor: Actor, actions: tuple[Action, ...]) -> set[int] | None:
    """The sites whose details the actor reads through any of `actions` (None: every site)."""
    sites: set[int] = set()
    for action in actions:
        allowed = actor.site_ids(action)
        if allowed is None:
            return None
        sites |= allowed
    return sites


def pause_as_seen(pause: StudyPause, sites: set[int] | None) -> StudyPause:
    """A pause as a site-scoped reader sees it: that the study is paused and by which rule, but not the other
    site's participant, event term or grade. An unsaved copy; the stored pause is unchanged."""
    if sites is None or pause.event.participant.site_id in sites:
        return pause
    seen = copy.copy(pause)
    seen.message = f"Stopping rule {pause.rule_id} was met by an adverse event at {OTHER_SITE}."
    seen.event_shown = OTHER_SITE  # type: ignore[attr-defined]
    return seen
