"""The casebook JSON API: read/write form data, check, queries, verify, lock, sign, database lock, lab import."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.services.casebook.helpers import labs, sledai, vitals
from trialdesk.core.roles import Role
from trialdesk.records.casebook.models import FormRecord, ItemValue, LabImportBatch, Query

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(actors: dict) -> Callable[[Role], Client]:
    def make(role: Role) -> Client:
        client = Client()
        assert client.login(username=role.value, password=PASSWORD)
        return client

    return make


def send(client: Client, method: str, path: str, body: dict):  # type: ignore[no-untyped-def]
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def form_path(code: str, form_id: str, visit: str = "baseline", occurrence: int = 1) -> str:
    return f"/api/casebook/participants/{code}/forms/{visit}/{occurrence}/{form_id}"


def test_form_data_round_trip_with_soft_limit_and_reason(client_for, enrol):
    code = enrol(arm="exosome").study_code
    doctor = client_for(Role.RHEUMATOLOGIST)
    path = form_path(code, "lab_panel")
    empty = doctor.get(path)
    assert empty.status_code == 200 and empty.json()["status"] == "not_started"
    check = send(doctor, "post", path + "/check", {"values": labs(glucose={"value": "30", "unit": "mmol/L"})})
    assert check.status_code == 200 and not check.json()["ok"]
    assert check.json()["warnings"][0]["where"] == "glucose.value" and not FormRecord.objects.exists()
    refused = send(doctor, "put", path, {"values": labs(glucose={"value": "30", "unit": "mmol/L"})})
    assert refused.status_code == 400 and refused.json()["problems"][0]["where"] == "glucose.value"
    saved = send(
        doctor, "put", path,
        {"values": labs(glucose={"value": "30", "unit": "mmol/L"}), "confirmations": {"glucose": "repeated: same"}},
    )  # fmt: skip
    assert saved.status_code == 200, saved.content
    assert saved.json()["created"] and saved.json()["flags"] == {"glucose": "H"}
    read = doctor.get(path).json()
    glucose = next(i for i in read["items"] if i["path"] == "glucose")
    assert (
        glucose["unit"] == "mmol/L"
        and glucose["standard_value"] == "540.480"
        and glucose["canonical_unit"] == "mg/dL"
    )
    assert glucose["confirmation_reason"] == "repeated: same" and read["values"]["glucose"]["value"] == "30"
    no_reason = send(doctor, "put", path, {"values": labs(fasting="no"), "confirmations": {}})
    assert no_reason.status_code == 400 and no_reason.json()["problems"][0]["where"] == "reason"
    changed = send(doctor, "put", path, {"values": labs(), "reason": "wrong unit typed"})
    assert changed.status_code == 200 and "glucose" in changed.json()["changed"]
    history = doctor.get(path + "/history").json()
    assert history[-1]["reason"] == "wrong unit typed"


def test_query_lifecycle_verify_lock_and_sign_through_the_api(client_for, enrol):
    code = enrol(arm="exosome").study_code
    doctor, monitor = client_for(Role.RHEUMATOLOGIST), client_for(Role.MONITOR)
    manager, investigator = client_for(Role.DATA_MANAGER), client_for(Role.INVESTIGATOR)
    path = form_path(code, "sledai_2k")
    assert (
        send(doctor, "put", path, {"values": sledai("arthritis")}).json()["calculated"]["sledai_total"] == "4"
    )
    assert send(doctor, "post", path + "/queries", {"item_path": "arthritis", "text": "?"}).status_code == 403
    raised = send(monitor, "post", path + "/queries", {"item_path": "arthritis", "text": "How many joints?"})
    assert raised.status_code == 201
    query_id = raised.json()["id"]
    assert [q["id"] for q in doctor.get("/api/casebook/queries").json()] == [query_id]
    assert (
        send(doctor, "post", f"/api/casebook/queries/{query_id}/answer", {"text": "Two joints"}).json()[
            "status"
        ]
        == "answered"
    )
    assert send(monitor, "post", path + "/verify", {}).status_code == 409
    assert send(manager, "post", f"/api/casebook/queries/{query_id}/close", {}).status_code == 403
    assert (
        send(monitor, "post", f"/api/casebook/queries/{query_id}/reopen", {"text": "and?"}).json()["status"]
        == "reopened"
    )
    send(doctor, "post", f"/api/casebook/queries/{query_id}/answer", {"text": "Swollen knees"})
    assert (
        send(monitor, "post", f"/api/casebook/queries/{query_id}/close", {"text": "ok"}).json()["status"]
        == "closed"
    )
    assert send(monitor, "post", path + "/verify", {}).status_code == 200
    assert doctor.get(path).json()["status"] == "verified"
    assert send(manager, "post", path + "/lock", {"reason": ""}).status_code == 400
    assert send(manager, "post", path + "/lock", {"reason": "clean"}).json()["detail"] == "locked"
    assert send(doctor, "put", path, {"values": sledai(), "reason": "x"}).status_code == 409
    assert send(manager, "post", path + "/unlock", {"reason": "site correction"}).status_code == 200
    wrong = send(investigator, "post", f"/api/casebook/participants/{code}/sign", {"password": "nope"})
    assert wrong.status_code == 400 and wrong.json()["problems"][0]["where"] == "password"
    signed = send(investigator, "post", f"/api/casebook/participants/{code}/sign", {"password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["valid"]
    assert investigator.get(f"/api/casebook/participants/{code}/signature").json()["valid"]
    listing = monitor.get("/api/casebook/queries?scope=all&status=closed").json()
    assert [q["id"] for q in listing] == [query_id]


def test_lab_import_preview_and_all_or_nothing_commit(client_for, enrol):
    code = enrol(arm="exosome").study_code
    manager = client_for(Role.DATA_MANAGER)
    mapping = {"participant": "id", "date": "date", "test": "test", "value": "result", "unit": "unit"}
    good = f"id,date,test,result,unit\n{code},2026-01-11,glucose,5.5,mmol/L\n"
    preview = send(
        manager, "post", "/api/casebook/lab-imports/preview", {"csv_text": good, "mapping": mapping}
    )
    assert preview.json()["ok"] and preview.json()["rows"][0]["standard_value"] == "99.0880"
    bad = good + f"{code},2026-01-11,c3,90,mmol/L\n"
    refused = send(
        manager,
        "post",
        "/api/casebook/lab-imports",
        {"csv_text": bad, "mapping": mapping, "file_name": "x.csv"},
    )
    assert refused.status_code == 400
    assert [p["where"] for p in refused.json()["problems"]] == ["row 3, column unit"]
    assert not FormRecord.objects.exists() and not LabImportBatch.objects.exists()
    done = send(
        manager,
        "post",
        "/api/casebook/lab-imports",
        {"csv_text": good, "mapping": mapping, "file_name": "x.csv"},
    )
    assert done.status_code == 201 and done.json()["forms_written"] == [f"{code}/baseline#1/lab_panel"]


def test_expected_forms_and_tracking(client_for, enrol):
    code = enrol(arm="control").study_code
    doctor = client_for(Role.RHEUMATOLOGIST)
    rows = doctor.get(f"/api/casebook/participants/{code}/forms").json()
    assert {r["visit_id"] for r in rows} == {
        "baseline",
        "assessment_w7",
        "assessment_w14",
        "assessment_w21",
        "end_of_study",
    }
    tracking = client_for(Role.MONITOR).get("/api/casebook/forms/tracking?all=true").json()
    assert {r["participant"] for r in tracking} >= {code}
    assert client_for(Role.MONITOR).get("/api/casebook/forms/tracking?site=NOPE").status_code == 404


def test_database_lock_refuses_every_api_write_endpoint(client_for, enrol):
    code = enrol(arm="exosome").study_code
    doctor, monitor = client_for(Role.RHEUMATOLOGIST), client_for(Role.MONITOR)
    manager, investigator = client_for(Role.DATA_MANAGER), client_for(Role.INVESTIGATOR)
    path = form_path(code, "vital_signs")
    send(doctor, "put", path, {"values": vitals()})
    send(doctor, "put", form_path(code, "sledai_2k"), {"values": sledai()})
    query_id = send(monitor, "post", path + "/queries", {"item_path": "weight", "text": "?"}).json()["id"]
    answered = send(monitor, "post", path + "/queries", {"item_path": "heart_rate", "text": "?"}).json()["id"]
    send(doctor, "post", f"/api/casebook/queries/{answered}/answer", {"text": "ok"})
    send(manager, "post", form_path(code, "sledai_2k") + "/lock", {"reason": "clean"})
    assert send(monitor, "post", "/api/casebook/database-lock", {"reason": "x"}).status_code == 403
    locked = send(manager, "post", "/api/casebook/database-lock", {"reason": "final analysis"})
    assert locked.status_code == 200 and manager.get("/api/casebook/database-lock").json()["locked"]
    counts = (FormRecord.objects.count(), ItemValue.objects.count(), Query.objects.count())
    mapping = {"participant": "id", "date": "date", "test": "test", "value": "result", "unit": "unit"}
    csv_text = f"id,date,test,result,unit\n{code},2026-01-11,glucose,5.5,mmol/L\n"
    writes = [
        (doctor, "put", path, {"values": vitals(heart_rate=90), "reason": "late"}),
        (doctor, "put", form_path(code, "lab_panel"), {"values": labs()}),
        (monitor, "post", path + "/queries", {"item_path": "weight", "text": "?"}),
        (doctor, "post", f"/api/casebook/queries/{query_id}/answer", {"text": "x"}),
        (monitor, "post", f"/api/casebook/queries/{answered}/close", {}),
        (monitor, "post", f"/api/casebook/queries/{answered}/reopen", {"text": "x"}),
        (monitor, "post", path + "/verify", {}),
        (manager, "post", path + "/lock", {"reason": "x"}),
        (manager, "post", form_path(code, "sledai_2k") + "/unlock", {"reason": "x"}),
        (investigator, "post", f"/api/casebook/participants/{code}/sign", {"password": PASSWORD}),
        (
            manager,
            "post",
            "/api/casebook/lab-imports",
            {"csv_text": csv_text, "mapping": mapping, "file_name": "f"},
        ),
        (manager, "post", "/api/casebook/database-lock", {"reason": "again"}),
    ]
    for client, method, url, body in writes:
        response = send(client, method, url, body)
        assert response.status_code == 409, (url, response.content)
        assert "locked" in response.json()["detail"], url
    assert (FormRecord.objects.count(), ItemValue.objects.count(), Query.objects.count()) == counts
    assert doctor.get(path).json()["read_only_reason"] == "database locked"


def test_the_api_saves_a_form_incomplete_and_then_complete(client_for, enrol):
    code = enrol(arm="exosome").study_code
    doctor = client_for(Role.RHEUMATOLOGIST)
    path = form_path(code, "vital_signs")
    half = send(doctor, "put", path, {"values": {"heart_rate": 72}, "complete": False})
    assert half.status_code == 200 and half.json()["status"] == "incomplete"
    assert doctor.get(path).json()["status"] == "incomplete"
    refused = send(doctor, "put", path, {"values": {"heart_rate": 72}})
    assert refused.status_code == 400 and "systolic_bp" in {p["where"] for p in refused.json()["problems"]}
    done = send(doctor, "put", path, {"values": vitals()})
    assert done.status_code == 200 and done.json()["status"] == "complete"
