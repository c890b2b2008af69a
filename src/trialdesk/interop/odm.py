"""CDISC ODM 1.3.2: the study metadata and the clinical data with their audit trail, queries and signatures.

A Transactional file: every earlier state of a value (AuditRow) is an ItemData with its TransactionType and
AuditRecord before the current value's ItemData; a query is an Annotation on its form; a signature is the
form's Signature (its meaning a SignatureDef in AdminData). Streams through lxml's `etree.xmlfile`: the
metadata are written first, then one FormData at a time; value, audit, query and signature streams are
merged on their `form_key` (all four sorted by participant, visit, occurrence, form).

Not carried: participant-level data outside forms (arm, status: SubjectData has no place for them beyond a
site reference), the unit conversion factors, edit checks and show_if conditions (ODM 1.3.2 has
ConditionDef but only with a sponsor expression context, left out), identifying items.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from lxml import etree

from trialdesk.interop.catalogue import merge_by_key, without_identifying
from trialdesk.interop.odm_metadata import (
    METADATA_VERSION,
    ODM_NS,
    admin_element,
    el,
    item_group_of,
    oid,
    study_element,
    study_oid,
    sub,
    unit_oids,
)
from trialdesk.interop.rows import AuditRow, QueryRow, SignatureRow, SiteRow, UserRow, ValueRow
from trialdesk.protocol.schema import Protocol

TRANSACTION = {"insert": "Insert", "update": "Update", "remove": "Remove"}


def write_odm(
    protocol: Protocol,
    *,
    values: Iterable[ValueRow],
    users: Sequence[UserRow],
    sites: Sequence[SiteRow],
    created_at: datetime,
    audit: Iterable[AuditRow] = (),
    queries: Iterable[QueryRow] = (),
    signatures: Iterable[SignatureRow] = (),
    signature_meanings: Sequence[str] = ("approval",),
    file_oid: str | None = None,
) -> Iterator[bytes]:
    """ODM 1.3.2 XML as UTF-8 byte chunks: metadata, AdminData, then ClinicalData one form at a time."""
    buffer = io.BytesIO()
    attributes = {
        "FileType": "Transactional",
        "FileOID": file_oid or oid("FILE", protocol.id, created_at.strftime("%Y%m%dT%H%M%S")),
        "CreationDateTime": created_at.isoformat(),
        "ODMVersion": "1.3.2",
        "Originator": "trialdesk",
        "SourceSystem": "trialdesk",
    }
    placement = item_group_of(protocol)
    units = unit_oids(protocol)
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{ODM_NS}}}ODM", attributes, nsmap={None: ODM_NS}):
            xf.write(study_element(protocol))
            xf.write(admin_element(protocol, users, sites, signature_meanings))
            yield _drain(buffer)
            with xf.element(
                f"{{{ODM_NS}}}ClinicalData",
                {"StudyOID": study_oid(protocol), "MetaDataVersionOID": METADATA_VERSION},
            ):
                merged = merge_by_key(
                    lambda row: row.form_key,
                    without_identifying(protocol, values),
                    without_identifying(protocol, audit),
                    queries,
                    signatures,
                )
                for participant, forms in itertools.groupby(merged, key=lambda pair: pair[0][0]):
                    with xf.element(f"{{{ODM_NS}}}SubjectData", {"SubjectKey": participant}):
                        for (visit, occurrence), visit_forms in itertools.groupby(
                            forms, key=lambda pair: pair[0][1:3]
                        ):
                            event = {
                                "StudyEventOID": oid("SE", visit),
                                "StudyEventRepeatKey": str(occurrence),
                            }
                            with xf.element(f"{{{ODM_NS}}}StudyEventData", event):
                                for key, buckets in visit_forms:
                                    xf.write(_form_data(key[3], buckets, placement, units))
                    yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


def _form_data(
    form_id: str,
    buckets: list[list[object]],
    placement: dict[str, tuple[str, bool]],
    units: dict[str, str],
) -> etree._Element:
    values, audit, queries, signatures = buckets
    form = el("FormData", {"FormOID": oid("F", form_id)})
    for signature in signatures:
        assert isinstance(signature, SignatureRow)
        signature_id = oid(
            "SIG", *map(str, signature.form_key), signature.signed_at.strftime("%Y%m%dT%H%M%S")
        )
        node = sub(form, "Signature", {"ID": signature_id})
        sub(node, "UserRef", {"UserOID": oid("USR", signature.signed_by)})
        sub(node, "LocationRef", {"LocationOID": oid("LOC", signature.site)})
        sub(node, "SignatureRef", {"SignatureOID": oid("SD", signature.meaning)})
        sub(node, "DateTimeStamp", text=signature.signed_at.isoformat())
    for number, query in enumerate(queries, start=1):
        assert isinstance(query, QueryRow)
        note = sub(form, "Annotation", {"SeqNum": str(number)})
        about = f" on item {query.item}" if query.item else ""
        text = f"Query {query.number} ({query.status}){about}, raised by {query.raised_by} at {query.raised_at.isoformat()}: {query.text}"
        sub(note, "Comment", {"SponsorOrSite": "Sponsor"}, text)
    groups: dict[tuple[str, int], etree._Element] = {}
    for row in [*audit, *values]:
        assert isinstance(row, AuditRow | ValueRow)
        if row.item not in placement:
            continue
        group_oid, repeating = placement[row.item]
        repeat = row.group_row or 1
        group = groups.get((group_oid, repeat))
        if group is None:
            attrib = {"ItemGroupOID": group_oid}
            if repeating:
                attrib["ItemGroupRepeatKey"] = str(repeat)
            group = groups[(group_oid, repeat)] = sub(form, "ItemGroupData", attrib)
        _item_data(group, row, units)
    return form


def _item_data(group: etree._Element, row: AuditRow | ValueRow, units: dict[str, str]) -> etree._Element:
    attrib = {"ItemOID": oid("IT", row.item)}
    if isinstance(row, AuditRow):
        attrib["TransactionType"] = TRANSACTION[row.action]
        user, at, reason = row.changed_by, row.changed_at, row.reason
    else:
        user, at, reason = row.entered_by, row.entered_at, None
    if row.value is None or row.value == "":
        attrib["IsNull"] = "Yes"
    else:
        attrib["Value"] = row.value
    node = sub(group, "ItemData", attrib)
    record = sub(node, "AuditRecord")
    sub(record, "UserRef", {"UserOID": oid("USR", user)})
    sub(record, "LocationRef", {"LocationOID": oid("LOC", row.site)})
    sub(record, "DateTimeStamp", text=at.isoformat())
    if reason:
        sub(record, "ReasonForChange", text=reason)
    if isinstance(row, ValueRow) and row.unit and row.unit in units:
        sub(node, "MeasurementUnitRef", {"MeasurementUnitOID": units[row.unit]})
    return node


__all__ = ["write_odm"]
