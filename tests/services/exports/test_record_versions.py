"""Data keep their version (issue 17): a laboratory panel entered under the first protocol version and one
entered after the amendment's effective date show their own form version in every export and dataset."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pyreadstat
import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.amended_seed import NEW_CONSENT, run_amendment
from tests.factories import randomized
from tests.services.casebook.helpers import labs
from trialdesk.analysis.datasets import MEASUREMENTS, to_csv_bytes
from trialdesk.analysis.results import build_measurements
from trialdesk.core.roles import Role
from trialdesk.interop.fhir import form_version_system
from trialdesk.records.models import Participant, Site, Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.consent import record_consent
from trialdesk.services.exports import export
from trialdesk.services.results import read_inputs
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import FixedClock

pytestmark = pytest.mark.django_db

OLD, NEW = "1.1", "1.2"  # the lab panel's version before and after the amendment (tests/amended_seed.py)


@pytest.fixture
def amended(actors: dict[Role, Actor], study: Study, site: Site, clock: FixedClock) -> Participant:
    """One participant: a lab panel at baseline under version 1.1, then the amendment, then a panel at week 7."""
    doctor = actors[Role.RHEUMATOLOGIST]
    p = randomized(actors, site, clock)
    today = clock.now().date()
    save_form(
        doctor,
        p,
        visit_id="baseline",
        form_id="lab_panel",
        values=labs(sample_date=today.isoformat()),
        clock=clock,
    )
    clock.advance(timedelta(days=1))
    run_amendment(actors, study, clock)
    record_consent(
        doctor, participant=p, document_version=NEW_CONSENT, consented_on=clock.now().date(), clock=clock
    )
    clock.advance(timedelta(days=48))
    values = {**labs(sample_date=clock.now().date().isoformat()), "esr": {"value": "22", "unit": "mm/h"}}
    save_form(doctor, p, visit_id="assessment_w7", form_id="lab_panel", values=values, clock=clock)
    return p


def _text(actors: dict[Role, Actor], study: Study, fmt: str) -> str:
    return b"".join(export(actors[Role.STATISTICIAN], study=study, format=fmt).chunks()).decode("utf-8-sig")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_long_csv_shows_each_value_with_the_version_it_was_entered_on(amended, actors, study) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in _rows(_text(actors, study, "csv")) if r["form"] == "lab_panel"]
    versions = {(r["visit"], r["form_version"]) for r in rows}
    assert versions == {("baseline", OLD), ("assessment_w7", NEW)}
    assert {r["form_version"] for r in rows if r["item"] == "esr"} == {NEW}


def test_the_wide_csv_has_a_version_column_per_form(amended, actors, study) -> None:  # type: ignore[no-untyped-def]
    rows = {r["visit"]: r for r in _rows(_text(actors, study, "csv-wide")) if r["c3"]}
    assert rows["baseline"]["lab_panel__version"] == OLD and rows["baseline"]["esr"] == ""
    assert rows["assessment_w7"]["lab_panel__version"] == NEW and rows["assessment_w7"]["esr"] == "22"
    assert rows["baseline"]["sledai_2k__version"] == ""  # a form not filled at that visit has no version


def test_the_codebook_describes_each_version_column_with_every_version_of_its_form(
    amended, actors, study
) -> None:  # type: ignore[no-untyped-def]
    rows = {r["variable"]: r for r in _rows(_text(actors, study, "codebook"))}
    version = rows["lab_panel__version"]
    assert version["form_version"] == NEW and version["codes"] == f"{OLD} | {NEW}"
    assert version["in_wide_csv"] == "yes" and version["label_en"].endswith(": form version")
    assert list(rows).index("lab_panel__version") < list(rows).index("c3")


def test_the_stats_packages_carry_the_version_with_a_label(amended, actors, study, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = export(actors[Role.STATISTICIAN], study=study, format="spss")
    path = tmp_path / "trial.sav"
    path.write_bytes(b"".join(made.chunks()))
    frame, meta = pyreadstat.read_sav(str(path))
    labelled = frame[frame["c3"].notna()].set_index("visit")
    assert labelled.loc["baseline", "lab_panel__version"] == OLD
    assert labelled.loc["assessment_w7", "lab_panel__version"] == NEW
    assert meta.column_names_to_labels["lab_panel__version"].endswith("(form version)")


def test_fhir_observations_are_tagged_with_their_form_version(amended, actors, study) -> None:  # type: ignore[no-untyped-def]
    bundle = json.loads(_text(actors, study, "fhir"))
    Bundle.model_validate(bundle)
    system = form_version_system(governing_protocol(study=study, purpose=Purpose.DISPLAY))
    tags: dict[str, set[str]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Observation":
            tag = next(t for t in resource["meta"]["tag"] if t["system"] == system)
            tags.setdefault(resource["effectiveDateTime"], set()).add(tag["code"])
    assert sorted(tags.values(), key=sorted) == [{OLD}, {NEW}]


def test_the_analysis_datasets_carry_each_value_s_form_version(amended, study, clock) -> None:  # type: ignore[no-untyped-def]
    protocol, inputs = read_inputs(study, clock.now().date())
    c3 = inputs.assessments[inputs.assessments["parameter"] == "c3"].set_index("study_day")
    assert list(c3["form_version"]) == [OLD, NEW]
    measurements = build_measurements(protocol, inputs.assessments)
    by_visit = measurements[measurements["parameter"] == "c3"].set_index("analysis_visit")["form_version"]
    assert set(by_visit) == {OLD, NEW}
    header = to_csv_bytes(measurements, MEASUREMENTS).decode().splitlines()[0].split(",")
    assert "form_version" in header
