"""Cells a spreadsheet would run as a formula (OWASP "CSV injection"), and the one CSV writer that defuses them.

A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and Google
Sheets as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). Every CSV the system writes goes through
`csv_text`, which prefixes such a cell with `'` so it is shown as text. The randomization list export is the
exception: it is the committed canonical text (its SHA-256 is published), so it is never rewritten; imports
refuse codes that start like a formula and generated codes never do (a test checks both).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def neutralise_cell(cell: object) -> str:
    """The cell as text a spreadsheet shows rather than runs."""
    text = "" if cell is None else str(cell)
    return "'" + text if starts_like_formula(text) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV (RFC 4180 line ends), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return buffer.getvalue()
