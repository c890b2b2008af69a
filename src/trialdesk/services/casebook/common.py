"""Shared look-ups of the casebook services: protocols, visits, stored forms, hashes.

Not a use case itself: every public service in this package calls these inside its own use case. Which
protocol version applies follows `services/versions.py`: a saved form is read with its own version
(`definition_of`), a new entry and the visit schedule with the version governing data entry now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from trialdesk.core.expressions import Value
from trialdesk.core.forms import FormCheckResult, _storable, merge_visit_values, validate_submission
from trialdesk.core.schedule import Injection, ParticipantCalendar, RecordedVisit, participant_calendar
from trialdesk.errors import Conflict, NotFound, Problem, ValidationFailed
from trialdesk.protocol.forms import FormDefinition, find_form
from trialdesk.protocol.schema import Protocol
from trialdesk.protocol.treatment import Visit
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import Participant, ProtocolVersion, Study
from trialdesk.records.treatment.models import Administration
from trialdesk.records.treatment.models import RecordedVisit as StoredVisit
from trialdesk.services.clock import local_date
from trialdesk.services.studies import protocol_of
from trialdesk.services.versions import Purpose, governing_protocol, governing_version


def storable(value: object) -> object:
    """A normalized value in JSON-friendly form (decimals and dates as text), as `core.forms` stores it."""
    return _storable(value)


def entry_version(participant: Participant, on: date | None = None) -> tuple[ProtocolVersion, Protocol]:
    """The version (and its protocol) that governs new data entry for `participant` (and its schedule)."""
    version = governing_version(
        study=participant.study, participant=participant, purpose=Purpose.DATA_ENTRY, on=on
    )
    return version, protocol_of(version)


def entry_protocol(participant: Participant, on: date | None = None) -> Protocol:
    return entry_version(participant, on)[1]


def entry_protocol_of_study(study: Study, on: date | None = None) -> Protocol:
    """The protocol governing data entry for the study's participants on `on` (asked once by list pages;
    `services/versions.py` gives every participant the version in force)."""
    return protocol_of(governing_version(study=study, purpose=Purpose.DATA_ENTRY, on=on))


def display_protocol(study: Study) -> Protocol:
    """The protocol pages take labels and titles from (visit labels, form titles)."""
    return governing_protocol(study=study, purpose=Purpose.DISPLAY)


def form_definition_for(participant: Participant, form_id: str) -> FormDefinition:
    """The definition a new entry of `form_id` uses: the governing protocol's latest version (`NotFound` if
    the protocol has no such form). A saved form keeps its own version (`definition_of`)."""
    return entry_definition(participant, None, form_id)[0]


def allocation_of(participant: Participant) -> tuple[str, date]:
    """(arm, randomization date) or `Conflict` when the participant is not randomized (no visit schedule yet)."""
    allocation = getattr(participant, "allocation", None)
    if allocation is None:
        raise Conflict(
            f"{participant.study_code} is not randomized: case report forms follow the visit schedule, "
            "which starts at randomization"
        )
    return allocation.arm, local_date(allocation.allocated_at)


def actual_injections_and_visits(participant: Participant) -> tuple[list[Injection], list[RecordedVisit]]:
    """What the treatment area recorded (injections given, visits done or missed), read from its storage."""
    # Through the related managers (sorted here), so a list page that prefetched them asks nothing more.
    given: list[Administration] = sorted(participant.administrations.all(), key=lambda a: (a.given_at, a.pk))
    injections = [Injection(a.step_id, local_date(a.given_at)) for a in given]
    stored: list[StoredVisit] = list(participant.recorded_visits.all())
    visits = [
        RecordedVisit(visit_id=v.visit_id, occurrence=v.occurrence, done_on=v.done_on, missed=v.missed)
        for v in stored
        if (v.done_on is None) != (not v.missed)
    ]
    return injections, visits


def calendar_of(
    participant: Participant, protocol: Protocol
) -> tuple[ParticipantCalendar, list[RecordedVisit]]:
    arm, randomized_on = allocation_of(participant)
    if protocol.schedule is None:
        return ParticipantCalendar((), ()), []
    injections, recorded = actual_injections_and_visits(participant)
    calendar = participant_calendar(
        protocol.schedule, arm=arm, randomized_on=randomized_on, injections=injections, recorded=recorded
    )
    return calendar, recorded


def check_visit(
    protocol: Protocol, participant: Participant, form: FormDefinition, visit_id: str, occurrence: int
) -> Visit:
    """Refuse a visit the participant's arm does not have, a form not attached to it, or an impossible
    occurrence number (an `each_injection` visit may have as many occurrences as injections)."""
    arm, _ = allocation_of(participant)
    visits = {v.id: v for v in (protocol.schedule.for_arm(arm) if protocol.schedule else [])}
    visit = visits.get(visit_id)
    problems: list[Problem] = []
    if visit is None:
        problems.append(Problem("visit_id", f"'{visit_id}' is not a visit of arm {arm}: {', '.join(visits)}"))
    elif visit_id not in form.visits:
        problems.append(Problem("form_id", f"form '{form.id}' is not collected at visit '{visit_id}'"))
    else:
        most = visit.repeat.count if visit.repeat else (None if visit.anchor == "each_injection" else 1)
        if occurrence < 1 or (most is not None and occurrence > most):
            problems.append(
                Problem("occurrence", f"must be between 1 and {most or 'the number of injections'}")
            )
    if problems:
        raise ValidationFailed(f"No form '{form.id}' at visit {visit_id} #{occurrence}", tuple(problems))
    assert visit is not None
    return visit


def definition_of(record: FormRecord) -> tuple[FormDefinition, Protocol]:
    """The definition the record was entered with (its protocol version and form version)."""
    protocol = protocol_of(record.protocol_version)
    try:
        return find_form(protocol.forms, record.form_id, record.form_version), protocol
    except KeyError:
        raise NotFound(
            f"Form {record.form_id} version {record.form_version} is not in its protocol"
        ) from None


def entry_definition(
    participant: Participant, record: FormRecord | None, form_id: str
) -> tuple[FormDefinition, Protocol, ProtocolVersion]:
    """The definition a form is checked with: a saved form's own (version kept), else the governing one."""
    if record is not None:
        form, protocol = definition_of(record)
        return form, protocol, record.protocol_version
    version, protocol = entry_version(participant)
    try:
        return find_form(protocol.forms, form_id), protocol, version
    except KeyError:
        raise NotFound(f"No form '{form_id}' in the protocol") from None


