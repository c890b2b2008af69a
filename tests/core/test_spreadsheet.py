"""Spreadsheet formulas (issue 12): every CSV the system writes neutralises cells a spreadsheet would run; the
randomization list export (committed canonical text, never rewritten) can contain no such cell at all: that
one reads the database and lives in tests/web/enrolment/test_list_export_formulas.py."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.spreadsheet import csv_text, neutralise_cell, starts_like_formula

ATTACKS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+3", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("cell", ATTACKS)
def test_a_formula_cell_is_written_as_text(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell
    written = next(csv.reader(io.StringIO(csv_text([[cell, "ok"]]))))
    assert written == ["'" + cell, "ok"]


@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=4), max_size=5))
def test_no_written_cell_starts_like_a_formula_and_the_rest_is_unchanged(rows: list[list[str]]) -> None:
    read = list(csv.reader(io.StringIO(csv_text(rows), newline="")))
    cells = [c for row in read for c in row]
    assert not any(starts_like_formula(c) for c in cells)
    originals = [c for row in rows for c in row]
    assert all(
        w == (("'" + o) if starts_like_formula(o) else o) for w, o in zip(cells, originals, strict=False)
    )
