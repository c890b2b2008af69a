"""The report's words in Persian, its methods section from the plan, and its CONSORT results sections."""

from __future__ import annotations

import pytest
from django.utils import translation

from trialdesk.analysis.methods import METHOD_PHRASES, VersionInForce, methods_sections
from trialdesk.analysis.results import AnalysisInputs, Results, analyse_trial
from trialdesk.analysis.sections import LISTINGS, results_sections
from trialdesk.analysis.synthetic import simulate_trial
from trialdesk.analysis.tables import localize
from trialdesk.analysis.wording import PHRASES, persian_digits, translate_text
from trialdesk.protocol.analysis import plan_hash
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol


def load_default_protocol() -> Protocol:
    return load_protocol(default_study_path())


@pytest.fixture(scope="module")
def results() -> Results:
    trial = simulate_trial(20)
    inputs = AnalysisInputs(
        trial.participants, trial.screening, trial.assessments, trial.adverse_events, trial.doses
    )
    return analyse_trial(load_default_protocol(), inputs, with_figures=False)


def marked(text: str) -> str:
    return f"«{text}»"


def test_a_phrase_is_translated_and_its_varying_parts_put_back() -> None:
    assert translate_text("Doses from lot L-7, n", marked) == "«Doses from lot L-7, n»"
    assert translate_text("  Any adverse event", marked) == "  «Any adverse event»"
    assert translate_text("• Lost to follow-up (n=2)", marked) == "• ««Lost to follow-up» (n=2)»"
    assert translate_text("Nausea", marked) == "Nausea"


def test_a_phrase_inside_a_phrase_is_translated_too() -> None:
    fisher = "Fisher's exact test, two-sided (tables no more probable than the observed)"
    note = f"{fisher}: p = 0.300 [an arm is empty]"
    assert translate_text(note, marked) == f"«««{fisher}»: p = 0.300» [«an arm is empty»]»"


def test_persian_digits_keep_the_full_stops_of_prose() -> None:
    assert persian_digits("p = 0.031, 95% CI. Done.") == "p = ۰٫۰۳۱, ۹۵٪ CI. Done."


@pytest.mark.parametrize("phrase", [*PHRASES, *METHOD_PHRASES])
def test_every_phrase_of_the_report_has_a_persian_translation(phrase: str) -> None:
    catalogue = translation.trans_real.translation("fa")._catalog  # type: ignore[attr-defined]
    assert phrase in catalogue, f"no Persian for {phrase!r}"


def test_the_methods_section_is_written_from_the_plan() -> None:
    protocol = load_default_protocol()
    plan = protocol.analysis
    assert plan is not None
    sections = methods_sections(protocol, [VersionInForce("1.0.0", "2026-01-01")])
    by_heading = {s.heading: s for s in sections}
    assert plan_hash(plan) in by_heading["Analysis plan"].paragraphs[0]
    assert by_heading["Analysis plan"].consort_item == "3"
    assert by_heading["Changes to the trial after it began"].consort_item == "10"
    outcomes = by_heading["Outcomes and how they are analysed"].paragraphs
    assert len(outcomes) == len(plan.endpoints)
    assert sum(line.startswith("Primary:") for line in outcomes) == 4
    assert "Permuted blocks of size 4, without stratification" in by_heading["Randomization"].paragraphs[0]
    assert len(by_heading["Assumptions where the registration is silent"].paragraphs) == len(plan.assumptions)


def test_the_methods_list_the_versions_once_the_protocol_changed() -> None:
    versions = [VersionInForce("1.0.0", "2026-01-01"), VersionInForce("1.1.0", "2026-06-01")]
    changes = methods_sections(load_default_protocol(), versions)[2]
    assert changes.paragraphs == (
        "Protocol version 1.0.0, in force from 2026-01-01.",
        "Protocol version 1.1.0, in force from 2026-06-01.",
    )


def test_the_methods_in_persian_have_no_english_sentence() -> None:
    protocol = load_default_protocol()
    with translation.override("fa"):
        sections = methods_sections(protocol, language="fa", translate=translation.gettext)
    english = methods_sections(protocol)
    for fa, en in zip(sections, english, strict=True):
        assert fa.heading != en.heading
        if en.heading != "Assumptions where the registration is silent":  # assumption texts are English data
            assert all(a != b for a, b in zip(fa.paragraphs, en.paragraphs, strict=True))


def test_every_table_sits_under_one_consort_item(results: Results) -> None:
    sections = results_sections(results.tables)
    placed = [t.id for s in sections for t in s.tables]
    assert sorted(placed) == sorted(t.id for t in results.tables)
    items = {s.consort_item: s for s in sections}
    assert list(items) == ["22", "23", "24", "25", "26", "27", "28", ""]
    assert all(t.id.startswith("outcome_") for t in items["26"].tables) and items["26"].tables
    assert [t.id for t in items[""].tables] == list(LISTINGS)


def test_a_persian_table_is_worded_in_persian_with_persian_digits(results: Results) -> None:
    with translation.override("fa"):
        table = localize(results.tables[0], "fa", translation.gettext)
    assert table.title == "ویژگی‌های پایه" and table.header[0] == "ویژگی"
    text = " ".join([*table.header, *(c for row in table.rows for c in row)])
    assert not any(ch.isascii() and ch.isdigit() for ch in text)


def test_a_method_name_holding_a_colon_is_still_found_in_its_note() -> None:
    ancova = "ANCOVA (OLS): change from baseline ~ arm + baseline; t-based CI"
    note = f"{ancova}: 1.20 (95% CI -0.50 to 2.00), p = 0.300"
    assert translate_text(note, marked) == f"««{ancova}»: 1.20 (95% CI -0.50 to 2.00), p = 0.300»"


def test_the_exposure_table_names_ladder_steps_by_their_labels(results: Results) -> None:
    exposure = next(t for t in results.tables if t.id == "exposure")
    labels = [row[0] for row in exposure.rows if row[0].startswith("Doses at ")]
    assert labels and not any("step_" in label for label in labels)
