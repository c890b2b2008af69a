"""Final allocations: `randomize()` reveals only the slot it takes.

Atomicity: the allocation locks its stratum's counter row (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE
transaction holds the write lock), picks the next slot of the stratum (or, for minimization, the arm from the
earlier allocations), and writes the allocation, the counter and the audit entry in one transaction.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping

from django.db import IntegrityError

from trialdesk.core.participant_status import ParticipantStatus, StatusEvent
from trialdesk.core.randomization import PriorAllocation, minimize, stratum_key
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Conflict, NotFound, Problem, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign
from trialdesk.records.models import (
    Allocation,
    Participant,
    RandomizationList,
    RandomizationSlot,
    RandomizationStratum,
)
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_date
from trialdesk.services.consent import has_current_consent
from trialdesk.services.randomization.lists import _design, active_list
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


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
                    "No randomization list has been made yet; the epidemiologist must generate one",
                    details={"next": "generate_list"},
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
            {"next": "screening", "participant": locked.study_code},
        )
    if not has_current_consent(locked):
        raise ValidationFailed(
            f"{locked.study_code} has no consent on the current document",
            (Problem("consent", "required"),),
            {"next": "consent", "participant": locked.study_code},
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
