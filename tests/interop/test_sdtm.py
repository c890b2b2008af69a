"""SDTM: Dataset-JSON 1.1 validated by the CDISC JSON schema, XPT v5 read back, define.xml 2.1 by its XSD."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyreadstat
import pytest

from tests.interop.synthetic import BIRTH_DATE, Trial
from tests.interop.validators import validate_dataset_json, validate_define
from trialdesk.interop.sdtm import (
    DOMAIN_INPUTS,
    DOMAINS,
    domain_records,
    write_dataset_json,
    write_define,
    write_xpt,
)
from trialdesk.interop.sdtm.common import study_day

ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?)?)?)?$")


def _inputs(trial: Trial, domain: str) -> dict[str, Any]:
    rows = {
        "participants": trial.participants,
        "values": trial.values,
        "doses": trial.doses,
        "adverse_events": trial.adverse_events,
        "visits": trial.visits,
        "screenings": trial.screenings,
        "medications": trial.medications,
    }
    return {name: rows[name] for name in DOMAIN_INPUTS[domain]}


def _dataset(trial: Trial, domain: str, created_at: datetime) -> dict[str, Any]:
    records = domain_records(trial.protocol, domain, **_inputs(trial, domain))
    document: dict[str, Any] = json.loads(
        b"".join(write_dataset_json(trial.protocol, domain, records, created_at=created_at, rows_per_chunk=7))
    )
    return document


def _column(document: dict[str, Any], name: str) -> list[Any]:
    index = [c["name"] for c in document["columns"]].index(name)
    return [row[index] for row in document["rows"]]


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_every_domain_validates_as_dataset_json(trial: Trial, domain: str, created_at: datetime) -> None:
    document = _dataset(trial, domain, created_at)
    validate_dataset_json(document)
    assert document["records"] == len(document["rows"])
    if domain != "IE":
        assert document["rows"], f"{domain} is empty"
    for column in document["columns"]:
        if column["name"].endswith("DTC"):
            assert all(value is None or ISO.match(value) for value in _column(document, column["name"]))


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_every_domain_is_written_as_xpt_version_5(trial: Trial, domain: str, tmp_path: Path) -> None:
    path = tmp_path / f"{domain.lower()}.xpt"
    path.write_bytes(
        write_xpt(trial.protocol, domain, domain_records(trial.protocol, domain, **_inputs(trial, domain)))
    )
    assert path.read_bytes().startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")
    frame, meta = pyreadstat.read_xport(str(path))
    assert list(frame.columns) == list(DOMAINS[domain].names)
    assert meta.column_names_to_labels["USUBJID" if "USUBJID" in frame.columns else "STUDYID"]


def test_define_xml_validates_against_its_schema_and_oid_references(
    trial: Trial, created_at: datetime, tmp_path: Path
) -> None:
    path = tmp_path / "define.xml"
    path.write_bytes(b"".join(write_define(trial.protocol, domains=list(DOMAINS), created_at=created_at)))
    validate_define(path)
    text = path.read_text(encoding="utf-8")
    assert 'Version="3.4"' in text and "C181353" in text and "COM.CT.UNVERIFIED" in text


def test_antinuclear_and_antiphospholipid_antibodies_are_in_is_not_lb(
    trial: Trial, created_at: datetime
) -> None:
    immunogenicity = _dataset(trial, "IS", created_at)
    pairs = set(zip(_column(immunogenicity, "ISTESTCD"), _column(immunogenicity, "ISBDAGNT"), strict=True))
    assert {
        ("ATAB", "NUCLEAR AUTOANTIGENS"),
        ("ATIGGAB", "CARDIOLIPIN"),
        ("ATIGMAB", "BETA-2 GLYCOPROTEIN 1"),
    } <= pairs
    assert not {"ATAB", "ATIGGAB", "ATIGMAB"} & set(_column(_dataset(trial, "LB", created_at), "LBTESTCD"))


def test_lab_results_carry_units_loinc_fasting_and_the_last_value_before_exposure(
    trial: Trial, created_at: datetime
) -> None:
    lab = _dataset(trial, "LB", created_at)
    rows = [dict(zip([c["name"] for c in lab["columns"]], row, strict=True)) for row in lab["rows"]]
    glucose = [r for r in rows if r["LBTESTCD"] == "GLUC"]
    assert glucose and all(r["LBSTRESU"] == "mg/dL" for r in glucose)
    assert all(r["LBLOINC"] in ("1558-6", "14771-0", "2345-7", "14749-6") for r in glucose if r["LBFAST"])
    flagged = [(r["USUBJID"], r["LBTESTCD"]) for r in rows if r["LBLOBXFL"] == "Y"]
    assert flagged and len(flagged) == len(set(flagged))
    assert all(r["LBDY"] != 0 for r in rows)


def test_study_day_has_no_day_zero() -> None:
    start = date(2026, 1, 10)
    assert study_day(date(2026, 1, 10), start) == 1
    assert study_day(date(2026, 1, 9), start) == -1
    assert study_day(date(2026, 1, 11), start) == 2
    assert study_day(None, start) is None


def test_demographics_give_the_year_of_birth_never_the_date(trial: Trial, created_at: datetime) -> None:
    dm = _dataset(trial, "DM", created_at)
    assert all(len(value) == 4 for value in _column(dm, "BRTHDTC") if value)
    assert set(_column(dm, "SEX")) <= {"F", "M", "U"}
    assert BIRTH_DATE not in json.dumps(dm)


def test_screen_failures_are_in_ie_and_the_criteria_in_ti(trial: Trial, created_at: datetime) -> None:
    ie = _dataset(trial, "IE", created_at)
    assert _column(ie, "IETESTCD") == ["INCL01"] and _column(ie, "IEORRES") == ["N"]
    assert len(_dataset(trial, "TI", created_at)["rows"]) == len(trial.protocol.criteria)
