"""Recording informed consent and its withdrawal."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q

from trialdesk.core.input_rules import clinical_date_problems, text_problems
from trialdesk.core.participant_status import ParticipantStatus, StatusEvent, may_happen
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Problem, ValidationFailed
from trialdesk.protocol.registration import earliest_study_date
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import ConsentRecord, ConsentWithdrawal, Participant
from trialdesk.services.actors import Actor
from trialdesk.services.unit_of_work import ensure_not_withdrawn, use_case
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import SYSTEM_CLOCK, Clock

__all__ = [
    "WITHDRAWAL_SCOPES",
    "current_consent_version",
    "ensure_not_withdrawn",
    "has_current_consent",
    "record_consent",
    "withdraw_consent",
]

WITHDRAWAL_SCOPES = ("no_further_visits_data_kept",)
MAX_SIGNATURE_CHARS = 400_000  # a drawn signature as a PNG data URL; larger is not a signature


def consent_versions(participant: Participant, on: date | None = None) -> list[str]:
    documents = governing_protocol(
        study=participant.study, participant=participant, purpose=Purpose.CONSENT, on=on
    ).consent
    return [d.version for d in documents]


def _earliest(participant: Participant) -> date | None:
    protocol = governing_protocol(study=participant.study, participant=participant, purpose=Purpose.CONSENT)
    return earliest_study_date(protocol.registration)


def current_consent_version(participant: Participant) -> str | None:
    """The newest consent document version of the governing protocol (None when none is defined)."""
    versions = consent_versions(participant)
    return versions[-1] if versions else None


def has_current_consent(participant: Participant) -> bool:
    version = current_consent_version(participant)
    if hasattr(participant, "withdrawal"):
        return False
    consents = participant.consents.all()
    return any(c.document_version == version for c in consents) if version else consents.exists()


def current_consent_exists(protocol: Protocol) -> Q:
    """`has_current_consent` as a condition on a participant row (`OuterRef("pk")`), for a use case that checks
    several facts of its participant in one query: a consent on the current document and no withdrawal."""
    documents = protocol.consent
    consents = ConsentRecord.objects.filter(participant=OuterRef("pk"))
    if documents:
        consents = consents.filter(document_version=documents[-1].version)
    return Q(Exists(consents)) & ~Q(Exists(ConsentWithdrawal.objects.filter(participant=OuterRef("pk"))))


def _consent_problems(
    versions: list[str],
    document_version: str,
    consented_on: date,
    signature_png: str,
    today: date,
    earliest: date | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if versions and document_version not in versions:
        problems.append(
            Problem("document_version", f"must be one of the protocol's versions: {', '.join(versions)}")
        )
    if versions and document_version != versions[-1]:
        problems.append(Problem("document_version", f"version {versions[-1]} is current; consent on it"))
    problems += clinical_date_problems(consented_on, where="consented_on", earliest=earliest, today=today)
    if signature_png and (
        not signature_png.startswith("data:image/png;base64,") or len(signature_png) > MAX_SIGNATURE_CHARS
    ):
        problems.append(Problem("signature", "must be a drawn signature (PNG image)"))
    return problems


def record_consent(
    actor: Actor,
    *,
    participant: Participant,
    document_version: str,
    consented_on: date,
    signature_png: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> ConsentRecord:
    with use_case(actor, Action.RECORD_CONSENT, participant=participant, clock=clock) as uow:
        locked = uow.locked_participant
        problems = _consent_problems(
            consent_versions(locked, uow.today),
            document_version,
            consented_on,
            signature_png,
            uow.today,
            _earliest(locked),
        )
        if problems:
            raise ValidationFailed("Consent cannot be recorded", tuple(problems))
        if locked.consents.filter(document_version=document_version).exists():
            raise AlreadyDone(
                f"Consent on version {document_version} is already recorded for {locked.study_code}"
            )
        record = ConsentRecord.objects.create(
            participant=locked,
            document_version=document_version,
            consented_on=consented_on,
            obtained_by=actor.username,
            signature_png=signature_png,
            recorded_at=uow.now,
        )
        reconsent = locked.consents.exists() and not may_happen(
            ParticipantStatus(locked.status), StatusEvent.CONSENTED
        )
        if not reconsent:  # a re-consent after randomization (an amendment's new document) keeps the status
            uow.change_status(StatusEvent.CONSENTED)
        uow.record(
            "consent.reconsent" if reconsent else "consent.record",
            object_type="participant",
            object_id=locked.study_code,
            after={
                "document_version": document_version,
                "consented_on": consented_on.isoformat(),
                "obtained_by": actor.username,
                "signature": bool(signature_png),
            },
        )
    return record


def withdraw_consent(
    actor: Actor,
    *,
    participant: Participant,
    withdrawn_on: date,
    reason: str,
    scope: str = WITHDRAWAL_SCOPES[0],
    clock: Clock = SYSTEM_CLOCK,
) -> ConsentWithdrawal:
    with use_case(actor, Action.RECORD_CONSENT, participant=participant, clock=clock) as uow:
        locked = uow.locked_participant
        problems: list[Problem] = []
        if scope not in WITHDRAWAL_SCOPES:
            problems.append(Problem("scope", f"must be one of {', '.join(WITHDRAWAL_SCOPES)}"))
        problems += clinical_date_problems(
            withdrawn_on, where="withdrawn_on", earliest=_earliest(locked), today=uow.today
        )
        problems += text_problems(reason, where="reason", max_length=2000, multiline=True)
        if problems:
            raise ValidationFailed("The withdrawal cannot be recorded", tuple(problems))
        withdrawal = ConsentWithdrawal.objects.create(
            participant=locked,
            withdrawn_on=withdrawn_on,
            scope=scope,
            reason=reason.strip(),
            recorded_by=actor.username,
            recorded_at=uow.now,
        )
        before, after = uow.change_status(StatusEvent.WITHDREW)
        uow.record(
            "consent.withdraw",
            object_type="participant",
            object_id=locked.study_code,
            before={"status": before},
            after={"status": after, "withdrawn_on": withdrawn_on.isoformat(), "scope": scope},
            reason=reason.strip(),
        )
    return withdrawal
