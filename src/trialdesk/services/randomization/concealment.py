"""The concealment report: the allocations in the order taken, checked against the list, with every access to
the list and the commitment check; a site's monitor sees their own sites' allocations only."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.randomization import RecordedAllocation, check_allocation_order, parse_canonical_form
from trialdesk.core.roles import Action
from trialdesk.errors import NotFound
from trialdesk.records.models import Allocation, AuditEntry, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.randomization.lists import active_list, verify_list


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
