"""Shared SDTM helpers: identifiers, ISO 8601 dates, study day (no day 0), visit numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from trialdesk.interop.rows import ParticipantRow
from trialdesk.protocol.schema import Protocol

Record = dict[str, Any]


def usubjid(protocol: Protocol, participant: str) -> str:
    return f"{protocol.id}-{participant}"


def iso(value: date | datetime | None) -> str | None:
    """ISO 8601: a date as YYYY-MM-DD, a timestamp to the second (UTC offset dropped: SDTM --DTC has none)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return value.isoformat()


def reference_start(participant: ParticipantRow) -> date | None:
    """RFSTDTC: the first dose, or randomization for a participant never dosed (e.g. a control arm)."""
    return participant.first_dose_on or participant.randomized_on


def study_day(on: date | datetime | None, reference: date | None) -> int | None:
    """SDTM study day: day 1 is the reference date, the day before is -1; there is no day 0."""
    if on is None or reference is None:
        return None
    day = on.date() if isinstance(on, datetime) else on
    delta = (day - reference).days
    return delta + 1 if delta >= 0 else delta


def visit_numbers(protocol: Protocol) -> dict[str, int]:
    """visit id -> its position in the schedule (1, 2, ...)."""
    visits = protocol.schedule.visits if protocol.schedule else []
    return {visit.id: index for index, visit in enumerate(visits, start=1)}


def repeating_visits(protocol: Protocol) -> set[str]:
    visits = protocol.schedule.visits if protocol.schedule else []
    return {v.id for v in visits if v.repeat is not None or v.anchor == "each_injection"}


def visit_fields(protocol: Protocol, visit: str, occurrence: int) -> tuple[int | None, str]:
    """(VISITNUM, VISIT): position x 100 + occurrence, and the label with the occurrence when it repeats."""
    numbers = visit_numbers(protocol)
    labels = {v.id: v.label.en for v in (protocol.schedule.visits if protocol.schedule else [])}
    label = labels.get(visit, visit)
    if visit in repeating_visits(protocol):
        label = f"{label} {occurrence}"
    number = numbers.get(visit)
    return (number * 100 + occurrence if number is not None else None), label


def sequence(records: list[Record], prefix: str) -> list[Record]:
    for number, record in enumerate(records, start=1):
        record[f"{prefix}SEQ"] = number
    return records
