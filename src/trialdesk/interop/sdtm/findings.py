"""LB, IS and VS records from value rows: the item's lab test (or findings code) says domain and test code.

Values arrive sorted by participant (then visit, occurrence, form) and are merged with the participant rows
on the code; one participant's findings are held at a time to set the last-observation-before-exposure flag.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from trialdesk.interop.catalogue import merge_by_key
from trialdesk.interop.rows import ParticipantRow, ValueRow
from trialdesk.interop.sdtm.common import (
    Record,
    iso,
    reference_start,
    sequence,
    study_day,
    usubjid,
    visit_fields,
)
from trialdesk.protocol.forms import ItemDefinition, LabTestDefinition
from trialdesk.protocol.schema import Protocol

NRIND = {"H": "HIGH", "L": "LOW"}


@dataclass(frozen=True)
class _Coding:
    domain: str
    test_code: str
    test_name: str
    item: ItemDefinition
    test: LabTestDefinition | None


def codings(protocol: Protocol) -> dict[str, _Coding]:
    """item id -> how its values are coded in LB, IS or VS (every form version)."""
    tests = {t.code: t for t in protocol.lab_tests}
    out: dict[str, _Coding] = {}
    for form in protocol.forms:
        for item in form.all_items():
            test = tests.get(item.lab_test or "")
            if test is not None:
                out[item.id] = _Coding(
                    test.domain, test.test_code, test.test_name or test.label.en, item, test
                )
            elif item.findings is not None:
                out[item.id] = _Coding(
                    item.findings.domain, item.findings.test_code, item.findings.test_name, item, None
                )
    return out


def findings_records(
    protocol: Protocol, domain: str, participants: Iterable[ParticipantRow], values: Iterable[ValueRow]
) -> Iterator[Record]:
    """The records of `domain` (LB, IS or VS), one participant at a time, with --SEQ and --LOBXFL."""
    coded = {k: v for k, v in codings(protocol).items() if v.domain == domain}
    relevant = (row for row in values if row.item in coded or _is_fasting(protocol, row.item))
    for _, (people, rows) in merge_by_key(
        lambda row: row.code if isinstance(row, ParticipantRow) else row.participant, participants, relevant
    ):
        if not people:
            continue
        person = people[0]
        records: list[Record] = []
        for _, form_rows in itertools.groupby(rows, key=lambda row: row.form_key):
            answers = list(form_rows)
            by_item = {row.item: row for row in answers}
            records.extend(
                _record(protocol, domain, person, coded[r.item], r, by_item)
                for r in answers
                if r.item in coded and r.value not in (None, "")
            )
        _flag_last_before_exposure(records, domain, reference_start(person))
        yield from sequence(records, domain)


def _is_fasting(protocol: Protocol, item_id: str) -> bool:
    return any(i.fasting_item == item_id for f in protocol.forms for i in f.all_items())


def _number(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _record(
    protocol: Protocol,
    p: str,
    person: ParticipantRow,
    coding: _Coding,
    row: ValueRow,
    by_item: dict[str, ValueRow],
) -> Record:
    visitnum, visit = visit_fields(protocol, row.visit, row.occurrence)
    quantitative = coding.item.type in ("lab", "integer", "decimal")
    standard = (
        row.standardized
        if row.standardized is not None
        else (_number(row.value) if quantitative and coding.test is None else None)
    )
    record: Record = {
        "STUDYID": protocol.id,
        "DOMAIN": p,
        "USUBJID": usubjid(protocol, person.code),
        f"{p}TESTCD": coding.test_code,
        f"{p}TEST": coding.test_name[:40],
        f"{p}ORRES": row.value,
        f"{p}ORRESU": row.unit,
        f"{p}STRESC": str(standard) if standard is not None else row.value,
        f"{p}STRESN": standard,
        f"{p}STRESU": (row.canonical_unit or row.unit) if quantitative else None,
        "VISITNUM": visitnum,
        "VISIT": visit,
        f"{p}DTC": iso(row.visit_date),
        f"{p}DY": study_day(row.visit_date, reference_start(person)),
        "_date": row.visit_date,
    }
    if coding.test is not None:
        record.update(_lab_qualifiers(p, coding.test, row, by_item, coding.item))
    return record


def _lab_qualifiers(
    p: str, test: LabTestDefinition, row: ValueRow, by_item: dict[str, ValueRow], item: ItemDefinition
) -> Record:
    fasting_row = by_item.get(item.fasting_item or "")
    fasting = None if fasting_row is None or fasting_row.value in (None, "") else fasting_row.value == "true"
    loinc = next(
        (
            c.code
            for c in test.loinc
            if c.unit in (None, row.unit) and (c.fasting is None or c.fasting == fasting)
        ),
        None,
    )
    unit = next((u for u in test.units if u.unit == row.unit), None)
    low = (
        row.reference_low
        if row.reference_low is not None
        else (unit.reference_range.min if unit and unit.reference_range else None)
    )
    high = (
        row.reference_high
        if row.reference_high is not None
        else (unit.reference_range.max if unit and unit.reference_range else None)
    )
    flag = next((NRIND[f] for f in row.flags if f in NRIND), None)
    value = _number(row.value)
    if (
        flag is None
        and test.result_type == "quantitative"
        and value is not None
        and (low, high) != (None, None)
    ):
        flag = (
            "LOW"
            if low is not None and value < low
            else "HIGH"
            if high is not None and value > high
            else "NORMAL"
        )
    out: Record = {f"{p}SPEC": test.specimen, f"{p}METHOD": test.method, f"{p}LOINC": loinc}
    if p == "IS":
        out["ISBDAGNT"] = test.binding_agent
    else:
        out.update(
            {
                "LBFAST": None if fasting is None else ("Y" if fasting else "N"),
                "LBNRIND": flag,
                "LBORNRLO": low,
                "LBORNRHI": high,
            }
        )
    return out


def _flag_last_before_exposure(records: list[Record], p: str, reference: object) -> None:
    """--LOBXFL = Y on the last non-missing result on or before the reference start, per test."""
    last: dict[tuple[object, ...], Record] = {}
    for record in records:
        when = record.pop("_date")
        if reference is not None and when is not None and when <= reference:
            key = (record[f"{p}TESTCD"], record.get("ISBDAGNT"))
            previous = last.get(key)
            if previous is None or (previous["VISITNUM"] or 0, previous[f"{p}DTC"]) <= (
                record["VISITNUM"] or 0,
                record[f"{p}DTC"],
            ):
                last[key] = record
    for record in last.values():
        record[f"{p}LOBXFL"] = "Y"
