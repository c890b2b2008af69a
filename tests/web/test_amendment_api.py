"""The amendment API: list versions, the difference in words (English and Persian), propose, approve,
activate; the pages' permissions; refusals as 4xx naming the field."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.amended_seed import amend, seed_data, upload_bytes
from tests.conftest import PASSWORD
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry, ProtocolVersion
from trialdesk.services.clock import local_today

pytestmark = pytest.mark.django_db
VERSIONS = "/api/amendments/versions"


def _signed_in(role: Role, language: str = "en") -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    if language != "en":
        client.post(reverse("preferences"), {"language": language, "calendar": "gregorian"})
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _propose(client: Client, data: dict[str, Any]) -> Any:
    return _post(client, VERSIONS, {"protocol_yaml": upload_bytes(data).decode(), "filename": "v1.2.yaml"})


def test_an_amendment_goes_through_the_api_from_proposal_to_force(actors: dict) -> None:  # type: ignore[type-arg]
    admin = _signed_in(Role.ADMINISTRATOR)
    proposed = _propose(admin, amend(seed_data()))
    assert proposed.status_code == 200, proposed.content
    body = proposed.json()
    version_id = body["version"]["id"]
    assert body["version"]["state"] == "proposed" and body["compared_with"]["state"] == "active"
    texts = [line["text"] for line in body["changes"]]
    assert "Criterion added (exclusion): Active tuberculosis" in texts and body["refusals"] == []
    persian = _signed_in(Role.ETHICS_COMMITTEE, "fa").get(f"{VERSIONS}/{version_id}").json()
    assert "معیار افزوده شد (خروج): سل فعال" in [line["text"] for line in persian["changes"]]

    today = local_today()
    committee = _signed_in(Role.ETHICS_COMMITTEE)
    approve = f"{VERSIONS}/{version_id}/approve"
    approved = _post(
        committee, approve, {"reference": "IR.KUMS.REC.1405.9", "approved_on": today.isoformat()}
    )
    assert (
        approved.status_code == 200
        and approved.json()["version"]["approval_reference"] == "IR.KUMS.REC.1405.9"
    )
    activate = f"{VERSIONS}/{version_id}/activate"
    early = _post(admin, activate, {"effective_from": (today - timedelta(days=1)).isoformat()})
    assert early.status_code == 400 and early.json()["problems"][0]["where"] == "effective_from"
    active = _post(admin, activate, {"effective_from": today.isoformat()})
    assert active.status_code == 200 and active.json()["version"]["effective_from"] == today.isoformat()

    listed = _signed_in(Role.MONITOR).get(VERSIONS).json()
    assert [(v["version"], v["state"]) for v in listed][:1] == [("1.2.0", "active")]
    assert listed[0]["approval_date"] == today.isoformat() and listed[-1]["effective_from"] is None
    actions = set(AuditEntry.objects.filter(object_type="protocol_version").values_list("action", flat=True))
    assert {"amendment.propose", "amendment.approve", "amendment.activate"} <= actions


def test_each_step_keeps_the_pages_permissions(actors: dict) -> None:  # type: ignore[type-arg]
    assert _propose(_signed_in(Role.STATISTICIAN), amend(seed_data())).status_code == 403
    assert _propose(_signed_in(Role.ADMINISTRATOR), amend(seed_data())).status_code == 200
    version = ProtocolVersion.objects.get(state="proposed")
    body = {"reference": "IR.1", "approved_on": local_today().isoformat()}
    assert _post(_signed_in(Role.ADMINISTRATOR), f"{VERSIONS}/{version.pk}/approve", body).status_code == 403
    assert ProtocolVersion.objects.get(pk=version.pk).state == "proposed"
    assert _signed_in(Role.ADMINISTRATOR).get(f"{VERSIONS}/999999").status_code == 404


def test_a_refused_file_names_the_field_and_the_path_inside_it(actors: dict) -> None:  # type: ignore[type-arg]
    admin = _signed_in(Role.ADMINISTRATOR)
    unreadable = _post(admin, VERSIONS, {"protocol_yaml": "arms: [unclosed"})
    assert unreadable.status_code == 400 and unreadable.json()["problems"][0]["where"] == "protocol_yaml"
    broken = amend(seed_data())
    del broken["arms"][0]["name"]
    invalid = _propose(admin, broken).json()
    assert any(p["where"].startswith("protocol_yaml.arms[0]") for p in invalid["problems"]), invalid
    assert _propose(admin, seed_data()).status_code == 409  # the version in force, already stored
    same = _propose(admin, {**seed_data(), "version": "1.1.1"})
    assert same.status_code == 400 and same.json()["problems"][0] == {
        "where": "protocol_yaml",
        "rule": "no change",
    }
    assert not ProtocolVersion.objects.filter(state="proposed").exists()
