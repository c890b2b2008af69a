"""What an adverse-event report or follow-up holds, and the checks made before anything is stored: every
clinical judgement chosen explicitly (nothing preselected), and the date the site learned the information."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from trialdesk.core.input_rules import LONG_TEXT, clinical_date_problems, raise_problems, text_problems
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.services.clock import local_date

INPUT_FIELDS = (
    "term",
    "onset_at",
    "resolved_at",
    "grade",
    "seriousness",
    "relationship_to_product",
    "relationship_to_conventional_therapy",
    "expectedness",
    "action_taken",
    "outcome",
    "description",
)


# The clinical judgements the reporter must make explicitly: nothing is preselected, a missing one is refused.
JUDGEMENT_FIELDS = (
    "relationship_to_product",
    "relationship_to_conventional_therapy",
    "expectedness",
    "action_taken",
    "outcome",
)
NOT_SERIOUS = "not_serious"  # the explicit "none of these" answer to the seriousness criteria


@dataclass(frozen=True, kw_only=True)
class AdverseEventInput:
    """What the AE form holds. Choices are the values of the core enums:
    `seriousness` ⊆ SeriousnessCriterion, or empty / ["not_serious"] for the explicit "not serious" answer
    (None = not answered, refused); `expectedness` in Expectedness, `action_taken` in ActionTaken, `outcome`
    in Outcome; relationships are ids of the protocol's scale. None or "" = not chosen, refused naming the field.
    """

    term: str
    onset_at: datetime
    grade: int
    relationship_to_product: str | None
    relationship_to_conventional_therapy: str | None
    expectedness: str | None
    action_taken: str | None
    outcome: str | None
    seriousness: Collection[str] | None
    resolved_at: datetime | None = None
    description: str = ""


def check_choice(kind: type, value: str, where: str, problems: list[Problem]) -> None:
    allowed = [m.value for m in kind]  # type: ignore[attr-defined]
    if value not in allowed:
        problems.append(Problem(where, f"must be one of {', '.join(allowed)}"))


def explicit_choice_problems(details: AdverseEventInput) -> list[Problem]:
    """Every clinical judgement chosen, and seriousness answered ("not serious" is an answer, absence is not)."""
    problems = [
        Problem(name, "required: choose it explicitly (nothing is preselected)")
        for name in JUDGEMENT_FIELDS
        if not (getattr(details, name) or "").strip()
    ]
    if details.seriousness is None:
        problems.append(
            Problem("seriousness", "required: tick the criteria met, or 'not serious' (none of these)")
        )
    elif NOT_SERIOUS in details.seriousness and len(set(details.seriousness)) > 1:
        problems.append(Problem("seriousness", "'not serious' cannot be ticked together with a criterion"))
    return problems


def criteria_of(details: AdverseEventInput) -> frozenset[str]:
    return frozenset(details.seriousness or ()) - {NOT_SERIOUS}


def values_of(details: AdverseEventInput) -> dict[str, object]:
    return {
        "term": details.term.strip(),
        "onset_at": details.onset_at,
        "resolved_at": details.resolved_at,
        "grade": details.grade,
        "seriousness": sorted(criteria_of(details)),
        "relationship_to_product": details.relationship_to_product,
        "relationship_to_conventional_therapy": details.relationship_to_conventional_therapy,
        "expectedness": details.expectedness,
        "action_taken": details.action_taken,
        "outcome": details.outcome,
        "description": details.description.strip(),
    }


def awareness_date(day: date | None, onset_at: datetime, now: datetime, where: str) -> date:
    """The date the site learned the information: default today (study zone), not future, not before onset."""
    known = day or local_date(now)
    if known > local_date(now):
        raise ValidationFailed(
            f"The date the site learned it ({known}) is in the future", (Problem(where, "in the future"),)
        )
    if known < local_date(onset_at):
        raise ValidationFailed(
            f"The date the site learned it ({known}) is before the onset ({local_date(onset_at)})",
            (Problem(where, "before the onset"),),
        )
    return known


# The widest a judgement's stored value can be (the columns are 20-30 characters; the choices are shorter).
CHOICE_LENGTH = 30


def input_problems(details: AdverseEventInput, *, earliest: date | None, now: datetime) -> list[Problem]:
    """What cannot be stored at all, checked before any rule reads the event: text within its column and free
    of control characters, a CTCAE grade 1-5, clinical times not before the study could start (its ethics
    approval) and not in the future (a Jalali year typed as Gregorian, or 9999, is refused here)."""
    problems = text_problems(details.term, where="term", max_length=120)
    problems += text_problems(details.description, where="description", max_length=LONG_TEXT, multiline=True)
    for name in JUDGEMENT_FIELDS:
        problems += text_problems(getattr(details, name) or "", where=name, max_length=CHOICE_LENGTH)
    for criterion in details.seriousness or ():
        problems += text_problems(criterion, where="seriousness", max_length=CHOICE_LENGTH)
    if not 1 <= details.grade <= 5:
        problems.append(Problem("grade", "must be a CTCAE grade from 1 to 5"))
    today = local_date(now)
    for where, moment in (("onset_at", details.onset_at), ("resolved_at", details.resolved_at)):
        if moment is not None and moment.tzinfo is not None:
            day = local_date(moment)
            problems += clinical_date_problems(day, where=where, earliest=earliest, today=today)
    return problems


def check_input(
    details: AdverseEventInput,
    *,
    earliest: date | None,
    now: datetime,
    aware: tuple[str, date | None],
    reason: str | None = None,
) -> None:
    """Refuse (naming every field) an event, the date the site learned it (`aware`: field name, date) and a
    follow-up's `reason`, when they cannot be stored."""
    problems = input_problems(details, earliest=earliest, now=now)
    where, day = aware
    if day is not None and day <= local_date(now):  # a future one is refused by `awareness_date`
        problems += clinical_date_problems(day, where=where, earliest=earliest, today=local_date(now))
    if reason is not None:
        problems += text_problems(reason, where="reason", max_length=LONG_TEXT, multiline=True, required=True)
    raise_problems(problems, "The adverse event cannot be saved")
