"""Recording informed consent and its withdrawal."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Locked, Problem, ValidationFailed
from trialdesk.records import audit
from trialdesk.records.models import ConsentRecord, ConsentWithdrawal, Participant
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.database_lock import ensure_database_open
from trialdesk.services.studies import protocol_of
from trialdesk.testing import SYSTEM_CLOCK, Clock

WITHDRAWAL_SCOPES = ("no_further_visits_data_kept",)
MAX_SIGNATURE_CHARS = 400_000  # a drawn signature as a PNG data URL; larger is not a signature


def current_consent_version(participant: Participant) -> str | None:
    """The newest consent document version of the participant's study protocol (None when none is defined)."""
    documents = protocol_of(participant.study.current_protocol()).consent
    return documents[-1].version if documents else None


def has_current_consent(participant: Participant) -> bool:
    version = current_consent_version(participant)
    if hasattr(participant, "withdrawal"):
        return False
    consents = participant.consents.all()
    return any(c.document_version == version for c in consents) if version else consents.exists()


def ensure_not_withdrawn(participant: Participant) -> None:
    """Every data-entry service calls this: a withdrawn participant takes no further data, and nobody's data
    change after the database lock."""
    ensure_database_open(participant.study_id)
    withdrawal = ConsentWithdrawal.objects.filter(participant=participant).first()
    if withdrawal is not None:
        raise Locked(
            f"{participant.study_code} withdrew consent on {withdrawal.withdrawn_on.isoformat()}: "
            "no further data can be entered (data recorded before are kept)"
        )


def record_consent(
    actor: Actor,
    *,
    participant: Participant,
    document_version: str,
    consented_on: date,
    signature_png: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> ConsentRecord:
    role = authorize(actor, Action.RECORD_CONSENT, participant.site_id)
    now = clock.now()
    versions = [d.version for d in protocol_of(participant.study.current_protocol()).consent]
    problems: list[Problem] = []
    if versions and document_version not in versions:
        problems.append(
            Problem("document_version", f"must be one of the protocol's versions: {', '.join(versions)}")
        )
    if versions and document_version != versions[-1]:
        problems.append(Problem("document_version", f"version {versions[-1]} is current; consent on it"))
    if consented_on > now.date():
        problems.append(Problem("consented_on", "cannot be in the future"))
    if signature_png and (
        not signature_png.startswith("data:image/png;base64,") or len(signature_png) > MAX_SIGNATURE_CHARS
    ):
        problems.append(Problem("signature", "must be a drawn signature (PNG image)"))
    if problems:
        raise ValidationFailed("Consent cannot be recorded", tuple(problems))
    with transaction.atomic():
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        ensure_not_withdrawn(locked)
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
            recorded_at=now,
        )
        audit.append(
            at=now,
            actor=actor.username,
            role=role,
            action="consent.record",
            object_type="participant",
            object_id=locked.study_code,
            before=None,
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
    role = authorize(actor, Action.RECORD_CONSENT, participant.site_id)
    now = clock.now()
    problems: list[Problem] = []
    if scope not in WITHDRAWAL_SCOPES:
        problems.append(Problem("scope", f"must be one of {', '.join(WITHDRAWAL_SCOPES)}"))
    if withdrawn_on > now.date():
        problems.append(Problem("withdrawn_on", "cannot be in the future"))
    if problems:
        raise ValidationFailed("The withdrawal cannot be recorded", tuple(problems))
    with transaction.atomic():
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        ensure_not_withdrawn(locked)
        before_status = locked.status
        withdrawal = ConsentWithdrawal.objects.create(
            participant=locked,
            withdrawn_on=withdrawn_on,
            scope=scope,
            reason=reason.strip(),
            recorded_by=actor.username,
            recorded_at=now,
        )
        locked.status = "withdrawn"
        locked.save(update_fields=["status"])
        audit.append(
            at=now,
            actor=actor.username,
            role=role,
            action="consent.withdraw",
            object_type="participant",
            object_id=locked.study_code,
            before={"status": before_status},
            after={"status": "withdrawn", "withdrawn_on": withdrawn_on.isoformat(), "scope": scope},
            reason=reason.strip(),
        )
    return withdrawal
