"""The protocol's edit checks after a save: open a query for each check that fires, close the automatic
queries whose check no longer fires. Run by `storage.write_form` inside the saving use case."""

from __future__ import annotations

from trialdesk.core.forms import evaluate_edit_checks, merge_visit_values
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import UNRESOLVED_QUERY_STATUSES, FormRecord, Query, QueryMessage
from trialdesk.records.models import Participant
from trialdesk.services.casebook import common
from trialdesk.services.casebook.queries import EDIT_CHECK, open_query
from trialdesk.services.unit_of_work import UnitOfWork


def run_edit_checks(
    uow: UnitOfWork, participant: Participant, protocol: Protocol
) -> tuple[list[int], list[int]]:
    """Evaluate the protocol's edit checks at every visit occurrence with saved forms (a change at baseline
    can fire a check at a follow-up visit); open a query for each newly firing check and close automatic
    queries whose check no longer fires. Returns (opened ids, closed ids)."""
    opened: list[int] = []
    closed: list[int] = []
    if not protocol.edit_checks:
        return opened, closed
    resolver = common.VisitResolverCache(participant)
    records = list(common.with_versions(FormRecord.objects.filter(participant=participant)))
    automatic = Query.objects.filter(form_record__in=records, status__in=UNRESOLVED_QUERY_STATUSES).exclude(
        check_id=""
    )
    open_by_record: dict[int, list[Query]] = {}
    for query in automatic.order_by("pk"):
        open_by_record.setdefault(query.form_record_id, []).append(query)
    occurrences = sorted({(r.visit_id, r.occurrence) for r in records})
    for visit_id, occurrence in occurrences:
        here = {r.form_id: r for r in records if (r.visit_id, r.occurrence) == (visit_id, occurrence)}
        # the visit's values, from the records read above (what `common.visit_values` reads)
        merged = merge_visit_values(common.revalidate(r, resolver) for r in here.values())
        fired = {
            f.check_id: f
            for f in evaluate_edit_checks(protocol.edit_checks, merged, resolver, visit_id=visit_id)
        }
        still_open = {q.check_id: q for r in here.values() for q in open_by_record.get(r.pk, [])}
        for check_id, hit in fired.items():
            target = here.get(hit.form)
            if target is None or check_id in still_open:
                continue  # the form the query belongs on is not saved yet, or the query is already open
            query = open_query(
                uow, record=target, item_path=hit.item or "", text=hit.message.en, by=EDIT_CHECK,
                role="system", check_id=check_id,
            )  # fmt: skip
            opened.append(query.pk)
        for check_id, query in still_open.items():
            if check_id not in fired:
                _auto_close(uow, query)
                closed.append(query.pk)
    return opened, closed


def _auto_close(uow: UnitOfWork, query: Query) -> None:
    """Close an automatic query whose edit check no longer fires (in the edit check's name)."""
    before = query.status
    query.status = "closed"
    query.updated_at = uow.now
    query.save(update_fields=["status", "updated_at"])
    text = "The edit check no longer fires after the data changed"
    QueryMessage.objects.create(
        query=query, kind="auto_close", text=text, by=EDIT_CHECK, role="system", at=uow.now
    )
    uow.record(
        "query.auto_close", object_type="query", object_id=query.pk, before={"status": before},
        after={"status": "closed", "check": query.check_id}, reason=text, actor=EDIT_CHECK, role="system",
    )  # fmt: skip


__all__ = ["run_edit_checks"]
