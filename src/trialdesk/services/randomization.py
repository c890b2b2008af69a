"""Concealed randomization: list generation by the epidemiologist, audited views, final allocations.

Concealment: only VIEW_LIST (the epidemiologist) reads slots; every read is audited. `randomize()` reveals only the
slot it takes. Atomicity: the allocation locks its stratum's counter row (SELECT ... FOR UPDATE; on SQLite the
IMMEDIATE transaction holds the write lock), picks the next slot with the pure `next_slot`, and writes the
allocation, the counter and the audit entry in one transaction.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError

from trialdesk.core.participant_status import ParticipantStatus, StatusEvent
from trialdesk.core.randomization import (
    PriorAllocation,
    RecordedAllocation,
    canonical_form,
    check_allocation_order,
    commitment,
    generate_list,
    minimize,
    parse_canonical_form,
    strata_keys,
    stratum_key,
)
from trialdesk.core.randomization import (
    RandomizationList as CoreList,
)
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Conflict, IntegrityBroken, NotFound, Problem, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign
from trialdesk.records.models import (
    Allocation,
    AuditEntry,
    Participant,
    RandomizationList,
    RandomizationSlot,
    RandomizationStratum,
    Study,
)
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.clock import local_date
from trialdesk.services.consent import has_current_consent
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import SYSTEM_CLOCK, Clock


def _design(study: Study) -> tuple[RandomizationDesign, list[str]]:
    protocol = governing_protocol(study=study, purpose=Purpose.RANDOMIZATION)
    if protocol.randomization is None:
        raise Conflict("The protocol defines no randomization")
    return protocol.randomization, [arm.id for arm in protocol.arms]


def active_list(study: Study) -> RandomizationList | None:
    return RandomizationList.objects.filter(study=study, active=True).order_by("-pk").first()


def generate(
    actor: Actor, *, study: Study, seed: int | None = None, clock: Clock = SYSTEM_CLOCK
) -> RandomizationList:
    """Make the study's list from a cryptographically random seed (recorded; shown only to the epidemiologist)."""
    authorize(actor, Action.GENERATE_LIST)  # before anything about the design is read or said
    design, arm_ids = _design(study)
    if design.method != "permuted_blocks" and design.method != "minimization":
        raise Conflict(f"Unknown randomization method {design.method}")
    seed = seed if seed is not None else secrets.randbits(128)
    site_codes = list(study.sites.order_by("code").values_list("code", flat=True))
    keys = strata_keys(design, site_codes) if design.method == "permuted_blocks" else ("all",)
    core = (
        generate_list(design, arm_ids, keys, random.Random(seed))
        if design.method == "permuted_blocks"
        else None
    )
    return store_list(
        actor,
        Action.GENERATE_LIST,
        study=study,
        core=core,
        design=design,
        source="generated",
        seed=str(seed),
        clock=clock,
    )


def design_of(study: Study) -> tuple[RandomizationDesign, list[str]]:
    """The study's randomization design and its arm ids (Conflict when the protocol has none)."""
    return _design(study)


def store_list(
    actor: Actor,
    action: Action,
    *,
    study: Study,
    core: CoreList | None,
    design: RandomizationDesign,
    source: str,
    seed: str,
    clock: Clock,
    imported: Mapping[str, object] | None = None,
) -> RandomizationList:
    """Store a generated or imported list as the active one and publish its commitment (audited).

    Refused when the current active list already has allocations. `action` is the one the actor is taking
    (generate or import); `imported` describes the imported file for its own audit entry.
    """
    text = canonical_form(core).decode("utf-8") if core is not None else ""
    digest = commitment(core) if core is not None else ""
    with use_case(actor, action, study=study, clock=clock) as uow:
        current = active_list(study)
        if current is not None and current.allocations.exists():
            raise Conflict("Participants are already allocated from the current list; it cannot be replaced")
        RandomizationList.objects.filter(study=study, active=True).update(active=False)
        stored = RandomizationList.objects.create(
            study=study,
            source=source,
            method=design.method,
            seed=seed,
            design=design.model_dump(mode="json"),
            canonical_text=text,
            commitment=digest,
            created_at=uow.now,
            created_by=actor.username,
        )
        _store_slots(stored, core)
        # The commitment is public; the seed and the slots are not written to the audit log.
        uow.record(
            "randomization.list_create",
            object_type="randomization_list",
            object_id=stored.pk,
            after={
                "source": source,
                "method": design.method,
                "commitment": digest,
                "slots": core and len(core.slots),
            },
        )
        if imported is not None:
            uow.record(
                "randomization.list_import",
                object_type="randomization_list",
                object_id=stored.pk,
                after={**imported, "commitment": digest},
            )
    return stored


