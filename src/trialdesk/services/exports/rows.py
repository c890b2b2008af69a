"""Form data read as row contracts: values, their audit trail, queries and signatures.

Each generator runs one SELECT ordered in SQL the way the writers need it (participant code, visit,
occurrence, form: the `form_key`) and fetches it in chunks through `.iterator(chunk_size=CHUNK)` (a
server-side cursor on PostgreSQL), so memory stays flat whatever the study's size. Items marked
identifying never leave: they are filtered here (and again by the writers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast

from trialdesk.interop.rows import AuditRow, QueryRow, SignatureRow, ValueRow
from trialdesk.records.casebook.models import FormRecord, ItemChange, ItemValue, Query
from trialdesk.records.treatment.models import RecordedVisit
from trialdesk.services.exports.common import CHUNK, Scope, as_decimal, as_text, split_path

_FORM = ("participant__study_code", "visit_id", "occurrence", "form_id")
_VALUE_FIELDS = (
    "form_record__participant__study_code",
    "form_record__participant__site__code",
    "form_record__participant__allocation__arm",
    "form_record__visit_id",
    "form_record__occurrence",
    "visit_date",
    "form_record__form_id",
    "form_record__form_version",
    "path",
    "item_id",
    "raw_text",
    "value_text",
    "unit",
    "standard_value",
    "canonical_unit",
    "flag",
    "confirmation_reason",
    "form_record__updated_at",
    "form_record__updated_by",
    "form_record_id",
)


def _visit_date(participant: str, visit: str, occurrence: str) -> Subquery:
    return Subquery(
        RecordedVisit.objects.filter(
            participant_id=OuterRef(participant), visit_id=OuterRef(visit), occurrence=OuterRef(occurrence)
        )
        .order_by()  # one record per participant, visit and occurrence (unique): no sort, no join
        .values("done_on")[:1]
    )


def value_rows(scope: Scope, *, items: frozenset[str] | None = None) -> Iterator[ValueRow]:
    """Every current item value (as entered, unit, standardized value, flags), sorted by form key.

    With a cut-off, forms first saved after it are left out and a form changed after it is rebuilt as it
    stood at the cut-off from its item history."""
    rows: QuerySet[ItemValue, Any] = ItemValue.objects.filter(
        form_record__participant__study_id=scope.study_id
    )
    if scope.identifying:
        rows = rows.exclude(item_id__in=scope.identifying)
    if items is not None:  # only these items (an SDTM findings domain)
        rows = rows.filter(item_id__in=items)
    if scope.until is not None:
        rows = rows.filter(form_record__first_saved_at__lt=scope.until)
    ordered = rows.annotate(
        visit_date=_visit_date(
            "form_record__participant_id", "form_record__visit_id", "form_record__occurrence"
        ),
        raw_text=Cast("raw", TextField()),  # JSON as text: decoded only when needed (see _value_row)
        value_text=Cast("value", TextField()),
    ).order_by(*(f"form_record__{f}" for f in _FORM), "id")
    rebuilt: int | None = None
    for fields in ordered.values_list(*_VALUE_FIELDS).iterator(chunk_size=CHUNK):
        if scope.until is not None and fields[17] >= scope.until:
            if rebuilt != fields[19]:  # the form changed after the cut-off: rebuild it once
                rebuilt = fields[19]
                yield from (r for r in _as_of_cutoff(scope, fields) if items is None or r.item in items)
            continue
        yield _value_row(fields)


def _json(text: str | None) -> Any:
    """A JSON column read as text: a string without escapes is sliced out, anything else decoded."""
    if text is None:
        return None
    if text[0] == '"' and "\\" not in text:
        return text[1:-1]
    return json.loads(text)


def _value_row(f: tuple[Any, ...]) -> ValueRow:
    # raw and value come as JSON text (f[10], f[11]): decoding both for every row was the export's hot spot
    item, group, group_row = split_path(f[8])
    raw = _json(f[10])
    if f[11] is not None and f[11][0] in "tf[":  # true, false or a list: choices and yes/no as their codes
        entered = as_text(json.loads(f[11]))
    elif isinstance(raw, dict):
        entered = as_text(raw.get("value"))
    else:
        entered = as_text(_json(f[11]) if raw is None else raw)
    flags: tuple[str, ...] = (f[15],) if f[15] else ()
    if f[16]:
        flags += ("soft_confirmed",)
    return ValueRow(
        participant=f[0], site=f[1], arm=f[2], visit=f[3], occurrence=f[4], visit_date=f[5], form=f[6],
        form_version=f[7], item=f[9], value=entered, unit=f[12] or None, standardized=as_decimal(f[13]),
        canonical_unit=f[14] or None, flags=flags, entered_at=f[17], entered_by=f[18], group=group,
        group_row=group_row,
    )  # fmt: skip


def _as_of_cutoff(scope: Scope, f: tuple[Any, ...]) -> Iterator[ValueRow]:
    """A form's values as they stood at the cut-off: the last change of each path before it."""
    state: dict[str, tuple[Any, Any, str]] = {}
    history = ItemChange.objects.filter(form_record_id=f[19], changed_at__lt=scope.until).order_by(
        "changed_at", "id"
    )
    for path, new, at, by in history.values_list("path", "new", "changed_at", "changed_by"):
        state[path] = (new, at, by)
    for path, (new, at, by) in state.items():
        item, group, group_row = split_path(path)
        if new is None or item in scope.identifying:
            continue
        lab = new if isinstance(new, dict) else {}
        yield ValueRow(
            participant=f[0], site=f[1], arm=f[2], visit=f[3], occurrence=f[4], visit_date=f[5], form=f[6],
            form_version=f[7], item=item, value=as_text(new), unit=lab.get("unit"),
            standardized=as_decimal(lab.get("standard_value")), canonical_unit=lab.get("canonical_unit"),
            flags=tuple(x for x in (lab.get("flag"),) if x), entered_at=at, entered_by=by, group=group,
            group_row=group_row,
        )  # fmt: skip


