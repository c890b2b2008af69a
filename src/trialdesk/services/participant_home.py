"""The participant home: a timeline of what happened (from the stored records the actor may see) and the next
step (what is due, what blocks the next dose). Read-only; a fixed number of queries per participant.

    timeline(actor, participant) -> list[TimelineEntry]      newest first
    next_steps(actor, participant, *, clock) -> list[NextStep]

Entries carry codes and parameters; the web layer words them. No entry holds identity (names, ids, phone):
the actors named are staff usernames, and the arm appears only for roles that may see it (`arms_visible`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from trialdesk.core.participant_status import ParticipantStatus
from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError
from trialdesk.records.casebook.models import CasebookSignature, FormRecord, Query
from trialdesk.records.models import Participant
from trialdesk.records.treatment.models import Administration, AdverseEvent, RecordedVisit
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook.common import entry_protocol_of_study
from trialdesk.services.casebook.status_grid import arms_visible
from trialdesk.services.casebook.tracking import expected_forms
from trialdesk.services.clock import local_date, local_today
from trialdesk.services.treatment.gate import gate_at
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class TimelineEntry:
    day: date  # the local day it happened
    at: datetime | None  # the instant, when one was stored
    kind: str  # registered, screened, consented, withdrawn, randomized, dose, visit, visit_missed,
    #            form_saved, query_raised, adverse_event, casebook_signed
    by: str
    params: dict[str, str] = field(default_factory=dict)
    recorded_at: datetime | None = None  # orders the entries of one day when only a date was entered


@dataclass(frozen=True)
class NextStep:
    code: str  # screen, consent, randomize, dose_allowed, dose_blocked, forms_overdue, forms_due, no_step
    params: dict[str, str] = field(default_factory=dict)
    reasons: tuple[
        tuple[str, str, dict[str, Any]], ...
    ] = ()  # (code, message, params) of what blocks the dose


def _entry(when: datetime, kind: str, by: str, **params: str) -> TimelineEntry:
    return TimelineEntry(local_date(when), when, kind, by, params)


def _enrolment(actor: Actor, participant: Participant) -> list[TimelineEntry]:
    entries = [_entry(participant.registered_at, "registered", participant.registered_by)]
    for s in participant.screenings.all():
        entries.append(
            TimelineEntry(
                s.screened_on, None, "screened", s.screened_by, {"decision": s.decision}, s.recorded_at
            )
        )
    for c in participant.consents.all():
        version = {"document": c.document_version}
        entries.append(
            TimelineEntry(c.consented_on, None, "consented", c.obtained_by, version, c.recorded_at)
        )
    withdrawal = getattr(participant, "withdrawal", None)
    if withdrawal is not None:
        who = withdrawal.recorded_by
        entries.append(
            TimelineEntry(withdrawal.withdrawn_on, None, "withdrawn", who, {}, withdrawal.recorded_at)
        )
    allocation = getattr(participant, "allocation", None)
    if allocation is not None:
        protocol = entry_protocol_of_study(participant.study)
        arm = allocation.arm if arms_visible(actor, protocol, participant.site_id) else ""
        entries.append(_entry(allocation.allocated_at, "randomized", allocation.allocated_by, arm=arm))
    return entries


def _treatment(participant: Participant) -> list[TimelineEntry]:
    entries = [
        _entry(a.given_at, "dose", a.given_by, step=a.step_id)
        for a in Administration.objects.filter(participant=participant)
    ]
    for v in RecordedVisit.objects.filter(participant=participant):
        kind = "visit_missed" if v.missed else "visit"
        day = v.done_on or v.window_latest
        entries.append(
            TimelineEntry(
                day, None, kind, v.recorded_by, {"visit": v.visit_id, "n": str(v.occurrence)}, v.recorded_at
            )
        )
    for e in AdverseEvent.objects.filter(participant=participant):
        entries.append(_entry(e.onset_at, "adverse_event", e.reported_by, term=e.term, grade=str(e.grade)))
    return entries


def _casebook(participant: Participant) -> list[TimelineEntry]:
    entries = [
        _entry(
            r.first_saved_at,
            "form_saved",
            r.first_saved_by,
            form=r.form_id,
            visit=r.visit_id,
            n=str(r.occurrence),
        )
        for r in FormRecord.objects.filter(participant=participant)
    ]
    for q in Query.objects.filter(form_record__participant=participant).select_related("form_record"):
        entries.append(
            _entry(q.raised_at, "query_raised", q.raised_by, form=q.form_record.form_id, status=q.status)
        )
    for s in CasebookSignature.objects.filter(participant=participant):
        entries.append(_entry(s.signed_at, "casebook_signed", s.signed_by))
    return entries


def timeline(actor: Actor, participant: Participant) -> list[TimelineEntry]:
    """What happened to the participant, newest first: enrolment for everyone who sees the participant,
    doses/visits/adverse events for those who see safety or give treatment, forms and queries for those who
    see form data."""
    authorize(actor, Action.VIEW_PARTICIPANTS, participant.site_id)
    site = participant.site_id
    entries = _enrolment(actor, participant)
    if actor.may(Action.VIEW_SAFETY, site) or actor.may(Action.GIVE_TREATMENT, site):
        entries += _treatment(participant)
    if actor.may(Action.VIEW_FORM_DATA, site):
        entries += _casebook(participant)
    # Newest first; entries of the same instant in reverse of the order things happen (enrolment first).
    ordered = sorted(enumerate(entries), key=lambda item: (*_order(item[1]), item[0]), reverse=True)
    return [entry for _, entry in ordered]


def _order(entry: TimelineEntry) -> tuple[date, float]:
    moment = entry.at or entry.recorded_at
    return entry.day, moment.timestamp() if moment else 0.0


_BEFORE_RANDOMIZATION = {
    ParticipantStatus.REGISTERED: "screen",
    ParticipantStatus.ELIGIBLE: "consent",
    ParticipantStatus.CONSENTED: "randomize",
}


def next_steps(actor: Actor, participant: Participant, *, clock: Clock = SYSTEM_CLOCK) -> list[NextStep]:
    """What to do next: screen / consent / randomize before randomization; after it, the next dose (allowed,
    or what blocks it: the dosing gate) and the forms overdue or due (form tracking)."""
    authorize(actor, Action.VIEW_PARTICIPANTS, participant.site_id)
    status = ParticipantStatus(participant.status)
    if status in _BEFORE_RANDOMIZATION:
        return [NextStep(_BEFORE_RANDOMIZATION[status])]
    if status is not ParticipantStatus.RANDOMIZED:
        return [NextStep("no_step", {"status": status.value})]
    steps: list[NextStep] = []
    site = participant.site_id
    if actor.may(Action.GIVE_TREATMENT, site) or actor.may(Action.VIEW_FORM_DATA, site):
        steps += _dose_step(participant, clock)
    if actor.may(Action.VIEW_FORM_DATA, site):
        forms = expected_forms(actor, participant, clock=clock)
        overdue = [f for f in forms if f.state == "overdue"]
        due = [f for f in forms if f.state == "due"]
        if overdue:
            steps.append(NextStep("forms_overdue", {"count": str(len(overdue))}))
        if due:
            steps.append(
                NextStep(
                    "forms_due", {"count": str(len(due)), "latest": min(f.latest for f in due).isoformat()}
                )
            )
    return steps or [NextStep("no_step", {"status": status.value})]


def _dose_step(participant: Participant, clock: Clock) -> list[NextStep]:
    allocation = getattr(participant, "allocation", None)
    if allocation is None:
        return []
    try:
        gate, _check = gate_at(participant, allocation.arm, clock.now())
    except TrialdeskError:  # no dosing plan for this protocol or arm: nothing to say about doses
        return []
    if gate.next_step is None:
        return []
    step = {"step": gate.next_step.id, "today": local_today(clock).isoformat()}
    if gate.allowed:
        return [NextStep("dose_allowed", step)]
    return [
        NextStep("dose_blocked", step, tuple((r.code, r.message, dict(r.params or {})) for r in gate.reasons))
    ]
