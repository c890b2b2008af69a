"""Dataset specifications, analysis-visit windows, baseline and change, and deterministic files."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

from trialdesk.analysis.datasets import (
    ASSESSMENTS,
    MEASUREMENTS,
    PARTICIPANTS,
    assign_analysis_visits,
    coerce,
    dataset_files,
    derive_baseline_and_change,
    frame_of,
    to_csv_bytes,
    validate,
)
from trialdesk.analysis.synthetic import simulate_trial
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.analysis import AnalysisVisit
from trialdesk.protocol.base import Text

VISITS = [
    AnalysisVisit(
        id="week_0",
        label=Text(en="Baseline"),
        target_day=0,
        window_before_days=30,
        window_after_days=0,
        baseline=True,
    ),
    AnalysisVisit(
        id="week_7", label=Text(en="Week 7"), target_day=49, window_before_days=24, window_after_days=24
    ),
]


def _assessments(days_values: list[tuple[int, float]]) -> pd.DataFrame:
    rows = [
        {
            "participant": "P1",
            "arm": "exosome",
            "parameter": "glucose",
            "study_day": day,
            "form_version": "1.1",
            "value": value,
            "unit": "mg/dL",
            "reference_flag": "normal",
        }
        for day, value in days_values
    ]
    return coerce(frame_of(rows, ASSESSMENTS), ASSESSMENTS)


def test_the_synthetic_frames_meet_their_specifications() -> None:
    trial = simulate_trial(20)
    validate(trial.participants, PARTICIPANTS)
    validate(trial.assessments, ASSESSMENTS)


def test_rows_are_built_by_column_name_so_a_new_column_cannot_shift_the_others() -> None:
    frame = _assessments([(0, 95.0)])
    assert frame.loc[0, "form_version"] == "1.1" and frame.loc[0, "value"] == 95.0
    assert frame.loc[0, "unit"] == "mg/dL" and pd.isna(frame.loc[0, "value_code"])
    with pytest.raises(ValidationFailed) as caught:
        frame_of([{"participant": "P1", "form_verison": "1.1"}], ASSESSMENTS)
    assert "assessments.form_verison" in str(caught.value.problems[0])


def test_every_simulated_assessment_carries_its_form_version() -> None:
    trial = simulate_trial(6)
    assert trial.assessments["form_version"].notna().all()
    assert list(trial.assessments.columns) == ASSESSMENTS.names


def test_the_validator_names_every_broken_column() -> None:
    frame = simulate_trial(20).participants.drop(columns=["sex"]).assign(itt="yes", extra=1)
    frame.loc[0, "arm_randomized"] = None
    with pytest.raises(ValidationFailed) as caught:
        validate(frame, PARTICIPANTS)
    problems = {str(p) for p in caught.value.problems}
    assert "participants.sex: column missing" in problems
    assert "participants.extra: column not in the specification" in problems
    assert any(p.startswith("participants.itt: must be boolean") for p in problems)
    assert "participants.arm_randomized: must not be empty" in problems


def test_a_disallowed_value_is_named() -> None:
    frame = simulate_trial(20).participants.assign(sex=lambda f: f["sex"].replace("female", "f"))
    with pytest.raises(ValidationFailed, match="the participants dataset"):
        validate(frame, PARTICIPANTS)


def test_baseline_takes_the_last_value_on_or_before_day_0_and_ignores_older_than_the_window() -> None:
    chosen = assign_analysis_visits(
        _assessments([(-40, 1.0), (-10, 2.0), (-2, 3.0), (1, 4.0)]), VISITS, "closest_then_later"
    )
    baseline = chosen[chosen["analysis_visit"] == "week_0"]
    assert baseline["value"].tolist() == [3.0]
    assert set(chosen["analysis_visit"]) == {"week_0"}  # day 1 lies in no window


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("closest_then_later", 5.0), ("closest_then_earlier", 4.0), ("last", 6.0), ("first", 3.0)],
)
def test_the_two_values_rule_picks_one_value_per_window(rule: str, expected: float) -> None:
    frame = _assessments([(0, 1.0), (30, 3.0), (46, 4.0), (52, 5.0), (70, 6.0)])
    chosen = assign_analysis_visits(frame, VISITS, rule)  # type: ignore[arg-type]
    assert chosen.loc[chosen["analysis_visit"] == "week_7", "value"].tolist() == [expected]


def test_change_is_value_minus_baseline() -> None:
    windowed = assign_analysis_visits(_assessments([(-1, 90.0), (50, 84.5)]), VISITS, "closest_then_later")
    measurements = derive_baseline_and_change(windowed, "week_0")
    week_7 = measurements[measurements["analysis_visit"] == "week_7"].iloc[0]
    assert (week_7["baseline"], week_7["change"]) == (90.0, -5.5)
    validate(measurements, MEASUREMENTS)


def test_files_are_deterministic_and_carry_their_sha256() -> None:
    trial = simulate_trial(20)
    shuffled = trial.participants.sample(frac=1, random_state=1)
    csv, parquet = dataset_files(trial.participants, PARTICIPANTS)
    again_csv, again_parquet = dataset_files(shuffled, PARTICIPANTS)
    assert csv.content == again_csv.content and parquet.content == again_parquet.content
    assert csv.sha256 == hashlib.sha256(csv.content).hexdigest() and csv.filename == "participants.csv"
    assert csv.content.startswith(b"participant,arm_randomized,") and b"\r" not in csv.content
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column_names == PARTICIPANTS.names and table.num_rows == 20
    assert to_csv_bytes(trial.participants, PARTICIPANTS) == csv.content


def test_a_text_cell_starting_like_a_formula_is_made_inert_in_the_csv_but_numbers_stay_numbers() -> None:
    frame = _assessments([(0, -2.5)])
    frame["unit"] = '=HYPERLINK("http://x")'
    frame["participant"] = "@SUM(A1)"
    text = to_csv_bytes(frame, ASSESSMENTS).decode()
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",-2.5," in text  # a negative value is a number to every reader, not a formula
    assert "\n=" not in text and ",=" not in text
