"""Visit calendar from actual dates, visits outside their window, missed visits, deviations, overdue list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from trialdesk.core.roles import Role
from trialdesk.core.schedule import VisitStatus
from trialdesk.errors import AlreadyDone, NotFound, PermissionDenied, ValidationFailed
from trialdesk.records.treatment.models import ProtocolDeviation, RecordedVisit
from trialdesk.services.treatment.visits import (
    calendar,
    overdue_list,
    record_deviation,
    record_missed_visit,
    record_visit,
)

DAY0 = datetime(2026, 1, 10, 8, 30, tzinfo=UTC)


def _labs(cal):  # type: ignore[no-untyped-def]
    return [r.occurrence for r in cal.rows if r.occurrence.visit_id == "post_injection_labs"]


def test_lab_windows_follow_actual_injection_dates(exosome, give, investigator, clock) -> None:
    give(exosome)  # day 0
    clock.current = DAY0 + timedelta(days=5)  # step 2 given two days late (planned from day 3)
    give(exosome)
    cal = calendar(investigator, participant=exosome, clock=clock)
    first, second = _labs(cal)
    assert (first.earliest, first.latest) == (date(2026, 1, 12), date(2026, 1, 13))
    assert (second.earliest, second.target, second.latest) == (
        date(2026, 1, 17),
        date(2026, 1, 17),
        date(2026, 1, 18),
    )
    assert "injection step_2 on 2026-01-15" in second.anchored_on
    assert cal.awaiting_anchor == ()


SHARED = ["baseline", "assessment_w7", "assessment_w14", "assessment_w21", "end_of_study"]


def test_exosome_calendar_waits_for_the_first_injection(exosome, investigator, clock) -> None:
    cal = calendar(investigator, participant=exosome, clock=clock)
    assert [r.occurrence.visit_id for r in cal.rows] == SHARED
    assert cal.awaiting_anchor == ("post_injection_labs",)


def test_control_arm_calendar_runs_from_randomization(control, investigator, clock) -> None:
    cal = calendar(investigator, participant=control, clock=clock)
    assert [(r.occurrence.visit_id, r.occurrence.occurrence) for r in cal.rows] == [(v, 1) for v in SHARED]
    follow_up = cal.rows[1].occurrence
    assert (follow_up.earliest, follow_up.target, follow_up.latest) == (
        date(2026, 2, 21),
        date(2026, 2, 28),
        date(2026, 3, 7),
    )


def test_visit_outside_its_window_records_a_deviation(control, investigator, clock) -> None:
    clock.current = DAY0 + timedelta(days=9)
    result = record_visit(
        investigator,
        participant=control,
        visit_id="baseline",
        occurrence=1,
        done_on=date(2026, 1, 19),
        clock=clock,
    )
    assert result.deviation is not None
    assert result.deviation.category == "visit_out_of_window" and result.deviation.automatic
    assert "2 day(s) late" in result.deviation.reason
    row = calendar(investigator, participant=control, clock=clock).rows[0]
    assert row.status is VisitStatus.DONE_OUT_OF_WINDOW and row.deviations == (result.deviation,)
    with pytest.raises(AlreadyDone):
        record_visit(
            investigator,
            participant=control,
            visit_id="baseline",
            occurrence=1,
            done_on=date(2026, 1, 19),
            clock=clock,
        )


def test_visit_in_window_records_no_deviation(control, investigator, clock) -> None:
    result = record_visit(
        investigator,
        participant=control,
        visit_id="baseline",
        occurrence=1,
        done_on=date(2026, 1, 10),
        clock=clock,
    )
    assert result.deviation is None
    assert ProtocolDeviation.objects.count() == 0


def test_missed_visit_is_recorded_with_its_reason_and_a_deviation(control, investigator, clock) -> None:
    with pytest.raises(ValidationFailed):
        record_missed_visit(
            investigator, participant=control, visit_id="baseline", occurrence=1, reason=" ", clock=clock
        )
    result = record_missed_visit(
        investigator,
        participant=control,
        visit_id="baseline",
        occurrence=1,
        reason="admitted elsewhere",
        clock=clock,
    )
    assert result.visit.missed and result.visit.missed_reason == "admitted elsewhere"
    assert result.deviation is not None and result.deviation.category == "missed_visit"
    clock.advance(timedelta(days=30))
    assert calendar(investigator, participant=control, clock=clock).rows[0].status is VisitStatus.MISSED
    overdue = overdue_list(investigator, site=control.site, clock=clock)
    assert control.study_code not in {r.participant.study_code for r in overdue}


def test_overdue_list_per_site(control, exosome, investigator, other_site, clock) -> None:
    clock.current = DAY0 + timedelta(days=8)
    # `enrol` randomizes until it gets the arm asked for: every randomized participant has a baseline due.
    rows = overdue_list(investigator, site=control.site, clock=clock)
    assert {control.study_code, exosome.study_code} <= {r.participant.study_code for r in rows}
    assert rows and all(r.occurrence.visit_id == "baseline" and r.days_overdue == 1 for r in rows)
    with pytest.raises(PermissionDenied):
        overdue_list(investigator, site=other_site, clock=clock)


def test_unknown_or_not_yet_anchored_visit_is_refused(exosome, investigator, clock) -> None:
    with pytest.raises(ValidationFailed, match="anchored"):
        record_visit(
            investigator,
            participant=exosome,
            visit_id="post_injection_labs",
            occurrence=1,
            done_on=date(2026, 1, 10),
            clock=clock,
        )
    with pytest.raises(NotFound):
        record_visit(
            investigator,
            participant=exosome,
            visit_id="control_follow_up",  # a visit of protocol 1.0.0, not of this version
            occurrence=1,
            done_on=date(2026, 1, 10),
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="future"):
        record_visit(
            investigator,
            participant=exosome,
            visit_id="baseline",
            occurrence=1,
            done_on=date(2026, 1, 11),
            clock=clock,
        )
    assert RecordedVisit.objects.count() == 0


def test_monitor_records_a_deviation_by_hand(control, actors, clock) -> None:
    deviation = record_deviation(
        actors[Role.MONITOR],
        participant=control,
        category="procedure",
        reason="SLEDAI-2K not scored at baseline",
        occurred_on=date(2026, 1, 10),
        clock=clock,
    )
    assert (deviation.recorded_by, deviation.automatic) == ("monitor", False)
    with pytest.raises(ValidationFailed) as refused:
        record_deviation(
            actors[Role.MONITOR],
            participant=control,
            category="whim",
            reason="",
            occurred_on=date(2026, 1, 10),
            clock=clock,
        )
    assert {p.where for p in refused.value.problems} == {"category", "reason"}
