"""FHIR R4 Bundle (type collection): ResearchStudy, Patient (pseudonymous), ResearchSubject, Observation
(laboratory values with LOINC and UCUM), AdverseEvent and MedicationAdministration.

Resources are plain JSON objects written one entry at a time (the tests validate every bundle with the
`fhir.resources` R4B models: fhir.resources 8 ships R5 as default, R4B and STU3, no pure R4 package; the
resources used here are unchanged between R4 and R4B). Ids and `urn:uuid` full URLs are derived from the
study and participant codes, so references need no look-up and the stream needs no second pass.

Not carried: ResearchSubject status history (R4 has no element; R5's `progress`): written as a trialdesk
extension; the CTCAE grade (R4 `severity` is mild/moderate/severe): an extension; items outside the lab
panel (use the CSV/ODM exports); the birth date (Patient.birthDate carries the year only). The version of
the form a value was entered on (kept after an amendment) is an Observation `meta.tag` of the code system
`form_version_system(protocol)`: code = the form version, display = the form id and version.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from trialdesk.interop.rows import AdverseEventRow, DoseRow, ParticipantRow, ValueRow
from trialdesk.protocol.forms import LabTestDefinition
from trialdesk.protocol.schema import Protocol

EXTENSION_BASE = "https://trialdesk.example.org/fhir/StructureDefinition"
UCUM = "http://unitsofmeasure.org"
UCUM_CODES = {
    "mg/dL": "mg/dL",
    "g/L": "g/L",
    "mmol/L": "mmol/L",
    "IU/mL": "[IU]/mL",
    "U/mL": "U/mL",
    "GPL U/mL": "[GPL'U]/mL",
    "MPL U/mL": "[MPL'U]/mL",
    "mmHg": "mm[Hg]",
    "kg": "kg",
    "cm": "cm",
}
SUBJECT_STATUS = {
    "screening": "screening",
    "eligible": "eligible",
    "ineligible": "ineligible",
    "on_study": "on-study",
    "randomized": "on-study",
    "follow_up": "follow-up",
    "withdrawn": "withdrawn",
    "completed": "off-study",
}
AE_OUTCOME = {
    "recovered": "resolved",
    "recovering": "recovering",
    "not_recovered": "ongoing",
    "recovered_with_sequelae": "resolvedWithSequelae",
    "fatal": "fatal",
    "unknown": "unknown",
}


def form_version_system(protocol: Protocol) -> str:
    """The trialdesk code system of form versions, per study (an Observation's `meta.tag`)."""
    return f"https://trialdesk.example.org/{protocol.id}/form-version"


def _uuid(protocol: Protocol, kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'trialdesk/{protocol.id}/{kind}/{key}')}"


def _entry(protocol: Protocol, kind: str, key: str, resource: dict[str, Any]) -> dict[str, Any]:
    full_url = _uuid(protocol, kind, key)
    return {
        "fullUrl": full_url,
        "resource": {"resourceType": kind, "id": full_url.rsplit(":", 1)[1], **resource},
    }


def _ref(protocol: Protocol, kind: str, key: str) -> dict[str, str]:
    return {"reference": _uuid(protocol, kind, key)}


def _study(protocol: Protocol) -> dict[str, Any]:
    return _entry(
        protocol,
        "ResearchStudy",
        protocol.id,
        {
            "identifier": [{"system": "https://trialdesk.example.org/study", "value": protocol.id}],
            "title": protocol.registration.scientific_title.en,
            "status": "active",
            "arm": [
                {"name": arm.id, "type": {"text": arm.kind}, "description": arm.name.en}
                for arm in protocol.arms
            ],
        },
    )


def _patient(protocol: Protocol, person: ParticipantRow) -> Iterator[dict[str, Any]]:
    patient: dict[str, Any] = {
        "identifier": [
            {"system": f"https://trialdesk.example.org/{protocol.id}/participant", "value": person.code}
        ],
        "gender": person.sex,
    }
    if person.birth_year:
        patient["birthDate"] = str(person.birth_year)
    yield _entry(protocol, "Patient", person.code, patient)
    subject: dict[str, Any] = {
        "identifier": [
            {"system": f"https://trialdesk.example.org/{protocol.id}/participant", "value": person.code}
        ],
        "status": SUBJECT_STATUS.get(person.status, "on-study"),
        "study": _ref(protocol, "ResearchStudy", protocol.id),
        "individual": _ref(protocol, "Patient", person.code),
    }
    if person.arm:
        subject["assignedArm"] = subject["actualArm"] = person.arm
    if person.consented_on:
        subject["period"] = {
            "start": person.consented_on.isoformat(),
            **({"end": person.ended_on.isoformat()} if person.ended_on else {}),
        }
    if person.history:
        subject["extension"] = [
            _status_change(change.status, change.on.isoformat(), change.reason) for change in person.history
        ]
    yield _entry(protocol, "ResearchSubject", person.code, subject)


def _status_change(status: str, on: str, reason: str | None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "status", "valueCode": SUBJECT_STATUS.get(status, status.replace("_", "-"))},
        {"url": "date", "valueDate": on},
    ]
    if reason:
        parts.append({"url": "reason", "valueString": reason})
    return {"url": f"{EXTENSION_BASE}/research-subject-status-history", "extension": parts}


LABORATORY = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}


def _form_version_meta(protocol: Protocol, row: ValueRow) -> dict[str, Any]:
    tag = {"system": form_version_system(protocol), "code": row.form_version}
    return {"tag": [{**tag, "display": f"{row.form} version {row.form_version}"}]}


