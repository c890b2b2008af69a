"""Issue 11: the two arms of the shipped study share every outcome time point (a property over the study)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.schedule import Injection, participant_calendar
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol

OUTCOME_FORMS = ("lab_panel", "sledai_2k")  # ANA, antiphospholipid antibodies, glucose, TG; SLEDAI-2K/PGA


@cache
def study() -> Protocol:
    return load_protocol(default_study_path())


def outcome_visits() -> set[str]:
    """Visits at which every outcome form is collected."""
    forms = {form.id: set(form.visits) for form in study().forms}
    return set.intersection(*(forms[f] for f in OUTCOME_FORMS))


@given(
    randomized_on=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    injection_days=st.lists(st.integers(min_value=0, max_value=220), max_size=12),
)
def test_both_arms_share_every_outcome_time_point(randomized_on: date, injection_days: list[int]) -> None:
    schedule = study().schedule
    assert schedule is not None
    injections = [Injection("step_1", randomized_on + timedelta(days=d)) for d in sorted(injection_days)]
    points = {}
    for arm, given_injections in (("exosome", injections), ("control", [])):
        calendar = participant_calendar(
            schedule, arm=arm, randomized_on=randomized_on, injections=given_injections
        )
        points[arm] = {
            (o.visit_id, o.earliest, o.target, o.latest)
            for o in calendar.occurrences
            if o.visit_id in outcome_visits()
        }
    assert points["exosome"] == points["control"]
    assert {p[0] for p in points["control"]} == outcome_visits()


def test_outcome_time_points_are_baseline_weeks_7_14_21_and_the_end_of_study() -> None:
    assert outcome_visits() == {
        "baseline",
        "assessment_w7",
        "assessment_w14",
        "assessment_w21",
        "end_of_study",
    }
    sledai = next(f for f in study().forms if f.id == "sledai_2k")
    assert "post_injection_labs" not in sledai.visits  # safety draws are extra, and exosome-only


def test_post_injection_safety_draws_are_additional_exosome_visits() -> None:
    schedule = study().schedule
    assert schedule is not None
    draws = next(v for v in schedule.visits if v.id == "post_injection_labs")
    assert draws.arms == ["exosome"] and (draws.window_earliest_days, draws.window_latest_days) == (2, 3)