def find_record(participant: Participant, visit_id: str, occurrence: int, form_id: str) -> FormRecord | None:
    return FormRecord.objects.filter(
        participant=participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id
    ).first()


def revalidate(record: FormRecord, resolver: Callable[[str, str], Value] | None) -> FormCheckResult:
    """The stored answers checked again against their own definition (deterministic): gives the expression
    values edit checks and `visit()` look-ups read."""
    form, protocol = definition_of(record)
    return validate_submission(
        form,
        record.submitted,
        protocol.lab_tests,
        record.confirmations,
        resolver=resolver,
        visit_id=record.visit_id,
    )


def visit_values(
    participant: Participant, visit_id: str, occurrence: int, resolver: Callable[[str, str], Value] | None
) -> dict[str, Value]:
    records = with_versions(
        FormRecord.objects.filter(participant=participant, visit_id=visit_id, occurrence=occurrence)
    )
    return merge_visit_values(revalidate(r, resolver) for r in records)


def with_versions(records: QuerySet[FormRecord]) -> QuerySet[FormRecord]:
    """Form records with their protocol version joined, without its content: `definition_of` takes the parsed
    protocol from the per-process cache (`studies.protocol_of`), so no record reads and decodes the protocol."""
    return records.select_related("protocol_version").defer("protocol_version__content")


@dataclass
class VisitResolverCache:
    """`visit('baseline', 'item')` for one participant: the first occurrence of that visit, read once.
    Look-ups one level deep only (a visit read through `visit()` does not itself read other visits)."""

    participant: Participant

    def __post_init__(self) -> None:
        self._seen: dict[str, dict[str, Value]] = {}

    def __call__(self, visit_id: str, item_id: str) -> Value:
        if visit_id not in self._seen:
            self._seen[visit_id] = visit_values(self.participant, visit_id, 1, None)
        return self._seen[visit_id].get(item_id)


def content_hash(values: Mapping[str, object]) -> str:
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def casebook_hash(participant: Participant) -> str:
    """A hash of the participant's whole casebook: every form's identity, version and content hash."""
    rows = FormRecord.objects.filter(participant=participant).order_by("visit_id", "occurrence", "form_id")
    return content_hash(
        {
            f"{r.visit_id}#{r.occurrence}/{r.form_id}": [r.form_version, r.content_hash]
            for r in rows.only("visit_id", "occurrence", "form_id", "form_version", "content_hash")
        }
    )
