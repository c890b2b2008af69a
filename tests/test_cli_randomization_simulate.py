"""`trialdesk randomization simulate`: the design's figures and its alternatives, with no database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trialdesk.cli import EXIT_INVALID, EXIT_OK, main
from trialdesk.protocol.loading import default_study_path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["randomization", "simulate", "--json", *args]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


def test_simulate_reports_the_seed_design_and_its_alternatives_by_name(capsys) -> None:
    data = _json(capsys, "--trials", "3000", "--seed", "18", "--effect-sizes", "0.8,1.0,1.5")

    assert data["protocol"] == "kums-exosome-sle" and data["seed"] == 18
    labels = [design["design"] for design in data["designs"]]
    assert labels == [
        "permuted blocks of 4",
        "permuted blocks of 2, 4 or 6 (random)",
        "complete randomization",
    ]
    seed_design, _varied, complete = data["designs"]
    assert seed_design["participants"] == 20 and seed_design["trials"] == 3000
    assert abs(seed_design["correct_guesses"] - 85 / 6) <= 4 * seed_design["correct_guesses_standard_error"]
    assert seed_design["enumerated"]["correct_guesses"] == pytest.approx(85 / 6)
    assert seed_design["not_balanced"] == 0
    assert complete["enumerated"]["final_imbalance"]["at_least"]["4"] == pytest.approx(0.5034, abs=1e-4)
    assert complete["enumerated"]["not_balanced"] == pytest.approx(0.8238, abs=1e-4)
    powers = {p["effect_size"]: p["t_test_exact"] for p in seed_design["power"]}
    assert powers == pytest.approx({0.8: 0.3951, 1.0: 0.5620, 1.5: 0.8870}, abs=1e-4)
    assert seed_design["type_one_error"]["t_test_exact"] == pytest.approx(0.05)


def test_the_same_seed_prints_the_same_figures(capsys) -> None:
    first = _json(capsys, "--trials", "500", "--seed", "4", "--effect-sizes", "1")
    assert _json(capsys, "--trials", "500", "--seed", "4", "--effect-sizes", "1") == first


def test_alternatives_and_a_protocol_file_can_be_chosen(tmp_path: Path, capsys) -> None:
    study = tmp_path / "study"
    shutil.copytree(default_study_path().parent, study)
    part = study / "randomization.yaml"
    part.write_text(part.read_text(encoding="utf-8").replace("block_sizes: [4]", "block_sizes: [2]"), "utf-8")

    data = _json(
        capsys,
        "--design-from",
        str(study / default_study_path().name),
        "--trials",
        "500",
        "--seed",
        "1",
        "--compare-block-sizes",
        "4",
        "--compare-block-sizes",
        "2,4,6",
        "--participants",
        "12",
    )

    labels = [design["design"] for design in data["designs"]]
    assert labels == [
        "permuted blocks of 2",
        "permuted blocks of 4",
        "permuted blocks of 2, 4 or 6 (random)",
        "complete randomization",
    ]
    assert data["designs"][0]["participants"] == 12
    assert data["designs"][0]["enumerated"]["correct_guesses"] == pytest.approx(9)  # 1/2 + 1 per block of 2


def test_the_table_names_each_figure(capsys) -> None:
    assert (
        main(["randomization", "simulate", "--trials", "500", "--seed", "2", "--effect-sizes", "1"])
        == EXIT_OK
    )
    printed = capsys.readouterr().out

    assert "seed 2" in printed and "permuted blocks of 4" in printed and "complete randomization" in printed
    for name in (
        "correct guesses of 20",
        "allocations determined",
        "P(final imbalance >= 4)",
        "power at effect size 1, t test (exact)",
        "type I error",
    ):
        assert name in printed


def test_block_sizes_that_do_not_fit_the_ratio_are_refused(capsys) -> None:
    assert main(["randomization", "simulate", "--trials", "10", "--compare-block-sizes", "3"]) == EXIT_INVALID
    assert "block_sizes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["randomization", "simulate", "--effect-sizes", "large"])
