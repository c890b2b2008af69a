"""Long CSV: one row per value (participant, visit, form, item, value as entered, unit, standardized value,
flags). Streams: one output row per input row, written in chunks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from trialdesk.interop.catalogue import without_identifying
from trialdesk.interop.csv_safety import csv_chunks
from trialdesk.interop.rows import ValueRow
from trialdesk.protocol.schema import Protocol

LONG_COLUMNS = (
    "participant",
    "site",
    "arm",
    "visit",
    "occurrence",
    "visit_date",
    "form",
    "form_version",
    "item",
    "group",
    "group_row",
    "value",
    "unit",
    "standardized_value",
    "canonical_unit",
    "flags",
    "entered_at",
    "entered_by",
)


def _line(row: ValueRow) -> tuple[object, ...]:
    return (
        row.participant,
        row.site,
        row.arm,
        row.visit,
        row.occurrence,
        row.visit_date.isoformat() if row.visit_date else None,
        row.form,
        row.form_version,
        row.item,
        row.group,
        row.group_row,
        row.value,
        row.unit,
        row.standardized,
        row.canonical_unit,
        " ".join(row.flags),
        row.entered_at.isoformat(),
        row.entered_by,
    )


def write_csv_long(protocol: Protocol, values: Iterable[ValueRow]) -> Iterator[bytes]:
    """The long CSV as UTF-8 byte chunks; identifying items are left out, every cell formula-safe."""

    def lines() -> Iterator[tuple[object, ...]]:
        yield LONG_COLUMNS
        for row in without_identifying(protocol, values):
            yield _line(row)

    return csv_chunks(lines())


__all__ = ["LONG_COLUMNS", "write_csv_long"]
