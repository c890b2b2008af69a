"""Rows of the epidemiologist's list page and of the concealment report (read-only shaping of service results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trialdesk.core.randomization import parse_canonical_form
from trialdesk.records.models import Allocation, RandomizationList, Study
from trialdesk.services.actors import Actor
from trialdesk.services.randomization import ConcealmentReport, public_commitment, verify_list, view_list
from trialdesk.services.versions import Purpose, governing_protocol


def arm_labels(study: Study, language: str) -> dict[str, str]:
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
    return {arm.id: arm.name.in_language(language) for arm in protocol.arms}


def commitment_context(study: Study) -> dict[str, Any]:
    """The public commitment (every role may see it) and its time as a datetime for `show_date`."""
    public = public_commitment(study)
    return {
        "commitment": public,
        "commitment_at": datetime.fromisoformat(public.created_at) if public else None,
    }


@dataclass(frozen=True)
class ListRow:
    stratum: str
    sequence: int
    block: int
    block_size: int
    position_in_block: int
    arm: str
    code: str
    participant: str | None
    allocated_at: datetime | None


def list_rows(actor: Actor, study: Study, *, export: bool) -> tuple[RandomizationList, list[ListRow], bool]:
    """The list (audited view or export by the service), each slot with the participant who took it."""
    stored = view_list(actor, study=study, export=export)
    if stored.method == "minimization":
        return stored, [], True
    taken = {
        (a.stratum, a.slot.sequence): a
        for a in Allocation.objects.filter(randomization_list=stored, slot__isnull=False).select_related(
            "slot", "participant"
        )
        if a.slot is not None
    }
    core = parse_canonical_form(stored.canonical_text.encode("utf-8"))
    rows = []
    for slot in core.slots:
        allocation = taken.get((slot.stratum, slot.sequence))
        rows.append(
            ListRow(
                stratum=slot.stratum,
                sequence=slot.sequence,
                block=slot.block,
                block_size=slot.block_size,
                position_in_block=slot.position_in_block,
                arm=slot.arm,
                code=slot.code,
                participant=allocation.participant.study_code if allocation else None,
                allocated_at=allocation.allocated_at if allocation else None,
            )
        )
    return stored, rows, verify_list(stored)


def report_rows(report: ConcealmentReport) -> list[Allocation]:
    """Allocations in list order (stratum, then slot); minimization allocations (no slot) in time order."""
    if not report.allocations:
        return []
    stored = report.allocations[0].randomization_list
    strata = (
        list(parse_canonical_form(stored.canonical_text.encode("utf-8")).strata)
        if stored.method != "minimization"
        else []
    )

    def order(a: Allocation) -> tuple[int, int, datetime]:
        place = strata.index(a.stratum) if a.stratum in strata else len(strata)
        return (place, a.slot.sequence if a.slot else 0, a.allocated_at)

    return sorted(report.allocations, key=order)
