"""Screening eligibility with the seed trial's criteria (IRCT record of the lupus exosome trial)."""

from __future__ import annotations

import pytest

from trialdesk.core.eligibility import Answer, AnswerValue, EligibilityDecision, decide_eligibility
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.schema import Criterion

ORGAN = "refractory_organ_involvement"


def _inclusion(criterion_id: str, text: str, group: str | None = None) -> Criterion:
    return Criterion(id=criterion_id, kind="inclusion", text=Text(en=text), group=group)


def _exclusion(criterion_id: str, text: str) -> Criterion:
    return Criterion(id=criterion_id, kind="exclusion", text=Text(en=text))


CRITERIA = [
    _inclusion("informed_consent", "Informed consent"),
    _inclusion("lupus_nephritis", "Class 3 or 4 resistant lupus nephritis", ORGAN),
    _inclusion("lung_or_heart", "Parenchymal lung involvement or refractory heart involvement", ORGAN),
    _inclusion("vasculitis", "Resistant vasculitis", ORGAN),
    _inclusion("cns", "Resistant CNS involvement", ORGAN),
    _exclusion("other_autoimmune", "Other autoimmune diseases"),
    _exclusion("hypertension", "Uncontrolled high blood pressure"),
    _exclusion("endocrine", "Diabetes and other endocrine disorders"),
    _exclusion("cardiovascular_failure", "Cardiovascular failure"),
    _exclusion("renal_failure", "Severe renal failure and need to dialysis"),
    _exclusion("hepatic", "Hepatic impairment"),
    _exclusion("depression", "Depression"),
    _exclusion("endocarditis", "Endocarditis"),
    _exclusion("lupus_pneumonia", "Lupus pneumonia"),
    _exclusion("pregnancy", "Pregnancy and breast-feeding"),
]
EXCLUSIONS = [c.id for c in CRITERIA if c.kind == "exclusion"]


def _answers(**overrides: AnswerValue) -> dict[str, AnswerValue]:
    """A typical eligible participant: consent, nephritis only, no exclusion; overridden by keyword."""
    answers: dict[str, AnswerValue] = {
        "informed_consent": "yes",
        "lupus_nephritis": "yes",
        "lung_or_heart": "no",
        "vasculitis": "no",
        "cns": "no",
    }
    answers.update(dict.fromkeys(EXCLUSIONS, "no"))
    answers.update(overrides)
    return answers


def _decide(answers: dict[str, AnswerValue]) -> EligibilityDecision:
    return decide_eligibility(CRITERIA, answers)


def test_participant_meeting_all_inclusion_and_no_exclusion_is_eligible() -> None:
    decision = _decide(_answers())
    assert decision.outcome == "eligible"
    assert decision.eligible
    assert decision.failures == () and decision.unanswered == ()


def test_one_organ_involvement_of_the_group_is_enough() -> None:
    decision = _decide(_answers(lupus_nephritis="no", vasculitis="yes"))
    assert decision.outcome == "eligible"


def test_group_met_by_one_yes_ignores_its_unanswered_alternatives() -> None:
    answers = _answers()
    del answers["lung_or_heart"]
    answers["cns"] = "unknown"
    decision = _decide(answers)
    assert decision.outcome == "eligible"
    assert decision.unanswered == ()


def test_group_fails_only_when_every_alternative_is_answered_no() -> None:
    decision = _decide(_answers(lupus_nephritis="no"))
    assert decision.outcome == "not_eligible"
    assert [r.criterion_id for r in decision.failures] == [
        "lupus_nephritis",
        "lung_or_heart",
        "vasculitis",
        "cns",
    ]
    assert {r.group for r in decision.failures} == {ORGAN}
    assert decision.consort_categories == ("not_meeting_inclusion",)


def test_group_with_noes_and_an_unknown_is_incomplete_listing_only_the_open_alternative() -> None:
    decision = _decide(_answers(lupus_nephritis="no", cns="unknown"))
    assert decision.outcome == "incomplete"
    assert [r.criterion_id for r in decision.unanswered] == ["cns"]
    assert decision.unanswered[0].category == "unanswered"


def test_missing_consent_is_a_failed_inclusion_with_its_text() -> None:
    decision = _decide(_answers(informed_consent="no"))
    assert decision.outcome == "not_eligible"
    (reason,) = decision.failures
    assert reason.criterion_id == "informed_consent"
    assert reason.text.en == "Informed consent"
    assert reason.category == "not_meeting_inclusion"
    assert reason.group is None


@pytest.mark.parametrize("criterion_id", EXCLUSIONS)
def test_each_exclusion_answered_yes_makes_the_participant_not_eligible(criterion_id: str) -> None:
    decision = _decide({**_answers(), criterion_id: "yes"})
    assert decision.outcome == "not_eligible"
    assert [(r.criterion_id, r.category) for r in decision.failures] == [(criterion_id, "meets_exclusion")]


def test_unanswered_exclusion_makes_the_decision_incomplete() -> None:
    answers = _answers()
    del answers["pregnancy"]
    decision = _decide(answers)
    assert decision.outcome == "incomplete"
    assert [r.criterion_id for r in decision.unanswered] == ["pregnancy"]


def test_unknown_standalone_inclusion_makes_the_decision_incomplete() -> None:
    decision = _decide(_answers(informed_consent="unknown"))
    assert decision.outcome == "incomplete"
    assert [r.criterion_id for r in decision.unanswered] == ["informed_consent"]


def test_definite_failure_wins_over_unanswered_which_are_still_listed() -> None:
    answers = _answers(hepatic="yes", depression="unknown")
    del answers["pregnancy"]
    decision = _decide(answers)
    assert decision.outcome == "not_eligible"
    assert [r.criterion_id for r in decision.failures] == ["hepatic"]
    assert [r.criterion_id for r in decision.unanswered] == ["depression", "pregnancy"]


def test_no_answers_at_all_is_incomplete_listing_every_criterion() -> None:
    decision = _decide({})
    assert decision.outcome == "incomplete"
    assert len(decision.unanswered) == len(CRITERIA)


def test_failures_of_both_kinds_are_listed_in_protocol_order_with_both_categories() -> None:
    decision = _decide(_answers(informed_consent="no", other_autoimmune="yes", pregnancy="yes"))
    assert [r.criterion_id for r in decision.failures] == [
        "informed_consent",
        "other_autoimmune",
        "pregnancy",
    ]
    assert decision.consort_categories == ("not_meeting_inclusion", "meets_exclusion")


def test_answer_source_note_is_carried_into_the_reason() -> None:
    answers: dict[str, Answer | AnswerValue] = dict(_answers())
    answers["renal_failure"] = Answer(value="yes", source="nephrology letter 2021-07-02")
    decision = decide_eligibility(CRITERIA, answers)
    assert decision.failures[0].source == "nephrology letter 2021-07-02"


def test_answer_for_unknown_criterion_is_refused_naming_the_id() -> None:
    with pytest.raises(ValidationFailed) as caught:
        _decide({**_answers(), "age_over_18": "yes"})
    assert [p.where for p in caught.value.problems] == ["answers.age_over_18"]
    assert "age_over_18" in str(caught.value)


def test_answer_value_outside_yes_no_unknown_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        decide_eligibility(CRITERIA, {"informed_consent": "maybe"})  # type: ignore[dict-item]
    assert caught.value.problems[0].where == "answers.informed_consent"


def test_decision_is_frozen() -> None:
    decision = _decide(_answers())
    with pytest.raises(AttributeError):
        decision.outcome = "not_eligible"  # type: ignore[misc]
