"""Importing the seed trial's registry record gives the registration the shipped study encodes.

Compared, field by field (the shipped file may hold more: Persian text, groups, ids, assumptions):
    registration: registry, registry_id, scientific_title.en, public_title.en, summary_title.en,
        secondary_ids, conditions (description.en, icd10_code, icd10_description), sponsors,
        funding_sources, contacts (all three roles, every field), recruitment_centres,
        ethics_committees (every field), ipd_sharing (shared, justification)
    design: allocation, masking, masked_roles, masking_description, placebo, assignment, phase,
        purpose, target_sample_size, description, settings, randomization_description,
        other_features, eligibility (min/max age, gender)
    criteria: (kind, English text) in order
    arms: count, kind, English description, registry_category
    outcomes: (kind, English description, timepoint, method) in order
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trialdesk.protocol.irct import ImportResult, import_irct
from trialdesk.protocol.loading import default_study_path, load_protocol, parse_protocol
from trialdesk.protocol.schema import Protocol

SEED = Path(__file__).parent / "fixtures" / "irct_seed_kums_exosome_sle.txt"


@pytest.fixture(scope="module")
def result() -> ImportResult:
    return import_irct(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported(result: ImportResult) -> Protocol:
    return parse_protocol(result.data, source="seed import")


@pytest.fixture(scope="module")
def shipped() -> Protocol:
    return load_protocol(default_study_path())


def test_seed_import_is_a_valid_draft(imported: Protocol) -> None:
    assert imported.status == "draft"


def test_seed_import_reports_the_summary_intervention_text_as_unmapped(result: ImportResult) -> None:
    assert result.unmapped == [
        "Intervention groups (summary text): not imported; the structured groups were used"
    ]


@pytest.mark.parametrize(
    "name",
    ["registry", "registry_id", "secondary_ids", "sponsors", "funding_sources", "contacts",
     "recruitment_centres", "ethics_committees"],
)  # fmt: skip
def test_seed_import_matches_shipped_registration_field(
    imported: Protocol, shipped: Protocol, name: str
) -> None:
    assert getattr(imported.registration, name) == getattr(shipped.registration, name)


def test_seed_import_matches_shipped_titles(imported: Protocol, shipped: Protocol) -> None:
    for name in ("scientific_title", "public_title", "summary_title"):
        imported_title, shipped_title = (
            getattr(imported.registration, name),
            getattr(shipped.registration, name),
        )
        assert imported_title is not None and shipped_title is not None
        assert imported_title.en == shipped_title.en, name


def test_seed_import_matches_shipped_conditions(imported: Protocol, shipped: Protocol) -> None:
    def facts(protocol: Protocol) -> list[tuple[str, str | None, str | None]]:
        return [
            (c.description.en, c.icd10_code, c.icd10_description) for c in protocol.registration.conditions
        ]

    assert facts(imported) == facts(shipped)


def test_seed_import_matches_shipped_ipd_sharing(imported: Protocol, shipped: Protocol) -> None:
    assert imported.registration.ipd_sharing == shipped.registration.ipd_sharing


def test_seed_import_matches_shipped_design(imported: Protocol, shipped: Protocol) -> None:
    assert imported.design == shipped.design


def test_seed_import_matches_shipped_criteria_texts_in_order(imported: Protocol, shipped: Protocol) -> None:
    def texts(protocol: Protocol) -> list[tuple[str, str]]:
        return [(c.kind, c.text.en) for c in protocol.criteria]

    assert texts(imported) == texts(shipped)


def test_seed_import_matches_shipped_arms(imported: Protocol, shipped: Protocol) -> None:
    def facts(protocol: Protocol) -> list[tuple[str, str | None, str | None]]:
        return [
            (a.kind, a.description.en if a.description else None, a.registry_category) for a in protocol.arms
        ]

    assert len(imported.arms) == len(shipped.arms) == 2
    assert facts(imported) == facts(shipped)


def test_seed_import_matches_shipped_outcomes(imported: Protocol, shipped: Protocol) -> None:
    def facts(protocol: Protocol) -> list[tuple[str, ...]]:
        return [
            (o.kind, o.description.en, o.timepoint.en if o.timepoint else "", o.method.en if o.method else "")
            for o in protocol.outcomes
            if o.registered  # endpoints the protocol added are not in the registration
        ]

    assert facts(imported) == facts(shipped)


def test_seed_exclusion_criteria_are_the_union_of_summary_and_structured_lists(imported: Protocol) -> None:
    texts = [c.text.en for c in imported.exclusion_criteria]
    assert len(texts) == 10
    assert texts.count("Diabetes and other endocrine disorders") == 1  # "diabetes ..." in the summary


def test_seed_informed_consent_comes_from_the_summary_only(imported: Protocol) -> None:
    assert imported.inclusion_criteria[0].text.en == "Informed consent"
    assert len(imported.inclusion_criteria) == 5


def test_windows_line_endings_and_blank_lines_import_the_same(result: ImportResult) -> None:
    text = SEED.read_text(encoding="utf-8").replace("\n", "\r\n\r\n")
    assert import_irct(text) == result