def _observation(
    protocol: Protocol, test: LabTestDefinition, row: ValueRow, fasting: bool | None
) -> dict[str, Any]:
    codings = [
        {"system": "http://loinc.org", "code": c.code, **({"display": c.name} if c.name else {})}
        for c in test.loinc
        if c.unit in (None, row.unit) and (c.fasting is None or c.fasting == fasting)
    ][:1]
    codings.append(
        {"system": f"https://www.cdisc.org/standards/terminology/{test.domain}TESTCD", "code": test.test_code}
    )
    observation: dict[str, Any] = {
        "meta": _form_version_meta(protocol, row),
        "status": "final",
        "category": [{"coding": [LABORATORY]}],
        "code": {"coding": codings, "text": test.label.en},
        "subject": _ref(protocol, "Patient", row.participant),
        "effectiveDateTime": (row.visit_date or row.entered_at.date()).isoformat(),
    }
    if test.result_type == "quantitative" and row.value not in (None, ""):
        quantity: dict[str, Any] = {"value": float(row.value or 0), "unit": row.unit}
        if row.unit in UCUM_CODES:
            quantity.update({"system": UCUM, "code": UCUM_CODES[row.unit]})
        observation["valueQuantity"] = quantity
        if row.reference_low is not None or row.reference_high is not None:
            observation["referenceRange"] = [
                {
                    k: {"value": float(v), "unit": row.unit}
                    for k, v in (("low", row.reference_low), ("high", row.reference_high))
                    if v is not None
                }
            ]
    else:
        observation["valueString"] = row.value
    flags = [f for f in row.flags if f in ("H", "L")]
    if flags:
        observation["interpretation"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": flags[0],
                    }
                ]
            }
        ]
    return _entry(
        protocol,
        "Observation",
        f"{row.participant}/{row.visit}/{row.occurrence}/{row.item}/{row.group_row or 0}",
        observation,
    )


def _adverse_event(protocol: Protocol, event: AdverseEventRow) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "actuality": "actual",
        "subject": _ref(protocol, "Patient", event.participant),
        "event": {"text": event.term},
        "date": event.started_on.isoformat(),
        "seriousness": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                    "code": "serious" if event.serious else "non-serious",
                }
            ]
        },
        "study": [_ref(protocol, "ResearchStudy", protocol.id)],
    }
    if event.outcome in AE_OUTCOME:
        resource["outcome"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                    "code": AE_OUTCOME[event.outcome],
                }
            ]
        }
    if event.grade is not None:
        resource["extension"] = [{"url": f"{EXTENSION_BASE}/ctcae-grade", "valueInteger": event.grade}]
    if event.relatedness:
        resource["suspectEntity"] = [
            {
                "instance": {"display": "study product"},
                "causality": [{"assessment": {"text": event.relatedness}}],
            }
        ]
    return _entry(protocol, "AdverseEvent", f"{event.participant}/{event.number}", resource)


def _administration(protocol: Protocol, dose: DoseRow) -> dict[str, Any]:
    product = protocol.dosing.product.name.en if protocol.dosing else "study product"
    medication: dict[str, Any] = {"resourceType": "Medication", "id": "product", "code": {"text": product}}
    if dose.lot:
        medication["batch"] = {"lotNumber": dose.lot}
    return _entry(
        protocol,
        "MedicationAdministration",
        f"{dose.participant}/{dose.number}",
        {
            "contained": [medication],
            "status": "completed",
            "medicationReference": {"reference": "#product"},
            "subject": _ref(protocol, "Patient", dose.participant),
            "effectiveDateTime": dose.given_at.isoformat(),
            "dosage": {
                "route": {"text": dose.route},
                "dose": {"value": float(dose.amount), "unit": dose.unit},
                **({"text": "partial dose"} if dose.partial else {}),
            },
        },
    )


def write_fhir_bundle(
    protocol: Protocol,
    *,
    participants: Iterable[ParticipantRow],
    values: Iterable[ValueRow],
    adverse_events: Iterable[AdverseEventRow],
    doses: Iterable[DoseRow],
    created_at: datetime,
) -> Iterator[bytes]:
    """A FHIR R4 Bundle as UTF-8 JSON chunks; lab values are the value rows of items with a lab test."""
    head = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"trialdesk/{protocol.id}/{created_at.isoformat()}")),
        "type": "collection",
        "timestamp": created_at.isoformat(),
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": [').encode("utf-8")
    first = True
    for entry in _entries(protocol, participants, values, adverse_events, doses):
        yield (("" if first else ",") + json.dumps(entry, ensure_ascii=False)).encode("utf-8")
        first = False
    yield b"]}"


def _entries(
    protocol: Protocol,
    participants: Iterable[ParticipantRow],
    values: Iterable[ValueRow],
    adverse_events: Iterable[AdverseEventRow],
    doses: Iterable[DoseRow],
) -> Iterator[dict[str, Any]]:
    yield _study(protocol)
    for person in participants:
        yield from _patient(protocol, person)
    tests = {t.code: t for t in protocol.lab_tests}
    item_tests = {
        i.id: (tests[i.lab_test], i.fasting_item)
        for f in protocol.forms
        for i in f.all_items()
        if i.lab_test in tests
    }
    fasting_items = {fasting for _, fasting in item_tests.values() if fasting}
    fasting_by_form: dict[tuple[str, str, int, str], bool] = {}
    for row in values:
        if row.item in fasting_items and row.value not in (None, ""):
            fasting_by_form = {row.form_key: row.value == "true"}  # one form at a time: rows come sorted
        if row.item in item_tests and row.value not in (None, ""):
            test, fasting_item = item_tests[row.item]
            yield _observation(
                protocol, test, row, fasting_by_form.get(row.form_key) if fasting_item else None
            )
    for event in adverse_events:
        yield _adverse_event(protocol, event)
    for dose in doses:
        yield _administration(protocol, dose)


__all__ = [
    "form_version_system",
    "write_fhir_bundle",
]
