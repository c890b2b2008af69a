"""Wide CSV: one row per participant x visit occurrence, one column per item (lab items add their unit and
standardized value), and before each form's items a `<form>__version` column: the version of the form its
values were entered on (a form entered before an amendment keeps its old version). Holds one participant-visit
at a time; values arrive sorted by `form_key`.

Items of repeating groups (e.g. a medication list) have no fixed number of columns and are left out of the
wide file: they are in the long file and the codebook marks them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from trialdesk.interop.catalogue import catalogue, without_identifying
from trialdesk.interop.csv_safety import csv_chunks
from trialdesk.interop.rows import ValueRow
from trialdesk.protocol.schema import Protocol

KEY_COLUMNS = ("participant", "site", "arm", "visit", "occurrence", "visit_date")
VERSION_PART = "form_version"


def version_column(form_id: str) -> str:
    return f"{form_id}__version"


def wide_columns(protocol: Protocol) -> list[tuple[str, str, str]]:
    """(column name, item id, part) with part one of value / unit / standardized, or (`<form>__version`,
    form id, "form_version") before the first item of each form."""
    columns: list[tuple[str, str, str]] = []
    for entry in catalogue(protocol):
        if entry.group is not None:
            continue
        if not any(part == VERSION_PART and key == entry.form.id for _, key, part in columns):
            columns.append((version_column(entry.form.id), entry.form.id, VERSION_PART))
        item = entry.item
        columns.append((item.id, item.id, "value"))
        if item.type == "lab":
            columns.append((f"{item.id}_unit", item.id, "unit"))
            columns.append((f"{item.id}_std", item.id, "standardized"))
    return columns


def _cell(row: ValueRow, part: str) -> object:
    if part == "unit":
        return row.unit
    if part == "standardized":
        return row.standardized
    return row.value


def form_versions(rows: Iterable[ValueRow]) -> dict[str, str]:
    """Form id -> the version its values in this participant-visit were entered on."""
    return {row.form: row.form_version for row in rows}


def write_csv_wide(protocol: Protocol, values: Iterable[ValueRow]) -> Iterator[bytes]:
    """The wide CSV as UTF-8 byte chunks (values sorted by participant, visit, occurrence)."""
    columns = wide_columns(protocol)

    def lines() -> Iterator[tuple[object, ...]]:
        yield KEY_COLUMNS + tuple(name for name, _, _ in columns)
        top_level = (row for row in without_identifying(protocol, values) if row.group is None)
        for _, group in itertools.groupby(top_level, key=lambda r: r.form_key[:3]):
            rows = {row.item: row for row in group}
            versions = form_versions(rows.values())
            first = next(iter(rows.values()))
            visit_date = next((r.visit_date for r in rows.values() if r.visit_date), None)
            head = (first.participant, first.site, first.arm, first.visit, first.occurrence, visit_date)
            yield head + tuple(
                versions.get(key) if part == VERSION_PART else _cell(rows[key], part) if key in rows else None
                for _, key, part in columns
            )

    return csv_chunks(lines())


__all__ = ["KEY_COLUMNS", "VERSION_PART", "form_versions", "version_column", "wide_columns", "write_csv_wide"]
