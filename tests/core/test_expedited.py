"""The ICH E2A expedited-reporting clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from trialdesk.core.adverse_events import (
    ActionTaken,
    AdverseEvent,
    Expectedness,
    Outcome,
    SeriousnessCriterion,
)
from trialdesk.core.expedited import (
    ReportStatus,
    deadline_status,
    expedited_clock,
    follow_up_status,
    report_status,
)
from trialdesk.protocol.treatment import SafetyPlan

SAFETY = SafetyPlan()
KNOWN = date(2026, 2, 2)


def event(*criteria: SeriousnessCriterion, expected: bool = False, related: str = "probable") -> AdverseEvent:
    fatal = SeriousnessCriterion.RESULTS_IN_DEATH in criteria
    return AdverseEvent(
        id="AE7",
        participant_id="P03",
        term="anaphylaxis",
        onset_at=datetime(2026, 2, 1, 12, 0, tzinfo=UTC),
        grade=5 if fatal else 4,
        seriousness=frozenset(criteria),
        relationship_to_product=related,
        relationship_to_conventional_therapy="unlikely",
        expectedness=Expectedness.EXPECTED if expected else Expectedness.UNEXPECTED,
        action_taken=ActionTaken.PRODUCT_WITHDRAWN,
        outcome=Outcome.FATAL if fatal else Outcome.RECOVERING,
        resolved_at=datetime(2026, 2, 1, 18, 0, tzinfo=UTC) if fatal else None,
    )


def test_a_life_threatening_susar_is_due_in_7_days_with_follow_up_by_day_15() -> None:
    clock = expedited_clock(event(SeriousnessCriterion.LIFE_THREATENING), SAFETY, first_knowledge_on=KNOWN)
    assert clock is not None
    assert clock.kind == "fatal_or_life_threatening"
    assert clock.initial_due_on == date(2026, 2, 9)
    assert clock.follow_up_due_on == date(2026, 2, 17)


def test_a_fatal_susar_is_due_in_7_days() -> None:
    clock = expedited_clock(event(SeriousnessCriterion.RESULTS_IN_DEATH), SAFETY, first_knowledge_on=KNOWN)
    assert clock is not None and clock.initial_due_on == date(2026, 2, 9)


def test_another_serious_susar_is_due_in_15_days_without_a_follow_up_clock() -> None:
    clock = expedited_clock(event(SeriousnessCriterion.HOSPITALIZATION), SAFETY, first_knowledge_on=KNOWN)
    assert clock is not None
    assert clock.kind == "other_serious"
    assert clock.initial_due_on == date(2026, 2, 17)
    assert clock.follow_up_due_on is None
    assert follow_up_status(clock, sent_on=None, as_of=date(2026, 3, 1)) is None


def test_the_clock_counts_calendar_days_across_a_month_end() -> None:
    clock = expedited_clock(
        event(SeriousnessCriterion.LIFE_THREATENING), SAFETY, first_knowledge_on=date(2026, 2, 25)
    )
    assert clock is not None and clock.initial_due_on == date(2026, 3, 4)


def test_no_clock_for_an_event_that_is_not_a_susar() -> None:
    assert (
        expedited_clock(
            event(SeriousnessCriterion.HOSPITALIZATION, expected=True), SAFETY, first_knowledge_on=KNOWN
        )
        is None
    )
    assert (
        expedited_clock(
            event(SeriousnessCriterion.HOSPITALIZATION, related="unlikely"), SAFETY, first_knowledge_on=KNOWN
        )
        is None
    )
    assert expedited_clock(event(), SAFETY, first_knowledge_on=KNOWN) is None


def test_report_status_open_sent_late_and_overdue() -> None:
    clock = expedited_clock(event(SeriousnessCriterion.LIFE_THREATENING), SAFETY, first_knowledge_on=KNOWN)
    assert clock is not None
    assert report_status(clock, sent_on=None, as_of=date(2026, 2, 9)) is ReportStatus.OPEN
    assert report_status(clock, sent_on=None, as_of=date(2026, 2, 10)) is ReportStatus.OVERDUE
    assert report_status(clock, sent_on=date(2026, 2, 9), as_of=date(2026, 3, 1)) is ReportStatus.SENT
    assert report_status(clock, sent_on=date(2026, 2, 11), as_of=date(2026, 3, 1)) is ReportStatus.SENT_LATE
    assert follow_up_status(clock, sent_on=None, as_of=date(2026, 2, 18)) is ReportStatus.OVERDUE


def test_the_protocol_sets_the_clock_days() -> None:
    strict = SafetyPlan.model_validate({"expedited_reporting": {"other_serious_days": 10}})
    clock = expedited_clock(event(SeriousnessCriterion.DISABILITY), strict, first_knowledge_on=KNOWN)
    assert clock is not None and clock.initial_due_on == date(2026, 2, 12)
    assert deadline_status(date(2026, 2, 12), None, date(2026, 2, 1)) is ReportStatus.OPEN
