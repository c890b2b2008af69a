"""Final allocations: `randomize()` reveals only the slot it takes.

Atomicity: the allocation advances its stratum's next-slot counter (`allocated`) with one
`UPDATE ... SET allocated = allocated + 1 ... RETURNING`, which takes the stratum's row lock (on SQLite the
IMMEDIATE transaction holds the write lock) and says which slot is next; it reads that one slot by its unique
(list, stratum, sequence) index — O(1), whatever the list's use — and writes the allocation and the audit entry
in the same transaction. For minimization it locks the one counter row and reads the earlier allocations.

Cost (tests/services/test_allocation_queries.py asserts it): 9 statements besides BEGIN/COMMIT — participant
lock, database lock, protocol version (its parsed protocol is cached per version and process), one query for
the allocation/consent/withdrawal facts, participant status, counter, slot, allocation, audit entry. Only the
last four run under the stratum lock, so the lock is held for as short a time as the work allows.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping

from django.db import IntegrityError, connection
from django.db.models import Exists, OuterRef

from trialdesk.core.participant_status import ParticipantStatus, StatusEvent
from trialdesk.core.randomization import PriorAllocation, minimize, stratum_key
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Conflict, NotFound, Problem, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import (
    Allocation,
    Participant,
    RandomizationList,
    RandomizationSlot,
    RandomizationStratum,
    Study,
)
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_date
from trialdesk.services.consent import current_consent_exists
from trialdesk.services.randomization.lists import active_list
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.services.versions import Purpose, governing_protocol
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
            protocol = governing_protocol(
                study=locked.study, participant=locked, purpose=Purpose.RANDOMIZATION
            )
            if protocol.randomization is None:
                raise Conflict("The protocol defines no randomization")
            design = protocol.randomization
            _ensure_may_be_randomized(locked, protocol)
            # The participant's own row is already locked: its status is written before the stratum lock.
            before, _ = uow.change_status(StatusEvent.RANDOMIZED)
            allocation = (
                _by_minimization(design, [arm.id for arm in protocol.arms], locked, factors, uow)
                if design.method == "minimization"
                else _by_list(design, locked, factors, uow)
            )
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


def _ensure_may_be_randomized(locked: Participant, protocol: Protocol) -> None:
    """Not yet allocated, eligible, consented on the current document: one query for the three facts."""
    allocated, consented = (
        Participant.objects.filter(pk=locked.pk)
        .annotate(
            allocated=Exists(Allocation.objects.filter(participant=OuterRef("pk"))),
            consented=current_consent_exists(protocol),
        )
        .values_list("allocated", "consented")
        .get()
    )
    if allocated:
        existing = Allocation.objects.select_related("slot").get(participant=locked)
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
    if not consented:
        raise ValidationFailed(
            f"{locked.study_code} has no consent on the current document",
            (Problem("consent", "required"),),
            {"next": "consent", "participant": locked.study_code},
        )


def _advance_counter(study: Study, key: str) -> tuple[int, int] | None:
    """Lock the stratum of the study's active list and advance its next-slot counter, in one statement.

    Returns (list id, the sequence of the slot to take), or None when there is no active list or no such
    stratum. Concurrent allocations wait for the row lock and each sees the counter its predecessor left."""
    quote = connection.ops.quote_name
    strata, lists = quote(RandomizationStratum._meta.db_table), quote(RandomizationList._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # Only the table and column names are formatted in (from the models); the values are parameters.
            f"UPDATE {strata} SET allocated = allocated + 1 WHERE {quote('key')} = %s AND "
            f"randomization_list_id = (SELECT id FROM {lists} WHERE study_id = %s AND active "
            "ORDER BY id DESC LIMIT 1) "
            "RETURNING randomization_list_id, allocated",
            [key, study.pk],
        )
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def _by_list(
    design: RandomizationDesign,
    participant: Participant,
    factors: Mapping[str, str],
    uow: UnitOfWork,
) -> Allocation:
    """The next slot of the participant's stratum: the counter's new value is its sequence (list order); the
    unique slot per allocation makes a skipped or reused slot impossible."""
    key = stratum_key(design, site_code=participant.site.code, levels=factors)
    advanced = _advance_counter(participant.study, key)
    if advanced is None:
        if active_list(participant.study) is None:
            raise Conflict(
                "No randomization list has been made yet; the epidemiologist must generate one",
                details={"next": "generate_list"},
            )
        raise NotFound(
            f"The randomization list has no stratum '{key}'. Ask the epidemiologist to check the list.",
            details={"stratum": key},
        )
    list_id, sequence = advanced
    slot = RandomizationSlot.objects.filter(
        randomization_list_id=list_id, stratum=key, sequence=sequence
    ).first()
    if slot is None:  # the counter's advance is rolled back with the rest
        raise Conflict(
            f"The randomization list of stratum '{key}' is used up ({sequence - 1} of "
            f"{sequence - 1} slots allocated). This participant cannot be randomized until the "
            "epidemiologist extends the list; a slot is never taken from another stratum.",
            details={"stratum": key, "slots": sequence - 1},
        )
    return Allocation.objects.create(
        participant=participant,
        randomization_list_id=list_id,
        slot=slot,
        stratum=key,
        arm=slot.arm,
        allocated_at=uow.now,
        allocated_by=uow.actor.username,
        factors=dict(factors),
    )


def _by_minimization(
    design: RandomizationDesign,
    arm_ids: list[str],
    participant: Participant,
    factors: Mapping[str, str],
    uow: UnitOfWork,
) -> Allocation:
    stored = active_list(participant.study)
    if stored is None:
        raise Conflict(
            "No randomization list has been made yet; the epidemiologist must generate one",
            details={"next": "generate_list"},
        )
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
