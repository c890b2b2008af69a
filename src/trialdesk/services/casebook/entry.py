"""Entering case report form data: load a form, check it as you type, save it with item-level history.

    form_definition_for(participant, form_id)                       the definition a new entry uses
    forms_for_visit(participant, visit_id)                          forms the schedule attaches to a visit
    load_form(actor, participant, visit_id, occurrence, form_id)    -> FormView (values, statuses, open queries)
    check_form(actor, participant, *, visit_id, occurrence, form_id, values, confirmations) -> FormCheckResult
    save_form(actor, participant, *, visit_id, occurrence, form_id, values, confirmations, reason, clock)
                                                                    -> SaveResult; raises ValidationFailed,
                                                                       Locked, PermissionDenied, Conflict
    item_history(actor, participant, visit_id, occurrence, form_id) -> list[ItemChangeView]

A form keeps the protocol and form version it was first saved with (later saves validate against the same
version), so data entered before a protocol amendment stay readable and checkable; a new entry uses the
version governing data entry (`services/versions.py`). The writing itself is `storage.write_form`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trialdesk.core.forms import FormCheckResult, validate_submission
from trialdesk.core.participant_status import ParticipantStatus, is_withdrawn
from trialdesk.core.roles import Action
from trialdesk.protocol.forms import FormDefinition, LabTestDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import FormRecord, ItemChange, ItemValue
from trialdesk.records.models import Participant
from trialdesk.services import database_lock as lock_guard
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook import common
from trialdesk.services.casebook.queries import QueryView, query_view
from trialdesk.services.casebook.storage import SaveResult, write_form
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

FORM_STATUSES = ("not_started", "incomplete", "saved", "verified", "locked")


def form_definition_for(participant: Participant, form_id: str) -> FormDefinition:
    """The definition a new entry of `form_id` uses: the governing protocol's latest version (`NotFound` if
    the protocol has no such form). A saved form keeps its own version: use `load_form(...).definition`."""
    return common.form_definition_for(participant, form_id)


def forms_for_visit(participant: Participant, visit_id: str) -> list[FormDefinition]:
    """The governing forms the protocol attaches to `visit_id`, in protocol order (latest version of each)."""
    latest: dict[str, FormDefinition] = {}
    for form in common.entry_protocol(participant).forms:
        latest[form.id] = form
    return [f for f in latest.values() if visit_id in f.visits]


def lab_tests_for(participant: Participant) -> list[LabTestDefinition]:
    return list(common.entry_protocol(participant).lab_tests)


@dataclass(frozen=True)
class ItemView:
    """One stored item value. `raw` is as entered; `value` normalized; lab fields filled for lab items."""

    path: str
    item_id: str
    raw: object
    value: object
    unit: str
    standard_value: str
    canonical_unit: str
    flag: str
    ctcae_term: str
    ctcae_grade: int | None
    ctcae_note: str
    calculated: bool
    confirmation_reason: str


@dataclass(frozen=True)
class FormActions:
    """What the actor a form was loaded for may do on it (the services still refuse the rest)."""

    enter: bool = False
    verify: bool = False
    lock: bool = False  # lock or unlock
    raise_query: bool = False


@dataclass(frozen=True)
class FormView:
    """Everything a form page needs. `values`/`confirmations` are the answers as entered (to pre-fill)."""

    participant_code: str
    visit_id: str
    occurrence: int
    form_id: str
    form_version: str
    definition: FormDefinition
    lab_tests: tuple[LabTestDefinition, ...]
    exists: bool
    status: str  # one of FORM_STATUSES
    read_only: bool  # locked form, locked database or withdrawn participant
    read_only_reason: str
    values: Mapping[str, object]
    confirmations: Mapping[str, str]
    items: Mapping[str, ItemView]
    queries: tuple[QueryView, ...]  # every query of the form, oldest first
    open_queries: Mapping[str, tuple[QueryView, ...]]  # item path -> unresolved queries
    first_saved_at: datetime | None = None
    first_saved_by: str = ""
    updated_at: datetime | None = None
    updated_by: str = ""
    verified_by: str = ""
    verified_at: datetime | None = None
    locked_by: str = ""
    locked_at: datetime | None = None
    lock_reason: str = ""
    allowed: FormActions = field(default_factory=FormActions)
    hidden_items: frozenset[str] = frozenset()  # identifying items this reader may not see (values left out)


@dataclass(frozen=True)
class ItemChangeView:
    path: str
    old: object
    new: object
    reason: str
    changed_by: str
    role: str
    changed_at: datetime
    first_entry: bool = field(default=False)


def _read_only_reason(participant: Participant, record: FormRecord | None) -> str:
    lock = lock_guard.database_lock_of(participant.study_id)
    if lock is not None:
        return "database locked"
    if is_withdrawn(ParticipantStatus(participant.status)):
        return "consent withdrawn"
    if record is not None and record.locked:
        return "form locked"
    return ""


def status_of(record: FormRecord | None) -> str:
    if record is None:
        return "not_started"
    if record.locked:
        return "locked"
    if record.verified:
        return "verified"
    return "incomplete" if record.status == "incomplete" else "saved"


def _item_view(row: ItemValue) -> ItemView:
    return ItemView(
        row.path, row.item_id, row.raw, row.value, row.unit, row.standard_value, row.canonical_unit, row.flag,
        row.ctcae_term, row.ctcae_grade, row.ctcae_note, row.calculated, row.confirmation_reason,
    )  # fmt: skip


def _record_details(record: FormRecord) -> dict[str, Any]:
    """Who saved, verified and locked the form, and when (the FormView fields after `open_queries`)."""
    verification = record.verifications.filter(cleared_at__isnull=True).last()
    lock = record.locks.filter(unlocked_at__isnull=True).last() if record.locked else None
    return {
        "first_saved_at": record.first_saved_at,
        "first_saved_by": record.first_saved_by,
        "updated_at": record.updated_at,
        "updated_by": record.updated_by,
        "verified_by": verification.verified_by if verification else "",
        "verified_at": verification.verified_at if verification else None,
        "locked_by": lock.locked_by if lock else "",
        "locked_at": lock.locked_at if lock else None,
        "lock_reason": lock.reason if lock else "",
    }


def _definition(
    participant: Participant, record: FormRecord | None, visit_id: str, occurrence: int, form_id: str
) -> tuple[FormDefinition, Protocol]:
    """A saved form's own definition, or the governing one for a form not started (at a visit it belongs to)."""
    form, protocol, _version = common.entry_definition(participant, record, form_id)
    if record is None:
        common.check_visit(protocol, participant, form, visit_id, occurrence)
    return form, protocol


