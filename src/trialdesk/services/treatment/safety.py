"""The safety dashboard and the ethics committee's decisions on study-wide pauses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from trialdesk.core.input_rules import LONG_TEXT, raise_problems, text_problems
from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, Problem, ValidationFailed
from trialdesk.records.models import Study
from trialdesk.records.treatment.models import AdverseEvent, ParticipantStop, PauseDecision, StudyPause
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.clock import local_today
from trialdesk.services.treatment._common import pause_as_seen
from trialdesk.services.treatment.expedited import ExpeditedRow, expedited_reports
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class SafetyDashboard:
    as_of: date
    study_paused: bool
    active_pauses: tuple[StudyPause, ...]  # in force: awaiting a decision or kept (state active / upheld)
    lifted_pauses: tuple[StudyPause, ...]
    stops: tuple[ParticipantStop, ...]
    open_events: tuple[AdverseEvent, ...]  # not resolved (no resolution time)
    serious_events: tuple[AdverseEvent, ...]  # any ICH E2A criterion, open or not
    expedited: tuple[ExpeditedRow, ...]
    overdue_reports: tuple[ExpeditedRow, ...]


def safety_dashboard(
    actor: Actor, *, study: Study, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK
) -> SafetyDashboard:
    """Open AEs, SAEs, pauses, participant stops and expedited reports. Events of the actor's sites only;
    pauses are study-wide and always shown."""
    authorize(actor, Action.VIEW_SAFETY)
    day = as_of or local_today(clock)
    sites = actor.site_ids(Action.VIEW_SAFETY)
    events = AdverseEvent.objects.filter(participant__study=study).select_related("participant")
    stops = ParticipantStop.objects.filter(participant__study=study).select_related("participant", "event")
    if sites is not None:
        events = events.filter(participant__site_id__in=sites)
        stops = stops.filter(participant__site_id__in=sites)
    pauses = list(
        StudyPause.objects.filter(study=study)
        .select_related("event__participant")
        .prefetch_related("decisions")
    )
    pauses = [pause_as_seen(pause, sites) for pause in pauses]
    reports = expedited_reports(actor, study=study, as_of=day, clock=clock)
    return SafetyDashboard(
        as_of=day,
        study_paused=any(p.in_force for p in pauses),
        active_pauses=tuple(p for p in pauses if p.in_force),
        lifted_pauses=tuple(p for p in pauses if not p.in_force),
        stops=tuple(stops),
        open_events=tuple(events.filter(resolved_at__isnull=True).order_by("onset_at")),
        serious_events=tuple(events.filter(~Q(seriousness=[])).order_by("onset_at")),
        expedited=tuple(reports),
        overdue_reports=tuple(r for r in reports if r.overdue),
    )


def get_pause(actor: Actor, *, study: Study, pause_id: int) -> StudyPause:
    authorize(actor, Action.VIEW_SAFETY)
    pause = StudyPause.objects.filter(study=study, pk=pause_id).select_related("event__participant").first()
    if pause is None:
        raise NotFound(f"No study pause {pause_id}")
    return pause


def decide_pause(
    actor: Actor, *, pause: StudyPause, decision: str, lift: bool, clock: Clock = SYSTEM_CLOCK
) -> PauseDecision:
    """The ethics/safety committee records its decision: `lift` resumes dosing (if no other pause is in force);
    otherwise the pause is kept ('upheld') and may be lifted by a later decision. A lifted pause is final."""
    with use_case(actor, Action.DECIDE_STUDY_PAUSE, study=pause.study, lock_study=True, clock=clock) as uow:
        now = uow.now
        text = decision.strip()
        raise_problems(
            text_problems(text, where="decision", max_length=LONG_TEXT, multiline=True, required=True),
            "The committee's decision text is required and must be plain text",
        )
        locked = StudyPause.objects.select_for_update().get(pk=pause.pk)
        if locked.state == "lifted":
            raise ValidationFailed("This pause was already lifted", (Problem("pause", "already lifted"),))
        before = locked.state
        locked.state = "lifted" if lift else "upheld"
        locked.save(update_fields=["state"])
        recorded = PauseDecision.objects.create(
            pause=locked, decision=text, lift=lift, decided_by=actor.username, decided_at=now
        )
        uow.record(
            "safety.pause_decision",
            object_type="study_pause",
            object_id=str(locked.pk),
            before={"state": before},
            after={"state": locked.state, "lift": lift},
            reason=text,
        )
    return recorded
