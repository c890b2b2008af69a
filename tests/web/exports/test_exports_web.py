"""The exports page and `GET /api/exports/{format}`: streamed, no-store, zipped SDTM, refused to other roles."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from trialdesk.cli import main
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry

pytestmark = pytest.mark.django_db


def _client(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def test_api_streams_a_file_and_a_zip_of_domains(actors, site) -> None:
    client = _client(Role.STATISTICIAN)
    response = client.get("/api/exports/csv?cutoff=2026-01-10")
    assert response.status_code == 200 and response.streaming
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    assert b"participant,site" in b"".join(response.streaming_content)
    zipped = client.get("/api/exports/sdtm-json")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
    assert "dm.json" in archive.namelist() and "lb.json" in archive.namelist()
    one = client.get("/api/exports/sdtm-xpt?domain=LB")
    assert one["Content-Disposition"].endswith('lb.xpt"')
    b"".join(one.streaming_content)
    assert AuditEntry.objects.filter(action="data.export").count() == 3


@pytest.mark.parametrize("role", [Role.MONITOR, Role.INVESTIGATOR, Role.ADMINISTRATOR])
def test_other_roles_are_refused(role, actors) -> None:
    client = _client(role)
    assert client.get("/api/exports/csv").status_code == 403
    assert client.get("/exports/").status_code == 403


def test_page_lists_formats_with_links_and_the_menu_links_it(actors) -> None:
    client = _client(Role.DATA_MANAGER)
    page = client.get("/exports/?cutoff=2026-01-10").content.decode()
    assert 'data-testid="nav-exports"' in page and 'data-testid="download-odm"' in page
    assert "/exports/odm/download/?cutoff=2026-01-10" in page
    download = client.get("/exports/codebook/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content)
    assert 'data-testid="nav-exports"' not in _client(Role.MONITOR).get("/").content.decode()
    assert client.get("/api/exports/xls").status_code == 400


def test_cli_writes_sdtm_domains_into_a_folder(actors, tmp_path, capsys) -> None:
    assert main(["export", "sdtm-xpt", "-o", str(tmp_path / "sdtm"), "--user", "data_manager"]) == 0
    assert (tmp_path / "sdtm" / "dm.xpt").exists()
    assert "sha256 " in capsys.readouterr().out
    assert main(["export", "csv", "-o", str(tmp_path / "x.csv"), "--user", "monitor"]) == 1


def test_odm2_is_offered_by_the_page_the_api_and_the_command(actors, tmp_path, capsys) -> None:
    client = _client(Role.DATA_MANAGER)
    page = client.get("/exports/").content.decode()
    assert 'data-testid="download-odm2"' in page and "CDISC ODM 2.0" in page
    response = client.get("/api/exports/odm2")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-odm2.xml"')
    assert b'ODMVersion="2.0"' in b"".join(response.streaming_content)
    assert main(["export", "odm2", "-o", str(tmp_path / "study.xml"), "--user", "data_manager"]) == 0
    assert b"http://www.cdisc.org/ns/odm/v2.0" in (tmp_path / "study.xml").read_bytes()
    assert "sha256 " in capsys.readouterr().out
