"""Hostile laboratory files (issue 12): oversized, binary, wrongly encoded, a cell over the csv module's field
limit, 100,000 rows; each is refused with one clear problem and the parse stops early."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from trialdesk.core.roles import Role
from trialdesk.errors import ValidationFailed
from trialdesk.records.casebook.models import LabImportBatch
from trialdesk.services.casebook.lab_import import commit_lab_import, preview_lab_import
from trialdesk.services.casebook.lab_plan import MAX_ROWS, lab_file_text

pytestmark = pytest.mark.django_db
MAPPING = {"participant": "participant", "date": "date", "test": "test", "value": "value", "unit": "unit"}
HEADER = "participant,date,test,value,unit\n"


def test_a_hundred_thousand_rows_are_refused_before_parsing_and_six_thousand_at_row_5001(
    actors, study
) -> None:
    text = HEADER + "KUMS-001,2026-01-11,c3,90,mg/dL\n" * 100_000
    started = time.perf_counter()
    preview = preview_lab_import(actors[Role.DATA_MANAGER], study, csv_text=text, mapping=MAPPING)
    seconds = time.perf_counter() - started
    assert [(p.where, p.rule) for p in preview.problems] == [
        ("file", "is larger than 2000000 characters: split it")
    ]
    rows = HEADER + "KUMS-001,2026-01-11,c3,90,mg/dL\n" * 6_000  # within the size: refused at row 5,001
    preview = preview_lab_import(actors[Role.DATA_MANAGER], study, csv_text=rows, mapping=MAPPING)
    assert [(p.where, p.rule) for p in preview.problems] == [
        ("file", f"has more than {MAX_ROWS} rows: split it")
    ]
    print(
        f"100,000-row lab file refused in {seconds:.3f} s"
    )  # was 11.7 s (issue 12); bench: docs/benchmarks.md


def test_a_cell_over_the_csv_field_limit_is_a_problem_not_a_server_error(actors, study) -> None:
    text = HEADER + "KUMS-001,2026-01-11,c3," + "9" * 200_000 + ",mg/dL\n"
    with pytest.raises(ValidationFailed) as refused:
        commit_lab_import(
            actors[Role.DATA_MANAGER], study, csv_text=text, mapping=MAPPING, file_name="big.csv"
        )
    assert refused.value.problems[0].where == "file" and not LabImportBatch.objects.exists()
    client = Client()
    assert client.login(username=Role.DATA_MANAGER.value, password=PASSWORD)
    answer = client.post(
        "/api/casebook/lab-imports", {"csv_text": text, "mapping": MAPPING}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["problems"][0]["where"] == "file"


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"participant,date\x00,test\n", "binary content"),
        ("participant,d\u00e4te\n".encode("latin-1"), "is not UTF-8 text"),
        (b"x" * 2_000_001, "is larger than"),
    ],
)
def test_binary_wrongly_encoded_or_oversized_uploads_are_refused(actors, data: bytes, rule: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        lab_file_text(data)
    assert rule in refused.value.problems[0].rule
    client = Client()
    assert client.login(username=Role.DATA_MANAGER.value, password=PASSWORD)
    upload = SimpleUploadedFile("labs.csv", data, content_type="text/csv")
    page = client.post(reverse("casebook:lab_import"), {"step": "upload", "file": upload})
    assert (
        page.status_code == 200
        and rule in page.content.decode()
        and 'name="csv_text"' not in page.content.decode()
    )
