"""Each export format: its file name(s) and the writer call that turns the study's rows into bytes.

A builder returns a list of (file name, media type, chunk factory); a factory runs its SELECTs only when
called, so an SDTM export reads one domain at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from trialdesk.interop import codebook, csv_long, csv_wide, fhir, odm, odm2, stats_packages
from trialdesk.interop.redcap import write_redcap_dictionary
from trialdesk.interop.sdtm import (
    DOMAIN_INPUTS,
    DOMAINS,
    domain_records,
    write_dataset_json,
    write_define,
    write_xpt,
)
from trialdesk.interop.sdtm.findings import codings
from trialdesk.interop.stats_packages import StatsFormat
from trialdesk.services.exports import events, participants, rows
from trialdesk.services.exports.common import Scope

Chunks = Callable[[], Iterator[bytes]]
FileSpec = tuple[str, str, Chunks]
CSV, XML, JSON, BINARY = "text/csv", "application/xml", "application/json", "application/octet-stream"
STATS: dict[str, tuple[str, StatsFormat]] = {
    "spss": ("sav", "spss"),
    "stata": ("dta", "stata"),
    "sas": ("xpt", "sas"),
}


def _once(data: Callable[[], bytes]) -> Chunks:
    return lambda: iter((data(),))


def _domain_inputs(scope: Scope, domain: str) -> dict[str, Any]:
    """The row streams one SDTM domain needs (findings domains read only their coded items)."""
    readers: dict[str, Callable[[], Any]] = {
        "participants": lambda: participants.participant_rows(scope),
        "values": lambda: rows.value_rows(scope, items=_findings_items(scope, domain)),
        "doses": lambda: events.dose_rows(scope),
        "adverse_events": lambda: events.adverse_event_rows(scope),
        "visits": lambda: events.visit_rows(scope),
        "screenings": lambda: events.screening_rows(scope),
        "medications": lambda: events.medication_rows(scope),
    }
    return {name: readers[name]() for name in DOMAIN_INPUTS[domain]}


def _findings_items(scope: Scope, domain: str) -> frozenset[str]:
    coded = {item for item, coding in codings(scope.protocol).items() if coding.domain == domain}
    fasting = {
        i.fasting_item
        for f in scope.protocol.forms
        for i in f.all_items()
        if i.fasting_item and i.id in coded
    }
    return frozenset(coded | {f for f in fasting if f is not None})


def sdtm_files(scope: Scope, fmt: str, created_at: datetime, domain: str | None = None) -> list[FileSpec]:
    """One file per SDTM domain (`lb.xpt` or `lb.json`), or only `domain`."""
    protocol = scope.protocol
    names = [domain] if domain else list(DOMAINS)
    out: list[FileSpec] = []
    for name in names:

        def chunks(name: str = name) -> Iterator[bytes]:
            records = domain_records(protocol, name, **_domain_inputs(scope, name))
            if fmt == "sdtm-xpt":
                return iter((write_xpt(protocol, name, records),))
            return write_dataset_json(protocol, name, records, created_at=created_at)

        suffix, media = ("xpt", BINARY) if fmt == "sdtm-xpt" else ("json", JSON)
        out.append((f"{name.lower()}.{suffix}", media, chunks))
    return out


def files_of(scope: Scope, fmt: str, created_at: datetime, prefix: str) -> list[FileSpec]:
    """The file(s) of a non-SDTM format."""
    protocol = scope.protocol
    values: Chunks
    if fmt == "csv":
        values = lambda: csv_long.write_csv_long(protocol, rows.value_rows(scope))  # noqa: E731
        return [(f"{prefix}-values.csv", CSV, values)]
    if fmt == "csv-wide":
        return [
            (f"{prefix}-wide.csv", CSV, lambda: csv_wide.write_csv_wide(protocol, rows.value_rows(scope)))
        ]
    if fmt == "codebook":
        return [(f"{prefix}-codebook.csv", CSV, lambda: codebook.write_codebook(protocol))]
    if fmt in STATS:
        suffix, package = STATS[fmt]
        data = _once(
            lambda: stats_packages.write_stats_package(protocol, rows.value_rows(scope), package=package)
        )
        return [(f"{prefix}.{suffix}", BINARY, data)]
    if fmt in ("odm", "odm2"):
        return [(f"{prefix}-{fmt}.xml", XML, lambda: _odm(scope, created_at, version=fmt))]
    if fmt == "define":
        define = lambda: write_define(protocol, domains=list(DOMAINS), created_at=created_at)  # noqa: E731
        return [("define.xml", XML, define)]
    if fmt == "fhir":
        return [(f"{prefix}-fhir.json", JSON, lambda: _fhir(scope, created_at))]
    if fmt == "redcap-dictionary":
        return [(f"{prefix}-redcap-dictionary.csv", CSV, lambda: write_redcap_dictionary(protocol))]
    raise KeyError(fmt)


def _odm(scope: Scope, created_at: datetime, *, version: str) -> Iterator[bytes]:
    """ODM 1.3.2 (`odm`) or ODM 2.0 (`odm2`): the same row streams."""
    writer = odm2.write_odm2 if version == "odm2" else odm.write_odm
    return writer(
        scope.protocol,
        values=rows.value_rows(scope),
        users=events.user_rows(scope),
        sites=events.site_rows(scope),
        created_at=created_at,
        audit=rows.audit_rows(scope),
        queries=rows.query_rows(scope),
        signatures=rows.signature_rows(scope),
    )


def _fhir(scope: Scope, created_at: datetime) -> Iterator[bytes]:
    return fhir.write_fhir_bundle(
        scope.protocol,
        participants=participants.participant_rows(scope),
        values=rows.value_rows(scope),
        adverse_events=events.adverse_event_rows(scope),
        doses=events.dose_rows(scope),
        created_at=created_at,
    )
