"""The treatment JSON API: each endpoint calls its service; refusals are JSON 4xx with the reasons."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.web.treatment.conftest import API_VITALS
from trialdesk.core.roles import Role

CHECK = {
    "step_id": "step_1",
    "answers": {
        "vital_signs": "normal",
        "no_new_symptoms": "normal",
        "previous_dose_tolerated": "normal",
        "no_active_infection": "normal",
    },
    "vital_signs": API_VITALS,
}


def _client(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def _lot(client: Client, lot_id: str = "EXO-1", source: str = "PL-01") -> None:
    body = {
        "lot_id": lot_id,
        "source_id": source,
        "amount_per_unit": "1e10",
        "amount_unit": "particles",
        "expiry_date": "2099-01-01",
    }
    assert client.post("/api/lots", body, content_type="application/json").status_code == 201
    today = timezone.localdate().isoformat()
    released = client.post(
        f"/api/lots/{lot_id}/release", {"released_on": today}, content_type="application/json"
    )
    assert released.status_code == 200 and released.json()["usable"] is True


def _reaction(grade: int = 2, **extra: object) -> dict[str, object]:
    return {
        "term": "infusion_related_reaction",
        "onset_at": timezone.now().isoformat(),
        "grade": grade,
        "relationship_to_product": "probable",
        "relationship_to_conventional_therapy": "not_related",
        "expectedness": "expected",
        "action_taken": "infusion_interrupted",
        "outcome": "recovering",
        "seriousness": [],
        **extra,
    }


def test_dose_too_early_then_reaction_holds_dosing(enrol, actors) -> None:
    participant = enrol(arm="exosome")
    base = f"/api/participants/{participant.study_code}"
    inv = _client(Role.INVESTIGATOR)
    _lot(inv)
    assert [row["lot_id"] for row in inv.get("/api/lots").json()] == ["EXO-1"]

    status = inv.get(f"{base}/dosing").json()
    assert status["arm"] == "exosome" and status["gate"]["next_step"]["id"] == "step_1"
    assert [r["code"] for r in status["gate"]["reasons"]] == ["safety_check_missing"]
    assert len(status["ladder"]) == 8 and set(status["safety_check_items"]) == set(CHECK["answers"])  # type: ignore[arg-type]

    assert inv.post(f"{base}/safety-checks", CHECK, content_type="application/json").status_code == 201
    dose = inv.post(
        f"{base}/doses",
        {"step_id": "step_1", "lot_id": "EXO-1", "amount_given": "0.1"},
        content_type="application/json",
    )
    assert dose.status_code == 201 and dose.json()["partial"] is False

    too_early = inv.post(
        f"{base}/doses",
        {"step_id": "step_2", "lot_id": "EXO-1", "amount_given": "0.5"},
        content_type="application/json",
    )
    assert too_early.status_code == 409
    codes = {p["where"] for p in too_early.json()["problems"]}
    assert {"observation_period", "earliest_day", "safety_check_stale"} <= codes
    assert "observation" in too_early.json()["detail"]

    saved = inv.post(f"{base}/adverse-events", _reaction(), content_type="application/json")
    assert saved.status_code == 201, saved.json()
    assert (
        saved.json()["event"]["code"] == f"{participant.study_code}-AE1" and saved.json()["expedited"] is None
    )
    reasons = {r["code"] for r in inv.get(f"{base}/dosing").json()["gate"]["reasons"]}
    assert "adverse_event_hold" in reasons

    resolved = inv.patch(
        f"{base}/adverse-events/1",
        {"reason": "resolved after 2 h", "outcome": "recovered", "resolved_at": timezone.now().isoformat()},
        content_type="application/json",
    )
    assert resolved.status_code == 200 and resolved.json()["event"]["version"] == 2
    assert "adverse_event_hold" not in {
        r["code"] for r in inv.get(f"{base}/dosing").json()["gate"]["reasons"]
    }
    assert len(inv.get(f"{base}/adverse-events").json()) == 1


def test_control_arm_has_no_ladder_but_a_calendar(enrol, actors) -> None:
    participant = enrol(arm="control")
    base = f"/api/participants/{participant.study_code}"
    inv = _client(Role.INVESTIGATOR)
    status = inv.get(f"{base}/dosing").json()
    assert status["receives_product"] is False and status["ladder"] == []
    assert [r["code"] for r in status["gate"]["reasons"]] == ["no_study_product"]
    cal = inv.get(f"{base}/calendar").json()
    assert [v["visit_id"] for v in cal["visits"]] == [
        "baseline",
        "assessment_w7",
        "assessment_w14",
        "assessment_w21",
        "end_of_study",
    ]
    assert cal["visits"][0]["status"] == "overdue"  # randomized on the fixed clock's date, long ago

    overdue = inv.get("/api/sites/KUMS/overdue-visits").json()
    assert participant.study_code in {row["participant"] for row in overdue}
    late = inv.post(
        f"{base}/visits",
        {"visit_id": "baseline", "done_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert late.status_code == 201 and late.json()["deviation"]["category"] == "visit_out_of_window"
    missed = inv.post(
        f"{base}/missed-visits",
        {"visit_id": "assessment_w7", "reason": "travelling"},
        content_type="application/json",
    )
    assert missed.status_code == 201 and missed.json()["missed"] is True
    monitor = _client(Role.MONITOR)
    noted = monitor.post(
        f"{base}/deviations",
        {
            "category": "procedure",
            "reason": "urine not sent",
            "occurred_on": timezone.localdate().isoformat(),
        },
        content_type="application/json",
    )
    assert noted.status_code == 201
    assert {d["category"] for d in monitor.get(f"{base}/deviations").json()} == {
        "visit_out_of_window",
        "missed_visit",
        "procedure",
    }


def test_susar_pauses_the_study_the_report_is_sent_and_the_committee_lifts_the_pause(enrol, actors) -> None:
    participant = enrol(arm="exosome")
    base = f"/api/participants/{participant.study_code}"
    inv = _client(Role.INVESTIGATOR)
    body = _reaction(4, term="anaphylaxis", seriousness=["life_threatening"], expectedness="unexpected")
    saved = inv.post(f"{base}/adverse-events", body, content_type="application/json").json()
    assert saved["study_pauses"] and saved["participant_stops"]
    assert saved["expedited"]["kind"] == "fatal_or_life_threatening"
    due = timezone.localdate() + timedelta(days=7)
    assert saved["expedited"]["initial_due_on"] == due.isoformat()

    (report,) = inv.get("/api/safety/expedited-reports").json()
    sent = inv.post(
        f"/api/safety/expedited-reports/{report['id']}/sent",
        {"sent_on": timezone.localdate().isoformat(), "reference": "SUSAR-1"},
        content_type="application/json",
    )
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert inv.get("/api/safety/expedited-reports?overdue=true").json() == []

    ethics = _client(Role.ETHICS_COMMITTEE)
    board = ethics.get("/api/safety/dashboard").json()
    assert board["study_paused"] is True and len(board["serious_events"]) == 1
    pause_id = board["active_pauses"][0]["id"]
    assert (
        inv.post(
            f"/api/safety/pauses/{pause_id}/decision",
            {"decision": "go", "lift": True},
            content_type="application/json",
        ).status_code
        == 403
    )
    lifted = ethics.post(
        f"/api/safety/pauses/{pause_id}/decision",
        {"decision": "Resume after review", "lift": True},
        content_type="application/json",
    )
    assert lifted.status_code == 200 and lifted.json()["state"] == "lifted"
    board = ethics.get("/api/safety/dashboard").json()
    # The related-serious rule paused it too: one pause per rule, each decided separately.
    assert [p["rule_id"] for p in board["active_pauses"]] == ["related_serious_event"]


def test_grade_suggestion_and_refusals(enrol, actors) -> None:
    participant = enrol(arm="exosome")
    inv = _client(Role.INVESTIGATOR)
    suggestion = inv.post(
        "/api/safety/grade-suggestion",
        {"test": "glucose", "value": "35", "unit": "mg/dL", "lln": "70", "uln": "100"},
        content_type="application/json",
    ).json()
    assert (suggestion["kind"], suggestion["term_id"], suggestion["grade"]) == ("grade", "hypoglycemia", 3)
    bad = inv.post(
        "/api/safety/grade-suggestion",
        {"test": "glucose", "value": "35", "unit": "g/L", "lln": "70", "uln": "100"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["problems"][0]["where"] == "unit"

    rheum = _client(Role.RHEUMATOLOGIST)
    refused = rheum.post(
        f"/api/participants/{participant.study_code}/doses",
        {"step_id": "step_1", "lot_id": "X", "amount_given": "0.1"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert (
        _client(Role.ETHICS_COMMITTEE).get(f"/api/participants/{participant.study_code}/dosing").status_code
        == 404
    )
    assert Client().get("/api/safety/dashboard").status_code == 401
    paths = _client(Role.MONITOR).get("/api/openapi.json").json()["paths"]  # the schema only after sign-in
    assert {"/api/lots", "/api/participants/{code}/dosing", "/api/safety/dashboard"} <= set(paths)


def test_adverse_event_without_explicit_choices_is_refused_naming_each_field(enrol, actors) -> None:
    participant = enrol(arm="exosome")
    base = f"/api/participants/{participant.study_code}"
    inv = _client(Role.INVESTIGATOR)
    bare = {"term": "fever", "onset_at": timezone.now().isoformat(), "grade": 1}
    refused = inv.post(f"{base}/adverse-events", bare, content_type="application/json")
    assert refused.status_code == 400
    assert {p["where"] for p in refused.json()["problems"]} == {
        "relationship_to_product",
        "relationship_to_conventional_therapy",
        "expectedness",
        "action_taken",
        "outcome",
        "seriousness",
    }


def test_vital_signs_out_of_range_cannot_be_attested_normal_through_the_api(enrol, actors) -> None:
    participant = enrol(arm="exosome")
    inv = _client(Role.INVESTIGATOR)
    hot = {**CHECK, "vital_signs": {**API_VITALS, "temperature_c": 39.5}}
    refused = inv.post(
        f"/api/participants/{participant.study_code}/safety-checks", hot, content_type="application/json"
    )
    assert refused.status_code == 400
    [problem] = refused.json()["problems"]
    assert problem["where"] == "answers.vital_signs" and "35.5-37.9 °C" in problem["rule"]


def test_follow_up_through_the_api_records_its_awareness_date(enrol, actors) -> None:
    participant = enrol(arm="exosome")
    base = f"/api/participants/{participant.study_code}"
    inv = _client(Role.INVESTIGATOR)
    onset = timezone.now() - timedelta(days=3)
    body = _reaction(1, onset_at=onset.isoformat())
    assert inv.post(f"{base}/adverse-events", body, content_type="application/json").status_code == 201
    learned = (timezone.localdate() - timedelta(days=1)).isoformat()
    patch = {"reason": "detail from the ward", "aware_on": learned, "grade": 2}
    assert inv.patch(f"{base}/adverse-events/1", patch, content_type="application/json").status_code == 200
    future = {"reason": "x", "aware_on": (timezone.localdate() + timedelta(days=1)).isoformat()}
    refused = inv.patch(f"{base}/adverse-events/1", future, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["problems"][0]["where"] == "aware_on"
