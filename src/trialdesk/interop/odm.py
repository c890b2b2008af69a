"""CDISC ODM 1.3.2: the study metadata and the clinical data with their audit trail, queries and signatures.

A Transactional file: every earlier state of a value (AuditRow) is an ItemData with its TransactionType and
AuditRecord before the current value's ItemData; a query is an Annotation on its form; a signature is the
form's Signature (its meaning a SignatureDef in AdminData). Streams through the shared skeleton of
`odm_xml` (lxml's `etree.xmlfile`): the metadata first, then one FormData at a time.

Not carried: participant-level data outside forms (arm, status: SubjectData has no place for them beyond its
SiteRef), the unit conversion factors, edit checks and show_if conditions (ODM 1.3.2 has
ConditionDef but only with a sponsor expression context, left out), identifying items.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from lxml import etree

from trialdesk.interop.odm_metadata import (
    METADATA_VERSION,
    ODM13,
    admin_element,
    el,
    item_group_of,
    study_element,
    study_oid,
    sub,
    unit_oids,
)
from trialdesk.interop.odm_xml import Buckets, ClinicalStreams, oid, stream_odm
from trialdesk.interop.rows import AuditRow, FormKey, QueryRow, SignatureRow, SiteRow, UserRow, ValueRow
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
    root = {
        "FileType": "Transactional",
        "FileOID": file_oid or oid("FILE", protocol.id, created_at.strftime("%Y%m%dT%H%M%S")),
        "CreationDateTime": created_at.isoformat(),
        "ODMVersion": "1.3.2",
        "Originator": "trialdesk",
        "SourceSystem": "trialdesk",
    }
    placement = item_group_of(protocol)
    units = unit_oids(protocol)
    return stream_odm(
        protocol,
        ODM13,
        root=root,
        head=[study_element(protocol), admin_element(protocol, users, sites, signature_meanings)],
        clinical={"StudyOID": study_oid(protocol), "MetaDataVersionOID": METADATA_VERSION},
        streams=ClinicalStreams(values, audit, queries, signatures),
        form_element=lambda key, buckets: _form_data(key, buckets, placement, units),
    )


def _form_data(
    key: FormKey,
    buckets: Buckets,
    placement: dict[str, tuple[str, bool]],
    units: dict[str, str],
) -> etree._Element:
    values, audit, queries, signatures = buckets
    form = el("FormData", {"FormOID": oid("F", key[3])})
    for signature in signatures:
        form.append(ODM13.signature(signature))
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
    node.append(ODM13.audit_record(user, row.site, at, reason))
    if isinstance(row, ValueRow) and row.unit and row.unit in units:
        sub(node, "MeasurementUnitRef", {"MeasurementUnitOID": units[row.unit]})
    return node


__all__ = ["write_odm"]
