"""The enrolment JSON API: register, screen, consent, randomize, withdraw; errors as JSON with named fields."""

from __future__ import annotations

import json

from tests.factories import all_met
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant
from trialdesk.services.randomization import generate


def _post(client, path: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json")


def test_whole_enrolment_through_the_api(client_for, actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=6, clock=clock)
    doctor = client_for(Role.RHEUMATOLOGIST)
    created = _post(doctor, "/api/participants/register", {"site": "KUMS", "full_name": "Z", "sex": "female"})
    assert created.status_code == 200, created.content
    code = created.json()["study_code"]
    assert created.json()["allocation"] is None and created.json()["full_name"] == "Z"
    p = Participant.objects.get(study_code=code)
    answers = {cid: {"answer": v, "note": n} for cid, (v, n) in all_met(p).items()}
    failing = {**answers, "uncontrolled_hypertension": {"answer": "yes", "note": "BP"}}
    first = _post(
        doctor, f"/api/participants/{code}/screenings", {"screened_on": "2026-01-10", "answers": failing}
    )
    assert first.json()["decision"] == "not_eligible"
    assert first.json()["reasons"][0]["criterion"] == "uncontrolled_hypertension"
    second = _post(
        doctor, f"/api/participants/{code}/screenings", {"screened_on": "2026-01-10", "answers": answers}
    )
    assert second.json()["decision"] == "eligible" and second.json()["attempt"] == 2
    assert len(doctor.get(f"/api/participants/{code}/screenings").json()) == 2
    consent = _post(
        doctor,
        f"/api/participants/{code}/consents",
        {"document_version": "1.0", "consented_on": "2026-01-10"},
    )
    assert consent.status_code == 200 and consent.json()["obtained_by"] == "rheumatologist"
    refused = _post(doctor, f"/api/participants/{code}/randomize", {"confirm": False})
    assert refused.status_code == 400 and refused.json()["problems"][0]["where"] == "confirm"
    allocation = _post(doctor, f"/api/participants/{code}/randomize", {"confirm": True})
    assert allocation.status_code == 200 and allocation.json()["arm"] in ("exosome", "control")
    detail = client_for(Role.MONITOR).get(f"/api/participants/{code}").json()
    assert detail["allocation"]["arm"] == allocation.json()["arm"] and detail["status"] == "randomized"
    again = _post(doctor, f"/api/participants/{code}/randomize", {"confirm": True})
    assert again.status_code == 409 and "final" in again.json()["detail"]
    withdrawal = _post(
        doctor, f"/api/participants/{code}/withdrawal", {"withdrawn_on": "2026-01-10", "reason": "x"}
    )
    assert withdrawal.status_code == 200 and withdrawal.json()["scope"] == "no_further_visits_data_kept"
    log = client_for(Role.MONITOR).get("/api/screening-log").json()
    assert [r["decision"] for r in log] == ["not_eligible", "eligible"]


def test_api_errors_name_the_field_and_rule(client_for, site) -> None:
    doctor = client_for(Role.RHEUMATOLOGIST)
    response = _post(doctor, "/api/participants/register", {"site": "KUMS", "full_name": " ", "sex": "other"})
    assert response.status_code == 400
    wheres = {p["where"] for p in response.json()["problems"]}
    assert wheres == {"full_name", "sex"}
    assert doctor.get("/api/participants/KUMS-999").status_code == 404
    assert (
        _post(
            doctor, "/api/participants/register", {"site": "NOPE", "full_name": "A", "sex": "male"}
        ).status_code
        == 404
    )


def test_epidemiologist_reads_the_list_with_seed_and_slots(client_for, actors, site, clock) -> None:
    stored = generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=6, clock=clock)
    body = client_for(Role.EPIDEMIOLOGIST).get("/api/randomization/list").json()
    assert body["seed"] == "6" and body["verified"] and len(body["list_slots"]) == 20
    assert [s["arm"] for s in body["list_slots"]] == [s.arm for s in stored.slots.order_by("sequence")]
    public = client_for(Role.STATISTICIAN).get("/api/randomization/commitment").json()
    assert public["commitment"] == stored.commitment and "seed" not in public


def test_openapi_schema_lists_the_enrolment_endpoints(client_for, site) -> None:
    paths = client_for(Role.MONITOR).get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/participants/register",
        "/api/participants/{code}",
        "/api/participants/{code}/screenings",
        "/api/participants/{code}/consents",
        "/api/participants/{code}/withdrawal",
        "/api/participants/{code}/randomize",
        "/api/randomization/commitment",
        "/api/randomization/list",
        "/api/randomization/list/export",
        "/api/randomization/import",
        "/api/randomization/concealment-report",
    ):
        assert path in paths, path
