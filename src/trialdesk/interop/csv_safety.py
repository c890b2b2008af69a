"""Spreadsheet formula injection: a cell that a spreadsheet would run as a formula is made inert.

OWASP (CSV Injection): a cell beginning with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with a
single quote, so Excel, LibreOffice and Google Sheets show it as text. Every CSV writer of this package
passes every cell through `safe_cell`; numbers are written by the writers as plain text first, so a
negative number (`-2.5`) is prefixed too: statistics packages read the CSV through the codebook's types,
and the stats-package exports carry numbers natively.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIRST_CHARACTERS = frozenset(FORMULA_STARTS)


def safe_cell(value: object) -> str:
    """The cell as text, with a leading single quote when it would start a formula."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)  # noqa: E721 - the exact type is the fast path
    if text and text[0] in _FIRST_CHARACTERS:
        return "'" + text
    return text


def csv_chunks(rows: Iterable[Sequence[object]], *, rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """UTF-8 CSV (with a byte-order mark so spreadsheets read Persian right) in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    pending = 0
    for row in rows:
        writer.writerow(list(map(safe_cell, row)))
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


__all__ = ["FORMULA_STARTS", "csv_chunks", "safe_cell"]
