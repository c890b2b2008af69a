"""Visits anchored on injections: expected forms and lab import follow the doses the treatment area records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import baseline_forms_saved
from tests.services.treatment.conftest import VITALS
from trialdesk.core.roles import Role
from trialdesk.records.casebook.models import FormRecord
from trialdesk.services.casebook.lab_import import commit_lab_import
from trialdesk.services.casebook.tracking import expected_forms
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check
from trialdesk.services.treatment.lots import register_lot, release_lot

pytestmark = pytest.mark.django_db

ALL_NORMAL = {
    "vital_signs": "normal",
    "no_new_symptoms": "normal",
    "previous_dose_tolerated": "normal",
    "no_active_infection": "normal",
}


def give_first_dose(actors, participant, study, clock) -> None:
    investigator = actors[Role.INVESTIGATOR]
    lot = register_lot(
        investigator, study=study, lot_id="EXO-A", source_id="PL-01", amount_per_unit=Decimal("1e10"),
        amount_unit="particles", expiry_date=clock.now().date() + timedelta(days=365), clock=clock,
    )  # fmt: skip
    release_lot(investigator, lot=lot, released_on=clock.now().date(), clock=clock)
    baseline_forms_saved(investigator, participant, clock)
    step = dosing_status(investigator, participant=participant, clock=clock).gate.next_step
    record_safety_check(
        investigator, participant=participant, step_id=step.id, answers=ALL_NORMAL,
        vital_signs=VITALS, clock=clock,
    )  # fmt: skip
    record_dose(
        investigator,
        participant=participant,
        step_id=step.id,
        lot_id="EXO-A",
        amount_given=step.amount,
        clock=clock,
    )


def test_post_injection_forms_and_lab_rows_follow_the_recorded_dose(actors, enrol, study, clock):
    participant = enrol(arm="exosome")
    doctor = actors[Role.RHEUMATOLOGIST]
    before = {f.visit_id for f in expected_forms(doctor, participant, clock=clock)}
    assert before == {"baseline", "assessment_w7", "assessment_w14", "assessment_w21", "end_of_study"}
    give_first_dose(actors, participant, study, clock)
    after = [
        f for f in expected_forms(doctor, participant, clock=clock) if f.visit_id == "post_injection_labs"
    ]
    assert {(f.occurrence, f.earliest.isoformat(), f.latest.isoformat()) for f in after} == {
        (1, "2026-01-12", "2026-01-13")
    }
    mapping = {"participant": "p", "date": "d", "test": "t", "value": "v", "unit": "u"}
    # 2026-01-12 is inside the baseline week and the first post-injection window: the nearer target wins
    # (the baseline panel, c3 90 mg/dL, was saved on the form before the first dose)
    text = f"p,d,t,v,u\n{participant.study_code},2026-01-12,c3,80,mg/dL\n"
    commit_lab_import(
        actors[Role.DATA_MANAGER], study, csv_text=text, mapping=mapping, file_name="f", clock=clock
    )
    records = {
        (r.visit_id, r.occurrence): r.submitted["c3"]["value"]
        for r in FormRecord.objects.filter(form_id="lab_panel")
    }
    assert records == {("post_injection_labs", 1): "80", ("baseline", 1): "90"}
