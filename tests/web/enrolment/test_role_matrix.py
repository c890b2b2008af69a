"""Every list and allocation action through the pages and the JSON API, for every role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import consented
from trialdesk.core.roles import Action, Role
from trialdesk.services.randomization import generate

SEALED_ENVELOPE = (
    Path(__file__).parents[2] / "core" / "fixtures" / "randomization" / "sealed_envelope_seed.csv"
).read_text(encoding="utf-8")


def _expect(allowed: bool, ok: int = 200) -> int:
    return ok if allowed else 403


@pytest.mark.parametrize("role", list(Role))
def test_list_pages_by_role(role, client_for, actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=2, clock=clock)
    actor, client = actors[role], client_for(role)
    assert client.get(reverse("enrolment:randomization")).status_code == 200
    assert client.get(reverse("enrolment:generate")).status_code == _expect(actor.may(Action.GENERATE_LIST))
    assert client.get(reverse("enrolment:list")).status_code == _expect(actor.may(Action.VIEW_LIST))
    assert client.get(reverse("enrolment:export")).status_code == _expect(actor.may(Action.VIEW_LIST))
    assert client.get(reverse("enrolment:import")).status_code == _expect(actor.may(Action.IMPORT_LIST))
    report = client.get(reverse("enrolment:concealment")).status_code
    assert report == _expect(actor.may(Action.VIEW_CONCEALMENT_REPORT))
    p = consented(actors, site, clock)
    randomized = client.post(
        reverse("enrolment:randomize", args=[p.study_code]), {"confirm": "on"}
    ).status_code
    if actor.may(Action.RANDOMIZE, site.pk):
        assert randomized == 302
    else:
        assert randomized == (403 if actor.may(Action.VIEW_PARTICIPANTS, site.pk) else 404)
    import_response = client.post(
        reverse("enrolment:import"), {"format": "sealed_envelope", "treatments": ""}
    ).status_code
    assert import_response == (400 if actor.may(Action.IMPORT_LIST) else 403)
    generated = client.post(reverse("enrolment:generate")).status_code
    # After an allocation the list cannot be replaced: a 409, not a 403, for the epidemiologist.
    allocated = actor.may(Action.RANDOMIZE, site.pk)
    assert generated == ((409 if allocated else 302) if actor.may(Action.GENERATE_LIST) else 403)


@pytest.mark.parametrize("role", list(Role))
def test_list_endpoints_by_role(role, client_for, actors, site, clock) -> None:
    actor, client = actors[role], client_for(role)
    created = client.post("/api/randomization/list")
    assert created.status_code == _expect(actor.may(Action.GENERATE_LIST))
    if created.status_code != 200:
        generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=2, clock=clock)
    else:
        assert len(created.json()["commitment"]) == 64 and created.json()["seed"]
    assert client.get("/api/randomization/commitment").status_code == 200
    assert client.get("/api/randomization/list").status_code == _expect(actor.may(Action.VIEW_LIST))
    assert client.get("/api/randomization/list/export").status_code == _expect(actor.may(Action.VIEW_LIST))
    report = client.get("/api/randomization/concealment-report").status_code
    assert report == _expect(actor.may(Action.VIEW_CONCEALMENT_REPORT))
    imported = client.post(
        "/api/randomization/import",
        json.dumps({"format": "sealed_envelope", "text": SEALED_ENVELOPE}),
        content_type="application/json",
    )
    assert imported.status_code == _expect(actor.may(Action.IMPORT_LIST))
    p = consented(actors, site, clock)
    randomized = client.post(
        f"/api/participants/{p.study_code}/randomize",
        json.dumps({"confirm": True}),
        content_type="application/json",
    ).status_code
    if actor.may(Action.RANDOMIZE, site.pk):
        assert randomized == 200
    else:
        assert randomized == (403 if actor.may(Action.VIEW_PARTICIPANTS, site.pk) else 404)
