"""Spreadsheet formulas (issue 12): every CSV the system writes neutralises cells a spreadsheet would run; the
randomization list export (committed canonical text, never rewritten) can contain no such cell at all."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import PASSWORD

from trialdesk.core.roles import Role
from trialdesk.core.spreadsheet import csv_text, neutralise_cell, starts_like_formula
from trialdesk.services.randomization import generate

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


@pytest.mark.django_db
def test_the_randomization_list_export_holds_no_formula_cell(actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=7, clock=clock)
    client = Client()
    assert client.login(username=Role.EPIDEMIOLOGIST.value, password=PASSWORD)
    response = client.get("/api/randomization/list/export")
    assert response.status_code == 200
    lines = [line for line in response.content.decode().splitlines() if not line.startswith("#")]
    cells = [c for row in csv.reader(lines) for c in row]
    assert len(cells) > 20 and not any(starts_like_formula(c) for c in cells)
