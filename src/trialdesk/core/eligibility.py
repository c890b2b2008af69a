"""Screening eligibility: the protocol's criteria and the screener's answers -> a decision with reasons.

Rules:

* an inclusion criterion without a `group` is met when answered ``yes``; it fails when answered ``no``;
* inclusion criteria sharing a `group` are alternatives: the group is met when any member is ``yes`` and
  fails only when every member is answered ``no``;
* an exclusion criterion applies when answered ``yes``;
* an unanswered or ``unknown`` criterion leaves the decision open, unless a group it belongs to is
  already met.

Outcome: ``not_eligible`` when any definite failure exists (a definite failure wins over open questions,
which are still listed), else ``incomplete`` when anything is open, else ``eligible``. Each failure
carries its CONSORT category: ``not_meeting_inclusion`` or ``meets_exclusion``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.schema import Criterion

AnswerValue = Literal["yes", "no", "unknown"]
Outcome = Literal["eligible", "not_eligible", "incomplete"]
ReasonCategory = Literal["not_meeting_inclusion", "meets_exclusion", "unanswered"]

ANSWER_VALUES: tuple[str, ...] = get_args(AnswerValue)


@dataclass(frozen=True)
class Answer:
    """The screener's answer to one criterion, with an optional note of its source (e.g. 'biopsy report')."""

    value: AnswerValue
    source: str | None = None


@dataclass(frozen=True)
class EligibilityReason:
    """Why a criterion matters to the decision. `group` is set for alternatives among inclusion criteria."""

    criterion_id: str
    text: Text
    category: ReasonCategory
    group: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class EligibilityDecision:
    outcome: Outcome
    failures: tuple[EligibilityReason, ...]
    """Definite reasons for ineligibility, in protocol order."""
    unanswered: tuple[EligibilityReason, ...]
    """Criteria not answered or answered 'unknown' that could still change the decision."""

    @property
    def eligible(self) -> bool:
        return self.outcome == "eligible"

    @property
    def consort_categories(self) -> tuple[str, ...]:
        """The distinct CONSORT exclusion categories of the failures, in order of first appearance."""
        return tuple(dict.fromkeys(reason.category for reason in self.failures))


def decide_eligibility(
    criteria: Sequence[Criterion], answers: Mapping[str, Answer | AnswerValue]
) -> EligibilityDecision:
    """The eligibility decision for one screening. Raises `ValidationFailed` for unknown ids or values."""
    normalized = _normalize(criteria, answers)
    failures: list[EligibilityReason] = []
    unanswered: list[EligibilityReason] = []

    groups: dict[str, list[Criterion]] = {}
    for criterion in criteria:
        if criterion.kind == "inclusion" and criterion.group is not None:
            groups.setdefault(criterion.group, []).append(criterion)
    group_state = {name: _group_state(members, normalized) for name, members in groups.items()}

    for criterion in criteria:
        answer = normalized.get(criterion.id)
        value = answer.value if answer else "unknown"
        source = answer.source if answer else None
        if criterion.kind == "exclusion":
            if value == "yes":
                failures.append(_reason(criterion, "meets_exclusion", source))
            elif value == "unknown":
                unanswered.append(_reason(criterion, "unanswered", source))
        elif criterion.group is None:
            if value == "no":
                failures.append(_reason(criterion, "not_meeting_inclusion", source))
            elif value == "unknown":
                unanswered.append(_reason(criterion, "unanswered", source))
        else:
            state = group_state[criterion.group]
            if state == "failed":
                failures.append(_reason(criterion, "not_meeting_inclusion", source))
            elif state == "open" and value == "unknown":
                unanswered.append(_reason(criterion, "unanswered", source))

    if failures:
        outcome: Outcome = "not_eligible"
    elif unanswered:
        outcome = "incomplete"
    else:
        outcome = "eligible"
    return EligibilityDecision(outcome=outcome, failures=tuple(failures), unanswered=tuple(unanswered))


def _group_state(members: Sequence[Criterion], answers: Mapping[str, Answer]) -> str:
    values = [answers[m.id].value if m.id in answers else "unknown" for m in members]
    if "yes" in values:
        return "met"
    if all(v == "no" for v in values):
        return "failed"
    return "open"


def _reason(criterion: Criterion, category: ReasonCategory, source: str | None) -> EligibilityReason:
    return EligibilityReason(
        criterion_id=criterion.id,
        text=criterion.text,
        category=category,
        group=criterion.group,
        source=source,
    )


def _normalize(
    criteria: Sequence[Criterion], answers: Mapping[str, Answer | AnswerValue]
) -> dict[str, Answer]:
    known = {c.id for c in criteria}
    problems: list[Problem] = []
    normalized: dict[str, Answer] = {}
    for criterion_id, raw in answers.items():
        if criterion_id not in known:
            problems.append(
                Problem(f"answers.{criterion_id}", f"'{criterion_id}' is not a criterion of this protocol")
            )
            continue
        answer = raw if isinstance(raw, Answer) else Answer(value=raw)
        if answer.value not in ANSWER_VALUES:
            problems.append(
                Problem(
                    f"answers.{criterion_id}",
                    f"answer '{answer.value}' is not one of: {', '.join(ANSWER_VALUES)}",
                )
            )
            continue
        normalized[criterion_id] = answer
    if problems:
        raise ValidationFailed(
            "The screening answers do not match the protocol's eligibility criteria.", tuple(problems)
        )
    return normalized


__all__ = [
    "Answer",
    "AnswerValue",
    "EligibilityDecision",
    "EligibilityReason",
    "Outcome",
    "ReasonCategory",
    "decide_eligibility",
]
