"""Adverse events: validation, follow-up versions, CTCAE suggestions, expedited clocks, stopping rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.services.treatment.conftest import ae
from trialdesk.core.ctcae import GradeSuggestion, HyperglycemiaQuestion
from trialdesk.core.ctcae_values import ValueNote
from trialdesk.core.expedited import ReportStatus
from trialdesk.core.roles import Role
from trialdesk.errors import AlreadyDone, Conflict, PermissionDenied, ValidationFailed
from trialdesk.records.models import AuditEntry
from trialdesk.records.treatment.models import AdverseEvent, ExpeditedReport, StudyPause
from trialdesk.services.treatment.adverse_events import (
    event_versions,
    report_adverse_event,
    suggest_grade,
    update_adverse_event,
)
from trialdesk.services.treatment.dosing import dosing_status
from trialdesk.services.treatment.expedited import expedited_reports, mark_report_sent
from trialdesk.services.treatment.safety import decide_pause, safety_dashboard


def test_glucose_and_triglyceride_values_suggest_ctcae_grades() -> None:
    low = suggest_grade(
        test="glucose", value=Decimal("45"), unit="mg/dL", lln=Decimal("70"), uln=Decimal("100")
    )
    assert isinstance(low, GradeSuggestion) and (low.term_id, low.grade) == ("hypoglycemia", 2)
    high = suggest_grade(test="glucose", value="260", unit="mg/dL", lln="70", uln="100")
    assert isinstance(high, HyperglycemiaQuestion) and [c.grade for c in high.choices] == [1, 2, 3, 4, 5]
    trig = suggest_grade(test="triglycerides", value=Decimal("6.0"), unit="mmol/L")
    assert isinstance(trig, GradeSuggestion) and (trig.term_id, trig.grade) == ("hypertriglyceridemia", 3)
    assert suggest_grade(test="triglycerides", value="120", unit="mg/dL") is None
    no_lln = suggest_grade(test="glucose", value="90", unit="mg/dL")
    assert isinstance(no_lln, ValueNote) and "No LLN" in no_lln.text


def test_inconsistent_event_is_refused_naming_each_problem_and_nothing_written(
    exosome, investigator, clock
) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        report_adverse_event(
            investigator,
            participant=exosome,
            details=ae(
                clock, term="anaphylaxis", grade=1, outcome="recovered", relationship_to_product="maybe"
            ),
            clock=clock,
        )
    wheres = {p.where for p in refused.value.problems}
    assert {"grade", "resolved_at", "relationship_to_product"} <= wheres
    assert AdverseEvent.objects.count() == 0 and AuditEntry.objects.count() == before


def test_follow_up_keeps_every_version(exosome, investigator, clock) -> None:
    event = report_adverse_event(investigator, participant=exosome, details=ae(clock), clock=clock).event
    clock.advance(timedelta(hours=6))
    updated = update_adverse_event(
        investigator,
        event=event,
        details=ae(clock, onset_at=event.onset_at, outcome="recovered", resolved_at=clock.now()),
        reason="resolved",
        clock=clock,
    ).event
    assert updated.current_version == 2 and updated.outcome == "recovered"
    versions = event_versions(investigator, event=updated)
    assert [(v.version, v.outcome, v.reason) for v in versions] == [
        (1, "recovering", ""),
        (2, "recovered", "resolved"),
    ]
    assert updated.code == f"{exosome.study_code}-AE1"


@pytest.mark.parametrize(
    ("criteria", "kind", "days", "follow_up_days"),
    [
        ({"hospitalization"}, "other_serious", 15, None),
        ({"life_threatening", "hospitalization"}, "fatal_or_life_threatening", 7, 15),
    ],
)
def test_serious_unexpected_related_event_starts_the_expedited_clock(
    exosome, investigator, clock, criteria, kind, days, follow_up_days
) -> None:
    result = report_adverse_event(
        investigator,
        participant=exosome,
        details=ae(
            clock,
            term="Pneumonitis",
            onset_at=clock.now() - timedelta(days=2),
            grade=3,
            seriousness=criteria,
            expectedness="unexpected",
            relationship_to_product="probable",
        ),
        first_knowledge_on=date(2026, 1, 9),
        clock=clock,
    )
    report = result.expedited
    assert report is not None and report.kind == kind
    assert report.initial_due_on == date(2026, 1, 9) + timedelta(days=days)
    assert report.follow_up_due_on == (
        date(2026, 1, 9) + timedelta(days=follow_up_days) if follow_up_days else None
    )
    clock.current = clock.now() + timedelta(days=20)
    (row,) = expedited_reports(investigator, study=exosome.study, clock=clock)
    assert row.status is ReportStatus.OVERDUE and row.overdue
    sent = mark_report_sent(
        investigator, report=report, sent_on=clock.now().date(), reference="IR-SUSAR-1", clock=clock
    )
    assert sent.sent_by == "investigator"
    (row,) = expedited_reports(investigator, study=exosome.study, clock=clock)
    assert row.status is ReportStatus.SENT_LATE
    with pytest.raises(AlreadyDone):
        mark_report_sent(investigator, report=report, sent_on=clock.now().date(), clock=clock)


def test_expected_or_unrelated_serious_event_starts_no_clock(exosome, investigator, clock) -> None:
    for details in (
        ae(clock, grade=2, seriousness={"hospitalization"}, expectedness="expected"),
        ae(
            clock,
            term="Fracture",
            grade=2,
            seriousness={"hospitalization"},
            expectedness="unexpected",
            relationship_to_product="not_related",
        ),
    ):
        assert (
            report_adverse_event(investigator, participant=exosome, details=details, clock=clock).expedited
            is None
        )
    assert ExpeditedReport.objects.count() == 0


def test_related_grade_3_stops_the_participant_not_the_study(exosome, investigator, clock) -> None:
    result = report_adverse_event(
        investigator, participant=exosome, details=ae(clock, term="Fever", grade=3), clock=clock
    )
    assert [s.rule_id for s in result.new_stops] == ["related_grade_3_or_more"] and result.new_pauses == ()
    status = dosing_status(investigator, participant=exosome, clock=clock)
    assert status.participant_stopped and "participant_stopped" in {r.code for r in status.gate.reasons}


def test_study_wide_pause_blocks_another_participant_until_the_committee_lifts_it(
    enrol, give, actors, investigator, clock
) -> None:
    a, b = enrol(arm="exosome"), enrol(arm="exosome")
    give(a)
    clock.advance(timedelta(hours=1))
    result = report_adverse_event(
        investigator,
        participant=a,
        details=ae(clock, term="anaphylaxis", grade=4, relationship_to_product="definite"),
        clock=clock,
    )
    assert [p.rule_id for p in result.new_pauses] == ["related_grade_4_or_more"]
    assert [s.rule_id for s in result.new_stops] == ["related_grade_3_or_more"]
    with pytest.raises(Conflict) as refused:
        give(b)
    assert {p.where for p in refused.value.problems} == {"study_paused"}
    board = safety_dashboard(actors[Role.ETHICS_COMMITTEE], study=a.study, clock=clock)
    assert board.study_paused and [p.event.code for p in board.active_pauses] == [f"{a.study_code}-AE1"]
    pause = StudyPause.objects.get()
    with pytest.raises(PermissionDenied):
        decide_pause(investigator, pause=pause, decision="resume", lift=True, clock=clock)
    decide_pause(
        actors[Role.ETHICS_COMMITTEE],
        pause=pause,
        decision="Keep paused pending the DSMB",
        lift=False,
        clock=clock,
    )
    with pytest.raises(Conflict):
        give(b)
    decide_pause(
        actors[Role.ETHICS_COMMITTEE], pause=pause, decision="Resume: isolated event", lift=True, clock=clock
    )
    assert give(b).step_id == "step_1"
    status = dosing_status(investigator, participant=a, clock=clock)
    assert "participant_stopped" in {r.code for r in status.gate.reasons}  # a's own stop is not lifted
    assert not safety_dashboard(actors[Role.ETHICS_COMMITTEE], study=a.study, clock=clock).study_paused


@pytest.mark.parametrize("sent_before_upgrade", [False, True])
def test_a_susar_found_life_threatening_at_follow_up_is_due_within_7_days_of_learning_it(
    exosome, investigator, clock, sent_before_upgrade
) -> None:
    serious = {
        "term": "Pneumonitis",
        "onset_at": clock.now() - timedelta(days=1),
        "grade": 3,
        "expectedness": "unexpected",
        "relationship_to_product": "probable",
    }
    first = report_adverse_event(
        investigator,
        participant=exosome,
        details=ae(clock, seriousness={"hospitalization"}, **serious),
        first_knowledge_on=clock.now().date(),
        clock=clock,
    )
    assert first.expedited is not None and first.expedited.initial_due_on == date(2026, 1, 25)
    clock.current = clock.now() + timedelta(days=2)
    if sent_before_upgrade:
        mark_report_sent(investigator, report=first.expedited, sent_on=date(2026, 1, 12), clock=clock)
    clock.current = clock.now() + timedelta(days=1)  # 2026-01-13: the follow-up brings new information
    updated = update_adverse_event(
        investigator,
        event=AdverseEvent.objects.get(pk=first.event.pk),
        details=ae(clock, seriousness={"hospitalization", "life_threatening"}, **serious),
        reason="respiratory failure, intubated",
        clock=clock,
    )
    report = updated.expedited
    assert report is not None and report.kind == "fatal_or_life_threatening"
    if sent_before_upgrade:
        assert report.initial_due_on == date(2026, 1, 25)  # the initial report went in time
        assert report.follow_up_due_on == date(2026, 1, 20)  # the new information: 7 days
    else:
        assert report.initial_due_on == date(2026, 1, 20)  # sooner than the 15-day date
        assert report.follow_up_due_on == date(2026, 1, 28)
    assert AuditEntry.objects.filter(action="safety.expedited_clock_upgraded").count() == 1
