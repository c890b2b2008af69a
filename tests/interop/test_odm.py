"""CDISC ODM 1.3.2: validated by the CDISC XSD shipped in odmlib and by odmlib's OID reference checks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from odmlib.odm_parser import ODMSchemaValidator

from tests.interop.conftest import written_odm
from tests.interop.synthetic import BIRTH_DATE, Trial
from tests.interop.validators import validate_odm
from trialdesk.interop.odm import write_odm

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}


@pytest.fixture
def odm_file(trial: Trial, created_at: datetime, tmp_path: Path) -> Path:
    return written_odm(write_odm, trial, created_at, tmp_path / "study.xml")


def test_the_export_validates_against_the_odm_xsd_and_its_oid_references(odm_file: Path) -> None:
    validate_odm(odm_file)


def test_metadata_carry_events_forms_items_code_lists_and_units(odm_file: Path, trial: Trial) -> None:
    tree = etree.parse(str(odm_file))
    assert {e.get("OID") for e in tree.iterfind(".//odm:StudyEventDef", NS)} == {
        f"SE.{v.id}" for v in trial.protocol.schedule.visits
    }  # type: ignore[union-attr]
    assert (
        tree.find(
            ".//odm:CodeList[@OID='CL.sex']/odm:CodeListItem/odm:Decode/odm:TranslatedText[@{http://www.w3.org/XML/1998/namespace}lang='fa']",
            NS,
        )
        is not None
    )
    assert tree.find(".//odm:MeasurementUnit[@Name='mg/dL']", NS) is not None
    assert tree.find(".//odm:ItemDef[@OID='IT.c3']/odm:MeasurementUnitRef", NS) is not None
    assert tree.find(".//odm:MethodDef[@OID='MT.bmi']/odm:FormalExpression", NS) is not None
    assert tree.find(".//odm:ItemDef[@OID='IT.birth_date']", NS) is None


def test_clinical_data_carry_audit_records_queries_and_signatures(odm_file: Path, trial: Trial) -> None:
    tree = etree.parse(str(odm_file))
    values = tree.findall(".//odm:ItemData", NS)
    exported = [v for v in trial.values if v.item != "birth_date"]
    earlier = [a for a in trial.audit if a.item != "birth_date"]
    assert len(values) == len(exported) + len(earlier)
    assert all(v.find("odm:AuditRecord/odm:UserRef", NS) is not None for v in values)
    assert len(tree.findall(".//odm:ItemData[@TransactionType='Insert']", NS)) == len(earlier)
    assert len(tree.findall(".//odm:FormData/odm:Signature", NS)) == len(trial.signatures)
    assert len(tree.findall(".//odm:FormData/odm:Annotation/odm:Comment", NS)) == len(trial.queries)
    assert BIRTH_DATE.encode() not in odm_file.read_bytes()


def test_the_validator_refuses_a_broken_file(odm_file: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(odm_file.read_bytes().replace(b'ODMVersion="1.3.2"', b'ODMVersion="9.9"'))
    with pytest.raises(Exception):  # noqa: B017 - xmlschema's own validation error
        ODMSchemaValidator(standard="odm", version="1.3.2").validate_file(str(broken))


def test_the_writer_streams_metadata_before_reading_any_value(trial: Trial, created_at: datetime) -> None:
    def values():  # type: ignore[no-untyped-def]
        raise AssertionError("values read too early")
        yield  # pragma: no cover

    chunks = write_odm(
        trial.protocol, values=values(), users=trial.users, sites=trial.sites, created_at=created_at
    )
    assert b"<MetaDataVersion " in next(chunks)
