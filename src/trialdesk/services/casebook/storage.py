"""Writing a checked form: item rows, item history, SDV clearing, signature invalidation, edit-check queries.

Shared by `entry.save_form` (typed on a form) and `lab_import.commit_lab_import` (from a laboratory file);
both run it inside their use case (`uow`), which has checked the permission and the database lock and
writes the audit entries collected here before commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trialdesk.core.ctcae import TERMS, GradeSuggestion
from trialdesk.core.ctcae_values import ValueNote, suggest_from_result
from trialdesk.core.forms import FormCheckResult, SoftLimitWarning, validate_submission
from trialdesk.core.input_rules import LONG_TEXT, raise_problems, text_problems
from trialdesk.core.labs import LabResult
from trialdesk.errors import Locked, Problem, ValidationFailed
from trialdesk.protocol.forms import FormDefinition, LabTestDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import (
    CasebookSignature,
    FormRecord,
    ItemChange,
    ItemValue,
    SourceVerification,
)
from trialdesk.records.models import Participant, ProtocolVersion
from trialdesk.services.casebook import common
from trialdesk.services.casebook.common import storable
from trialdesk.services.casebook.edit_checks import run_edit_checks
from trialdesk.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SaveResult:
    record_id: int
    form_id: str
    form_version: str
    visit_id: str
    occurrence: int
    created: bool
    changed: tuple[str, ...]  # item paths whose value changed (all stored paths on the first save)
    warnings: tuple[SoftLimitWarning, ...]  # confirmed soft-limit warnings
    calculated: Mapping[str, object]  # calculated item path -> value (JSON-friendly)
    flags: Mapping[str, str]  # lab item path -> "L" / "H"
    queries_opened: tuple[int, ...] = ()
    queries_closed: tuple[int, ...] = ()
    verification_cleared: bool = False
    signature_invalidated: bool = False
    status: str = "complete"  # or "incomplete" (required items not enforced yet)


def ensure_form_open(participant: Participant, record: FormRecord | None) -> None:
    """Refuse a change to a locked form (the database lock and the withdrawal are the use case's guards)."""
    if record is not None and record.locked:
        raise Locked(
            f"Form {record.form_id} at {record.visit_id} #{record.occurrence} of {participant.study_code} "
            "is locked: ask the data manager to unlock it (with a reason)"
        )


def reason_required(where: str = "reason") -> ValidationFailed:
    return ValidationFailed(
        "This form was saved before: say why the data change",
        (Problem(where, "a reason for the change is required after the first save"),),
    )


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


@dataclass(frozen=True)
class _Diff:
    """The item rows the form will have, the rows it has, and the paths that differ."""

    new_rows: dict[str, dict[str, Any]]
    old_rows: dict[str, ItemValue]
    changed: tuple[str, ...]


def _diff(check: FormCheckResult, submitted: Mapping[str, object], protocol: Protocol, form: FormDefinition,
          record: FormRecord | None) -> _Diff:  # fmt: skip
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
    return _Diff(new_rows, old_rows, changed)


def _locked_participant(uow: UnitOfWork, participant: Participant) -> Participant:
    """The participant row to write for, locked: the use case's own, or (a lab import writes for several
    participants) locked here, after the study, with the same withdrawal guard the use case runs."""
    return uow.lock_participant(participant)


@dataclass(frozen=True)
class FormAddress:
    """One form of one visit occurrence of one participant."""

    participant: Participant
    visit_id: str
    occurrence: int
    form_id: str

    @property
    def object_id(self) -> str:
        return f"{self.participant.study_code}/{self.visit_id}#{self.occurrence}/{self.form_id}"


IDENTITY_ELSEWHERE = "identifying value recorded separately"


def _audited(form: FormDefinition, path: str, value: object) -> object:
    """What the audit log keeps of an item value: never an identifying one (the item history keeps it)."""
    return IDENTITY_ELSEWHERE if value is not None and form.identifies(path) else value


def _check_texts(reason: str | None, confirmations: Mapping[str, str]) -> None:
    """The change reason and each soft-limit confirmation are plain text of bounded length."""
    problems = text_problems(reason or "", where="reason", max_length=LONG_TEXT, multiline=True)
    for where, why in confirmations.items():
        problems += text_problems(str(where), where="confirmations", max_length=120)
        problems += text_problems(str(why), where=f"confirmations.{where}"[:200], max_length=LONG_TEXT)
    raise_problems(problems, "The reason or a confirmation is not plain text of bounded length")


def write_form(
    uow: UnitOfWork,
    participant: Participant,
    *,
    visit_id: str,
    occurrence: int,
    form_id: str,
    values: Mapping[str, object],
    confirmations: Mapping[str, str],
    reason: str | None,
    action: str,
    complete: bool = True,
) -> SaveResult:
    """Validate and store one form inside the caller's use case; the audit entry is `action`. With
    `complete=False` the form is saved "incomplete": unanswered required items are not enforced (answers given
    are still checked), and while it stays incomplete a reason is asked only when an earlier answer changes."""
    at = FormAddress(_locked_participant(uow, participant), visit_id, occurrence, form_id)
    record = (
        FormRecord.objects.select_for_update()
        .filter(participant=at.participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id)
        .first()
    )
    ensure_form_open(at.participant, record)
    _check_texts(reason, confirmations)
    form, protocol, version = common.entry_definition(at.participant, record, form_id)
    common.check_visit(protocol, at.participant, form, visit_id, occurrence)
    submitted = dict(values)
    check = validate_submission(
        form, submitted, protocol.lab_tests, confirmations,
        resolver=common.VisitResolverCache(at.participant), visit_id=visit_id,
    )  # fmt: skip
    check.raise_if_not_ok(require_complete=complete)
    diff = _diff(check, submitted, protocol, form, record)
    text = (reason or "").strip()
    answered = any(not r["calculated"] for r in diff.new_rows.values())
    _require_reason(record, diff, text, nothing_given=not complete and not answered)
    status = "complete" if complete else "incomplete"
    before_status = record.status if record is not None else None
    created = record is None
    cleared = signature_gone = False
    if record is None or diff.changed or before_status != status:
        record = _save_record(uow, at, record, form, version, diff, submitted, confirmations, status)
    if diff.changed:
        cleared, signature_gone = _store_items(uow, at, record, diff, text, created)
    opened, closed = run_edit_checks(uow, at.participant, protocol)
    _audit_save(uow, action, at, form, diff, text, (before_status, status), created=created)
    return SaveResult(
        record_id=record.pk, form_id=form_id, form_version=form.version, visit_id=visit_id,
        occurrence=occurrence, created=created, changed=diff.changed,
        warnings=tuple(w for w in check.warnings if w.confirmed),
        calculated={p: storable(v) for p, v in check.calculated.items()},
        flags={p: r["flag"] for p, r in diff.new_rows.items() if r["flag"]},
        queries_opened=tuple(opened), queries_closed=tuple(closed),
        verification_cleared=cleared, signature_invalidated=signature_gone, status=status,
    )  # fmt: skip


def _audit_save(uow: UnitOfWork, action: str, at: FormAddress, form: FormDefinition, diff: _Diff, text: str,
                statuses: tuple[str | None, str], *, created: bool) -> None:  # fmt: skip
    """One audit entry: the changed items (with the status when it changes), or the status change alone."""
    before_status, status = statuses
    if diff.changed:
        uow.record(
            action, object_type="form", object_id=at.object_id,
            before=None if created else {**status_change(before_status, status, "before"), **{p: _audited(form, p, diff.old_rows[p].value if p in diff.old_rows else None) for p in diff.changed}},
            after={"version": form.version, **status_change(before_status, status, "after"), **{p: _audited(form, p, diff.new_rows[p]["value"] if p in diff.new_rows else None) for p in diff.changed}},
            reason=text,
        )  # fmt: skip
    elif before_status != status:
        uow.record("form.status", object_type="form", object_id=at.object_id, before={"status": before_status},
                   after={"status": status}, reason=text)  # fmt: skip


def status_change(before: str | None, after: str, side: str) -> dict[str, str | None]:
    """The status in a data change's audit entry, only when the save changes it (or the form is new and
    incomplete): {"status": ...} for `side` "before" or "after"."""
    if before == after or (before is None and after == "complete"):
        return {}
    return {"status": before if side == "before" else after}


def _require_reason(record: FormRecord | None, diff: _Diff, text: str, *, nothing_given: bool) -> None:
    """A first save needs at least one answer; a later change needs a reason. While a form is incomplete,
    answering an item left blank is not a change: only changing or removing an earlier answer is."""
    if record is None:
        if nothing_given:
            raise ValidationFailed(
                "Nothing to save: answer at least one item", (Problem("values", "no item is answered"),)
            )
        return
    if not diff.changed or text:
        return
    if record.status == "incomplete":
        earlier = [p for p in diff.changed if p in diff.old_rows and not diff.old_rows[p].calculated]
        if not earlier:
            return
    raise reason_required()


def _save_record(uow: UnitOfWork, at: FormAddress, record: FormRecord | None, form: FormDefinition,
                 version: ProtocolVersion, diff: _Diff, submitted: Mapping[str, object],
                 confirmations: Mapping[str, str], status: str) -> FormRecord:  # fmt: skip
    """Create the form record (first save, keeping this form and protocol version) or update its answers."""
    if record is None:
        record = FormRecord(
            participant=at.participant, visit_id=at.visit_id, occurrence=at.occurrence, form_id=at.form_id,
            form_version=form.version, protocol_version=version, first_saved_at=uow.now,
            first_saved_by=uow.actor.username,
        )  # fmt: skip
    record.status = status
    record.submitted = _json(submitted)
    record.confirmations = dict(confirmations)
    record.content_hash = common.content_hash(
        {"version": form.version, "values": {p: r["value"] for p, r in diff.new_rows.items()}}
    )
    record.updated_at = uow.now
    record.updated_by = uow.actor.username
    record.save()
    return record


def _store_items(uow: UnitOfWork, at: FormAddress, record: FormRecord, diff: _Diff, text: str,
                 created: bool) -> tuple[bool, bool]:  # fmt: skip
    """The changed items and their history; clear SDV (after the first save) and the casebook signature.
    Returns (verification cleared, signature invalidated)."""
    for path in diff.changed:
        old = diff.old_rows.get(path)
        ItemChange.objects.create(
            form_record=record, path=path, old=None if old is None else old.value,
            new=diff.new_rows[path]["value"] if path in diff.new_rows else None, reason=text,
            first_entry=created, changed_by=uow.actor.username, role=uow.role, changed_at=uow.now,
        )  # fmt: skip
        if path in diff.new_rows:
            ItemValue.objects.update_or_create(form_record=record, path=path, defaults=diff.new_rows[path])
        else:
            ItemValue.objects.filter(form_record=record, path=path).delete()
    cleared = False if created else _clear_verification(record, uow.now, text)
    signature_gone = _invalidate_signatures(at.participant, uow.now, f"{at.form_id} at {at.visit_id} changed")
    if not created:
        record.save(update_fields=["verified"])
    return cleared, signature_gone


def _json(values: Mapping[str, object]) -> dict[str, object]:
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


__all__ = ["SaveResult", "ensure_form_open", "raw_at", "reason_required", "write_form"]
