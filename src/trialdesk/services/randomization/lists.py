"""The randomization list: made (generated, or imported and stored like a generated one) as the study's
active list with its published commitment, viewed by the epidemiologist (every view audited), and checked
against that commitment.

Concealment: only VIEW_LIST (the epidemiologist) reads slots; every read is audited.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from trialdesk.core.randomization import (
    RandomizationList as CoreList,
)
from trialdesk.core.randomization import (
    canonical_form,
    commitment,
    generate_list,
    parse_canonical_form,
    strata_keys,
)
from trialdesk.core.roles import Action
from trialdesk.errors import Conflict, IntegrityBroken, NotFound
from trialdesk.protocol.randomization import RandomizationDesign
from trialdesk.records.models import RandomizationList, RandomizationSlot, RandomizationStratum, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.unit_of_work import use_case
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


def require_intact(stored: RandomizationList) -> None:
    if not verify_list(stored):
        raise IntegrityBroken("The randomization list does not match its published commitment")