def _change_action(first_entry: bool, new: object) -> Literal["insert", "update", "remove"]:
    if first_entry:
        return "insert"
    return "remove" if new is None else "update"


def audit_rows(scope: Scope) -> Iterator[AuditRow]:
    """The item history (ItemChange) as ODM audit rows, sorted by form key, oldest change first."""
    changes = ItemChange.objects.filter(form_record__participant__study_id=scope.study_id)
    if scope.until is not None:
        changes = changes.filter(changed_at__lt=scope.until)
    ordered = changes.order_by(*(f"form_record__{f}" for f in _FORM), "changed_at", "id").values_list(
        "form_record__participant__study_code", "form_record__participant__site__code",
        "form_record__visit_id", "form_record__occurrence", "form_record__form_id", "path", "new",
        "first_entry", "changed_at", "changed_by", "reason",
    )  # fmt: skip
    for code, site, visit, occurrence, form, path, new, first, at, by, reason in ordered.iterator(
        chunk_size=CHUNK
    ):
        item, group, group_row = split_path(path)
        if item in scope.identifying:
            continue
        yield AuditRow(
            code, site, visit, occurrence, form, item, as_text(new), _change_action(first, new), at, by,
            reason or None, group, group_row,
        )  # fmt: skip


_QUERY_STATUS: dict[str, Literal["open", "answered", "closed"]] = {
    "open": "open",
    "reopened": "open",
    "answered": "answered",
    "closed": "closed",
}


def query_rows(scope: Scope) -> Iterator[QueryRow]:
    """Data queries on forms, sorted by form key (queries on identifying items are left out)."""
    queries = Query.objects.filter(form_record__participant__study_id=scope.study_id)
    if scope.until is not None:
        queries = queries.filter(raised_at__lt=scope.until)
    ordered = queries.order_by(*(f"form_record__{f}" for f in _FORM), "raised_at", "id").values_list(
        "form_record__participant__study_code", "form_record__visit_id", "form_record__occurrence",
        "form_record__form_id", "item_path", "id", "text", "status", "raised_at", "raised_by",
    )  # fmt: skip
    for code, visit, occurrence, form, path, number, text, status, at, by in ordered.iterator(
        chunk_size=CHUNK
    ):
        item = split_path(path)[0] if path else None
        if item in scope.identifying:
            continue
        yield QueryRow(code, visit, occurrence, form, item, number, text, _QUERY_STATUS[status], at, by)


def signature_rows(scope: Scope) -> Iterator[SignatureRow]:
    """The investigator's casebook signature, on every form it covered (saved before it was signed).

    A signature invalidated by a later change (before the cut-off) is not exported. Its meaning is the
    investigator's approval (ODM SignatureDef `approval`)."""
    valid = Q(participant__casebook_signatures__invalidated_at__isnull=True)
    signed = "participant__casebook_signatures__signed_at"
    if scope.until is not None:
        valid |= Q(participant__casebook_signatures__invalidated_at__gte=scope.until)
        valid &= Q(**{f"{signed}__lt": scope.until})
    forms = (
        FormRecord.objects.filter(participant__study_id=scope.study_id)
        .filter(valid, first_saved_at__lte=F(signed))
        .order_by(*_FORM, signed)
        .values_list(*_FORM, "participant__site__code", "participant__casebook_signatures__signed_by", signed)
    )
    for code, visit, occurrence, form, site, by, at in forms.iterator(chunk_size=CHUNK):
        yield SignatureRow(code, site, visit, occurrence, form, by, at, "approval")
