"""FHIR R4 Bundle validated by fhir.resources (R4B models); SPSS, Stata and SAS files read back by pyreadstat."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from tests.interop.synthetic import BIRTH_DATE, Trial
from trialdesk.interop.fhir import write_fhir_bundle
from trialdesk.interop.stats_packages import write_stats_package


@pytest.fixture
def bundle(trial: Trial, created_at: datetime) -> dict[str, Any]:
    chunks = write_fhir_bundle(
        trial.protocol,
        participants=trial.participants,
        values=trial.values,
        adverse_events=trial.adverse_events,
        doses=trial.doses,
        created_at=created_at,
    )
    document: dict[str, Any] = json.loads(b"".join(chunks))
    return document


def test_the_bundle_and_every_resource_validate(bundle: dict[str, Any]) -> None:
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert kinds == {
        "ResearchStudy",
        "ResearchSubject",
        "Patient",
        "Observation",
        "AdverseEvent",
        "MedicationAdministration",
    }


def test_patients_are_pseudonymous(bundle: dict[str, Any]) -> None:
    patients = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert patients and all("name" not in p and "telecom" not in p and "address" not in p for p in patients)
    assert all(len(p.get("birthDate", "")) in (0, 4) for p in patients)
    assert BIRTH_DATE not in json.dumps(bundle)


def test_subjects_carry_arm_and_status_history(bundle: dict[str, Any], trial: Trial) -> None:
    subjects = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchSubject"]
    assert {s["assignedArm"] for s in subjects} == {arm.id for arm in trial.protocol.arms}
    assert all(len(s["extension"]) == 2 for s in subjects)


def test_lab_observations_carry_loinc_and_ucum(bundle: dict[str, Any]) -> None:
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    c3 = [o for o in observations if any(c.get("code") == "4485-9" for c in o["code"]["coding"])]
    assert c3 and all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" for o in c3)
    assert {o["valueQuantity"]["code"] for o in c3} <= {"mg/dL", "g/L"}


@pytest.mark.parametrize(
    ("package", "reader", "suffix"),
    [
        ("spss", pyreadstat.read_sav, ".sav"),
        ("stata", pyreadstat.read_dta, ".dta"),
        ("sas", pyreadstat.read_xport, ".xpt"),
    ],
)
def test_stats_packages_carry_variable_and_value_labels(
    trial: Trial, tmp_path: Path, package: str, reader: Any, suffix: str
) -> None:
    path = tmp_path / f"trial{suffix}"
    path.write_bytes(write_stats_package(trial.protocol, trial.values, package=package))  # type: ignore[arg-type]
    frame, meta = reader(str(path))
    assert len(frame) == len({(v.participant, v.visit, v.occurrence) for v in trial.values})
    assert meta.column_names_to_labels["sex"] == "Sex"
    assert "birth_date" not in frame.columns
    if package != "sas":
        assert meta.variable_value_labels["sex"] == {1: "Female", 2: "Male"}
        assert meta.variable_value_labels["fasting"] == {1: "Yes", 0: "No"}
