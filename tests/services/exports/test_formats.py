"""Every format through the service from a trial made by the services, checked by the field's validators."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyreadstat
import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.interop.validators import validate_dataset_json, validate_define, validate_odm, validate_odm2
from tests.services.exports.trial import BIRTH_DATE, FORMULA, NAMES, NATIONAL_ID
from trialdesk.core.roles import Role
from trialdesk.interop.sdtm import DOMAINS
from trialdesk.services.exports import FORMATS, export, write_export

pytestmark = pytest.mark.django_db


def _bytes(actors, trial, fmt: str, **options) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(export(actors[Role.STATISTICIAN], study=trial.study, format=fmt, **options).chunks())


def test_every_format_is_pseudonymous(small_trial, actors, tmp_path: Path) -> None:
    for fmt in FORMATS:
        made = export(actors[Role.DATA_MANAGER], study=small_trial.study, format=fmt)
        write_export(made, tmp_path / fmt)
        files = [tmp_path / fmt] if not made.multi_file else sorted((tmp_path / fmt).iterdir())
        for path in files:
            data = path.read_bytes()
            secrets = (
                BIRTH_DATE.encode(),
                NATIONAL_ID.encode(),
                *(n.encode() for n in NAMES),
                b'birth_date"',
            )
            for secret in secrets:
                assert secret not in data, (fmt, path.name, secret)


def test_long_csv_neutralises_formulas_and_applies_the_cutoff(small_trial, actors) -> None:
    rows = list(csv.DictReader(io.StringIO(_bytes(actors, small_trial, "csv").decode("utf-8-sig"))))
    control = small_trial.participants[1].study_code
    pulses = {r["value"] for r in rows if r["participant"] == control and r["item"] == "heart_rate"}
    assert pulses == {"99"}
    assert all(not r["value"].startswith(("=", "+", "@")) for r in rows)
    assert any(r["value"] == "'" + FORMULA for r in rows)  # the medication's name, neutralised
    cut = _bytes(actors, small_trial, "csv", cutoff=small_trial.cutoff).decode("utf-8-sig")
    before = [r for r in csv.DictReader(io.StringIO(cut)) if r["participant"] == control]
    assert {r["value"] for r in before if r["item"] == "heart_rate"} == {"72"}
    assert {r["arm"] for r in rows} == {"exosome", "control"}


def test_odm_validates_with_audit_queries_and_signature_at_the_cutoff(small_trial, actors, tmp_path) -> None:
    path = tmp_path / "odm.xml"
    path.write_bytes(_bytes(actors, small_trial, "odm", cutoff=small_trial.cutoff))
    validate_odm(path)
    text = path.read_text(encoding="utf-8")
    assert "AuditRecord" in text and "Annotation" in text and re.search(r"<Signature[ >]", text)
    assert "Please confirm the pulse" in text


def test_odm2_validates_with_audit_queries_and_signature_at_the_cutoff(small_trial, actors, tmp_path) -> None:
    path = tmp_path / "odm2.xml"
    path.write_bytes(_bytes(actors, small_trial, "odm2", cutoff=small_trial.cutoff))
    validate_odm2(path)
    text = path.read_text(encoding="utf-8")
    assert 'ODMVersion="2.0"' in text and 'Type="Form"' in text and "AuditRecord" in text
    assert re.search(r"<Query [^>]*Source=\"Data Management\"", text) and re.search(r"<Signature[ >]", text)
    assert "Please confirm the pulse" in text
    path.write_bytes(_bytes(actors, small_trial, "odm2"))  # everything, past the cut-off too
    validate_odm2(path)


def test_define_and_dataset_json_validate(small_trial, actors, tmp_path: Path) -> None:
    (tmp_path / "define.xml").write_bytes(_bytes(actors, small_trial, "define"))
    validate_define(tmp_path / "define.xml")
    made = export(actors[Role.STATISTICIAN], study=small_trial.study, format="sdtm-json")
    write_export(made, tmp_path / "sdtm")
    assert sorted(p.name for p in (tmp_path / "sdtm").iterdir()) == sorted(
        f"{d.lower()}.json" for d in DOMAINS
    )
    for path in (tmp_path / "sdtm").iterdir():
        validate_dataset_json(json.loads(path.read_text(encoding="utf-8")))
    lb = json.loads((tmp_path / "sdtm" / "lb.json").read_text(encoding="utf-8"))
    assert lb["records"] > 0
    ae = json.loads((tmp_path / "sdtm" / "ae.json").read_text(encoding="utf-8"))
    assert ae["records"] == 1


def test_sdtm_xpt_and_stats_packages_read_back(small_trial, actors, tmp_path: Path) -> None:
    made = export(actors[Role.STATISTICIAN], study=small_trial.study, format="sdtm-xpt", domain="lb")
    assert not made.multi_file
    write_export(made, tmp_path / "lb.xpt")
    frame, _ = pyreadstat.read_xport(str(tmp_path / "lb.xpt"))
    assert len(frame) > 0 and "LBTESTCD" in frame.columns
    for fmt, reader, suffix in (
        ("spss", pyreadstat.read_sav, ".sav"),
        ("stata", pyreadstat.read_dta, ".dta"),
        ("sas", pyreadstat.read_xport, ".xpt"),
    ):
        path = tmp_path / f"data{suffix}"
        path.write_bytes(_bytes(actors, small_trial, fmt))
        frame, meta = reader(str(path))
        assert len(frame) == 2 + 0 and meta.column_labels, fmt  # two participants at baseline


def test_fhir_bundle_validates(small_trial, actors) -> None:
    bundle = json.loads(_bytes(actors, small_trial, "fhir"))
    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "ResearchSubject", "Observation", "AdverseEvent", "MedicationAdministration"} <= kinds
