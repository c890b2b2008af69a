"""The shipped default study: it loads, validates, and holds the registration's facts."""

from __future__ import annotations

from datetime import date

import pytest

from trialdesk.protocol.loading import DEFAULT_STUDY, default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol


@pytest.fixture(scope="module")
def study() -> Protocol:
    return load_protocol(default_study_path())


def test_default_study_file_is_shipped_inside_the_package() -> None:
    path = default_study_path()
    assert path.is_file()
    assert path.parent.name == DEFAULT_STUDY


def test_default_study_loads_as_a_final_protocol(study: Protocol) -> None:
    assert (study.id, study.version, study.status) == ("kums-exosome-sle", "1.1.0", "final")


def test_default_study_includes_randomization_treatment_and_forms(study: Protocol) -> None:
    assert study.randomization is not None and study.randomization.block_sizes == [4]
    assert study.randomization.slots_per_stratum == 20
    assert study.dosing is not None and study.schedule is not None and study.stopping_rules is not None
    assert {form.id for form in study.forms} >= {"sledai_2k", "lab_panel", "immunogenicity"}


def test_registration_names_the_ethics_approval_in_both_calendars(study: Protocol) -> None:
    (committee,) = study.registration.ethics_committees
    assert committee.approval_date == date(2021, 6, 8)
    assert committee.approval_date_jalali == "1400/03/18"
    assert committee.reference_number == "IR.KUMS.REC.1400.198"


def test_registration_codes_the_condition_as_icd10_m32(study: Protocol) -> None:
    (condition,) = study.registration.conditions
    assert condition.icd10_code == "M32"
    assert condition.description.en == "Systemic lupus erythematosus"


def test_registration_irct_id_is_unknown_and_said_so(study: Protocol) -> None:
    assert study.registration.registry == "IRCT"
    assert study.registration.registry_id is None
    assert "irct-id-unknown" in {a.id for a in study.assumptions}


def test_design_is_a_randomized_open_parallel_phase_2_3_treatment_trial_of_20(study: Protocol) -> None:
    design = study.design
    assert (design.allocation, design.masking, design.assignment) == ("randomized", "none", "parallel")
    assert (design.phase, design.purpose, design.target_sample_size) == ("2-3", "Treatment", 20)
    assert design.placebo is False and design.masked_roles == []
    assert design.eligibility.no_age_limit and design.eligibility.gender == "both"


def test_sponsor_funds_the_whole_trial_from_the_public_domestic_academic_sector(study: Protocol) -> None:
    (sponsor,) = study.registration.sponsors
    (funding,) = study.registration.funding_sources
    assert sponsor.organization == funding.name == "Kermanshah University of Medical Sciences"
    assert (funding.proportion_percent, funding.sector, funding.origin) == (100, "public", "domestic")
    assert funding.same_as_sponsor is True and funding.organization_type == "Academic"


def test_all_three_contacts_and_the_recruitment_centre_are_recorded(study: Protocol) -> None:
    contacts = study.registration.contacts
    assert (
        contacts.general_inquiries is not None and contacts.general_inquiries.email == "sh.famil.s@gmail.com"
    )
    assert contacts.scientific_inquiries is not None
    assert contacts.scientific_inquiries.name == "Dr. Kamran Mansouri"
    assert contacts.data_updates is not None and contacts.data_updates.specialty == "Biochemistry"
    (centre,) = study.registration.recruitment_centres
    assert centre.name == "Medical Biology Research Center"


def test_ipd_is_not_shared(study: Protocol) -> None:
    assert study.registration.ipd_sharing is not None
    assert study.registration.ipd_sharing.shared == "no"


def test_exclusion_criteria_are_the_union_of_both_lists(study: Protocol) -> None:
    texts = [c.text.en for c in study.exclusion_criteria]
    assert len(texts) == 10
    for summary_item in ("Other autoimmune diseases", "Severe renal failure and need to dialysis"):
        assert summary_item in texts
    assert texts[-1] == "Pregnancy and breast-feeding"


def test_organ_involvements_are_alternatives_next_to_informed_consent(study: Protocol) -> None:
    inclusion = study.inclusion_criteria
    assert [c.id for c in inclusion if c.group is None] == ["informed_consent"]
    grouped = [c for c in inclusion if c.group == "organ_involvement"]
    assert len(grouped) == 4
    assert "organ-involvement-group" in {a.id for a in study.assumptions}


def test_two_arms_exosome_experimental_and_control(study: Protocol) -> None:
    assert [(arm.id, arm.kind) for arm in study.arms] == [("exosome", "experimental"), ("control", "control")]
    assert "hydroxychloroquine" in study.arm("control").description.en  # type: ignore[union-attr]


def test_four_registered_primary_outcomes_share_one_timepoint(study: Protocol) -> None:
    registered = [o for o in study.outcomes if o.registered]
    assert [o.description.en for o in registered] == [
        "Anti-Nuclear Antibody (ANA)",
        "Antiphospholipid antibodies",
        "Glucose",
        "triglyceride",
    ]
    assert {o.kind for o in registered} == {"primary"}
    assert {o.timepoint.en for o in registered if o.timepoint} == {
        "2 to 3 days after injection every 6 to 8 weeks"
    }
    assert all(o.method is not None for o in registered)


def test_added_endpoints_are_secondary_or_exploratory_with_an_assumption(study: Protocol) -> None:
    added = {o.id: o.kind for o in study.outcomes if not o.registered}
    assert added == {
        "sledai_2k": "secondary",
        "pga": "exploratory",
        "modified_sri4": "exploratory",
        "anti_dsdna": "exploratory",
        "complement_c3_c4": "exploratory",
    }
    assert all(o.assumption for o in study.outcomes if not o.registered)


def test_lupus_pneumonia_keeps_the_registration_wording_and_marks_the_reinterpretation(
    study: Protocol,
) -> None:
    criterion = next(c for c in study.criteria if c.id == "lupus_pneumonitis")
    assert criterion.text.en == "Lupus pneumonia"
    assert criterion.interpretation and "pneumonitis" in criterion.interpretation


def test_criteria_arms_and_outcomes_have_persian_text(study: Protocol) -> None:
    texts = (
        [c.text for c in study.criteria]
        + [a.name for a in study.arms]
        + [o.description for o in study.outcomes]
    )
    assert all(text.fa for text in texts)
    assert study.criteria[0].text.in_language("fa") == "رضایت آگاهانه"


def test_consent_document_version_is_an_assumption(study: Protocol) -> None:
    assert [document.version for document in study.consent] == ["1.0"]
    assert "consent-version" in {a.id for a in study.assumptions}
