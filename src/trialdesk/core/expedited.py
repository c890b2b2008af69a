"""The ICH E2A expedited-reporting clock for serious, unexpected, related events (SUSARs).

Day 0 is the date of first knowledge that the case qualifies. A fatal or life-threatening SUSAR is due within
7 calendar days (a complete follow-up by day 15); any other SUSAR within 15 calendar days. "Fatal or
life-threatening" is read from the ICH E2A seriousness criteria, not from the CTCAE grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from trialdesk.core.adverse_events import AdverseEvent, is_fatal_or_life_threatening, is_susar
from trialdesk.protocol.treatment import SafetyPlan


class ReportStatus(StrEnum):
    OPEN = "open"  # not sent, still in time
    SENT = "sent"  # sent on or before the due date
    SENT_LATE = "sent_late"
    OVERDUE = "overdue"  # not sent, due date passed


@dataclass(frozen=True)
class ExpeditedClock:
    event_id: str
    kind: Literal["fatal_or_life_threatening", "other_serious"]
    first_knowledge_on: date
    initial_due_on: date
    follow_up_due_on: date | None


def expedited_clock(
    event: AdverseEvent, safety: SafetyPlan, *, first_knowledge_on: date
) -> ExpeditedClock | None:
    """The reporting deadlines of an event, or None when it does not need expedited reporting (not a SUSAR)."""
    if not is_susar(event, safety):
        return None
    rules = safety.expedited_reporting
    if is_fatal_or_life_threatening(event):
        return ExpeditedClock(
            event.id,
            "fatal_or_life_threatening",
            first_knowledge_on,
            first_knowledge_on + timedelta(days=rules.fatal_or_life_threatening_days),
            first_knowledge_on + timedelta(days=rules.fatal_or_life_threatening_follow_up_days),
        )
    return ExpeditedClock(
        event.id,
        "other_serious",
        first_knowledge_on,
        first_knowledge_on + timedelta(days=rules.other_serious_days),
        None,
    )


def deadline_status(due_on: date, sent_on: date | None, as_of: date) -> ReportStatus:
    """The state of one deadline on `as_of` (the due date itself is still in time)."""
    if sent_on is not None:
        return ReportStatus.SENT if sent_on <= due_on else ReportStatus.SENT_LATE
    return ReportStatus.OVERDUE if as_of > due_on else ReportStatus.OPEN


def report_status(clock: ExpeditedClock, *, sent_on: date | None, as_of: date) -> ReportStatus:
    """The state of the initial report."""
    return deadline_status(clock.initial_due_on, sent_on, as_of)


def follow_up_status(clock: ExpeditedClock, *, sent_on: date | None, as_of: date) -> ReportStatus | None:
    """The state of the follow-up report (fatal/life-threatening cases only)."""
    if clock.follow_up_due_on is None:
        return None
    return deadline_status(clock.follow_up_due_on, sent_on, as_of)


__all__ = [
    "ExpeditedClock",
    "ReportStatus",
    "deadline_status",
    "expedited_clock",
    "follow_up_status",
    "report_status",
]
