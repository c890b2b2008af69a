"""Source-data verification, form locks, the investigator's casebook e-signature, and the database lock.

    verify_form(actor, participant, *, visit_id, occurrence, form_id, clock) -> VerificationView   monitor
    lock_form(actor, participant, *, visit_id, occurrence, form_id, reason, clock) -> FormLockView  data manager
    unlock_form(actor, participant, *, visit_id, occurrence, form_id, reason, clock) -> FormLockView
    sign_casebook(actor, participant, *, password, meaning, clock) -> SignatureView           investigator
    casebook_signature(actor, participant) -> SignatureView | None      the valid signature, if any
    lock_database(actor, study, *, reason, clock) -> DatabaseLockView   data manager; everything read-only after
    database_lock(study) -> DatabaseLockView | None

`SIGNATURE_MEANING` is the statement shown on screen and stored with the signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from trialdesk.core.input_rules import LONG_TEXT, raise_problems, text_problems
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Conflict, NotFound, PermissionDenied, Problem, ValidationFailed
from trialdesk.records.casebook.models import (
    UNRESOLVED_QUERY_STATUSES,
    CasebookSignature,
    DatabaseLock,
    FormLock,
    FormRecord,
    SourceVerification,
)
from trialdesk.records.models import FailedSignIn, Participant, Person, Study
from trialdesk.services import database_lock as lock_guard
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook import common
from trialdesk.services.clock import local_date
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

SIGNATURE_MEANING = (
    "I confirm that I have reviewed the data in this participant's casebook and that, to the best of my "
    "knowledge, they are complete and accurate. This electronic signature is the legally binding equivalent "
    "of my handwritten signature."
)


@dataclass(frozen=True)
class VerificationView:
    form_id: str
    visit_id: str
    occurrence: int
    form_version: str
    verified_by: str
    verified_at: datetime


@dataclass(frozen=True)
class FormLockView:
    form_id: str
    visit_id: str
    occurrence: int
    locked: bool
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class SignatureView:
    participant_code: str
    signed_by: str
    signed_at: datetime
    meaning: str
    content_hash: str
    valid: bool  # False once data changed after signing


@dataclass(frozen=True)
class DatabaseLockView:
    locked_by: str
    locked_at: datetime
    reason: str


def _record_for_update(participant: Participant, visit_id: str, occurrence: int, form_id: str) -> FormRecord:
    record = (
        FormRecord.objects.select_for_update()
        .filter(participant=participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id)
        .first()
    )
    if record is None:
        raise NotFound(
            f"Form {form_id} at {visit_id} #{occurrence} of {participant.study_code} is not saved yet"
        )
    return record


def _object_id(participant: Participant, record: FormRecord) -> str:
    return f"{participant.study_code}/{record.visit_id}#{record.occurrence}/{record.form_id}"


def verify_form(
    actor: Actor, participant: Participant, *, visit_id: str, occurrence: int = 1, form_id: str,
    clock: Clock = SYSTEM_CLOCK,
) -> VerificationView:  # fmt: skip
    """The monitor marks a saved form as source-verified in its current state. Refused while the form has
    unresolved queries (open, answered or re-opened) or is already verified in this state."""
    with use_case(
        actor, Action.VERIFY_SOURCE, participant=participant, clock=clock, allow_withdrawn=True
    ) as uow:
        record = _record_for_update(participant, visit_id, occurrence, form_id)
        unresolved = record.queries.filter(status__in=UNRESOLVED_QUERY_STATUSES).count()
        if unresolved:
            raise Conflict(
                f"Form {form_id} has {unresolved} unresolved quer{'y' if unresolved == 1 else 'ies'}: "
                "close them before verifying",
                details={"next": "form_queries", "participant": participant.study_code, "visit_id": visit_id,
                         "occurrence": occurrence, "form_id": form_id},
            )  # fmt: skip
        if record.verified:
            raise AlreadyDone(f"Form {form_id} at {visit_id} #{occurrence} is already verified in this state")
        mark = SourceVerification.objects.create(
            form_record=record, verified_by=actor.username, verified_at=uow.now, form_version=record.form_version,
            content_hash=record.content_hash,
        )  # fmt: skip
        record.verified = True
        record.save(update_fields=["verified"])
        uow.record(
            "form.verify", object_type="form", object_id=_object_id(participant, record), before={"verified": False},
            after={"verified": True, "version": record.form_version, "content_hash": record.content_hash},
        )  # fmt: skip
    return VerificationView(
        form_id, visit_id, occurrence, mark.form_version, mark.verified_by, mark.verified_at
    )


def _reason(reason: str) -> str:
    text = reason.strip()
    raise_problems(
        text_problems(text, where="reason", max_length=LONG_TEXT, multiline=True, required=True),
        "A reason in plain text is required",
    )
    return text


def lock_form(
    actor: Actor, participant: Participant, *, visit_id: str, occurrence: int = 1, form_id: str, reason: str,
    clock: Clock = SYSTEM_CLOCK,
) -> FormLockView:  # fmt: skip
    """The data manager locks a saved form (reason required): no change is accepted until it is unlocked."""
    with use_case(actor, Action.LOCK_FORM, participant=participant, clock=clock, allow_withdrawn=True) as uow:
        text = _reason(reason)
        record = _record_for_update(participant, visit_id, occurrence, form_id)
        if record.locked:
            raise AlreadyDone(f"Form {form_id} at {visit_id} #{occurrence} is already locked")
        FormLock.objects.create(form_record=record, locked_by=actor.username, locked_at=uow.now, reason=text)
        record.locked = True
        record.save(update_fields=["locked"])
        uow.record(
            "form.lock", object_type="form", object_id=_object_id(participant, record), before={"locked": False},
            after={"locked": True}, reason=text,
        )  # fmt: skip
    return FormLockView(form_id, visit_id, occurrence, True, actor.username, uow.now, text)


def unlock_form(
    actor: Actor, participant: Participant, *, visit_id: str, occurrence: int = 1, form_id: str, reason: str,
    clock: Clock = SYSTEM_CLOCK,
) -> FormLockView:  # fmt: skip
    """The data manager unlocks a locked form, saying why."""
    with use_case(actor, Action.LOCK_FORM, participant=participant, clock=clock, allow_withdrawn=True) as uow:
        text = _reason(reason)
        record = _record_for_update(participant, visit_id, occurrence, form_id)
        lock = record.locks.filter(unlocked_at__isnull=True).last()
        if not record.locked or lock is None:
            raise Conflict(f"Form {form_id} at {visit_id} #{occurrence} is not locked")
        lock.unlocked_by, lock.unlocked_at, lock.unlock_reason = actor.username, uow.now, text
        lock.save(update_fields=["unlocked_by", "unlocked_at", "unlock_reason"])
        record.locked = False
        record.save(update_fields=["locked"])
        uow.record(
            "form.unlock", object_type="form", object_id=_object_id(participant, record), before={"locked": True},
            after={"locked": False}, reason=text,
        )  # fmt: skip
    return FormLockView(form_id, visit_id, occurrence, False, actor.username, uow.now, text)


E_SIGNATURE = "e-signature"  # the `address` of a failed signature in the failed sign-in table


def _password_matches(actor: Actor, password: str) -> bool:
    if actor.person_id is None:
        return False
    person = Person.objects.filter(pk=actor.person_id).select_related("user").first()
    user = person.user if person is not None else None
    return bool(user is not None and user.is_active and password and user.check_password(password))


def _ensure_not_throttled(actor: Actor, now: datetime) -> None:
    """Like sign-in: after 5 failures of the account within the window, the password is not even checked.
    Failed signatures and failed sign-ins count together (either is a guess at the same password)."""
    since = now - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    failures = FailedSignIn.objects.filter(username=actor.username, at__gte=since).count()
    if failures >= settings.LOGIN_THROTTLE_ATTEMPTS:
        minutes = settings.LOGIN_THROTTLE_WINDOW // 60
        raise PermissionDenied(
            f"Too many failed password attempts: try again in {minutes} minutes",
            (Problem("password", "too many failed attempts"),),
        )


def sign_casebook(
    actor: Actor, participant: Participant, *, password: str, meaning: str = SIGNATURE_MEANING,
    clock: Clock = SYSTEM_CLOCK,
) -> SignatureView:  # fmt: skip
    """The investigator signs the participant's casebook by re-entering their password; the signature stores
    the meaning statement shown and a hash of the casebook. Every precondition (meaning, forms to sign, not
    already signed, the throttle) is checked before the password, so the answer never tells a right password
    from a wrong one when signing is impossible anyway. A wrong password is refused (`ValidationFailed` on
    `password`), audited and counted like a failed sign-in. A later data change invalidates the signature."""
    with use_case(
        actor, Action.SIGN_CASEBOOK, participant=participant, clock=clock, allow_withdrawn=True
    ) as uow:
        statement = meaning.strip()
        raise_problems(
            text_problems(statement, where="meaning", max_length=LONG_TEXT, multiline=True, required=True),
            "State the meaning of the signature in plain text",
        )
        locked = uow.locked_participant
        digest = _ensure_signable(locked)
        _ensure_not_throttled(actor, uow.now)
        signature: CasebookSignature | None = None
        if not _password_matches(actor, password):  # committed with this use case: it must stay on record
            FailedSignIn.objects.create(username=actor.username, address=E_SIGNATURE, at=uow.now)
            uow.record(
                "casebook.sign_failed", object_type="participant", object_id=locked.study_code,
                after={"reason": "wrong password"},
            )  # fmt: skip
        else:
            signature = _sign(locked, actor, statement, digest, uow.now)
            uow.record(
                "casebook.sign", object_type="participant", object_id=locked.study_code,
                after={"content_hash": signature.content_hash, "meaning": statement},
            )  # fmt: skip
    if signature is None:
        raise ValidationFailed(
            "The password is not correct: the casebook was not signed",
            (Problem("password", "does not match your account's password"),),
        )
    return _signature_view(locked, signature, valid=True)


def _ensure_signable(participant: Participant) -> str:
    """The casebook's hash, when there is something to sign that is not signed in this state already."""
    if not FormRecord.objects.filter(participant=participant).exists():
        raise Conflict(f"{participant.study_code} has no saved forms to sign")
    digest = common.casebook_hash(participant)
    valid = CasebookSignature.objects.filter(participant=participant, invalidated_at__isnull=True)
    if valid.filter(content_hash=digest).exists():
        raise AlreadyDone(f"The casebook of {participant.study_code} is already signed in this state")
    return digest


