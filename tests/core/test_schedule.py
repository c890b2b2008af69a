"""Visit calendars anchored on actual dates, visit statuses, deviations and the overdue list."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError as PydanticValidationError

import trialdesk
from trialdesk.core.schedule import (
    Injection,
    RecordedVisit,
    VisitOccurrence,
    VisitStatus,
    overdue_visits,
    participant_calendar,
    visit_state,
    visit_states,
)
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.treatment import VisitSchedule

RANDOMIZED = date(2026, 1, 5)


@cache
def schedule() -> VisitSchedule:
    path = Path(trialdesk.__file__).parent / "studies" / "kums_exosome_sle" / "treatment.yaml"
    return VisitSchedule.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))["schedule"])


def visit(
    visit_id: str, anchor: str, offset: int, earliest: int, latest: int, **extra: Any
) -> dict[str, Any]:
    return {
        "id": visit_id,
        "label": {"en": visit_id.replace("_", " ").title()},
        "anchor": anchor,
        "offset_days": offset,
        "window_earliest_days": earliest,
        "window_latest_days": latest,
        "arms": ["a"],
        **extra,
    }


def labs(calendar_occurrences: tuple[VisitOccurrence, ...]) -> list[VisitOccurrence]:
    return [o for o in calendar_occurrences if o.visit_id == "post_injection_labs"]


def test_lab_windows_follow_each_actual_injection() -> None:
    injections = [Injection("step_1", date(2026, 1, 10)), Injection("step_2", date(2026, 1, 13))]
    calendar = participant_calendar(
        schedule(), arm="exosome", randomized_on=RANDOMIZED, injections=injections
    )
    windows = [(o.occurrence, o.earliest, o.target, o.latest) for o in labs(calendar.occurrences)]
    assert windows == [
        (1, date(2026, 1, 12), date(2026, 1, 12), date(2026, 1, 13)),
        (2, date(2026, 1, 15), date(2026, 1, 15), date(2026, 1, 16)),
    ]
    assert labs(calendar.occurrences)[1].anchored_on == "injection step_2 on 2026-01-13"


def test_a_late_injection_shifts_its_lab_window() -> None:
    on_time = participant_calendar(
        schedule(),
        arm="exosome",
        randomized_on=RANDOMIZED,
        injections=[Injection("step_2", date(2026, 1, 13))],
    )
    late = participant_calendar(
        schedule(),
        arm="exosome",
        randomized_on=RANDOMIZED,
        injections=[Injection("step_2", date(2026, 1, 17))],
    )
    assert labs(late.occurrences)[0].earliest - labs(on_time.occurrences)[0].earliest == timedelta(days=4)
    assert (labs(late.occurrences)[0].earliest, labs(late.occurrences)[0].latest) == (
        date(2026, 1, 19),
        date(2026, 1, 20),
    )


def test_injections_are_taken_in_date_order() -> None:
    injections = [Injection("step_2", date(2026, 1, 13)), Injection("step_1", date(2026, 1, 10))]
    calendar = participant_calendar(
        schedule(), arm="exosome", randomized_on=RANDOMIZED, injections=injections
    )
    assert [o.anchor_date for o in labs(calendar.occurrences)] == [date(2026, 1, 10), date(2026, 1, 13)]


SHARED = ["baseline", "assessment_w7", "assessment_w14", "assessment_w21", "end_of_study"]


def test_intervention_arm_before_any_injection_has_the_shared_assessments_only() -> None:
    calendar = participant_calendar(schedule(), arm="exosome", randomized_on=RANDOMIZED, injections=[])
    assert [o.visit_id for o in calendar.occurrences] == SHARED
    assert calendar.awaiting_anchor == ("post_injection_labs",)
    baseline = calendar.occurrences[0]
    assert (baseline.earliest, baseline.latest) == (RANDOMIZED, date(2026, 1, 12))


@pytest.mark.parametrize("arm", ["exosome", "control"])
def test_both_arms_are_assessed_at_weeks_7_14_21_and_28_from_randomization(arm: str) -> None:
    calendar = participant_calendar(schedule(), arm=arm, randomized_on=RANDOMIZED, injections=[])
    assessments = [o for o in calendar.occurrences if o.visit_id != "baseline"]
    assert [o.target for o in assessments] == [RANDOMIZED + timedelta(weeks=w) for w in (7, 14, 21, 28)]
    assert (assessments[0].earliest, assessments[0].latest) == (
        RANDOMIZED + timedelta(42),
        RANDOMIZED + timedelta(56),
    )


def test_a_late_assessment_does_not_shift_the_next_one() -> None:
    done_late = [
        RecordedVisit(visit_id="assessment_w7", occurrence=1, done_on=RANDOMIZED + timedelta(days=55))
    ]
    calendar = participant_calendar(
        schedule(), arm="control", randomized_on=RANDOMIZED, injections=[], recorded=done_late
    )
    second = next(o for o in calendar.occurrences if o.visit_id == "assessment_w14")
    assert second.target == RANDOMIZED + timedelta(days=98)


def test_a_repeated_visit_is_anchored_on_the_previous_actual_visit_date() -> None:
    repeated = VisitSchedule.model_validate(
        {
            "visits": [
                {"id": "baseline", "label": {"en": "B"}, "anchor": "randomization", "offset_days": 0,
                 "window_earliest_days": 0, "window_latest_days": 7, "arms": ["control"]},
                {"id": "follow_up", "label": {"en": "F"}, "anchor": "randomization", "offset_days": 49,
                 "window_earliest_days": 42, "window_latest_days": 56, "arms": ["control"],
                 "repeat": {"count": 4}},
            ]
        }
    )  # fmt: skip
    done_late = [RecordedVisit(visit_id="follow_up", occurrence=1, done_on=RANDOMIZED + timedelta(days=55))]
    calendar = participant_calendar(
        repeated, arm="control", randomized_on=RANDOMIZED, injections=[], recorded=done_late
    )
    second = next(o for o in calendar.occurrences if o.visit_id == "follow_up" and o.occurrence == 2)
    assert second.anchor_date == RANDOMIZED + timedelta(days=55)
    assert second.target == RANDOMIZED + timedelta(days=55 + 49)


def test_injection_and_previous_visit_anchors() -> None:
    custom = VisitSchedule.model_validate(
        {
            "visits": [
                visit("after_top_dose", "injection:step_5", 7, 6, 8),
                visit("closing", "previous_visit", 28, 21, 35),
            ]
        }
    )
    before = participant_calendar(
        custom, arm="a", randomized_on=RANDOMIZED, injections=[Injection("step_1", RANDOMIZED)]
    )
    assert before.occurrences == ()
    assert before.awaiting_anchor == ("after_top_dose", "closing")
    injections = [Injection("step_5", date(2026, 1, 24)), Injection("step_5", date(2026, 1, 28))]
    recorded = [RecordedVisit(visit_id="after_top_dose", occurrence=1, done_on=date(2026, 2, 5))]
    calendar = participant_calendar(
        custom, arm="a", randomized_on=RANDOMIZED, injections=injections, recorded=recorded
    )
    top, closing = calendar.occurrences
    assert top.anchor_date == date(2026, 1, 28)  # the latest injection of that step
    assert closing.anchor_date == date(2026, 2, 5)  # the previous visit's actual date
    assert closing.target == date(2026, 3, 5)


def test_a_previous_visit_anchor_without_a_previous_visit_for_the_arm_is_refused() -> None:
    visits = [
        {**visit("only_b", "randomization", 0, 0, 1), "arms": ["b"]},
        {**visit("closing", "previous_visit", 28, 21, 35), "arms": ["a", "b"]},
    ]
    with pytest.raises(PydanticValidationError, match="first visit of arm 'a'"):
        VisitSchedule.model_validate({"visits": visits})


# --- status -------------------------------------------------------------------------------------------------

LAB = VisitOccurrence(
    "post_injection_labs",
    1,
    schedule().visits[1].label,
    date(2026, 1, 10),
    "injection",
    date(2026, 1, 12),
    date(2026, 1, 12),
    date(2026, 1, 13),
)


def done(day: date) -> RecordedVisit:
    return RecordedVisit(visit_id=LAB.visit_id, occurrence=1, done_on=day)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        (date(2026, 1, 11), VisitStatus.UPCOMING),
        (date(2026, 1, 12), VisitStatus.DUE),
        (date(2026, 1, 13), VisitStatus.DUE),
        (date(2026, 1, 14), VisitStatus.OVERDUE),
    ],
)
def test_an_unrecorded_visit_is_upcoming_due_or_overdue(as_of: date, status: VisitStatus) -> None:
    assert visit_state(LAB, None, as_of).status is status


def test_a_visit_done_in_its_window() -> None:
    state = visit_state(LAB, done(date(2026, 1, 13)), date(2026, 2, 1))
    assert state.status is VisitStatus.DONE_IN_WINDOW and state.deviation is None


@pytest.mark.parametrize(
    ("day", "days_outside", "word"),
    [(date(2026, 1, 11), -1, "1 day(s) early"), (date(2026, 1, 16), 3, "3 day(s) late")],
)
def test_a_visit_done_out_of_its_window_suggests_a_protocol_deviation(
    day: date, days_outside: int, word: str
) -> None:
    state = visit_state(LAB, done(day), date(2026, 2, 1))
    assert state.status is VisitStatus.DONE_OUT_OF_WINDOW
    assert state.deviation is not None
    assert state.deviation.days_outside == days_outside
    assert word in state.deviation.message and "protocol deviation" in state.deviation.message


def test_a_visit_recorded_as_missed_is_missed_not_overdue() -> None:
    missed = RecordedVisit(visit_id=LAB.visit_id, occurrence=1, missed=True)
    assert visit_state(LAB, missed, date(2026, 3, 1)).status is VisitStatus.MISSED


def test_a_recorded_visit_needs_a_date_or_missed_but_not_both() -> None:
    with pytest.raises(ValidationFailed):
        RecordedVisit(visit_id="v", occurrence=1)
    with pytest.raises(ValidationFailed):
        RecordedVisit(visit_id="v", occurrence=1, done_on=date(2026, 1, 1), missed=True)


def test_overdue_list_holds_only_closed_windows_without_a_visit() -> None:
    injections = [Injection(s, date(2026, 1, d)) for s, d in [("step_1", 10), ("step_2", 13), ("step_3", 16)]]
    calendar = participant_calendar(
        schedule(), arm="exosome", randomized_on=RANDOMIZED, injections=injections
    )
    recorded = [
        RecordedVisit(visit_id="baseline", occurrence=1, done_on=RANDOMIZED),
        RecordedVisit(visit_id="post_injection_labs", occurrence=2, missed=True),
    ]
    as_of = date(2026, 1, 18)
    overdue = overdue_visits(calendar, recorded, as_of)
    assert [(s.occurrence.visit_id, s.occurrence.occurrence) for s in overdue] == [("post_injection_labs", 1)]
    states = visit_states(calendar, recorded, as_of)
    statuses = [s.status for s in states if s.occurrence.visit_id in {"baseline", "post_injection_labs"}]
    assert statuses == [VisitStatus.DONE_IN_WINDOW, VisitStatus.OVERDUE, VisitStatus.MISSED, VisitStatus.DUE]
    assert {s.status for s in states if s.occurrence.visit_id.startswith("assessment")} == {
        VisitStatus.UPCOMING
    }
