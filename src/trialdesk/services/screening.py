"""Screening a participant against the protocol's criteria; every attempt is kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import cast

from trialdesk.core.eligibility import Answer, AnswerValue, EligibilityDecision, decide_eligibility
from trialdesk.core.input_rules import clinical_date_problems, text_problems
from trialdesk.core.participant_status import SCREENING_EVENTS, ParticipantStatus
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.registration import earliest_study_date
from trialdesk.protocol.schema import Criterion
from trialdesk.records.models import Participant, ScreeningRecord
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.consent import has_current_consent
from trialdesk.services.studies import protocol_of
from trialdesk.services.unit_of_work import use_case
from trialdesk.services.versions import Purpose, governing_version
from trialdesk.testing import SYSTEM_CLOCK, Clock


def screen(
    actor: Actor,
    *,
    participant: Participant,
    answers: Mapping[str, tuple[str, str]],
    screened_on: date,
    clock: Clock = SYSTEM_CLOCK,
) -> ScreeningRecord:
    """Record answers {criterion id: (yes|no|unknown, source note)} and the decision with its reasons."""
    with use_case(actor, Action.SCREEN, participant=participant, clock=clock) as uow:
        locked = uow.locked_participant
        version = governing_version(
            study=locked.study, participant=locked, purpose=Purpose.SCREENING, on=uow.today
        )
        protocol = protocol_of(version)
        decision = _decide(
            protocol.criteria,
            answers,
            screened_on,
            today=uow.today,
            earliest=earliest_study_date(protocol.registration),
        )
        reasons = [
            {"criterion": r.criterion_id, "category": r.category, "text": r.text.en, "group": r.group}
            for r in (*decision.failures, *decision.unanswered)
        ]
        if locked.status == ParticipantStatus.RANDOMIZED:
            raise ValidationFailed(
                f"{locked.study_code} is already randomized; screening is closed",
                (Problem("participant", "randomized"),),
            )
        record = ScreeningRecord.objects.create(
            participant=locked,
            attempt=locked.screenings.count() + 1,
            protocol_version=version,
            answers={cid: {"answer": v, "note": note} for cid, (v, note) in answers.items()},
            decision=decision.outcome,
            reasons=reasons,
            screened_on=screened_on,
            recorded_at=uow.now,
            screened_by=actor.username,
        )
        before, after = uow.change_status(
            SCREENING_EVENTS[decision.outcome], has_consent=has_current_consent(locked)
        )
        uow.record(
            "screening.record",
            object_type="participant",
            object_id=locked.study_code,
            before={"status": before},
            after={
                "attempt": record.attempt,
                "decision": decision.outcome,
                "status": after,
                "reasons": [r["criterion"] for r in reasons],
            },
        )
    return record


def _decide(
    criteria: Sequence[Criterion],
    answers: Mapping[str, tuple[str, str]],
    screened_on: date,
    *,
    today: date,
    earliest: date | None,
) -> EligibilityDecision:
    dated = clinical_date_problems(screened_on, where="screened_on", earliest=earliest, today=today)
    if dated:
        raise ValidationFailed("Screening cannot be recorded", tuple(dated))
    known = {c.id for c in criteria}
    bad = [
        Problem(cid, "answer must be yes, no or unknown")
        for cid, (v, _) in answers.items()
        if v not in ("yes", "no", "unknown")
    ]
    bad += [Problem(cid, "not a criterion of this protocol") for cid in answers if cid not in known]
    for cid, (_, note) in answers.items():
        bad += text_problems(note, where=f"{cid}.note", max_length=1000, multiline=True)
    if bad:
        raise ValidationFailed("Screening cannot be recorded", tuple(bad))
    if not any(v in ("yes", "no") for v, _ in answers.values()):
        raise ValidationFailed(
            "Nothing to record: no criterion is answered yes or no",
            (Problem("answers", "answer at least one criterion yes or no"),),
        )
    return decide_eligibility(
        criteria,
        {cid: Answer(cast(AnswerValue, v), note or None) for cid, (v, note) in answers.items()},
    )


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
