"""Row contracts cannot carry identity; every CSV writer neutralises formulas; long, wide and codebook CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import datetime

import pytest

from tests.interop.synthetic import BIRTH_DATE, FORMULA, Trial
from trialdesk.interop.codebook import CODEBOOK_COLUMNS, write_codebook
from trialdesk.interop.csv_long import LONG_COLUMNS, write_csv_long
from trialdesk.interop.csv_safety import FORMULA_STARTS, safe_cell
from trialdesk.interop.csv_wide import write_csv_wide
from trialdesk.interop.redcap import write_redcap_dictionary
from trialdesk.interop.rows import ROW_CONTRACTS
from trialdesk.protocol.loading import default_study_path, parse_protocol, read_protocol_data
from trialdesk.protocol.schema import Protocol

IDENTIFYING = (
    "name",
    "first_name",
    "last_name",
    "full_name",
    "national_id",
    "phone",
    "mobile",
    "email",
    "address",
    "birth_date",
    "date_of_birth",
    "dob",
)


def _cells(chunks: object) -> list[list[str]]:
    text = b"".join(chunks).decode("utf-8-sig")  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(text)))


def _protocol_with_formula_labels() -> Protocol:
    data = read_protocol_data(default_study_path())
    item = data["forms"][0]["sections"][0]["items"][0]
    item["label"]["en"] = "=cmd|' /C calc'!A0"
    item["choices"][0]["label"]["en"] = "@SUM(1+1)"
    return parse_protocol(data)


def test_no_row_contract_has_a_field_for_identity() -> None:
    for contract in ROW_CONTRACTS:
        names = {field.name for field in dataclasses.fields(contract)}
        assert not names & set(IDENTIFYING), contract.__name__
        assert not [n for n in names if "birth" in n and n != "birth_year"], contract.__name__


def test_a_participant_row_refuses_a_name() -> None:
    from trialdesk.interop.rows import ParticipantRow

    with pytest.raises(TypeError):
        ParticipantRow(
            code="KUMS-001",
            site="KUMS",
            arm=None,
            sex="female",
            birth_year=1990,
            age_years=36,
            status="on_study",
            consented_on=None,
            randomized_on=None,
            first_dose_on=None,
            last_dose_on=None,
            ended_on=None,
            name="Jane Doe",
        )  # type: ignore[call-arg]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_starts_a_formula_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["1:40", "plain", "", "a=b", "'quoted"])
def test_other_cells_are_unchanged(text: str) -> None:
    assert safe_cell(text) == text


def test_none_becomes_an_empty_cell() -> None:
    assert safe_cell(None) == ""


def test_no_csv_writer_lets_a_formula_through(trial: Trial) -> None:
    labelled = _protocol_with_formula_labels()
    outputs = {
        "long": _cells(write_csv_long(trial.protocol, trial.values)),
        "wide": _cells(write_csv_wide(trial.protocol, trial.values)),
        "codebook": _cells(write_codebook(labelled)),
        "redcap": _cells(write_redcap_dictionary(labelled)),
    }
    for name, rows in outputs.items():
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name
    assert "'" + FORMULA in {c for row in outputs["long"] for c in row}
    assert "'=cmd|' /C calc'!A0" in {c for row in outputs["codebook"] for c in row}


def test_long_csv_has_one_row_per_value_and_never_the_identifying_item(trial: Trial) -> None:
    rows = _cells(write_csv_long(trial.protocol, trial.values))
    assert tuple(rows[0]) == LONG_COLUMNS
    identifying = [v for v in trial.values if v.item == "birth_date"]
    assert identifying and len(rows) - 1 == len(trial.values) - len(identifying)
    assert BIRTH_DATE not in {cell for row in rows for cell in row}
    lab = next(r for r in rows[1:] if r[LONG_COLUMNS.index("canonical_unit")])
    assert lab[LONG_COLUMNS.index("standardized_value")]


def test_wide_csv_has_one_row_per_participant_visit(trial: Trial) -> None:
    rows = _cells(write_csv_wide(trial.protocol, trial.values))
    visits = {(v.participant, v.visit, v.occurrence) for v in trial.values}
    assert len(rows) - 1 == len(visits)
    assert "birth_date" not in rows[0] and "c3_std" in rows[0]
    assert BIRTH_DATE not in {cell for row in rows for cell in row}


def test_codebook_lists_every_exported_item_with_both_languages(trial: Trial) -> None:
    rows = _cells(write_codebook(trial.protocol))
    assert tuple(rows[0]) == CODEBOOK_COLUMNS
    by_variable = {row[0]: dict(zip(CODEBOOK_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert "birth_date" not in by_variable
    assert by_variable["sex"]["label_fa"] == "جنس" and "female=Female" in by_variable["sex"]["codes"]
    assert by_variable["c3"]["unit"] == "mg/dL | g/L" and by_variable["c3"]["loinc"] == "4485-9"
    assert by_variable["sex"]["form_version"] == "1.0"


def test_writers_are_lazy_until_read(trial: Trial, created_at: datetime) -> None:
    def exploding():  # type: ignore[no-untyped-def]
        raise AssertionError("rows were read before the first chunk was asked for")
        yield  # pragma: no cover

    chunks = write_csv_long(trial.protocol, exploding())
    with pytest.raises(AssertionError):
        next(iter(chunks))
