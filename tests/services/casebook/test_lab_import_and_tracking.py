"""Laboratory CSV import (preview, all-or-nothing commit) and expected / missing / overdue forms."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.services.casebook.helpers import labs, vitals
from trialdesk.core.roles import Role
from trialdesk.errors import PermissionDenied, ValidationFailed
from trialdesk.records.casebook.models import FormRecord, ItemValue, LabImportBatch
from trialdesk.records.models import AuditEntry
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.casebook.lab_import import commit_lab_import, preview_lab_import
from trialdesk.services.casebook.tracking import expected_forms, site_form_tracking
from trialdesk.testing import FixedClock

pytestmark = pytest.mark.django_db

MAPPING = {"participant": "Patient", "date": "Sampled", "test": "Test", "value": "Result", "unit": "Units"}


def csv_of(*rows: str) -> str:
    return "\n".join(["Patient,Sampled,Test,Result,Units", *rows]) + "\n"


@pytest.fixture
def two(enrol):
    return enrol(arm="exosome"), enrol(arm="control")


def test_preview_lists_what_will_be_written_and_writes_nothing(actors, two, clock, study):
    first, second = two
    text = csv_of(
        f"{first.study_code},2026-01-11,glucose,5.5,mmol/L",
        f"{first.study_code},2026-01-11,c3,0.9,g/L",
        f"{second.study_code},2026-01-12,ana_hep2,1:160,",
    )
    preview = preview_lab_import(
        actors[Role.DATA_MANAGER], study, csv_text=text, mapping=MAPPING, clock=clock
    )
    assert preview.ok and preview.problems == ()
    assert [(r.row, r.item_path, r.visit_id, r.occurrence) for r in preview.rows] == [
        (2, "glucose", "baseline", 1), (3, "c3", "baseline", 1), (4, "ana_titre", "baseline", 1)
    ]  # fmt: skip
    assert preview.rows[0].standard_value == str(Decimal("5.5") * Decimal("18.016"))
    assert preview.rows[1].canonical_unit == "mg/dL" and preview.rows[1].standard_value == "90.0"
    assert not FormRecord.objects.exists()


def test_commit_writes_every_row_into_the_lab_form_of_the_visit(actors, two, clock, study):
    first, second = two
    text = csv_of(
        f"{first.study_code},2026-01-11,glucose,5.5,mmol/L",
        f"{first.study_code},2026-01-11,triglycerides,1.2,mmol/L",
        f"{second.study_code},2026-01-12,lupus_anticoagulant,negative,",
    )
    done = commit_lab_import(
        actors[Role.DATA_MANAGER], study, csv_text=text, mapping=MAPPING, file_name="lab.csv", clock=clock
    )
    assert done.forms_written == (
        f"{first.study_code}/baseline#1/lab_panel",
        f"{second.study_code}/baseline#1/lab_panel",
    )
    glucose = ItemValue.objects.get(path="glucose")
    assert (glucose.raw, glucose.unit, glucose.canonical_unit) == (
        {"value": "5.5", "unit": "mmol/L"},
        "mmol/L",
        "mg/dL",
    )
    sample_dates = ItemValue.objects.filter(path="sample_date").values_list("value", flat=True)
    assert sorted(sample_dates) == ["2026-01-11", "2026-01-12"]
    batch = LabImportBatch.objects.get()
    assert batch.row_count == 3 and batch.file_name == "lab.csv"
    assert AuditEntry.objects.filter(action="lab_import.commit").count() == 1
    assert AuditEntry.objects.filter(action="form.lab_import").count() == 2


def test_a_file_with_one_bad_row_writes_nothing_and_lists_every_problem(actors, two, clock, study):
    first, second = two
    save_form(
        actors[Role.RHEUMATOLOGIST],
        first,
        visit_id="baseline",
        form_id="lab_panel",
        values=labs(),
        clock=clock,
    )
    records_before = FormRecord.objects.count()
    values_before = list(ItemValue.objects.values_list("path", "value"))
    text = csv_of(
        f"{second.study_code},2026-01-11,glucose,5.5,mmol/L",  # good
        f"{second.study_code},2026-01-11,c3,90,mmol/L",  # unit not allowed
        "NOPE-001,2026-01-11,glucose,5,mmol/L",  # unknown participant
        f"{second.study_code},2026-03-30,glucose,5,mmol/L",  # outside every window
        f"{second.study_code},2026-01-11,ferritin,5,ng/mL",  # unknown test
        f"{second.study_code},11.01.2026,c4,20,mg/dL",  # bad date
        f"{first.study_code},2026-01-11,glucose,6.0,mmol/L",  # differs from the value on the form
        f"{second.study_code},2026-01-11,triglycerides,50000,mg/dL",  # impossible
        f"{second.study_code},2026-01-11,glucose,5.6,mmol/L",  # the same result twice
    )
    with pytest.raises(ValidationFailed) as refused:
        commit_lab_import(
            actors[Role.DATA_MANAGER], study, csv_text=text, mapping=MAPPING, file_name="bad.csv", clock=clock
        )
    problems = {p.where: p.rule for p in refused.value.problems}
    assert set(problems) == {
        "row 3, column Units", "row 4, column Patient", "row 5, column Sampled", "row 6, column Test",
        "row 7, column Sampled", "row 8, column Result", "row 9, column Result", "row 10, column Test",
    }  # fmt: skip
    assert (
        "mmol/L" in problems["row 3, column Units"]
        and "outside every visit window" in problems["row 5, column Sampled"]
    )
    assert "change it on the form with a reason" in problems["row 8, column Result"]
    assert "physiologically impossible" in problems["row 9, column Result"]
    assert FormRecord.objects.count() == records_before
    assert list(ItemValue.objects.values_list("path", "value")) == values_before
    assert not LabImportBatch.objects.exists()
    assert not AuditEntry.objects.filter(action__in=("lab_import.commit", "form.lab_import")).exists()


def test_mapping_problems_and_roles(actors, two, clock, study):
    with pytest.raises(PermissionDenied):
        preview_lab_import(actors[Role.MONITOR], study, csv_text=csv_of(), mapping=MAPPING, clock=clock)
    preview = preview_lab_import(
        actors[Role.RHEUMATOLOGIST],
        study,
        csv_text=csv_of(),
        mapping={**MAPPING, "value": "Wert"},
        clock=clock,
    )
    assert not preview.ok and preview.problems[0].where == "mapping.value"


def test_implausible_imported_value_must_be_confirmed_on_the_form(actors, two, clock, study):
    first, _ = two
    text = csv_of(f"{first.study_code},2026-01-11,glucose,40,mmol/L")
    preview = preview_lab_import(
        actors[Role.DATA_MANAGER], study, csv_text=text, mapping=MAPPING, clock=clock
    )
    assert [p.where for p in preview.problems] == ["row 2, column Result"]


def test_expected_missing_and_overdue_forms(actors, two, clock, study, site):
    exosome, control = two
    doctor = actors[Role.RHEUMATOLOGIST]
    forms = expected_forms(doctor, control, clock=clock)
    baseline = [f for f in forms if f.visit_id == "baseline"]
    assert {f.form_id for f in baseline} == {
        "demographics", "lupus_history", "concomitant_medication", "vital_signs", "sledai_2k", "lab_panel", "immunogenicity"
    }  # fmt: skip
    assert {f.state for f in baseline} == {"due"}
    follow_ups = [f for f in forms if f.visit_id != "baseline"]
    assert {f.visit_id for f in follow_ups} == {
        "assessment_w7",
        "assessment_w14",
        "assessment_w21",
        "end_of_study",
    }
    assert {f.state for f in follow_ups} == {"upcoming"}
    # both arms share the assessment visits; the exosome arm's post-injection draws wait for injections
    assert {f.visit_id for f in expected_forms(doctor, exosome, clock=clock)} == {"baseline"} | {
        f.visit_id for f in follow_ups
    }
    save_form(doctor, control, visit_id="baseline", form_id="vital_signs", values=vitals(), clock=clock)
    clock.advance(timedelta(days=10))  # baseline window (7 days) has closed
    states = {
        (f.visit_id, f.form_id): f.state
        for f in expected_forms(doctor, control, clock=clock)
        if f.occurrence == 1
    }
    assert states[("baseline", "vital_signs")] == "saved"
    assert states[("baseline", "sledai_2k")] == "overdue"
    missing = site_form_tracking(actors[Role.MONITOR], study, clock=clock)
    assert {exosome.study_code, control.study_code} <= {
        f.participant_code for f in missing
    }  # enrol() may randomize others
    assert all(f.state == "overdue" for f in missing)
    assert len([f for f in missing if f.participant_code == control.study_code]) == 6
    assert site_form_tracking(actors[Role.DATA_MANAGER], study, site_id=site.pk, clock=clock) == missing


@pytest.mark.parametrize(
    ("zone", "local_time", "day_after", "state"),
    [
        ("Asia/Tehran", time(23, 30), False, "due"),  # 20:00 UTC, the same day
        ("Asia/Tehran", time(0, 30), True, "overdue"),  # 21:00 UTC the day before: locally the window closed
        ("America/New_York", time(23, 30), False, "due"),  # 04:30 UTC the next day: locally still open
        ("America/New_York", time(0, 30), True, "overdue"),
    ],
)
def test_form_tracking_counts_days_in_the_study_zone(
    actors, enrol, settings, zone, local_time, day_after, state
):
    """A visit window's last day ends at the study's local midnight, not at UTC midnight."""
    settings.TIME_ZONE = zone
    control = enrol(arm="control")
    doctor = actors[Role.RHEUMATOLOGIST]
    randomized = control.allocation.allocated_at
    latest = next(
        f.latest
        for f in expected_forms(doctor, control, clock=FixedClock(randomized))
        if f.visit_id == "baseline" and f.form_id == "vital_signs"
    )
    day = latest + timedelta(days=1) if day_after else latest
    moment = datetime.combine(day, local_time, tzinfo=ZoneInfo(zone))
    forms = expected_forms(doctor, control, clock=FixedClock(moment.astimezone(UTC)))
    assert next(f.state for f in forms if f.visit_id == "baseline" and f.form_id == "vital_signs") == state