def _form_actions(actor: Actor, participant: Participant, read_only_reason: str) -> FormActions:
    """Nothing but entry is offered after the database lock (entry is then read-only through `read_only`)."""
    site = participant.site_id
    open_database = read_only_reason != "database locked"
    return FormActions(
        enter=actor.may(Action.ENTER_FORM_DATA, site),
        verify=actor.may(Action.VERIFY_SOURCE, site) and open_database,
        lock=actor.may(Action.LOCK_FORM, site) and open_database,
        raise_query=actor.may(Action.RAISE_QUERY, site) and open_database,
    )


def _masks(actor: Actor, participant: Participant) -> bool:
    """Whether identifying items are hidden from this reader (everyone without VIEW_IDENTITY at the site)."""
    return not actor.may(Action.VIEW_IDENTITY, participant.site_id)


def _hidden(actor: Actor, participant: Participant, form: FormDefinition) -> Callable[[str], bool]:
    """A test of item paths: True for the identifying items this reader may not see."""
    if not _masks(actor, participant) or not form.identifying_ids:
        return lambda path: False
    return form.identifies


def load_form(
    actor: Actor, participant: Participant, visit_id: str, occurrence: int, form_id: str
) -> FormView:
    """The form of one visit occurrence: its definition (the stored version, or the governing one when not
    started), answers as entered, stored item values, status and queries (each with the actions this actor
    may take). Needs VIEW_FORM_DATA."""
    authorize(actor, Action.VIEW_FORM_DATA, participant.site_id)
    record = common.find_record(participant, visit_id, occurrence, form_id)
    form, protocol = _definition(participant, record, visit_id, occurrence, form_id)
    queries: tuple[QueryView, ...] = ()
    if record is not None:
        found = record.queries.select_related("form_record__participant__site").prefetch_related("messages")
        queries = tuple(query_view(q, actor) for q in found.order_by("raised_at", "id"))
    open_by_item: dict[str, list[QueryView]] = {}
    for query in queries:
        if query.unresolved:
            open_by_item.setdefault(query.item_path, []).append(query)
    reason = _read_only_reason(participant, record)
    hidden = _hidden(actor, participant, form)
    return FormView(
        participant_code=participant.study_code,
        visit_id=visit_id,
        occurrence=occurrence,
        form_id=form_id,
        form_version=form.version,
        definition=form,
        lab_tests=tuple(protocol.lab_tests),
        exists=record is not None,
        status=status_of(record),
        read_only=bool(reason),
        read_only_reason=reason,
        values={k: v for k, v in record.submitted.items() if not hidden(k)} if record else {},
        confirmations={k: v for k, v in record.confirmations.items() if not hidden(k)} if record else {},
        items={r.path: _item_view(r) for r in record.items.all() if not hidden(r.path)} if record else {},
        hidden_items=form.identifying_ids if _masks(actor, participant) else frozenset(),
        queries=queries,
        open_queries={path: tuple(found) for path, found in open_by_item.items()},
        allowed=_form_actions(actor, participant, reason),
        **(_record_details(record) if record else {}),
    )