def _store_slots(stored: RandomizationList, core: CoreList | None) -> None:
    if core is None:  # minimization: one counter row, no slots
        RandomizationStratum.objects.create(randomization_list=stored, key="all")
        return
    RandomizationSlot.objects.bulk_create(
        RandomizationSlot(
            randomization_list=stored,
            stratum=s.stratum,
            sequence=s.sequence,
            block=s.block,
            block_size=s.block_size,
            arm=s.arm,
        )
        for s in core.slots
    )
    RandomizationStratum.objects.bulk_create(
        RandomizationStratum(randomization_list=stored, key=key) for key in core.strata
    )


@dataclass(frozen=True)
class PublicCommitment:
    """What every role may see about the list: no arms, no counts per arm."""

    list_id: int
    created_at: str
    created_by: str
    method: str
    commitment: str


def public_commitment(study: Study) -> PublicCommitment | None:
    stored = active_list(study)
    if stored is None:
        return None
    return PublicCommitment(
        stored.pk, stored.created_at.isoformat(), stored.created_by, stored.method, stored.commitment
    )


def view_list(
    actor: Actor, *, study: Study, export: bool = False, clock: Clock = SYSTEM_CLOCK
) -> RandomizationList:
    """The whole list with its seed, for the epidemiologist; each view or export is audited."""
    with use_case(actor, Action.VIEW_LIST, study=study, clock=clock, study_data=False) as uow:
        stored = active_list(study)
        if stored is None:
            raise NotFound("No randomization list has been made yet")
        require_intact(stored)
        uow.record(
            "randomization.list_export" if export else "randomization.list_view",
            object_type="randomization_list",
            object_id=stored.pk,
            after={"export": export},
        )
    return stored


def verify_list(stored: RandomizationList) -> bool:
    """Recompute the SHA-256 commitment from the stored slots (not from the stored text)."""
    if stored.method == "minimization":
        return True
    core = parse_canonical_form(stored.canonical_text.encode("utf-8"))
    slots = {(s.stratum, s.sequence): s.arm for s in stored.slots.all()}
    if slots != {(s.stratum, s.sequence): s.arm for s in core.slots}:
        return False
    return commitment(core) == stored.commitment


