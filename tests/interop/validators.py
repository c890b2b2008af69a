"""The field's own validators: the CDISC XSDs odmlib ships, odmlib's OID checks, the Dataset-JSON schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
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
