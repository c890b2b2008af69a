"""SPSS (.sav), Stata (.dta) and SAS transport (.xpt) files of the wide dataset, with variable labels and
(SPSS, Stata) value labels, through pyreadstat.

pyreadstat writes a whole pandas DataFrame to a file path and cannot append, so these three formats hold
the whole wide dataset (one row per participant x visit) in memory and pass through a temporary file; the
rows are still read from the stream and typed as they come. Choice items become integer codes 1, 2, ... in
the protocol's order with their English labels as value labels (the codebook maps them back to our codes);
yes/no becomes 1/0; dates become dates; multiple-choice answers stay text (codes separated by commas). Each
form's `<form>__version` variable (labelled "<form title> (form version)") holds the version of the form the
row's values were entered on, empty where the form was not filled.
Limits: Stata variable labels are cut to 80 characters; XPT has no value labels (SAS keeps them in a
format catalogue), so the .xpt carries the integer codes only, and is written as XPT version 8 (names up to
32 characters; version 5 allows 8, too short for item ids).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from trialdesk.interop.catalogue import catalogue, without_identifying
from trialdesk.interop.csv_wide import KEY_COLUMNS, VERSION_PART, form_versions, wide_columns
from trialdesk.interop.rows import ValueRow
from trialdesk.protocol.forms import ItemDefinition
from trialdesk.protocol.schema import Protocol

StatsFormat = Literal["spss", "stata", "sas"]
SUFFIX = {"spss": ".sav", "stata": ".dta", "sas": ".xpt"}
KEY_LABELS = {
    "participant": "Participant code",
    "site": "Site",
    "arm": "Arm",
    "visit": "Visit",
    "occurrence": "Visit occurrence",
    "visit_date": "Visit date",
}


def _typed(item: ItemDefinition, part: str, row: ValueRow) -> Any:
    if part == "unit":
        return row.unit or ""
    if part == "standardized":
        return float(row.standardized) if row.standardized is not None else None
    text = row.value
    if text is None or text == "":
        return None if item.type not in ("text", "multiple_choice", "datetime") else ""
    if item.type == "yes_no":
        return 1.0 if text == "true" else 0.0
    if item.type in ("single_choice", "ordinal"):
        codes = item.choice_codes
        return float(codes.index(text) + 1) if text in codes else None
    if item.type in ("integer", "decimal", "lab"):
        return float(text)
    if item.type == "date":
        return date.fromisoformat(text)
    if item.type == "calculated":
        try:
            return float(text)
        except ValueError:
            return None
    return text


def _value_labels(item: ItemDefinition) -> dict[float, str] | None:
    if item.type == "yes_no":
        return {1.0: "Yes", 0.0: "No"}
    if item.type in ("single_choice", "ordinal"):
        return {float(n): choice.label.en for n, choice in enumerate(item.choices, start=1)}
    return None


def write_stats_package(protocol: Protocol, values: Iterable[ValueRow], *, package: StatsFormat) -> bytes:
    """The wide dataset as an SPSS, Stata or SAS transport file (values sorted by participant, visit)."""
    import pandas as pd
    import pyreadstat

    items = {entry.item.id: entry.item for entry in catalogue(protocol) if entry.group is None}
    columns = wide_columns(protocol)
    data: dict[str, list[Any]] = {name: [] for name in (*KEY_COLUMNS, *(c[0] for c in columns))}
    rows = (row for row in without_identifying(protocol, values) if row.group is None)
    for _, group in itertools.groupby(rows, key=lambda r: r.form_key[:3]):
        answers = {row.item: row for row in group}
        versions = form_versions(answers.values())
        first = next(iter(answers.values()))
        visit_date = next((r.visit_date for r in answers.values() if r.visit_date), None)
        for key, value in zip(
            KEY_COLUMNS,
            (
                first.participant,
                first.site,
                first.arm or "",
                first.visit,
                float(first.occurrence),
                visit_date,
            ),
            strict=True,
        ):
            data[key].append(value)
        for name, item_id, part in columns:
            data[name].append(
                versions.get(item_id, "")
                if part == VERSION_PART
                else _typed(items[item_id], part, answers[item_id])
                if item_id in answers
                else (None if part != "unit" else "")
            )
    frame = pd.DataFrame(data)
    for name, item_id, part in columns:
        if part == VERSION_PART:
            frame[name] = frame[name].astype(str)
            continue
        item = items[item_id]
        if part == "value" and item.type in ("text", "multiple_choice", "datetime"):
            frame[name] = frame[name].fillna("").astype(str)
        elif part == "value" and item.type == "date":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
        elif part != "unit":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    frame["visit_date"] = pd.to_datetime(frame["visit_date"]).astype("datetime64[ns]")
    titles = {form.id: form.title.en for form in protocol.forms}
    labels = [KEY_LABELS[k] for k in KEY_COLUMNS] + [
        f"{titles[key]} (form version)"[:80] if part == VERSION_PART else _label(items[key], part)
        for _, key, part in columns
    ]
    value_labels = {
        name: vl
        for name, item_id, part in columns
        if part == "value" and (vl := _value_labels(items[item_id]))
    }
    return _write(pyreadstat, frame, labels, value_labels, package)


def _label(item: ItemDefinition, part: str) -> str:
    suffix = {"unit": " (unit)", "standardized": " (standardized)"}.get(part, "")
    return (item.label.en + suffix)[:80]


def _write(
    pyreadstat: Any,
    frame: Any,
    labels: list[str],
    value_labels: dict[str, dict[float, str]],
    package: StatsFormat,
) -> bytes:
    descriptor, path = tempfile.mkstemp(suffix=SUFFIX[package])
    os.close(descriptor)
    try:
        if package == "spss":
            pyreadstat.write_sav(frame, path, column_labels=labels, variable_value_labels=value_labels)
        elif package == "stata":
            pyreadstat.write_dta(
                frame, path, column_labels=labels, variable_value_labels=value_labels, version=15
            )
        else:
            pyreadstat.write_xport(
                frame,
                path,
                file_format_version=8,
                table_name="TRIAL",
                column_labels=[label[:40] for label in labels],
            )
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        os.unlink(path)


__all__ = ["StatsFormat", "write_stats_package"]
