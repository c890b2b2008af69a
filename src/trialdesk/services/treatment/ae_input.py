"""What an adverse-event report or follow-up holds, and the checks made before anything is stored: every
clinical judgement chosen explicitly (nothing preselected), and the date the site learned the information."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

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
