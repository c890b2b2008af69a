"""Domain rules of the protocol schema beyond field types."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.protocol.schema_walk import documented_models
from trialdesk.errors import ProtocolError
from trialdesk.protocol.loading import parse_protocol
from trialdesk.protocol.registration import EthicsCommittee, gregorian_to_jalali, jalali_to_gregorian
from trialdesk.protocol.schema import Criterion, Eligibility, Protocol


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(data)
    return [str(problem) for problem in caught.value.problems]


def test_minimal_protocol_is_a_draft_with_defaults(minimal: dict[str, Any]) -> None:
    protocol = parse_protocol(minimal)
    assert protocol.status == "draft"
    assert protocol.design.eligibility == Eligibility()
    assert protocol.registration.contacts.general_inquiries is None


def test_protocol_objects_are_frozen(minimal: dict[str, Any]) -> None:
    protocol = parse_protocol(minimal)
    with pytest.raises(ValidationError):
        protocol.design.target_sample_size = 3  # type: ignore[misc]


def test_group_is_only_allowed_on_inclusion_criteria(minimal: dict[str, Any]) -> None:
    minimal["criteria"].append({"id": "x", "kind": "exclusion", "text": {"en": "X"}, "group": "g"})
    assert _problems(minimal) == ["criteria[1]: group is only allowed on inclusion criteria"]


def test_grouped_inclusion_criterion_is_accepted() -> None:
    criterion = Criterion(id="renal", kind="inclusion", text={"en": "Nephritis"}, group="organ_involvement")  # type: ignore[arg-type]
    assert criterion.group == "organ_involvement"


@pytest.mark.parametrize("bad", ["Arm", "1st", "a b", "_a", ""])
def test_ids_must_be_lower_case_slugs(minimal: dict[str, Any], bad: str) -> None:
    minimal["arms"][0]["id"] = bad
    assert _problems(minimal)[0].startswith("arms[0].id: must be a lower-case identifier")


def test_criterion_group_must_be_a_slug(minimal: dict[str, Any]) -> None:
    minimal["criteria"][0]["group"] = "Organ involvement"
    assert _problems(minimal)[0].startswith("criteria[0].group: must be a lower-case identifier")


def test_minimum_age_above_maximum_is_refused(minimal: dict[str, Any]) -> None:
    minimal["design"]["eligibility"] = {"min_age_years": 65, "max_age_years": 18}
    assert _problems(minimal) == ["design.eligibility: min_age_years 65 is above max_age_years 18"]


def test_no_age_limit_means_neither_bound_is_set() -> None:
    assert Eligibility().no_age_limit
    assert not Eligibility(min_age_years=18).no_age_limit


def test_unblinded_design_cannot_name_masked_roles(minimal: dict[str, Any]) -> None:
    minimal["design"]["masked_roles"] = ["participant"]
    assert _problems(minimal) == ["design: masked_roles are given but masking is none (not blinded)"]


def test_funding_proportions_cannot_exceed_100_percent(minimal: dict[str, Any]) -> None:
    minimal["registration"]["funding_sources"] = [
        {"name": "A", "proportion_percent": 70},
        {"name": "B", "proportion_percent": 40},
    ]
    assert _problems(minimal) == [
        "registration.funding_sources: the funding proportions add up to 110%, more than 100%"
    ]


def test_foreign_funding_category_needs_a_foreign_source(minimal: dict[str, Any]) -> None:
    minimal["registration"]["funding_sources"] = [
        {"name": "A", "origin": "domestic", "foreign_category": "Charity"}
    ]
    assert _problems(minimal) == [
        "registration.funding_sources[0]: foreign_category is only allowed when origin is foreign"
    ]


def test_irct_registry_id_must_have_the_irct_form(minimal: dict[str, Any]) -> None:
    minimal["registration"].update(registry="IRCT", registry_id="NCT01234567")
    assert _problems(minimal) == [
        "registration: registry_id 'NCT01234567' is not an IRCT id (like IRCT20210517051306N1)"
    ]


def test_randomized_design_needs_two_arms(minimal: dict[str, Any]) -> None:
    minimal["arms"] = minimal["arms"][:1]
    assert _problems(minimal) == ["a randomized design needs at least two arms"]
    minimal["design"]["allocation"] = "single_arm"
    assert len(parse_protocol(minimal).arms) == 1


def test_protocol_needs_at_least_one_arm(minimal: dict[str, Any]) -> None:
    minimal["arms"] = []
    assert _problems(minimal) == ["arms: must have at least 1 item(s)"]


def test_consent_versions_are_unique(minimal: dict[str, Any]) -> None:
    document = {"version": "1.0", "title": {"en": "Consent"}}
    minimal["consent"] = [document, dict(document)]
    assert _problems(minimal) == ["consent: consent version '1.0' is listed twice"]


def test_phase_must_be_a_registry_phase(minimal: dict[str, Any]) -> None:
    minimal["design"]["phase"] = "2b"
    assert _problems(minimal)[0].startswith("design.phase: unknown phase '2b'")


@pytest.mark.parametrize(("field", "value"), [("email", "not-an-address"), ("phone", "call me")])
def test_contact_email_and_phone_have_their_forms(minimal: dict[str, Any], field: str, value: str) -> None:
    minimal["registration"]["contacts"] = {"general_inquiries": {"name": "N", field: value}}
    assert _problems(minimal)[0].startswith(f"registration.contacts.general_inquiries.{field}: must be")


def test_jalali_date_without_gregorian_date_is_refused() -> None:
    with pytest.raises(ValidationError, match="approval_date_jalali is given without approval_date"):
        EthicsCommittee(name="EC", approval_date_jalali="1400/03/18")


def test_seed_approval_date_converts_both_ways() -> None:
    assert jalali_to_gregorian("1400/03/18") == date(2021, 6, 8)
    assert gregorian_to_jalali(date(2021, 6, 8)) == "1400/03/18"


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)))
def test_jalali_conversion_round_trips(day: date) -> None:
    assert jalali_to_gregorian(gregorian_to_jalali(day)) == day


def test_every_schema_field_has_a_description() -> None:
    own = ("trialdesk.protocol.schema", "trialdesk.protocol.registration")
    schema_models = [m for m in documented_models(Protocol) if m.__module__ in own]
    assert len(schema_models) > 10
    for model in schema_models:
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
