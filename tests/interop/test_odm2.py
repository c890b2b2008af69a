"""CDISC ODM 2.0: validated by the ODM 2.0 XSD shipped in odmlib (lxml) and by odmlib's ODM 2.0 OID checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from tests.interop.conftest import written_odm
from tests.interop.synthetic import BIRTH_DATE, Trial
from tests.interop.validators import validate_odm2
from trialdesk.interop.odm2 import write_odm2
from trialdesk.interop.rows import UserRow

NS = {"odm": "http://www.cdisc.org/ns/odm/v2.0"}
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def odm2_file(trial: Trial, created_at: datetime, tmp_path: Path) -> Path:
    return written_odm(write_odm2, trial, created_at, tmp_path / "study-odm2.xml")


def test_the_export_validates_against_the_odm2_xsd_and_its_oid_references(odm2_file: Path) -> None:
    validate_odm2(odm2_file)


def test_the_checks_refuse_a_schema_error_and_a_dangling_reference(odm2_file: Path, tmp_path: Path) -> None:
    data = odm2_file.read_bytes()
    broken = tmp_path / "broken.xml"
    broken.write_bytes(data.replace(b'ODMVersion="2.0"', b'ODMVersion="1.3.2"'))
    with pytest.raises(AssertionError, match="ODM 2.0 XSD"):
        validate_odm2(broken)
    for old, new in (
        (b'<ItemRef ItemOID="IT.sex"', b'<ItemRef ItemOID="IT.nowhere"'),  # odmlib's check
        (b'<UserRef UserOID="USR.', b'<UserRef UserOID="USR.nobody.'),  # our walk: AdminData
        (b'<ItemData ItemOID="IT.sex"', b'<ItemData ItemOID="IT.c3"'),  # our walk: not in its section
    ):
        dangling = tmp_path / "dangling.xml"
        dangling.write_bytes(data.replace(old, new, 1))
        with pytest.raises(Exception):  # noqa: B017 - odmlib's OID error or our walk's AssertionError
            validate_odm2(dangling)


def test_metadata_carry_the_schedule_forms_sections_items_code_lists_and_units(
    odm2_file: Path, trial: Trial
) -> None:
    tree = etree.parse(str(odm2_file))
    visits = [v.id for v in trial.protocol.schedule.visits]  # type: ignore[union-attr]
    refs = tree.findall(".//odm:StudyEventGroupDef/odm:StudyEventRef", NS)
    assert [r.get("StudyEventOID") for r in refs] == [f"SE.{v}" for v in visits]
    assert tree.find(".//odm:ItemGroupDef[@OID='F.demographics'][@Type='Form']", NS) is not None
    assert tree.find(".//odm:ItemGroupDef[@Type='Section'][@Repeating='Simple']", NS) is not None
    decode = ".//odm:CodeList[@OID='CL.sex']/odm:CodeListItem/odm:Decode/odm:TranslatedText"
    assert {t.get(LANG) for t in tree.iterfind(decode, NS)} == {"en", "fa"}
    assert tree.find(".//odm:ItemRef[@ItemOID='IT.c3']", NS).get("UnitsItemOID") == "IT.c3.UNIT"  # type: ignore[union-attr]
    assert (
        tree.find(".//odm:CodeList[@OID='CL.c3.UNIT']/odm:CodeListItem[@CodedValue='mg/dL']", NS) is not None
    )
    assert tree.find(".//odm:MethodDef[@OID='MT.bmi']/odm:FormalExpression/odm:Code", NS) is not None
    assert tree.find(".//odm:ItemDef[@OID='IT.birth_date']", NS) is None
    assert len(tree.findall(".//odm:StudyStructure/odm:Arm", NS)) == len(trial.protocol.arms)


def test_clinical_data_carry_values_units_audit_records_queries_and_signatures(
    odm2_file: Path, trial: Trial
) -> None:
    tree = etree.parse(str(odm2_file))
    items = [d for d in tree.iterfind(".//odm:ItemData", NS) if not d.get("ItemOID", "").endswith(".UNIT")]
    exported = [v for v in trial.values if v.item != "birth_date"]
    earlier = [a for a in trial.audit if a.item != "birth_date"]
    assert len(items) == len(exported) + len(earlier)
    assert all(d.find("odm:AuditRecord/odm:UserRef", NS) is not None for d in items)
    assert len(tree.findall(".//odm:ItemData[@TransactionType='Insert']", NS)) == len(earlier)
    with_unit = [v for v in exported if v.unit]
    assert len(tree.findall(".//odm:ItemData/odm:Value", NS)) >= len(with_unit)
    forms = tree.findall(".//odm:StudyEventData/odm:ItemGroupData", NS)
    assert all(f.get("ItemGroupOID", "").startswith("F.") for f in forms)
    assert len(tree.findall(".//odm:StudyEventData/odm:ItemGroupData/odm:Signature", NS)) == len(
        trial.signatures
    )
    queries = tree.findall(".//odm:Query", NS)
    assert len(queries) == len(trial.queries)
    assert {q.get("State") for q in queries} <= {"Open", "Answered", "Closed"}
    assert all(q.find("odm:Value", NS) is not None for q in queries)
    assert tree.find(".//odm:SubjectData/odm:SiteRef", NS) is not None
    assert BIRTH_DATE.encode() not in odm2_file.read_bytes()


def test_the_writer_streams_metadata_before_reading_any_value(trial: Trial, created_at: datetime) -> None:
    def values():  # type: ignore[no-untyped-def]
        raise AssertionError("values read too early")
        yield  # pragma: no cover

    chunks = write_odm2(
        trial.protocol, values=values(), users=trial.users, sites=trial.sites, created_at=created_at
    )
    assert b"<MetaDataVersion " in next(chunks)


def test_an_earlier_signature_of_the_same_form_becomes_an_annotation(
    trial: Trial, created_at: datetime, tmp_path: Path
) -> None:
    first = trial.signatures[0]
    earlier = replace(first, signed_by="investigator2", signed_at=first.signed_at - timedelta(days=1))
    signatures = sorted([earlier, *trial.signatures], key=lambda s: (s.form_key, s.signed_at))
    path = tmp_path / "twice-signed.xml"
    path.write_bytes(
        b"".join(
            write_odm2(
                trial.protocol,
                values=trial.values,
                users=[*trial.users, UserRow("investigator2", "investigator")],
                sites=trial.sites,
                created_at=created_at,
                signatures=signatures,
            )
        )
    )
    validate_odm2(path)
    tree = etree.parse(str(path))
    assert len(tree.findall(".//odm:StudyEventData/odm:ItemGroupData/odm:Signature", NS)) == len(
        trial.signatures
    )
    notes = tree.findall(".//odm:ItemGroupData/odm:Annotation/odm:Comment/odm:TranslatedText", NS)
    assert [n.text for n in notes] == [
        f"Also signed (approval) by investigator2 at {earlier.signed_at.isoformat()}"
    ]
