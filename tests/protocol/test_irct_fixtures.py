"""The IRCT importer on further realistic records: several centres and committees, secondary outcomes,
Persian values, blinding with placebo, a single-sex trial, age ranges, empty and missing sections."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trialdesk.protocol.irct import ImportResult, import_irct
from trialdesk.protocol.loading import parse_protocol
from trialdesk.protocol.schema import Protocol

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = sorted(FIXTURES.glob("irct_*.txt"))


def _import(name: str) -> tuple[ImportResult, Protocol]:
    result = import_irct((FIXTURES / name).read_text(encoding="utf-8"))
    return result, parse_protocol(result.data, source=name)


@pytest.mark.parametrize("path", RECORDS, ids=lambda path: path.stem)
def test_every_record_imports_as_a_draft_that_validates(path: Path) -> None:
    result = import_irct(path.read_text(encoding="utf-8"))
    protocol = parse_protocol(result.data, source=path.name)
    assert protocol.status == "draft"
    assert all(isinstance(line, str) and line for line in result.unmapped)


def test_there_are_at_least_four_records_besides_the_seed() -> None:
    assert len([path for path in RECORDS if "seed" not in path.name]) >= 4


# --- a double-blind placebo-controlled trial with three centres and two committees ----------------

HYPERTENSION = "irct_hypertension_double_blind.txt"


def test_double_blind_trial_masks_the_named_roles_and_uses_placebo() -> None:
    _, protocol = _import(HYPERTENSION)
    design = protocol.design
    assert (design.masking, design.placebo) == ("double", True)
    assert design.masked_roles == ["participant", "investigator", "outcome_assessor"]
    assert design.masking_description is not None and "coded bottles" in design.masking_description


def test_age_range_from_18_to_65_years_becomes_limits() -> None:
    _, protocol = _import(HYPERTENSION)
    assert (protocol.design.eligibility.min_age_years, protocol.design.eligibility.max_age_years) == (18, 65)


def test_registry_id_registration_date_and_secondary_id_are_read() -> None:
    _, protocol = _import(HYPERTENSION)
    registration = protocol.registration
    assert registration.registry_id == "IRCT20190910044721N3"
    assert protocol.id == "irct20190910044721n3"
    assert registration.registration_date == date(2021, 12, 20)
    assert [(s.registry, s.identifier) for s in registration.secondary_ids] == [
        ("ClinicalTrials.gov", "NCT05123456")
    ]


def test_second_committee_with_only_a_jalali_date_gets_its_gregorian_date() -> None:
    _, protocol = _import(HYPERTENSION)
    first, second = protocol.registration.ethics_committees
    assert (first.approval_date, first.approval_date_jalali) == (date(2021, 11, 3), "1400/08/12")
    assert (second.approval_date, second.approval_date_jalali) == (date(2021, 11, 11), "1400/08/20")


def test_three_recruitment_centres_and_secondary_outcomes_are_kept_in_order() -> None:
    _, protocol = _import(HYPERTENSION)
    assert [c.name for c in protocol.registration.recruitment_centres] == [
        "Namazi Hospital",
        "Faghihi Hospital",
        "Shahid Faghihi Hypertension Clinic",
    ]
    assert [o.id for o in protocol.outcomes] == [
        "primary_1",
        "primary_2",
        "secondary_1",
        "secondary_2",
        "secondary_3",
    ]
    assert protocol.outcomes[4].description.en == "Serum potassium"


def test_placebo_category_marks_a_placebo_comparator_arm() -> None:
    _, protocol = _import(HYPERTENSION)
    assert [(arm.id, arm.kind, arm.registry_category) for arm in protocol.arms] == [
        ("intervention", "experimental", "Treatment - Drugs"),
        ("placebo", "placebo_comparator", "Placebo"),
    ]


def test_grant_and_ipd_sharing_details_are_mapped() -> None:
    _, protocol = _import(HYPERTENSION)
    (funding,) = protocol.registration.funding_sources
    assert (funding.grant_name, funding.grant_code) == ("Cardiovascular research grant", "24815")
    ipd = protocol.registration.ipd_sharing
    assert ipd is not None and ipd.shared == "yes"
    assert ipd.details is not None and "Six months after publication" in ipd.details


def test_fax_and_web_page_are_reported_unmapped() -> None:
    result, _ = _import(HYPERTENSION)
    assert "Person responsible for general inquiries: Fax: +98 71 3647 4332" in result.unmapped
    assert "Person responsible for general inquiries: Web page address: https://sums.ac.ir" in result.unmapped


def test_abridged_summary_criterion_is_kept_and_reported() -> None:
    result, protocol = _import(HYPERTENSION)
    texts = [c.text.en for c in protocol.exclusion_criteria]
    assert texts[:2] == ["Pregnancy", "Pregnancy or breast-feeding"]
    assert (
        "Criteria: 'Pregnancy' (summary) may repeat 'Pregnancy or breast-feeding'; both kept"
        in result.unmapped
    )


# --- a single-sex triple-blind trial with Persian values ------------------------------------------

PCOS = "irct_pcos_women_persian.txt"


def test_single_sex_trial_admits_only_women() -> None:
    _, protocol = _import(PCOS)
    assert protocol.design.eligibility.gender == "female"
    assert (protocol.design.eligibility.min_age_years, protocol.design.eligibility.max_age_years) == (18, 40)


def test_triple_blind_masks_four_roles_including_the_data_analyst() -> None:
    _, protocol = _import(PCOS)
    assert protocol.design.masking == "triple"
    assert protocol.design.masked_roles == ["participant", "care_provider", "investigator", "data_analyst"]


def test_persian_digits_in_dates_and_postal_codes_are_read() -> None:
    _, protocol = _import(PCOS)
    (committee,) = protocol.registration.ethics_committees
    assert (committee.approval_date, committee.approval_date_jalali) == (date(2022, 1, 15), "1400/10/25")
    assert committee.address is not None and committee.address.postal_code == "5166614766"
    assert committee.name == "کمیته اخلاق دانشگاه علوم پزشکی تبریز"


def test_persian_only_criteria_keep_their_text_and_ask_for_a_translation() -> None:
    result, protocol = _import(PCOS)
    criterion = next(c for c in protocol.criteria if c.id == "inc_3")
    assert criterion.text.fa == "سن ۱۸ تا ۴۰ سال"
    assert (
        "criteria inc_3: Persian text only ('سن ۱۸ تا ۴۰ سال'); English translation needed" in result.unmapped
    )


def test_numbered_list_items_lose_their_numbers() -> None:
    _, protocol = _import(PCOS)
    assert protocol.criteria[0].text.en == "Polycystic ovary syndrome by Rotterdam criteria"


def test_funding_source_without_a_title_takes_the_sponsors_name() -> None:
    _, protocol = _import(PCOS)
    (funding,) = protocol.registration.funding_sources
    assert funding.name == "Tabriz University of Medical Sciences" and funding.same_as_sponsor


def test_two_conditions_and_undecided_ipd_sharing() -> None:
    _, protocol = _import(PCOS)
    assert [c.icd10_code for c in protocol.registration.conditions] == ["E28.2", "N97"]
    ipd = protocol.registration.ipd_sharing
    assert ipd is not None and ipd.shared == "undecided" and ipd.justification is not None


# --- a single-arm record without summary and with missing sections ---------------------------------

SINGLE_ARM = "irct_single_arm_no_summary.txt"


def test_record_without_summary_takes_its_first_line_as_the_scientific_title() -> None:
    _, protocol = _import(SINGLE_ARM)
    assert protocol.registration.scientific_title.en.startswith("Safety of low-dose radiotherapy")
    assert protocol.registration.summary_title is None
    assert protocol.design.description is None


def test_single_arm_male_trial_with_lower_age_limit_only() -> None:
    _, protocol = _import(SINGLE_ARM)
    design = protocol.design
    assert (design.allocation, design.assignment, design.phase) == ("single_arm", "single_group", "n/a")
    assert (
        design.eligibility.gender,
        design.eligibility.min_age_years,
        design.eligibility.max_age_years,
    ) == (
        "male",
        50,
        None,
    )


def test_empty_and_missing_sections_import_as_empty() -> None:
    _, protocol = _import(SINGLE_ARM)
    registration = protocol.registration
    assert registration.ethics_committees == [] and registration.recruitment_centres == []
    assert registration.sponsors == [] and registration.funding_sources == []
    assert registration.contacts.general_inquiries is None and registration.ipd_sharing is None
    assert [o.kind for o in protocol.outcomes] == ["primary"]


def test_missing_sample_size_and_unknown_fields_are_reported() -> None:
    result, protocol = _import(SINGLE_ARM)
    assert protocol.design.target_sample_size == 1
    assert "Target sample size: missing; set to 1 as a placeholder" in result.unmapped
    assert "Recruitment status: Recruiting" in result.unmapped
    assert "Randomization (investigator's opinion): 'N/A' has no equivalent" in result.unmapped


def test_dashed_list_items_lose_their_dashes() -> None:
    _, protocol = _import(SINGLE_ARM)
    assert [c.text.en for c in protocol.exclusion_criteria] == ["Previous radiotherapy of the knee"]


# --- a paediatric crossover trial with three arms and foreign co-funding ------------------------------

PEDIATRIC = "irct_pediatric_crossover.txt"


def test_age_in_months_becomes_a_fraction_of_a_year() -> None:
    _, protocol = _import(PEDIATRIC)
    assert (protocol.design.eligibility.min_age_years, protocol.design.eligibility.max_age_years) == (0.5, 12)


def test_single_blind_crossover_masks_the_outcome_assessor() -> None:
    _, protocol = _import(PEDIATRIC)
    design = protocol.design
    assert (design.assignment, design.masking, design.masked_roles) == (
        "crossover",
        "single",
        ["outcome_assessor"],
    )
    assert design.other_features == "Washout of 2 weeks between periods"


def test_three_intervention_groups_get_distinct_ids() -> None:
    _, protocol = _import(PEDIATRIC)
    assert [(arm.id, arm.kind) for arm in protocol.arms] == [
        ("intervention", "experimental"),
        ("intervention_2", "experimental"),
        ("control", "control"),
    ]


def test_two_funders_share_the_budget_one_of_them_foreign() -> None:
    _, protocol = _import(PEDIATRIC)
    domestic, foreign = protocol.registration.funding_sources
    assert (domestic.proportion_percent, domestic.origin) == (60, "domestic")
    assert (foreign.proportion_percent, foreign.origin, foreign.sector) == (40, "foreign", "private")
    assert (foreign.foreign_category, foreign.country) == ("Charities", "Switzerland")
    assert [s.organization for s in protocol.registration.sponsors] == [domestic.name, foreign.name]


def test_only_the_contacts_given_are_filled() -> None:
    _, protocol = _import(PEDIATRIC)
    contacts = protocol.registration.contacts
    assert contacts.general_inquiries is None and contacts.data_updates is None
    assert (
        contacts.scientific_inquiries is not None and contacts.scientific_inquiries.degree == "Subspecialist"
    )


def test_committee_with_only_a_gregorian_date_gets_its_jalali_date() -> None:
    _, protocol = _import(PEDIATRIC)
    assert protocol.registration.ethics_committees[1].approval_date_jalali == "1401/12/17"


def test_four_secondary_outcomes_and_a_reported_web_page() -> None:
    result, protocol = _import(PEDIATRIC)
    assert len([o for o in protocol.outcomes if o.kind == "secondary"]) == 4
    assert "Recruitment centers 1: Web page address: https://mofid.sbmu.ac.ir" in result.unmapped
