"""Tables: counts recomputed by hand from the frames, Persian digits, byte-identical serialization."""

from __future__ import annotations

import pytest

from trialdesk.analysis.results import AnalysisInputs, Results, analyse_trial, build_measurements
from trialdesk.analysis.safety_tables import adverse_event_table, lab_shift_table
from trialdesk.analysis.synthetic import SimulatedTrial, simulate_trial
from trialdesk.analysis.tables import baseline_table, localize, serialize
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol

ARMS = [("exosome", "Exosome"), ("control", "Control")]


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol(default_study_path())


@pytest.fixture(scope="module")
def trial() -> SimulatedTrial:
    return simulate_trial(20)


def _inputs(trial: SimulatedTrial) -> AnalysisInputs:
    return AnalysisInputs(
        trial.participants, trial.screening, trial.assessments, trial.adverse_events, trial.doses
    )


@pytest.fixture(scope="module")
def results(protocol: Protocol, trial: SimulatedTrial) -> Results:
    return analyse_trial(protocol, _inputs(trial), with_figures=False)


def test_the_same_input_gives_byte_identical_tables_and_datasets(
    protocol: Protocol, trial: SimulatedTrial, results: Results
) -> None:
    again = analyse_trial(protocol, _inputs(trial), with_figures=False)
    assert serialize(again.tables) == serialize(results.tables)
    assert [f.sha256 for f in again.datasets] == [f.sha256 for f in results.datasets]
    assert again.consort_svg == results.consort_svg


def test_every_endpoint_has_a_table_naming_its_methods(protocol: Protocol, results: Results) -> None:
    assert protocol.analysis is not None
    ids = {t.id for t in results.tables}
    for endpoint in protocol.analysis.endpoints:
        assert f"outcome_{endpoint.id}" in ids
    glucose = next(t for t in results.tables if t.id == "outcome_glucose")
    assert any(note.startswith("ANCOVA") for note in glucose.notes)
    assert any("Hodges-Lehmann" in note for note in glucose.notes)
    assert any("mixed model" in note and "converge" in note for note in glucose.notes)


def test_baseline_counts_match_the_frame(trial: SimulatedTrial) -> None:
    table = baseline_table(trial.participants, ARMS)
    people = trial.participants
    assert table.rows[0][1:] == tuple(
        str(n)
        for n in (
            int((people["arm_randomized"] == "exosome").sum()),
            int((people["arm_randomized"] == "control").sum()),
            len(people),
        )
    )
    female = int(((people["arm_randomized"] == "exosome") & (people["sex"] == "female")).sum())
    assert table.rows[3][1].startswith(f"{female} (")


def test_adverse_events_count_each_participant_once_at_the_worst_grade(trial: SimulatedTrial) -> None:
    events = trial.adverse_events
    table = adverse_event_table(events, trial.participants, ARMS)
    for arm_index, (arm, _) in enumerate(ARMS):
        in_arm = events[events["arm_treated"] == arm]
        worst = in_arm.groupby("participant")["worst_grade"].max()
        row = table.rows[0]
        assert row[1 + 2 * arm_index].startswith(f"{len(worst)} (")
        for grade, n in worst.value_counts().items():
            assert f"G{grade} {n}" in row[2 + 2 * arm_index]
    assert table.rows[2][0] == "Any serious adverse event" and any(
        not cell.startswith("0") for cell in table.rows[2][1::2]
    )


def test_shift_rows_add_up_to_the_participants_with_a_baseline(
    protocol: Protocol, trial: SimulatedTrial
) -> None:
    measurements = build_measurements(protocol, trial.assessments)
    table = lab_shift_table(measurements, trial.participants, ARMS, ["glucose"], "week_0")
    with_baseline = measurements[
        (measurements["parameter"] == "glucose") & (measurements["analysis_visit"] == "week_0")
    ]
    assert sum(int(c) for row in table.rows for c in row[3:]) == len(with_baseline)


def test_persian_tables_use_persian_digits(results: Results) -> None:
    table = localize(results.tables[0], "fa")
    assert table.rows[0][1] in {"۱۰", "۹", "۱۱"} and not any(
        ch.isascii() and ch.isdigit() for ch in "".join(table.rows[1])
    )
