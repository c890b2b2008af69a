"""Screening a participant against the protocol's criteria; every attempt is kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction

from trialdesk.core.eligibility import Answer, decide_eligibility
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.records import audit
from trialdesk.records.models import Participant, ScreeningRecord
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.consent import ensure_not_withdrawn
from trialdesk.services.studies import protocol_of
from trialdesk.testing import SYSTEM_CLOCK, Clock

STATUS_AFTER = {"eligible": "eligible", "not_eligible": "screen_failed", "incomplete": "screening"}


def screen(
    actor: Actor,
    *,
    participant: Participant,
    answers: Mapping[str, tuple[str, str]],
    screened_on: date,
    clock: Clock = SYSTEM_CLOCK,
) -> ScreeningRecord:
    """Record answers {criterion id: (yes|no|unknown, source note)} and the decision with its reasons."""
    role = authorize(actor, Action.SCREEN, participant.site_id)
    now = clock.now()
    version = participant.study.current_protocol()
    criteria = protocol_of(version).criteria
    if screened_on > now.date():
        raise ValidationFailed(
            "Screening cannot be recorded", (Problem("screened_on", "cannot be in the future"),)
        )
    bad = [
        Problem(cid, "answer must be yes, no or unknown")
        for cid, (v, _) in answers.items()
        if v not in ("yes", "no", "unknown")
    ]
    if bad:
        raise ValidationFailed("Screening cannot be recorded", tuple(bad))
    decision = decide_eligibility(
        criteria, {cid: Answer(v, note or None) for cid, (v, note) in answers.items()}
    )
    reasons = [
        {"criterion": r.criterion_id, "category": r.category, "text": r.text.en, "group": r.group}
        for r in (*decision.failures, *decision.unanswered)
    ]
    with transaction.atomic():
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        ensure_not_withdrawn(locked)
        if locked.status == "randomized":
            raise ValidationFailed(
                f"{locked.study_code} is already randomized; screening is closed",
                (Problem("participant", "randomized"),),
            )
        attempt = locked.screenings.count() + 1
        record = ScreeningRecord.objects.create(
            participant=locked,
            attempt=attempt,
            protocol_version=version,
            answers={cid: {"answer": v, "note": note} for cid, (v, note) in answers.items()},
            decision=decision.outcome,
            reasons=reasons,
            screened_on=screened_on,
            recorded_at=now,
            screened_by=actor.username,
        )
        before = locked.status
        locked.status = STATUS_AFTER[decision.outcome]
        locked.save(update_fields=["status"])
        audit.append(
            at=now,
            actor=actor.username,
            role=role,
            action="screening.record",
            object_type="participant",
            object_id=locked.study_code,
            before={"status": before},
            after={
                "attempt": attempt,
                "decision": decision.outcome,
                "status": locked.status,
                "reasons": [r["criterion"] for r in reasons],
            },
        )
    return record


def screening_log(actor: Actor, *, study_id: int, site_id: int | None = None) -> list[ScreeningRecord]:
    """Every screening attempt at the actor's sites (the CONSORT diagram counts screen failures from it)."""
    sites = actor.site_ids(Action.VIEW_PARTICIPANTS)
    query = ScreeningRecord.objects.filter(participant__study_id=study_id).select_related("participant__site")
    if site_id is not None:
        authorize(actor, Action.VIEW_PARTICIPANTS, site_id)
        query = query.filter(participant__site_id=site_id)
    elif sites is not None:
        query = query.filter(participant__site_id__in=sites)
    return list(query.order_by("participant__study_code", "attempt"))
