"""The three steps of an amendment, each one use case: propose, approve, activate."""

from __future__ import annotations

import json
from datetime import date

from trialdesk.core.input_rules import clinical_date_problems, plausible_date_problems, text_problems
from trialdesk.core.participant_status import FINAL
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Conflict, Problem, ValidationFailed
from trialdesk.protocol.amendments import describe_refusal, diff_protocols, refused_changes
from trialdesk.protocol.loading import canonical_json, content_hash
from trialdesk.protocol.registration import earliest_study_date
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import ProtocolVersion, Study
from trialdesk.services.actors import Actor
from trialdesk.services.amendments.reading import base_version, parse_upload, trial_state
from trialdesk.services.reconsent import reconsent_due
from trialdesk.services.studies import protocol_of
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

MAX_REFERENCE_CHARS = 100


def _ensure_applicable(study: Study, base: Protocol, new: Protocol) -> list[str]:
    """The change codes; raises naming every change the running trial refuses (and a file with no change)."""
    changes = diff_protocols(base, new)
    if not changes:
        raise ValidationFailed(
            "The file makes no change to the protocol in force", (Problem("file", "no change"),)
        )
    refusals = refused_changes(changes, trial_state(study))
    if refusals:
        problems = tuple(Problem(r.change.subject, describe_refusal(r)) for r in refusals)
        raise ValidationFailed("The amendment changes what a running trial cannot change", problems)
    return [c.code for c in changes]


def propose_amendment(
    actor: Actor, *, study: Study, raw: bytes, filename: str, clock: Clock = SYSTEM_CLOCK
) -> ProtocolVersion:
    """Validate an uploaded protocol file and store it as a proposed version (it governs nothing yet)."""
    protocol = parse_upload(study, raw, filename)
    with use_case(
        actor, Action.PROPOSE_AMENDMENT, study=study, lock_study=True, study_data=False, clock=clock
    ) as uow:
        locked = uow.locked_study
        pending = locked.protocol_versions.filter(state__in=("proposed", "approved")).first()
        if pending is not None:
            raise Conflict(
                f"Version {pending.version} is already {pending.state}; activate it before proposing another",
                (Problem("file", f"version {pending.version} is {pending.state}"),),
            )
        digest = content_hash(protocol)
        if locked.protocol_versions.filter(content_hash=digest).exists():
            raise AlreadyDone("This exact protocol is already stored")
        base = base_version(locked)
        codes = _ensure_applicable(locked, protocol_of(base), protocol) if base else []
        version = ProtocolVersion.objects.create(
            study=locked,
            version=protocol.version,
            content_hash=digest,
            content=json.loads(canonical_json(protocol)),
            loaded_by=actor.username,
            state="proposed",
        )
        uow.record(
            "amendment.propose",
            object_type="protocol_version",
            object_id=version.pk,
            after={"version": protocol.version, "content_hash": digest, "changes": codes},
        )
    return version


def _in_state(version: ProtocolVersion, state: str, doing: str) -> ProtocolVersion:
    locked = ProtocolVersion.objects.select_for_update().get(pk=version.pk)
    if locked.state != state:
        raise Conflict(
            f"Version {locked.version} is {locked.state}; only a {state} version can be {doing}",
            (Problem("version", f"state {locked.state}"),),
        )
    return locked


def approve_amendment(
    actor: Actor,
    *,
    version: ProtocolVersion,
    reference: str,
    approved_on: date,
    clock: Clock = SYSTEM_CLOCK,
) -> ProtocolVersion:
    """The ethics committee records its approval of a proposed version (reference and date)."""
    with use_case(
        actor, Action.APPROVE_AMENDMENT, study=version.study, lock_study=True, study_data=False, clock=clock
    ) as uow:
        locked = _in_state(version, "proposed", "approved")
        problems = text_problems(reference, where="reference", max_length=MAX_REFERENCE_CHARS, required=True)
        # Never before the study's own ethics approval (a Jalali year typed as Gregorian, a Unix epoch date).
        earliest = earliest_study_date(protocol_of(locked).registration)
        problems += plausible_date_problems(approved_on, where="approved_on") or clinical_date_problems(
            approved_on, where="approved_on", earliest=earliest, today=uow.today
        )
        if problems:
            raise ValidationFailed("The approval cannot be recorded", tuple(problems))
        locked.state, locked.approval_reference = "approved", reference.strip()
        locked.approval_date, locked.approved_by = approved_on, actor.username
        locked.save(update_fields=["state", "approval_reference", "approval_date", "approved_by"])
        uow.record(
            "amendment.approve",
            object_type="protocol_version",
            object_id=locked.pk,
            before={"state": "proposed"},
            after={
                "state": "approved",
                "reference": locked.approval_reference,
                "approved_on": approved_on.isoformat(),
            },
        )
    return locked


def _effective_problems(locked: ProtocolVersion, effective_from: date, today: date) -> list[Problem]:
    implausible = plausible_date_problems(effective_from, where="effective_from")
    if implausible:
        return implausible
    if effective_from < today:
        return [Problem("effective_from", "must be today or later: an amendment never applies retroactively")]
    base = base_version(locked.study, before=locked)
    if base is not None and base.effective_from is not None and effective_from < base.effective_from:
        return [
            Problem(
                "effective_from",
                f"must not be before {base.effective_from.isoformat()} (version {base.version})",
            )
        ]
    return []


def activate_amendment(
    actor: Actor, *, version: ProtocolVersion, effective_from: date, clock: Clock = SYSTEM_CLOCK
) -> ProtocolVersion:
    """Put an approved version in force from `effective_from` (today or later); re-checks the rules first."""
    with use_case(
        actor, Action.ACTIVATE_AMENDMENT, study=version.study, lock_study=True, study_data=False, clock=clock
    ) as uow:
        locked = _in_state(version, "approved", "activated")
        problems = _effective_problems(locked, effective_from, uow.today)
        if problems:
            raise ValidationFailed("The amendment cannot be activated", tuple(problems))
        base = base_version(locked.study, before=locked)
        codes = _ensure_applicable(locked.study, protocol_of(base), protocol_of(locked)) if base else []
        locked.state, locked.effective_from = "active", effective_from
        locked.activated_by, locked.activated_at = actor.username, uow.now
        locked.save(update_fields=["state", "effective_from", "activated_by", "activated_at"])
        uow.record(
            "amendment.activate",
            object_type="protocol_version",
            object_id=locked.pk,
            before={"state": "approved"},
            after={"state": "active", "effective_from": effective_from.isoformat()},
        )
        if "consent.added" in codes:
            _flag_reconsent(uow, locked, effective_from)
    return locked


def _flag_reconsent(uow: UnitOfWork, version: ProtocolVersion, effective_from: date) -> None:
    """Audit who must re-consent from the effective date (the flag itself is derived from the records)."""
    participants = version.study.participants.exclude(status__in=[s.value for s in FINAL])
    due = [p.study_code for p in participants if reconsent_due(p, effective_from) is not None]
    uow.record(
        "amendment.reconsent_flagged",
        object_type="protocol_version",
        object_id=version.pk,
        after={"effective_from": effective_from.isoformat(), "participants": due},
    )
