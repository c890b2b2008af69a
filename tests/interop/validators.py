"""The field's own validators: the CDISC XSDs odmlib ships, odmlib's OID checks, the Dataset-JSON schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import odmlib
from lxml import etree
from odmlib import define_loader, loader, odm_loader
from odmlib.odm_parser import ODMSchemaValidator
from odmlib.oid_generator import create_oid_checker

import trialdesk.interop

SCHEMAS = Path(trialdesk.interop.__file__).parent / "schemas"


@cache
def _validator(standard: str, version: str) -> ODMSchemaValidator:
    return ODMSchemaValidator(standard=standard, version=version)


def validate_odm(path: Path) -> None:
    """ODM 1.3.2 XSD, then odmlib's OID uniqueness and reference checks (both raise on failure)."""
    _validator("odm", "1.3.2").validate_file(str(path))
    documents = loader.ODMLoader(odm_loader.XMLODMLoader(model_package="odm_1_3_2"))
    documents.open_odm_document(str(path))
    assert documents.load_odm().verify_oids(create_oid_checker("odm_1_3_2"))


def validate_odm2(path: Path) -> None:
    """ODM 2.0 XSD shipped in odmlib (lxml's XMLSchema), then odmlib's ODM 2.0 OID checks."""
    schema = _odm2_schema()
    document = etree.parse(str(path))
    if not schema.validate(document):
        raise AssertionError(f"ODM 2.0 XSD: {schema.error_log.last_error}")
    documents = loader.ODMLoader(odm_loader.XMLODMLoader(model_package="odm_2_0"))
    documents.open_odm_document(str(path))
    assert documents.load_odm().verify_oids(create_oid_checker("odm_2_0"))
    check_odm2_references(document)


ODM2 = "{http://www.cdisc.org/ns/odm/v2.0}"


def check_odm2_references(document: etree._ElementTree) -> None:  # type: ignore[type-arg]
    """odmlib checks the metadata's references only: every other *OID attribute (UnitsItemOID, the
    AdminData's and the clinical data's) must name a defined OID, and each clinical ItemGroupData/ItemData
    must be one its StudyEventDef or ItemGroupDef refers to."""
    defined = {node.get("OID") for node in document.iter() if node.get("OID")}
    for node in document.iter():
        for name, value in node.attrib.items():
            if name.endswith("OID") and name not in ("OID", "FileOID", "PriorFileOID"):
                assert value in defined, f"{node.tag} {name}={value} names no definition"
    refs: dict[str, set[str]] = {}
    for definition in document.iter(f"{ODM2}StudyEventDef", f"{ODM2}ItemGroupDef"):
        refs[definition.get("OID", "")] = {
            ref.get("ItemGroupOID") or ref.get("ItemOID") or ""
            for ref in definition.findall(f"{ODM2}ItemGroupRef") + definition.findall(f"{ODM2}ItemRef")
        }
    for data in document.iter(f"{ODM2}StudyEventData", f"{ODM2}ItemGroupData"):
        allowed = refs[data.get("StudyEventOID") or data.get("ItemGroupOID") or ""]
        for child in data.iterchildren(f"{ODM2}ItemGroupData", f"{ODM2}ItemData"):
            child_oid = child.get("ItemGroupOID") or child.get("ItemOID")
            assert child_oid in allowed, f"{child_oid} is not referred to by its parent's definition"


@cache
def _odm2_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(odmlib.__file__).parent / "schemas/odm/2.0/ODM.xsd")))


def validate_define(path: Path) -> None:
    _validator("define", "2.1").validate_file(str(path))
    documents = loader.ODMLoader(
        define_loader.XMLDefineLoader(model_package="define_2_1", ns_uri="http://www.cdisc.org/ns/def/v2.1")
    )
    documents.open_odm_document(str(path))
    assert documents.load_odm().verify_oids(create_oid_checker("define_2_1"))


def validate_dataset_json(document: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / "dataset-json-1.1.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema, cls=jsonschema.Draft201909Validator)
