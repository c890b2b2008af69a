"""One participant, one protocol version on every page (issue 10, defect 2).

A participant registered under version 1 is governed, once version 2 is loaded, by version 2 on every page:
the arm label and the ladder come from the same version on the dosing, visits and enrolment pages.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from trialdesk.core.roles import Role
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol
from trialdesk.services.studies import store_protocol

pytestmark = pytest.mark.django_db

OLD_ARM, NEW_ARM = "Exosome", "Exosome plus conventional therapy"
OLD_STEP, NEW_STEP = "Step 1: 0.1 unit (one-tenth)", "Step 1: one-tenth of a unit"


def _version_2() -> Protocol:
    data = load_protocol(default_study_path()).model_dump(mode="json", exclude_none=True)
    data["version"] = data["version"] + "-v2"
    arm = next(a for a in data["arms"] if a["id"] == "exosome")
    assert arm["name"]["en"] == OLD_ARM
    arm["name"]["en"] = NEW_ARM
    step = data["dosing"]["arms"]["exosome"]["steps"][0]
    assert step["label"]["en"] == OLD_STEP
    step["label"]["en"] = NEW_STEP
    return Protocol.model_validate(data)


def test_every_page_shows_the_governing_version(enrol, system, clock) -> None:  # type: ignore[no-untyped-def]
    participant = enrol(arm="exosome")
    registered_under = participant.protocol_version_id
    store_protocol(system, protocol=_version_2(), make_default=True, clock=clock)
    participant.refresh_from_db()
    assert participant.protocol_version_id == registered_under  # the record keeps its version

    client = Client()
    assert client.login(username=Role.INVESTIGATOR.value, password=PASSWORD)
    code = participant.study_code
    pages = {
        "dosing": client.get(reverse("treatment:dosing", args=[code])),
        "visits": client.get(reverse("treatment:visits", args=[code])),
        "enrolment": client.get(reverse("enrolment:participant", args=[code])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert NEW_ARM in html, f"{name} page does not show version 2's arm label"
        assert f">{OLD_ARM}<" not in html, f"{name} page still shows version 1's arm label"
    dosing = pages["dosing"].content.decode()
    assert NEW_STEP in dosing and OLD_STEP not in dosing
