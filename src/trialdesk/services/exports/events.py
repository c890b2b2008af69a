"""Visits, doses, adverse events, screenings and concomitant medications as row contracts, by participant.

An adverse event is exported as its latest assessment recorded before the cut-off (its version rows), so a
follow-up after the cut-off does not leak into the data cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trialdesk.interop.rows import (
    AdverseEventRow,
    CriterionResult,
    DoseRow,
    MedicationRow,
    ScreeningRow,
    SiteRow,
    UserRow,
    VisitRow,
)
from trialdesk.records.casebook.models import FormRecord, ItemChange
from trialdesk.records.models import RoleAssignment, ScreeningRecord, Site
from trialdesk.records.treatment.models import Administration, AdverseEventVersion, RecordedVisit
from trialdesk.services.clock import local_date
from trialdesk.services.exports.common import CHUNK, Scope, as_decimal


def visit_rows(scope: Scope) -> Iterator[VisitRow]:
    visits = RecordedVisit.objects.filter(participant__study_id=scope.study_id)
    if scope.until is not None:
        visits = visits.filter(recorded_at__lt=scope.until)
    ordered = visits.order_by("participant__study_code", "visit_id", "occurrence").values_list(
        "participant__study_code", "visit_id", "occurrence", "missed", "done_on"
    )
    for code, visit, occurrence, missed, done_on in ordered.iterator(chunk_size=CHUNK):
        yield VisitRow(code, visit, occurrence, "missed" if missed else "done", done_on)


def dose_rows(scope: Scope) -> Iterator[DoseRow]:
    """Doses in the order given, numbered 1, 2, ... per participant."""
    doses = Administration.objects.filter(participant__study_id=scope.study_id)
    if scope.until is not None:
        doses = doses.filter(given_at__lt=scope.until)
    ordered = doses.order_by("participant__study_code", "given_at", "pk").values_list(
        "participant__study_code", "step_id", "amount_given", "unit", "route", "given_at", "lot__lot_id",
        "partial",
    )  # fmt: skip
    current, number = "", 0
    for code, step, amount, unit, route, given_at, lot, partial in ordered.iterator(chunk_size=CHUNK):
        number = number + 1 if code == current else 1
        current = code
        yield DoseRow(code, number, step, amount, unit, route, given_at, lot, partial)


def adverse_event_rows(scope: Scope) -> Iterator[AdverseEventRow]:
    """Each event's latest assessment before the cut-off, by participant and event number."""
    versions = AdverseEventVersion.objects.filter(event__participant__study_id=scope.study_id)
    if scope.until is not None:
        versions = versions.filter(recorded_at__lt=scope.until)
    ordered = versions.order_by("event__participant__study_code", "event__number", "-version").values_list(
        "event__participant__study_code", "event__number", "term", "grade", "seriousness",
        "relationship_to_product", "onset_at", "resolved_at", "outcome", "action_taken",
    )  # fmt: skip
    last: tuple[str, int] | None = None
    for code, number, term, grade, serious, related, onset, resolved, outcome, action in ordered.iterator(
        chunk_size=CHUNK
    ):
        if (code, number) == last:
            continue  # an older assessment of the same event
        last = (code, number)
        yield AdverseEventRow(
            code, number, term, grade, bool(serious), tuple(serious), related or None, local_date(onset),
            None if resolved is None else local_date(resolved), outcome or None, action or None,
        )  # fmt: skip


def screening_rows(scope: Scope) -> Iterator[ScreeningRow]:
    """Every screening attempt; a criterion is met when answered yes (None when unknown)."""
    screenings = ScreeningRecord.objects.filter(participant__study_id=scope.study_id)
    if scope.until is not None:
        screenings = screenings.filter(recorded_at__lt=scope.until)
    ordered = screenings.order_by("participant__study_code", "attempt").values_list(
        "participant__study_code", "screened_on", "decision", "answers"
    )
    met = {"yes": True, "no": False}
    for code, on, decision, answers in ordered.iterator(chunk_size=CHUNK):
        results = tuple(
            CriterionResult(criterion, met.get(str(answer.get("answer")) if isinstance(answer, dict) else ""))
            for criterion, answer in answers.items()
        )
        yield ScreeningRow(code, on, decision == "eligible", results)


MEDICATION_FORM, MEDICATION_GROUP = "concomitant_medication", "medications"


def medication_rows(scope: Scope) -> Iterator[MedicationRow]:
    """The medication list of the concomitant-medication form: one row per listed medication."""
    forms = FormRecord.objects.filter(participant__study_id=scope.study_id, form_id=MEDICATION_FORM)
    if scope.until is not None:
        forms = forms.filter(first_saved_at__lt=scope.until)
    ordered = (
        forms.order_by("participant__study_code", "visit_id", "occurrence")
        .select_related("participant")
        .prefetch_related("items")
    )
    current, number = "", 0
    for record in ordered.iterator(chunk_size=200):
        code = record.participant.study_code
        if code != current:
            current, number = code, 0
        rows: dict[str, dict[str, Any]] = {}
        for value in record.items.all():
            group, _, item = value.path.partition("].")
            if group.startswith(MEDICATION_GROUP + "["):
                rows.setdefault(group, {})[item] = value.value
        for fields in rows.values():
            number += 1
            yield _medication(code, number, fields)


def _medication(code: str, number: int, f: dict[str, Any]) -> MedicationRow:
    from datetime import date

    def day(text: object) -> date | None:
        return date.fromisoformat(str(text)) if text else None

    return MedicationRow(
        code, number, str(f.get("drug_name") or ""), f.get("drug_class"), as_decimal(f.get("dose")),
        f.get("dose_unit"), day(f.get("start_date")), day(f.get("stop_date")), f.get("ongoing") is True,
    )  # fmt: skip


def site_rows(scope: Scope) -> list[SiteRow]:
    return [SiteRow(code, name) for code, name in Site.objects.filter(study_id=scope.study_id).values_list(
        "code", "name")]  # fmt: skip


def user_rows(scope: Scope) -> list[UserRow]:
    """Everyone with a role in the study and everyone who entered or changed data (ODM refers to them)."""
    users: dict[str, str] = {}
    for name, role in RoleAssignment.objects.filter(study_id=scope.study_id).values_list(
        "person__user__username", "role"
    ):
        users.setdefault(name, role)
    names = set(
        FormRecord.objects.filter(participant__study_id=scope.study_id)
        .order_by()  # without it the default ordering's columns join the DISTINCT: every form record comes back
        .values_list("updated_by", flat=True)
        .distinct()
    )
    names |= set(
        ItemChange.objects.filter(form_record__participant__study_id=scope.study_id)
        .order_by()
        .values_list("changed_by", flat=True)
        .distinct()
    )
    for name in names:
        users.setdefault(name, "system")
    return [UserRow(name, role) for name, role in sorted(users.items())]