def randomize(
    actor: Actor,
    *,
    participant: Participant,
    factors: Mapping[str, str] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Allocation:
    """Allocate a consented, eligible participant: next slot of their stratum, final, audited."""
    factors = dict(factors or {})
    try:
        with use_case(actor, Action.RANDOMIZE, participant=participant, clock=clock) as uow:
            locked = uow.locked_participant
            design, arm_ids = _design(locked.study)
            _ensure_may_be_randomized(locked)
            stored = active_list(locked.study)
            if stored is None:
                raise Conflict(
                    "No randomization list has been made yet; the epidemiologist must generate one"
                )
            allocation = (
                _by_minimization(stored, design, arm_ids, locked, factors, uow)
                if design.method == "minimization"
                else _by_list(stored, design, locked, factors, uow)
            )
            before, _ = uow.change_status(StatusEvent.RANDOMIZED)
            uow.record(
                "randomization.allocate",
                object_type="participant",
                object_id=locked.study_code,
                before={"status": before},
                after={
                    "arm": allocation.arm,
                    "stratum": allocation.stratum,
                    "slot": allocation.slot.sequence if allocation.slot else None,
                    "minimization": allocation.minimization,
                },
            )
            return allocation
    except IntegrityError:
        # The unique allocation per participant caught a concurrent second request.
        existing = Allocation.objects.get(participant=participant)
        raise AlreadyDone(
            f"{participant.study_code} was already randomized to {existing.arm}; an allocation is final"
        ) from None


def _ensure_may_be_randomized(locked: Participant) -> None:
    existing = Allocation.objects.filter(participant=locked).select_related("slot").first()
    if existing is not None:
        slot = existing.slot.sequence if existing.slot else "-"
        raise AlreadyDone(
            f"{locked.study_code} was already randomized to {existing.arm} on "
            f"{local_date(existing.allocated_at).isoformat()} (list slot {slot}); an allocation is final"
        )
    if locked.status not in (ParticipantStatus.ELIGIBLE, ParticipantStatus.CONSENTED):
        raise ValidationFailed(
            f"{locked.study_code} is not eligible on their latest screening",
            (Problem("participant", "not eligible"),),
        )
    if not has_current_consent(locked):
        raise ValidationFailed(
            f"{locked.study_code} has no consent on the current document",
            (Problem("consent", "required"),),
        )


def _by_list(
    stored: RandomizationList,
    design: RandomizationDesign,
    participant: Participant,
    factors: Mapping[str, str],
    uow: UnitOfWork,
) -> Allocation:
    """The next slot of the participant's stratum, read from the slot rows under the stratum's row lock.

    The stratum's counter says how many slots are taken, so the next one is `allocated + 1` (list order);
    the unique slot per allocation makes a skipped or reused slot impossible."""
    key = stratum_key(design, site_code=participant.site.code, levels=factors)
    stratum = (
        RandomizationStratum.objects.select_for_update().filter(randomization_list=stored, key=key).first()
    )
    if stratum is None:
        raise NotFound(
            f"The randomization list has no stratum '{key}'. Ask the epidemiologist to check the list.",
            details={"stratum": key},
        )
    slot = RandomizationSlot.objects.filter(
        randomization_list=stored, stratum=key, sequence=stratum.allocated + 1
    ).first()
    if slot is None:
        raise Conflict(
            f"The randomization list of stratum '{key}' is used up ({stratum.allocated} of "
            f"{stratum.allocated} slots allocated). This participant cannot be randomized until the "
            "epidemiologist extends the list; a slot is never taken from another stratum.",
            details={"stratum": key, "slots": stratum.allocated},
        )
    stratum.allocated += 1
    stratum.save(update_fields=["allocated"])
    return Allocation.objects.create(
        participant=participant,
        randomization_list=stored,
        slot=slot,
        stratum=key,
        arm=slot.arm,
        allocated_at=uow.now,
        allocated_by=uow.actor.username,
        factors=dict(factors),
    )


def _by_minimization(
    stored: RandomizationList,
    design: RandomizationDesign,
    arm_ids: list[str],
    participant: Participant,
    factors: Mapping[str, str],
    uow: UnitOfWork,
) -> Allocation:
    RandomizationStratum.objects.select_for_update().get(randomization_list=stored, key="all")
    levels = dict(factors)
    if design.minimization and design.minimization.site_weight:
        levels["site"] = participant.site.code
    prior = [
        PriorAllocation(arm=a.arm, levels=a.factors)
        # Insertion order under the stratum lock; allocated_at is read before the lock is taken.
        for a in Allocation.objects.filter(randomization_list=stored).order_by("pk")
    ]
    draw_seed = secrets.randbits(64)
    result = minimize(design, arm_ids, prior, levels, random.Random(draw_seed))
    record = {
        "scores": dict(result.scores),
        "preferred_arms": list(result.preferred_arms),
        "random_draw": result.random_draw,
        "followed_preference": result.followed_preference,
        "draw_seed": str(draw_seed),
    }
    return Allocation.objects.create(
        participant=participant,
        randomization_list=stored,
        slot=None,
        stratum="all",
        arm=result.arm,
        allocated_at=uow.now,
        allocated_by=uow.actor.username,
        factors=levels,
        minimization=record,
    )


@dataclass(frozen=True)
class ConcealmentReport:
    allocations: list[Allocation]
    list_accesses: list[AuditEntry]
    order_problems: list[str]
    commitment_ok: bool
    commitment: str


def concealment_report(actor: Actor, *, study: Study) -> ConcealmentReport:
    authorize(actor, Action.VIEW_CONCEALMENT_REPORT)
    stored = active_list(study)
    if stored is None:
        raise NotFound("No randomization list has been made yet")
    allocations = list(
        Allocation.objects.filter(randomization_list=stored)
        .select_related("slot", "participant")
        .order_by("pk")  # insertion order under the stratum lock; allocated_at is read before the lock
    )
    problems: list[str] = []
    if stored.method != "minimization":
        core = parse_canonical_form(stored.canonical_text.encode("utf-8"))
        recorded = [
            RecordedAllocation(
                stratum=a.stratum,
                sequence=a.slot.sequence if a.slot else 0,
                arm=a.arm,
                participant=a.participant.study_code,
            )
            for a in allocations
        ]
        problems = [d.message for d in check_allocation_order(core, recorded)]
    accesses = list(
        AuditEntry.objects.filter(
            object_type="randomization_list",
            object_id=str(stored.pk),
            action__in=["randomization.list_view", "randomization.list_export", "randomization.list_create"],
        ).order_by("sequence")
    )
    ok = verify_list(stored)
    if not ok:
        problems.append("the stored list no longer matches its published commitment")
    sites = actor.site_ids(Action.VIEW_CONCEALMENT_REPORT)
    if (
        sites is not None
    ):  # a site's monitor: their own sites' allocations; the study-wide checks as pass/fail
        allocations = [a for a in allocations if a.participant.site_id in sites]
        if problems:
            problems = [
                f"the study-wide order and commitment checks FAILED ({len(problems)} problem(s)); "
                "the details name other sites' participants and are shown to study-wide roles"
            ]
    return ConcealmentReport(allocations, accesses, problems, ok, stored.commitment)


def require_intact(stored: RandomizationList) -> None:
    if not verify_list(stored):
        raise IntegrityBroken("The randomization list does not match its published commitment")
