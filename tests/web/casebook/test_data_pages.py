"""The data-management pages: lab import (upload, mapping, preview, commit), form tracking, database lock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from trialdesk.core.roles import Role
from trialdesk.records.casebook.models import DatabaseLock, FormRecord, ItemValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(actors: dict) -> Callable[..., Client]:
    def make(role: Role, language: str = "en") -> Client:
        client = Client()
        assert client.login(username=role.value, password=PASSWORD)
        client.post(reverse("preferences"), {"language": language})
        return client

    return make


def mapping_post(text: str, step: str) -> dict[str, str]:
    return {
        "step": step, "csv_text": text, "file_name": "lab.csv", "map_participant": "Patient", "map_date": "Sampled",
        "map_test": "Test", "map_value": "Result", "map_unit": "Units",
    }  # fmt: skip


def test_lab_import_upload_preview_and_commit(client_for, enrol):
    code = enrol(arm="exosome").study_code
    manager = client_for(Role.DATA_MANAGER)
    page = manager.get("/labs/import/")
    assert page.status_code == 200 and b'data-testid="lab-upload-form"' in page.content
    text = f"Patient,Sampled,Test,Result,Units\n{code},2026-01-11,glucose,5.5,mmol/L\n"
    uploaded = manager.post(
        "/labs/import/", {"step": "upload", "file": SimpleUploadedFile("lab.csv", text.encode())}
    )
    body = uploaded.content.decode()
    assert 'data-testid="lab-mapping-form"' in body and '<option value="Patient" selected>' in body
    preview = manager.post("/labs/import/", mapping_post(text, "preview")).content.decode()
    assert (
        'data-testid="lab-preview-table"' in preview
        and "99.0880 mg/dL" in preview
        and 'data-testid="lab-commit"' in preview
    )
    assert not FormRecord.objects.exists()
    done = manager.post("/labs/import/", mapping_post(text, "commit"), follow=True)
    assert "1 result(s) imported into 1 form(s)" in done.content.decode()
    assert ItemValue.objects.get(path="glucose").unit == "mmol/L"


def test_lab_import_refusal_lists_every_problem_and_writes_nothing(client_for, enrol):
    code = enrol(arm="exosome").study_code
    manager = client_for(Role.DATA_MANAGER)
    text = (
        "Patient,Sampled,Test,Result,Units\n"
        f"{code},2026-01-11,glucose,5.5,mmol/L\n{code},2026-01-11,c3,abc,mg/dL\nNOPE,2026-01-11,c4,20,mg/dL\n"
    )
    preview = manager.post("/labs/import/", mapping_post(text, "preview")).content.decode()
    assert preview.count('data-testid="lab-problem"') == 2 and 'data-testid="lab-commit"' not in preview
    refused = manager.post("/labs/import/", mapping_post(text, "commit")).content.decode()
    assert (
        "nothing was written" in refused
        and "row 3, column Result" in refused
        and "row 4, column Patient" in refused
    )
    assert not FormRecord.objects.exists()


def test_lab_import_page_is_refused_to_roles_that_may_not_import(client_for):
    assert client_for(Role.MONITOR).get("/labs/import/").status_code == 403


def test_tracking_lists_missing_forms_in_english_and_persian(client_for, enrol):
    code = enrol(arm="control").study_code
    page = client_for(Role.MONITOR).get("/forms/tracking/")
    body = page.content.decode()
    # the pages run on the real clock: every window of a participant randomized on 2026-01-10 has closed
    assert (
        page.status_code == 200 and code in body and 'data-state="overdue"' in body and "Vital signs" in body
    )
    every = client_for(Role.MONITOR).get("/forms/tracking/?all=1").content.decode()
    assert every.count('data-testid="tracking-row"') >= body.count('data-testid="tracking-row"')
    persian = client_for(Role.MONITOR, "fa").get("/forms/tracking/").content.decode()
    assert 'dir="rtl"' in persian and "علائم حیاتی" in persian
    assert client_for(Role.MONITOR).get("/forms/tracking/?site=NOPE").status_code == 404


def test_database_lock_page(client_for):
    monitor = client_for(Role.MONITOR)
    assert b'data-testid="database-lock-form"' not in monitor.get("/database-lock/").content
    assert monitor.post("/database-lock/", {"reason": "x", "confirm": "on"}).status_code == 403
    manager = client_for(Role.DATA_MANAGER)
    assert b'data-testid="database-lock-form"' in manager.get("/database-lock/").content
    unconfirmed = manager.post("/database-lock/", {"reason": "end of study"})
    assert unconfirmed.status_code == 400 and not DatabaseLock.objects.exists()
    locked = manager.post("/database-lock/", {"reason": "end of study", "confirm": "on"}, follow=True)
    assert (
        b'data-testid="database-locked"' in locked.content
        and DatabaseLock.objects.get().reason == "end of study"
    )
    assert manager.post("/database-lock/", {"reason": "again", "confirm": "on"}).status_code == 409


def test_lab_import_page_commit_is_refused_after_the_database_lock(client_for, enrol):
    code = enrol(arm="exosome").study_code
    manager = client_for(Role.DATA_MANAGER)
    manager.post("/database-lock/", {"reason": "end of study", "confirm": "on"})
    text = f"Patient,Sampled,Test,Result,Units\n{code},2026-01-11,glucose,5.5,mmol/L\n"
    refused = manager.post("/labs/import/", mapping_post(text, "commit"))
    assert refused.status_code == 409 and "database was locked" in refused.content.decode()
    assert not FormRecord.objects.exists()
