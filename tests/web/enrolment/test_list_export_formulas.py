"""The randomization list export (committed canonical text, never rewritten) holds no cell a spreadsheet would
run (issue 12; the writers of every other CSV are checked in tests/core/test_spreadsheet.py)."""

from __future__ import annotations

import csv

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from trialdesk.core.roles import Role
from trialdesk.core.spreadsheet import starts_like_formula
from trialdesk.services.randomization import generate


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
