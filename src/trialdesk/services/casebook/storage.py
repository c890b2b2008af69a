"""Writing a checked form: item rows, item history, SDV clearing, signature invalidation, edit-check queries.

Shared by `entry.save_form` (typed on a form) and `lab_import.commit_lab_import` (from a laboratory file);
callers have authorized the actor. Runs in one transaction with its audit entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from trialdesk.core.forms import FormCheckResult, evaluate_edit_checks, validate_submission
from trialdesk.core.labs import LabResult
from trialdesk.protocol.forms import LabTestDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.records import audit
from trialdesk.records.casebook.models import (
    UNRESOLVED_QUERY_STATUSES,
    CasebookSignature,
    FormRecord,
    ItemChange,
    ItemValue,
    Query,
    QueryMessage,
    SourceVerification,
)
from trialdesk.records.models import Participant
from trialdesk.services.casebook import common
from trialdesk.services.casebook.common import storable
from trialdesk.services.casebook.entry import (
    SaveResult,
    ensure_writable,
    form_definition_for,
    reason_required,
)
from trialdesk.services.casebook.queries import EDIT_CHECK, open_query

_ROW_PATH = re.compile(r"^(?P<group>[a-z0-9_]+)\[(?P<row>\d+)\]\.(?P<item>[a-z0-9_]+)$")


def raw_at(values: Mapping[str, object], path: str) -> object:
    """The answer as entered at an item path (`glucose`, `medications[2].dose`)."""
    match = _ROW_PATH.match(path)
    if match is None:
        return values.get(path)
    rows = values.get(match["group"])
    index = int(match["row"]) - 1
    if isinstance(rows, list | tuple) and 0 <= index < len(rows) and isinstance(rows[index], Mapping):
        return rows[index].get(match["item"])
    return None


def _ctcae(test: LabTestDefinition | None, result: LabResult) -> tuple[str, int | None, str]:
    """The CTCAE term, suggested grade and note of a result (pure rule: `core.ctcae_values`; hypertriglyceridemia
    is graded on CTCAE's absolute thresholds whether or not the value was flagged against the reference range)."""
    from trialdesk.core.ctcae import TERMS, GradeSuggestion
    from trialdesk.core.ctcae_values import ValueNote, suggest_from_result

    suggestion = suggest_from_result(test, result) if test is not None else None
    if suggestion is None:
        return "", None, ""
    name = TERMS[suggestion.term_id].name if suggestion.term_id in TERMS else suggestion.term_id
    if isinstance(suggestion, GradeSuggestion):
        return name, suggestion.grade, suggestion.explanation
    if isinstance(suggestion, ValueNote):
        return name, None, suggestion.text
    return name, None, suggestion.prompt  # high glucose: graded by the intervention, never from the value


def _rows(check: FormCheckResult, submitted: Mapping[str, object], tests: Mapping[str, LabTestDefinition],
          form_items: Mapping[str, Any]) -> dict[str, dict[str, Any]]:  # fmt: skip
    """path -> ItemValue fields for every shown item with a value (calculated ones included)."""
    rows: dict[str, dict[str, Any]] = {}
    reasons = {w.where: w.reason or "" for w in check.warnings}
    for path, item in check.items.items():
        if item.hidden or item.value is None:
            continue
        is_calculated = path in check.calculated
        fields: dict[str, Any] = {
            "item_id": item.item_id,
            "raw": None if is_calculated else storable(raw_at(submitted, path)),
            "value": storable(item.value),
            "unit": "",
            "standard_value": "",
            "canonical_unit": "",
            "flag": "",
            "ctcae_term": "",
            "ctcae_grade": None,
            "ctcae_note": "",
            "calculated": is_calculated,
            "confirmation_reason": next(
                (r for where, r in reasons.items() if where == path or where.startswith(path + ".")), ""
            ),
        }
        if isinstance(item.value, LabResult):
            result = item.value
            definition = form_items.get(item.item_id)
            term, grade, note = _ctcae(tests.get(definition.lab_test) if definition else None, result)
            fields.update(
                unit=result.unit,
                standard_value=str(result.standard_value),
                canonical_unit=result.canonical_unit,
                flag=result.flag or "",
                ctcae_term=term,
                ctcae_grade=grade,
                ctcae_note=note,
            )
        rows[path] = fields
    return rows


def write_form(
    *,
    actor_name: str,
    role: str,
    participant: Participant,
    visit_id: str,
    occurrence: int,
    form_id: str,
    values: Mapping[str, object],
    confirmations: Mapping[str, str],
    reason: str | None,
    now: datetime,
    action: str,
) -> SaveResult:
    with transaction.atomic():
        locked_participant = (
            Participant.objects.select_for_update().select_related("study", "site").get(pk=participant.pk)
        )
        record = (
            FormRecord.objects.select_for_update()
            .filter(participant=locked_participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id)
            .first()
        )
        ensure_writable(locked_participant, record)
        protocol_version, protocol = common.current_protocol(locked_participant.study)
        if record is not None:
            form, protocol = common.definition_of(record)
            protocol_version = record.protocol_version
        else:
            form = form_definition_for(locked_participant, form_id)
        common.check_visit(protocol, locked_participant, form, visit_id, occurrence)
        submitted = dict(values)
        check = validate_submission(
            form,
            submitted,
            protocol.lab_tests,
            confirmations,
            resolver=common.VisitResolverCache(locked_participant),
            visit_id=visit_id,
        )
        check.raise_if_not_ok()
        tests = {t.code: t for t in protocol.lab_tests}
        new_rows = _rows(check, submitted, tests, {i.id: i for i in form.all_items()})
        old_rows = {r.path: r for r in record.items.all()} if record is not None else {}
        changed = tuple(
            sorted(
                path
                for path in set(new_rows) | set(old_rows)
                if path not in old_rows
                or path not in new_rows
                or old_rows[path].value != new_rows[path]["value"]
                or old_rows[path].confirmation_reason != new_rows[path]["confirmation_reason"]
            )
        )
        text = (reason or "").strip()
        if record is not None and changed and not text:
            raise reason_required()
        digest = common.content_hash(
            {"version": form.version, "values": {p: r["value"] for p, r in new_rows.items()}}
        )
        created = record is None
        if record is None:
            record = FormRecord.objects.create(
                participant=locked_participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id,
                form_version=form.version, protocol_version=protocol_version, submitted=_json(submitted),
                confirmations=dict(confirmations), content_hash=digest, first_saved_at=now,
                first_saved_by=actor_name, updated_at=now, updated_by=actor_name,
            )  # fmt: skip
        elif changed:
            record.submitted = _json(submitted)
            record.confirmations = dict(confirmations)
            record.content_hash = digest
            record.updated_at = now
            record.updated_by = actor_name
        cleared = signature_gone = False
        if changed:
            for path in changed:
                old = old_rows.get(path)
                ItemChange.objects.create(
                    form_record=record, path=path, old=None if old is None else old.value,
                    new=new_rows[path]["value"] if path in new_rows else None,
                    reason=text, first_entry=created, changed_by=actor_name, role=role, changed_at=now,
                )  # fmt: skip
                if path in new_rows:
                    ItemValue.objects.update_or_create(form_record=record, path=path, defaults=new_rows[path])
                else:
                    ItemValue.objects.filter(form_record=record, path=path).delete()
            if not created:
                cleared = _clear_verification(record, now, text)
            signature_gone = _invalidate_signatures(
                locked_participant, now, f"{form_id} at {visit_id} changed"
            )
            record.save()
        opened, closed = run_edit_checks(locked_participant, protocol, now)
        if changed:
            audit.append(
                at=now, actor=actor_name, role=role, action=action, object_type="form",
                object_id=f"{locked_participant.study_code}/{visit_id}#{occurrence}/{form_id}",
                before=None if created else {p: (old_rows[p].value if p in old_rows else None) for p in changed},
                after={"version": form.version, **{p: new_rows[p]["value"] if p in new_rows else None for p in changed}},
                reason=text,
            )  # fmt: skip
    return SaveResult(
        record_id=record.pk,
        form_id=form_id,
        form_version=form.version,
        visit_id=visit_id,
        occurrence=occurrence,
        created=created,
        changed=changed,
        warnings=tuple(w for w in check.warnings if w.confirmed),
        calculated={p: storable(v) for p, v in check.calculated.items()},
        flags={p: r["flag"] for p, r in new_rows.items() if r["flag"]},
        queries_opened=tuple(opened),
        queries_closed=tuple(closed),
        verification_cleared=cleared,
        signature_invalidated=signature_gone,
    )


def _json(values: Mapping[str, object]) -> dict[str, object]:
    import json

    loaded: dict[str, object] = json.loads(json.dumps(values, default=str))
    return loaded


def _clear_verification(record: FormRecord, now: datetime, reason: str) -> bool:
    cleared = SourceVerification.objects.filter(form_record=record, cleared_at__isnull=True).update(
        cleared_at=now, cleared_reason=f"data changed: {reason}"
    )
    record.verified = False
    return cleared > 0


def _invalidate_signatures(participant: Participant, now: datetime, reason: str) -> bool:
    return (
        CasebookSignature.objects.filter(participant=participant, invalidated_at__isnull=True).update(
            invalidated_at=now, invalidated_reason=reason
        )
        > 0
    )


def run_edit_checks(
    participant: Participant, protocol: Protocol, now: datetime
) -> tuple[list[int], list[int]]:
    """Evaluate the protocol's edit checks at every visit occurrence with saved forms (a change at baseline
    can fire a check at a follow-up visit); open a query for each newly firing check and close automatic
    queries whose check no longer fires. Returns (opened ids, closed ids)."""
    opened: list[int] = []
    closed: list[int] = []
    if not protocol.edit_checks:
        return opened, closed
    resolver = common.VisitResolverCache(participant)
    records = list(FormRecord.objects.filter(participant=participant))
    occurrences = sorted({(r.visit_id, r.occurrence) for r in records})
    for visit_id, occurrence in occurrences:
        here = {r.form_id: r for r in records if (r.visit_id, r.occurrence) == (visit_id, occurrence)}
        merged = common.visit_values(participant, visit_id, occurrence, resolver)
        fired = {
            f.check_id: f
            for f in evaluate_edit_checks(protocol.edit_checks, merged, resolver, visit_id=visit_id)
        }
        automatic = Query.objects.filter(
            form_record__in=here.values(), status__in=UNRESOLVED_QUERY_STATUSES
        ).exclude(check_id="")
        still_open = {q.check_id: q for q in automatic}
        for check_id, hit in fired.items():
            target = here.get(hit.form)
            if target is None or check_id in still_open:
                continue  # the form the query belongs on is not saved yet, or the query is already open
            query = open_query(
                record_id=target.pk, item_path=hit.item or "", text=hit.message.en, by=EDIT_CHECK,
                role="system", check_id=check_id, now=now,
            )  # fmt: skip
            opened.append(query.pk)
        for check_id, query in still_open.items():
            if check_id in fired:
                continue
            before = query.status
            query.status = "closed"
            query.updated_at = now
            query.save(update_fields=["status", "updated_at"])
            text = "The edit check no longer fires after the data changed"
            QueryMessage.objects.create(
                query=query, kind="auto_close", text=text, by=EDIT_CHECK, role="system", at=now
            )
            audit.append(
                at=now, actor=EDIT_CHECK, role="system", action="query.auto_close", object_type="query",
                object_id=str(query.pk), before={"status": before}, after={"status": "closed", "check": check_id},
                reason=text,
            )  # fmt: skip
            closed.append(query.pk)
    return opened, closed


__all__ = ["raw_at", "run_edit_checks", "write_form"]
