"""Saving forms through `save_form`: every item type good and bad, units, versions, history, edit checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.services.casebook.helpers import labs, sledai, vitals
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict, Locked, PermissionDenied, ValidationFailed
from trialdesk.records.casebook.models import FormRecord, ItemChange, ItemValue, Query
from trialdesk.records.models import AuditEntry
from trialdesk.services.casebook.entry import check_form, item_history, load_form, save_form
from trialdesk.services.consent import withdraw_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(actors):
    return actors[Role.RHEUMATOLOGIST]


@pytest.fixture
def participant(enrol):
    return enrol(arm="exosome")


def save(doctor, participant, clock, form_id, values, **kwargs):
    return save_form(
        doctor, participant, visit_id=kwargs.pop("visit_id", "baseline"), form_id=form_id, values=values,
        clock=clock, **kwargs,
    )  # fmt: skip


def problems_of(excinfo) -> dict[str, str]:
    return {p.where: p.rule for p in excinfo.value.problems}


def test_first_save_stores_each_item_as_a_row_with_the_form_version(doctor, participant, clock):
    result = save(doctor, participant, clock, "vital_signs", vitals())
    assert result.created and result.form_version == "1.1"
    record = FormRecord.objects.get(pk=result.record_id)
    assert record.form_version == "1.1" and record.status == "complete"
    rows = {r.path: r.value for r in ItemValue.objects.filter(form_record=record)}
    assert rows == {
        "systolic_bp": 120,
        "diastolic_bp": 80,
        "heart_rate": 72,
        "temperature": "36.8",
        "weight": "62.5",
    }
    history = ItemChange.objects.filter(form_record=record)
    assert history.count() == 5 and all(c.old is None and c.first_entry for c in history)
    assert AuditEntry.objects.filter(action="form.save").count() == 1


@pytest.mark.parametrize(
    ("form_id", "item", "good", "bad", "rule"),
    [
        ("immunogenicity", "anti_exosome_method", "ELISA", 42, "must be text"),
        ("vital_signs", "heart_rate", "72", "72.5", "must be a whole number"),
        ("vital_signs", "temperature", "36.8", "36.85", "must have at most 1 decimal place(s)"),
        ("vital_signs", "systolic_bp", 120, 400, "must be at most 300 mmHg"),
        ("lab_panel", "sample_date", "2026-01-11", "11/01/2026", "must be a date (YYYY-MM-DD)"),
        ("lab_panel", "fasting", "no", "maybe", "must be yes or no"),
        ("lab_panel", "lupus_anticoagulant", "positive", "weak", "'weak' is not one of the choices"),
        ("lab_panel", "ana_titre", "1:80", "1:50", "'1:50' is not one of the choices"),
        ("lupus_history", "classification_criteria", ["slicc_2012"], ["acr_1997"], "'acr_1997' not among"),
        (
            "lab_panel",
            "c3",
            {"value": "1.2", "unit": "g/L"},
            {"value": "1.2", "unit": "mmol/L"},
            "unit 'mmol/L'",
        ),
    ],
)
def test_every_item_type_accepts_good_and_refuses_bad_input(
    doctor, participant, clock, form_id, item, good, bad, rule
):
    base = {
        "vital_signs": vitals(),
        "lab_panel": labs(),
        "immunogenicity": {"anti_exosome_result": "negative"},
        "lupus_history": {
            "diagnosis_date": "2020-03-01", "classification_criteria": ["acr_eular_2019"],
            "lupus_nephritis": "no", "organ_involvement": ["lung"],
        },
    }[form_id]  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, form_id, {**base, item: bad})
    found = problems_of(refused)
    assert any(where.startswith(item) and rule in text for where, text in found.items()), found
    assert not FormRecord.objects.filter(form_id=form_id).exists()
    save(doctor, participant, clock, form_id, {**base, item: good})
    assert FormRecord.objects.filter(form_id=form_id).exists()


def test_datetime_and_repeating_group_items(doctor, participant, clock):
    meds = {
        "any_medication": "yes",
        "medications": [
            {"drug_class": "glucocorticoid", "drug_name": "prednisolone", "dose": "10", "dose_unit": "mg_per_day",
             "prednisolone_equivalent": "10", "start_date": "2025-06-01", "ongoing": "no", "stop_date": "2025-12-01"},
        ],
    }  # fmt: skip
    result = save(doctor, participant, clock, "concomitant_medication", meds)
    assert result.calculated["medications[1].stop_after_start"] == "183"
    rows = {r.path: r for r in ItemValue.objects.filter(form_record_id=result.record_id)}
    assert rows["medications[1].drug_name"].value == "prednisolone"
    assert rows["medications[1].stop_after_start"].calculated
    bad = {**meds, "medications": [{**meds["medications"][0], "dose": "-1"}]}
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, "concomitant_medication", bad, reason="typo")
    assert "medications[1].dose" in problems_of(refused)
    none = save(
        doctor, participant, clock, "concomitant_medication", {"any_medication": "no"}, reason="stopped all"
    )
    assert "medications[1].drug_name" in none.changed
    assert list(ItemValue.objects.filter(form_record_id=result.record_id).values_list("path", flat=True)) == [
        "any_medication"
    ]
    removed = ItemChange.objects.get(
        form_record_id=result.record_id, path="medications[1].drug_name", new__isnull=True
    )
    assert removed.old == "prednisolone" and removed.reason == "stopped all"


def test_required_and_hidden_items(doctor, participant, clock):
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, "vital_signs", {**vitals(), "weight": ""})
    assert problems_of(refused) == {"weight": "is required"}
    # ana_pattern is hidden when the titre is negative: a value sent for it is discarded, not stored
    result = save(doctor, participant, clock, "lab_panel", labs(ana_titre="negative", ana_pattern="speckled"))
    assert not ItemValue.objects.filter(form_record_id=result.record_id, path="ana_pattern").exists()


def test_soft_limit_needs_a_confirmation_with_a_reason(doctor, participant, clock):
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, "vital_signs", vitals(systolic_bp=210))
    assert "above the expected 200" in problems_of(refused)["systolic_bp"]
    with pytest.raises(ValidationFailed):
        save(
            doctor,
            participant,
            clock,
            "vital_signs",
            vitals(systolic_bp=210),
            confirmations={"systolic_bp": " "},
        )
    result = save(
        doctor, participant, clock, "vital_signs", vitals(systolic_bp=210),
        confirmations={"systolic_bp": "re-measured twice"},
    )  # fmt: skip
    assert [w.reason for w in result.warnings] == ["re-measured twice"]
    row = ItemValue.objects.get(form_record_id=result.record_id, path="systolic_bp")
    assert row.confirmation_reason == "re-measured twice"


def test_lab_value_is_stored_as_entered_and_standardized(doctor, participant, clock):
    result = save(doctor, participant, clock, "lab_panel", labs(glucose={"value": "5.5", "unit": "mmol/L"}))
    row = ItemValue.objects.get(form_record_id=result.record_id, path="glucose")
    assert row.raw == {"value": "5.5", "unit": "mmol/L"}
    assert (row.unit, row.canonical_unit) == ("mmol/L", "mg/dL")
    assert Decimal(row.standard_value) == Decimal("5.5") * Decimal("18.016") == Decimal("99.0880")
    assert row.flag == ""  # 5.5 is within 3.9-5.6 mmol/L
    triglycerides = ItemValue.objects.get(form_record_id=result.record_id, path="triglycerides")
    assert triglycerides.standard_value == "120" and triglycerides.unit == "mg/dL"


def test_flagged_lab_value_suggests_a_ctcae_grade(doctor, participant, clock):
    result = save(
        doctor, participant, clock, "lab_panel",
        labs(glucose={"value": "2.5", "unit": "mmol/L"}, triglycerides={"value": "4.0", "unit": "mmol/L"}),
    )  # fmt: skip
    assert result.flags == {"glucose": "L", "triglycerides": "H"}
    glucose = ItemValue.objects.get(form_record_id=result.record_id, path="glucose")
    assert glucose.ctcae_term == "Hypoglycemia" and glucose.ctcae_grade == 2
    triglycerides = ItemValue.objects.get(form_record_id=result.record_id, path="triglycerides")
    assert triglycerides.ctcae_term == "Hypertriglyceridemia" and triglycerides.ctcae_grade == 2


def test_impossible_lab_value_is_refused_and_implausible_needs_confirmation(doctor, participant, clock):
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, "lab_panel", labs(glucose={"value": "500", "unit": "mmol/L"}))
    assert "physiologically impossible" in problems_of(refused)["glucose.value"]


def test_sledai_total_and_modified_sri4_are_calculated(doctor, participant, clock):
    baseline = save(doctor, participant, clock, "sledai_2k", sledai("seizure", "arthritis", pga="1.5"))
    assert baseline.calculated["sledai_total"] == "12"
    assert "modified_sri4_response" not in baseline.calculated  # hidden at baseline
    result = save_form(
        doctor, participant, visit_id="assessment_w7", occurrence=1, form_id="sledai_2k",
        values=sledai("arthritis", pga="1.5"), clock=clock,
    )  # fmt: skip
    assert result.calculated == {"sledai_total": "4", "modified_sri4_response": True}
    maximum = save_form(
        doctor, participant, visit_id="assessment_w14", occurrence=1, form_id="sledai_2k",
        values=sledai(*[i for i in sledai() if i != "pga"]), clock=clock,
    )  # fmt: skip
    assert maximum.calculated["sledai_total"] == "105"


def test_after_the_first_save_every_change_needs_a_reason_and_is_kept_item_by_item(
    doctor, participant, clock
):
    save(doctor, participant, clock, "vital_signs", vitals())
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, "vital_signs", vitals(heart_rate=90))
    assert "reason" in problems_of(refused)
    unchanged = save(doctor, participant, clock, "vital_signs", vitals())
    assert unchanged.changed == ()
    result = save(
        doctor,
        participant,
        clock,
        "vital_signs",
        vitals(heart_rate=90, weight="63.0"),
        reason="transcription error",
    )
    assert result.changed == ("heart_rate", "weight")
    history = item_history(doctor, participant, "baseline", 1, "vital_signs")
    later = [h for h in history if not h.first_entry]
    assert [(h.path, h.old, h.new, h.reason) for h in later] == [
        ("heart_rate", 72, 90, "transcription error"),
        ("weight", "62.5", "63.0", "transcription error"),
    ]
    entry = AuditEntry.objects.filter(action="form.save").last()
    assert entry.reason == "transcription error" and entry.before == {"heart_rate": 72, "weight": "62.5"}


def test_check_form_validates_without_writing(doctor, participant, clock):
    result = check_form(
        doctor, participant, visit_id="baseline", form_id="vital_signs", values=vitals(systolic_bp=40)
    )
    assert not result.ok and not FormRecord.objects.exists()


def test_edit_checks_open_automatic_queries_and_close_them_when_fixed(doctor, participant, clock):
    result = save(doctor, participant, clock, "vital_signs", vitals(systolic_bp=110, diastolic_bp=115))
    query = Query.objects.get(check_id="diastolic_below_systolic")
    assert result.queries_opened == (query.pk,)
    assert query.item_path == "diastolic_bp" and query.raised_by == "edit_check" and query.status == "open"
    view = load_form(doctor, participant, "baseline", 1, "vital_signs")
    assert [q.id for q in view.open_queries["diastolic_bp"]] == [query.pk]
    fixed = save(
        doctor, participant, clock, "vital_signs", vitals(systolic_bp=130, diastolic_bp=85), reason="swapped"
    )
    assert fixed.queries_closed == (query.pk,)
    query.refresh_from_db()
    assert query.status == "closed" and query.messages.last().kind == "auto_close"


def test_cross_form_and_cross_visit_edit_checks(doctor, participant, clock):
    save(doctor, participant, clock, "vital_signs", vitals(temperature="38.6"), confirmations={})
    save(doctor, participant, clock, "sledai_2k", sledai())
    assert Query.objects.filter(check_id="fever_not_scored", status="open").exists()
    save_form(
        doctor, participant, visit_id="assessment_w7", form_id="sledai_2k",
        values=sledai("seizure"), clock=clock,
    )  # fmt: skip
    rise = Query.objects.get(check_id="sledai_rise_from_baseline")
    assert rise.form_record.visit_id == "assessment_w7"


def test_form_version_change_keeps_old_data_readable(doctor, participant, clock, study, system):
    from tests.services.casebook.versions import install_amended_protocol

    old = save(doctor, participant, clock, "vital_signs", vitals())
    install_amended_protocol(system, clock)
    view = load_form(doctor, participant, "baseline", 1, "vital_signs")
    assert view.form_version == "1.1" and view.values["heart_rate"] == 72
    assert "oxygen_saturation" not in {i.id for i in view.definition.all_items()}
    changed = save(doctor, participant, clock, "vital_signs", vitals(heart_rate=75), reason="recount")
    assert changed.record_id == old.record_id and changed.form_version == "1.1"
    fresh = save_form(
        doctor, participant, visit_id="post_injection_labs", form_id="vital_signs",
        values={**vitals(), "oxygen_saturation": 98}, clock=clock,
    )  # fmt: skip
    assert fresh.form_version == "2.0"
    assert (
        FormRecord.objects.get(pk=old.record_id).protocol_version
        != FormRecord.objects.get(pk=fresh.record_id).protocol_version
    )


def test_wrong_visit_role_withdrawal_and_not_randomized_are_refused(
    doctor, participant, clock, actors, enrol
):
    with pytest.raises(ValidationFailed):
        save(
            doctor, participant, clock, "vital_signs", vitals(), visit_id="control_follow_up"
        )  # a 1.0.0 visit
    with pytest.raises(ValidationFailed):
        save(doctor, participant, clock, "demographics", {}, visit_id="post_injection_labs")
    with pytest.raises(PermissionDenied):
        save(actors[Role.MONITOR], participant, clock, "vital_signs", vitals())
    withdraw_consent(
        doctor, participant=participant, withdrawn_on=clock.now().date(), reason="moved", clock=clock
    )
    participant.refresh_from_db()
    with pytest.raises(Locked):
        save(doctor, participant, clock, "vital_signs", vitals())


def test_participant_not_randomized_has_no_forms(doctor, actors, site, clock):
    from tests.factories import consented

    waiting = consented(actors, site, clock, name="W")
    with pytest.raises(Conflict):
        save(doctor, waiting, clock, "vital_signs", vitals())


def test_datetime_item_needs_a_zone_and_is_stored_in_utc(doctor, participant, clock, system):
    from tests.services.casebook.versions import install_amended_protocol

    install_amended_protocol(system, clock)  # vital signs 2.0 has a date-time item
    with pytest.raises(ValidationFailed) as refused:
        save(doctor, participant, clock, "vital_signs", {**vitals(), "measured_at": "2026-01-10T09:00"})
    assert "time zone" in problems_of(refused)["measured_at"]
    result = save(
        doctor, participant, clock, "vital_signs", {**vitals(), "measured_at": "2026-01-10T09:00+03:30"}
    )
    row = ItemValue.objects.get(form_record_id=result.record_id, path="measured_at")
    assert row.value == "2026-01-10T05:30:00+00:00" and row.raw == "2026-01-10T09:00+03:30"
