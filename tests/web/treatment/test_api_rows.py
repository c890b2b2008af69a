"""Responses read from stored rows (`from_orm` and resolvers) carry every field the field-by-field mappers did."""

from __future__ import annotations

from django.utils import timezone

from tests.web.treatment.test_api import CHECK, _client, _lot, _reaction
from trialdesk.core.roles import Role
from trialdesk.records.treatment.models import Administration, AdverseEvent, ProtocolDeviation


def test_dose_event_and_deviation_json_copy_their_rows(enrol, actors) -> None:  # type: ignore[no-untyped-def]
    participant = enrol(arm="exosome")
    base = f"/api/participants/{participant.study_code}"
    inv = _client(Role.INVESTIGATOR)
    _lot(inv)
    check = inv.post(f"{base}/safety-checks", CHECK, content_type="application/json").json()
    assert set(check) == {"id", "step_id", "answers", "signed_by", "signed_at"}
    assert check["step_id"] == "step_1" and check["signed_by"] == Role.INVESTIGATOR.value

    body = {"step_id": "step_1", "lot_id": "EXO-1", "amount_given": "0.05"}
    dose = inv.post(f"{base}/doses", body, content_type="application/json").json()
    row = Administration.objects.get(participant=participant)
    assert dose["id"] == row.pk and dose["lot_id"] == "EXO-1" and dose["partial"] is True
    assert dose["maintenance_cycle"] is None and dose["recorded_by"] == row.recorded_by
    (listed,) = inv.get(f"{base}/dosing").json()["doses"]
    assert set(listed) == set(dose) and listed["lot_id"] == "EXO-1" and listed["id"] == row.pk

    saved = inv.post(f"{base}/adverse-events", _reaction(), content_type="application/json").json()
    event = AdverseEvent.objects.get(participant=participant)
    assert saved["event"]["participant"] == participant.study_code and saved["event"]["version"] == 1
    assert saved["event"]["code"] == event.code and saved["event"]["seriousness"] == []
    assert inv.get(f"{base}/adverse-events/1").json() == saved["event"]

    visit = {
        "category": "other",
        "reason": "late blood draw",
        "occurred_on": timezone.localdate().isoformat(),
    }
    deviation = inv.post(f"{base}/deviations", visit, content_type="application/json").json()
    stored = ProtocolDeviation.objects.get(participant=participant)
    assert deviation == {
        "id": stored.pk,
        "category": "other",
        "reason": "late blood draw",
        "occurred_on": stored.occurred_on.isoformat(),
        "visit": None,
        "automatic": False,
        "recorded_by": Role.INVESTIGATOR.value,
    }