def _sign(
    participant: Participant, actor: Actor, statement: str, digest: str, now: datetime
) -> CasebookSignature:
    """A new signature over the casebook as it is now (any earlier valid one is superseded)."""
    valid = CasebookSignature.objects.filter(participant=participant, invalidated_at__isnull=True)
    valid.update(invalidated_at=now, invalidated_reason="signed again")
    return CasebookSignature.objects.create(
        participant=participant,
        signed_by=actor.username,
        signed_at=now,
        meaning=statement,
        content_hash=digest,
    )


def _signature_view(participant: Participant, s: CasebookSignature, *, valid: bool) -> SignatureView:
    return SignatureView(participant.study_code, s.signed_by, s.signed_at, s.meaning, s.content_hash, valid)


def casebook_signature(actor: Actor, participant: Participant) -> SignatureView | None:
    """The latest signature (valid only when not invalidated and the casebook still hashes the same)."""
    authorize(actor, Action.VIEW_FORM_DATA, participant.site_id)
    latest = CasebookSignature.objects.filter(participant=participant).last()
    if latest is None:
        return None
    valid = latest.invalidated_at is None and latest.content_hash == common.casebook_hash(participant)
    return _signature_view(participant, latest, valid=valid)


def lock_database(
    actor: Actor, study: Study, *, reason: str, clock: Clock = SYSTEM_CLOCK
) -> DatabaseLockView:
    """The data manager locks the study database: from now on every write of every service is refused."""
    # not `study_data`: the database lock is what this writes (an existing one is `AlreadyDone`, not `Locked`)
    with use_case(
        actor, Action.LOCK_DATABASE, study=study, clock=clock, lock_study=True, study_data=False
    ) as uow:
        text = _reason(reason)
        existing = lock_guard.database_lock_of(study.pk)
        if existing is not None:
            raise AlreadyDone(
                f"The database was already locked on {local_date(existing.locked_at).isoformat()}"
            )
        lock = DatabaseLock.objects.create(
            study=study, locked_by=actor.username, locked_at=uow.now, reason=text
        )
        uow.record(
            "database.lock", object_type="study", object_id=study.protocol_key, before={"locked": False},
            after={"locked": True}, reason=text,
        )  # fmt: skip
    return DatabaseLockView(lock.locked_by, lock.locked_at, lock.reason)


def database_lock(study: Study) -> DatabaseLockView | None:
    lock = lock_guard.database_lock_of(study.pk)
    return None if lock is None else DatabaseLockView(lock.locked_by, lock.locked_at, lock.reason)


__all__ = [
    "SIGNATURE_MEANING",
    "DatabaseLockView",
    "FormLockView",
    "SignatureView",
    "VerificationView",
    "casebook_signature",
    "database_lock",
    "lock_database",
    "lock_form",
    "sign_casebook",
    "unlock_form",
    "verify_form",
]
