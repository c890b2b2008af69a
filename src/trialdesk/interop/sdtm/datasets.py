"""The SDTM datasets: which rows each domain needs, its records, and two writers (Dataset-JSON 1.1, XPT v5).

Dataset-JSON streams row by row (`records`, which the schema requires, is written after `rows`: JSON keys
have no order). XPT v5 goes through pyreadstat, which writes a whole pandas frame to a file path: one
domain is held in memory and written through a temporary file (the one format here that cannot stream).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from trialdesk.interop.rows import (
    AdverseEventRow,
    DoseRow,
    MedicationRow,
    ParticipantRow,
    ScreeningRow,
    ValueRow,
    VisitRow,
)
from trialdesk.interop.sdtm import design, events
from trialdesk.interop.sdtm.common import Record
from trialdesk.interop.sdtm.findings import findings_records
from trialdesk.interop.sdtm.spec import DOMAINS, Domain, Variable
from trialdesk.protocol.schema import Protocol

INTEGER_VARIABLES = frozenset({"AGE", "VISITNUM", "TAETORD", "VISITDY"})
DOMAIN_INPUTS: dict[str, tuple[str, ...]] = {
    "DM": ("participants",),
    "DS": ("participants",),
    "EX": ("participants", "doses"),
    "AE": ("participants", "adverse_events"),
    "LB": ("participants", "values"),
    "IS": ("participants", "values"),
    "VS": ("participants", "values"),
    "IE": ("screenings",),
    "SV": ("participants", "visits"),
    "CM": ("medications",),
    "TS": (),
    "TA": (),
    "TE": (),
    "TV": (),
    "TI": (),
}


def domain_records(
    protocol: Protocol,
    domain: str,
    *,
    participants: Iterable[ParticipantRow] = (),
    values: Iterable[ValueRow] = (),
    doses: Iterable[DoseRow] = (),
    adverse_events: Iterable[AdverseEventRow] = (),
    visits: Iterable[VisitRow] = (),
    screenings: Iterable[ScreeningRow] = (),
    medications: Iterable[MedicationRow] = (),
) -> Iterator[Record]:
    """The records of one domain; give the rows DOMAIN_INPUTS names (each sorted by participant)."""
    if domain in ("LB", "IS", "VS"):
        return findings_records(protocol, domain, participants, values)
    if domain == "DM":
        return events.dm_records(protocol, participants)
    if domain == "DS":
        return events.ds_records(protocol, participants)
    if domain in ("EX", "AE", "SV"):
        references = {person.code: person for person in participants}  # reference dates: one small row each
        if domain == "EX":
            return events.ex_records(protocol, doses, references)
        if domain == "AE":
            return events.ae_records(protocol, adverse_events, references)
        return events.sv_records(protocol, visits, references)
    if domain == "IE":
        return events.ie_records(protocol, screenings)
    if domain == "CM":
        return events.cm_records(protocol, medications)
    builders = {
        "TS": design.ts_records,
        "TA": design.ta_records,
        "TE": design.te_records,
        "TV": design.tv_records,
        "TI": design.ti_records,
    }
    if domain not in builders:
        raise KeyError(f"unknown SDTM domain {domain}")
    return builders[domain](protocol)


def json_type(variable: Variable) -> str:
    if not variable.numeric:
        return "string"
    if variable.name in INTEGER_VARIABLES or variable.name.endswith(("SEQ", "DY")):
        return "integer"
    return "double"


def _json_value(variable: Variable, value: Any) -> Any:
    if value is None or value == "":
        return None
    if not variable.numeric:
        return str(value)
    return int(value) if json_type(variable) == "integer" else float(value)


def write_dataset_json(
    protocol: Protocol,
    domain: str,
    records: Iterable[Record],
    *,
    created_at: datetime,
    rows_per_chunk: int = 1000,
) -> Iterator[bytes]:
    """CDISC Dataset-JSON 1.1 for one domain, streamed in chunks of rows."""
    spec = DOMAINS[domain]
    header = {
        "datasetJSONCreationDateTime": created_at.replace(microsecond=0).isoformat(),
        "datasetJSONVersion": "1.1.0",
        "fileOID": f"trialdesk.{protocol.id}.{domain}",
        "originator": "trialdesk",
        "sourceSystem": {"name": "trialdesk", "version": "0.1.0"},
        "studyOID": f"ST.{protocol.id}",
        "metaDataVersionOID": "MDV.SDTM",
        "metaDataRef": "define.xml",
        "itemGroupOID": f"IG.{domain}",
        "name": domain,
        "label": spec.label,
        "columns": [_column(spec, variable) for variable in spec.variables],
    }
    opening = json.dumps(header, ensure_ascii=False)[:-1] + ', "rows": ['
    chunk = [opening]
    count = 0
    for record in records:
        row = [_json_value(v, record.get(v.name)) for v in spec.variables]
        chunk.append(("," if count else "") + json.dumps(row, ensure_ascii=False))
        count += 1
        if count % rows_per_chunk == 0:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    chunk.append(f'], "records": {count}}}')
    yield "".join(chunk).encode("utf-8")


def _column(spec: Domain, variable: Variable) -> dict[str, Any]:
    column: dict[str, Any] = {
        "itemOID": f"IT.{spec.name}.{variable.name}",
        "name": variable.name,
        "label": variable.label,
        "dataType": json_type(variable),
    }
    if not variable.numeric:
        column["length"] = variable.length
    if variable.name in spec.keys:
        column["keySequence"] = spec.keys.index(variable.name) + 1
    return column


def write_xpt(protocol: Protocol, domain: str, records: Iterable[Record]) -> bytes:
    """SAS transport v5 for one domain through pyreadstat (a whole-domain frame: XPT cannot be appended)."""
    import pandas as pd
    import pyreadstat

    spec = DOMAINS[domain]
    columns: dict[str, list[Any]] = {v.name: [] for v in spec.variables}
    for record in records:
        for variable in spec.variables:
            value = record.get(variable.name)
            if variable.numeric:
                columns[variable.name].append(
                    float(value) if isinstance(value, int | float | Decimal) else float("nan")
                )
            else:
                columns[variable.name].append("" if value is None else str(value))
    frame = pd.DataFrame(columns)
    descriptor, path = tempfile.mkstemp(suffix=".xpt")
    os.close(descriptor)
    try:
        pyreadstat.write_xport(
            frame,
            path,
            file_format_version=5,
            table_name=domain,
            file_label=spec.label,
            column_labels=[v.label for v in spec.variables],
        )
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        os.unlink(path)


__all__ = ["DOMAIN_INPUTS", "domain_records", "write_dataset_json", "write_xpt"]
