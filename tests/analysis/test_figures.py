"""Figures: PNG/SVG bytes, deterministic, Persian text given to matplotlib the way it can draw it, and
matplotlib left alone at import time. (A Persian PNG was looked at by eye: docs/analysis.md.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from trialdesk.analysis.endpoints import endpoint_frame
from trialdesk.analysis.figures import adverse_event_figure, native_shaping, shape, trajectory_figure
from trialdesk.analysis.results import build_measurements
from trialdesk.analysis.synthetic import simulate_trial
from trialdesk.protocol.loading import default_study_path, load_protocol

PNG = b"\x89PNG\r\n\x1a\n"


def test_importing_the_package_does_not_import_matplotlib() -> None:
    code = "import sys, trialdesk.analysis.results; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_persian_is_left_logical_for_a_shaping_matplotlib_and_shaped_otherwise() -> None:
    text = "هفته ۷"
    assert shape(text, "fa", native=True) == text
    manual = shape(text, "fa", native=False)
    assert manual != text and all(
        "\ufb50" <= ch <= "\ufeff" or ch in " ۷" for ch in manual
    )  # presentation forms
    assert manual.startswith("۷")  # visual order: the number, read last, is drawn leftmost
    assert shape(text, "en") == text
    assert isinstance(native_shaping(), bool)


@pytest.fixture(scope="module")
def frames() -> tuple[object, ...]:
    protocol = load_protocol(default_study_path())
    assert protocol.analysis is not None
    trial = simulate_trial(20)
    measurements = build_measurements(protocol, trial.assessments)
    arm_of = dict(zip(trial.participants["participant"], trial.participants["arm_randomized"], strict=True))
    frame = endpoint_frame(protocol, protocol.analysis.endpoint("glucose"), measurements, arm_of)
    return protocol, trial, frame


def test_trajectories_in_persian_are_deterministic_png(frames: tuple[object, ...]) -> None:
    protocol, _, frame = frames
    plan = protocol.analysis  # type: ignore[attr-defined]
    visits = [(v.id, v.label.fa, v.target_day) for v in plan.visits]
    arms = [("exosome", "اگزوزوم"), ("control", "کنترل")]
    first = trajectory_figure(frame, arms, visits, "قند خون ناشتا", "fa")  # type: ignore[arg-type]
    assert first.startswith(PNG) and first == trajectory_figure(frame, arms, visits, "قند خون ناشتا", "fa")  # type: ignore[arg-type]


def test_adverse_events_as_svg_carry_no_date(frames: tuple[object, ...]) -> None:
    _, trial, _ = frames
    svg = adverse_event_figure(
        trial.adverse_events, trial.participants, [("exosome", "Exosome"), ("control", "Control")], fmt="svg"
    )  # type: ignore[attr-defined]
    assert svg.startswith(b"<?xml") and b"<dc:date>" not in svg
    assert svg == adverse_event_figure(
        trial.adverse_events, trial.participants, [("exosome", "Exosome"), ("control", "Control")], fmt="svg"
    )  # type: ignore[attr-defined]