def check_form(
    actor: Actor,
    participant: Participant,
    *,
    visit_id: str,
    occurrence: int = 1,
    form_id: str,
    values: Mapping[str, object],
    confirmations: Mapping[str, str] | None = None,
) -> FormCheckResult:
    """Validation only (for as-you-type feedback): errors, soft-limit warnings, hidden and calculated items.
    Nothing is written. Uses the stored form version when the form was saved before."""
    authorize(actor, Action.VIEW_FORM_DATA, participant.site_id)
    record = common.find_record(participant, visit_id, occurrence, form_id)
    form, protocol = _definition(participant, record, visit_id, occurrence, form_id)
    return validate_submission(
        form,
        values,
        protocol.lab_tests,
        confirmations or {},
        resolver=common.VisitResolverCache(participant),
        visit_id=visit_id,
    )


def save_form(
    actor: Actor,
    participant: Participant,
    *,
    visit_id: str,
    occurrence: int = 1,
    form_id: str,
    values: Mapping[str, object],
    confirmations: Mapping[str, str] | None = None,
    reason: str | None = None,
    complete: bool = True,
    clock: Clock = SYSTEM_CLOCK,
) -> SaveResult:
    """Save a form (ENTER_FORM_DATA at the participant's site); `complete=False` saves it "incomplete"
    (required items not enforced until it is saved complete: see `storage.write_form`).

    Refused with `ValidationFailed` naming each item and rule on a hard error or an unconfirmed soft limit,
    and (after the form's first save) when data change without a `reason`. Refused with `Locked` when the
    database or the form is locked or the participant withdrew consent. Writes the item values, one history
    row per changed item, an audit entry; clears source verification and invalidates the casebook signature
    when data change; runs the protocol's edit checks and opens / closes automatic queries.
    """
    with use_case(actor, Action.ENTER_FORM_DATA, participant=participant, clock=clock) as uow:
        return write_form(
            uow,
            uow.locked_participant,
            visit_id=visit_id,
            occurrence=occurrence,
            form_id=form_id,
            values=values,
            confirmations=confirmations or {},
            reason=reason,
            action="form.save",
            complete=complete,
        )


def item_history(
    actor: Actor, participant: Participant, visit_id: str, occurrence: int, form_id: str
) -> list[ItemChangeView]:
    """Every item change of the form, oldest first (rows of the first save have `first_entry`)."""
    authorize(actor, Action.VIEW_FORM_DATA, participant.site_id)
    record = common.find_record(participant, visit_id, occurrence, form_id)
    if record is None:
        return []
    form, _ = common.definition_of(record)
    hidden = _hidden(actor, participant, form)
    return [
        ItemChangeView(c.path, c.old, c.new, c.reason, c.changed_by, c.role, c.changed_at, c.first_entry)
        for c in ItemChange.objects.filter(form_record=record).order_by("changed_at", "id")
        if not hidden(c.path)
    ]


__all__ = [
    "FORM_STATUSES",
    "FormView",
    "ItemChangeView",
    "ItemView",
    "SaveResult",
    "check_form",
    "form_definition_for",
    "forms_for_visit",
    "item_history",
    "lab_tests_for",
    "load_form",
    "save_form",
]
