"""The IRCT reader's tolerance: small inline records for one quirk each."""

from __future__ import annotations

import pytest

from trialdesk.errors import ValidationFailed
from trialdesk.protocol.irct import import_irct
from trialdesk.protocol.loading import parse_protocol

HEAD = "A trial of something\nPublic title\nSomething\n"
TAIL = "Sample size\nTarget sample size:\n10\nIntervention groups\n1\nDescription\nA\n2\nDescription\nB\n"


def test_an_empty_or_unlabelled_record_is_refused_not_turned_into_a_placeholder_draft() -> None:
    for text in ("", "\n  \n", "Just a title line\n"):
        with pytest.raises(ValidationFailed) as refused:
            import_irct(text)
        assert refused.value.problems[0].where == "record"


def test_unnumbered_section_items_start_at_each_repeated_opening_label() -> None:
    text = HEAD + TAIL + "Primary outcomes\nDescription\nPain\nTimepoint\nDay 1\nDescription\nSwelling\n"
    protocol = parse_protocol(import_irct(text).data)
    assert [(o.id, o.description.en) for o in protocol.outcomes] == [
        ("primary_1", "Pain"),
        ("primary_2", "Swelling"),
    ]


def test_a_number_value_is_not_taken_for_an_item_number() -> None:
    text = (
        HEAD
        + TAIL
        + "Primary outcomes\n1\nDescription\nHeight\nTimepoint\n12\nMethod of measurement\nRuler\n"
    )
    protocol = parse_protocol(import_irct(text).data)
    (outcome,) = protocol.outcomes
    assert outcome.timepoint is not None and outcome.timepoint.en == "12"
    assert outcome.method is not None and outcome.method.en == "Ruler"


def test_labels_are_matched_without_regard_to_case_spacing_or_colon() -> None:
    text = HEAD + "GENDER:\nFemale\nTarget   sample size\n10\n" + TAIL
    protocol = parse_protocol(import_irct(text).data)
    assert protocol.design.eligibility.gender == "female"


def test_persian_criteria_headings_are_understood() -> None:
    text = HEAD + "Inclusion/Exclusion criteria\nمعیارهای ورود:\nبیماری قلبی\nمعیارهای خروج: بارداری\n" + TAIL
    protocol = parse_protocol(import_irct(text).data)
    assert [(c.kind, c.text.fa) for c in protocol.criteria] == [
        ("inclusion", "بیماری قلبی"),
        ("exclusion", "بارداری"),
    ]


def test_criteria_outside_an_inclusion_or_exclusion_heading_are_reported() -> None:
    text = HEAD + "Inclusion/Exclusion criteria\nAdults only\n" + TAIL
    result = import_irct(text)
    assert (
        "Inclusion/Exclusion criteria: 'Adults only' is under neither inclusion nor exclusion"
        in result.unmapped
    )
    assert parse_protocol(result.data).criteria == []


def test_jalali_date_that_contradicts_the_gregorian_one_is_dropped_and_reported() -> None:
    committee = "Ethics committees\n1\nEthics committee\nName of ethics committee\nEC\nApproval date\n2021-06-08, 1400/03/19\n"
    result = import_irct(HEAD + TAIL + committee)
    (imported,) = parse_protocol(result.data).registration.ethics_committees
    assert imported.approval_date_jalali == "1400/03/18"
    assert (
        "Ethics committees 1: Approval date: Jalali 1400/03/19 is not 2021-06-08; dropped" in result.unmapped
    )


def test_malformed_email_and_icd_code_are_reported_not_imported() -> None:
    text = (
        HEAD
        + TAIL
        + "Health conditions studied\n1\nDescription of health condition studied\nGout\nICD-10 code\nM-10\n"
        + "Recruitment centers\n1\nRecruitment center\nName of recruitment center\nClinic\nEmail\nclinic at example\n"
    )
    result = import_irct(text)
    registration = parse_protocol(result.data).registration
    assert registration.conditions[0].icd10_code is None
    assert registration.recruitment_centres[0].email is None
    assert "Health conditions studied 1: ICD-10 code: 'M-10' is not in the expected form" in result.unmapped
    assert "Recruitment centers 1: Email: 'clinic at example' is not in the expected form" in result.unmapped


def test_masked_roles_of_an_unblinded_trial_are_dropped_and_reported() -> None:
    text = (
        HEAD
        + TAIL
        + "Blinding (investigator's opinion)\nNot blinded\nGroups that have been masked\nParticipant\n"
    )
    result = import_irct(text)
    assert parse_protocol(result.data).design.masked_roles == []
    assert (
        "Groups that have been masked: roles given for a trial that is not blinded; dropped"
        in result.unmapped
    )


def test_text_before_any_label_in_the_labelled_part_is_reported() -> None:
    result = import_irct("Public title\nX\n" + TAIL + "Recruitment centers\nstray words\n")
    assert "Unlabelled text: 'stray words'" in result.unmapped


def test_unknown_age_wording_is_reported() -> None:
    result = import_irct(HEAD + TAIL + "Age\nAdults\n")
    assert parse_protocol(result.data).design.eligibility.no_age_limit
    assert "Age: 'Adults' not understood" in result.unmapped
