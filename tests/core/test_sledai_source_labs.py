"""Issue 11: SLEDAI-2K on recorded data — 'not assessed' makes the total incomplete (not 0), and the laboratory
descriptors are checked against their own lab values."""

from __future__ import annotations

import pytest
from tests.core.test_forms_validation import FORMS, LABS, fired, sledai, visit_values

from trialdesk.core.forms import NOT_ASSESSED, validate_submission
from trialdesk.protocol.forms import find_form

SAMPLE = {"sample_date": "2026-01-01"}


def test_a_descriptor_not_assessed_leaves_the_total_incomplete_not_zero() -> None:
    form = find_form(FORMS, "sledai_2k")
    result = validate_submission(form, sledai(pga="1", thrombocytopenia=NOT_ASSESSED), LABS)
    assert result.ok
    assert result.calculated["sledai_total"] is None
    assert result.items["thrombocytopenia"].value == NOT_ASSESSED
    complete = validate_submission(form, sledai(pga="1"), LABS)
    assert complete.calculated["sledai_total"] == 0


def test_not_assessed_is_refused_where_the_protocol_does_not_allow_it() -> None:
    form = find_form(FORMS, "lab_panel")
    result = validate_submission(form, {**SAMPLE, "fasting": NOT_ASSESSED}, LABS)
    assert [p.where for p in result.errors] == ["fasting"]
    assert "yes or no" in result.errors[0].rule


def test_every_sledai_descriptor_may_be_answered_not_assessed() -> None:
    form = find_form(FORMS, "sledai_2k")
    descriptors = [i for i in form.sections_items() if i.weight is not None]
    assert len(descriptors) == 24 and all(i.not_assessed_allowed for i in descriptors)


@pytest.mark.parametrize(
    ("check", "descriptor", "answer", "labs"),
    [
        (
            "thrombocytopenia_not_scored",
            "thrombocytopenia",
            "no",
            {"platelets": {"value": "80", "unit": "10^9/L"}},
        ),
        (
            "thrombocytopenia_not_supported",
            "thrombocytopenia",
            "yes",
            {"platelets": {"value": "220", "unit": "10^9/L"}},
        ),
        ("leukopenia_not_scored", "leukopenia", "no", {"leukocytes": {"value": "2.4", "unit": "10^9/L"}}),
        (
            "leukopenia_not_supported",
            "leukopenia",
            "yes",
            {"leukocytes": {"value": "6.1", "unit": "10^3/uL"}},
        ),
        ("hematuria_not_scored", "hematuria", "no", {"urine_rbc": {"value": "12", "unit": "/HPF"}}),
        ("pyuria_not_scored", "pyuria", "no", {"urine_wbc": {"value": "8", "unit": "/HPF"}}),
        (
            "proteinuria_not_scored",
            "proteinuria",
            "no",
            {"urine_protein_24h": {"value": "900", "unit": "mg/24 h"}},
        ),
        ("proteinuria_not_scored", "proteinuria", "no", {"upcr": {"value": "1.2", "unit": "g/g"}}),
        ("urinary_casts_not_scored", "urinary_casts", "no", {"urine_casts": "rbc_casts"}),
    ],
)
def test_a_descriptor_answered_against_its_own_lab_value_is_flagged(check, descriptor, answer, labs) -> None:
    values = visit_values(sledai_2k=sledai(pga="1", **{descriptor: answer}), lab_panel={**SAMPLE, **labs})
    assert check in fired(values)
    unknown = visit_values(
        sledai_2k=sledai(pga="1", **{descriptor: NOT_ASSESSED}), lab_panel={**SAMPLE, **labs}
    )
    assert check not in fired(unknown)


def test_descriptors_that_agree_with_their_labs_raise_nothing() -> None:
    labs = {
        **SAMPLE,
        "platelets": {"value": "80", "unit": "10^9/L"},
        "leukocytes": {"value": "5", "unit": "10^9/L"},
        "urine_rbc": {"value": "2", "unit": "/HPF"},
        "urine_casts": "none",
        "creatinine": {"value": "88", "unit": "umol/L"},
    }
    values = visit_values(sledai_2k=sledai(pga="1", thrombocytopenia="yes"), lab_panel=labs)
    assert not {
        c for c in fired(values) if c.split("_")[0] in {"thrombocytopenia", "leukopenia", "hematuria"}
    }
