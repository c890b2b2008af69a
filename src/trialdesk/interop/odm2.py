"""CDISC ODM 2.0: the study metadata and the clinical data with their audit trail, queries and signatures.

A Transactional file. A form is an ItemGroupData (its ItemGroupDef has Type="Form") holding one
ItemGroupData per section and, inside it, one per row of a repeating group. Every earlier state of a value
(AuditRow) is an ItemData with its TransactionType and AuditRecord before the current value's ItemData; a
value with a unit is followed by its companion unit item's ItemData (ODM 2.0 has no MeasurementUnit; no
AuditRecord of its own: it was entered with the value). A query is an ODM 2.0 Query on the item's current
ItemData (on the form when the item has no value); the form's last signature is its Signature (ODM 2.0
allows one), earlier ones Annotations. Streams through the shared skeleton of `odm_xml`: the metadata
first, then one form at a time.

Not carried: participant-level data outside forms (arm, status), unit conversion factors, edit checks and
show_if conditions, a query's answers and its later changes of state (Query/@LastUpdateDatetime is when it
was raised), identifying items.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from lxml import etree

from trialdesk.interop.odm import TRANSACTION
from trialdesk.interop.odm2_metadata import (
    ODM2,
    admin_element,
    item_layout,
    study_element,
    unit_item_oid,
    unit_items,
)
from trialdesk.interop.odm_metadata import METADATA_VERSION, study_oid
from trialdesk.interop.odm_xml import Buckets, ClinicalStreams, oid, site_of, stream_odm
from trialdesk.interop.rows import AuditRow, FormKey, QueryRow, SignatureRow, SiteRow, UserRow, ValueRow
from trialdesk.protocol.schema import Protocol

SYSTEM_RAISER = "edit_check"  # raised_by of the queries an edit check raises
QUERY_STATES = {"open": "Open", "answered": "Answered", "closed": "Closed"}
QUERY_SOURCES = {"monitor": "Site Monitor", SYSTEM_RAISER: "System"}


class _Context:
    """What every form's element needs, read once from the protocol and the users."""

    def __init__(self, protocol: Protocol, users: Sequence[UserRow]) -> None:
        self.layout = item_layout(protocol)
        self.with_unit = unit_items(protocol)
        self.roles = {user.user_id: user.role for user in users}


def write_odm2(
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
    """ODM 2.0 XML as UTF-8 byte chunks: metadata, AdminData, then ClinicalData one form at a time."""
    root = {
        "FileType": "Transactional",
        "Granularity": "All",
        "FileOID": file_oid or oid("FILE", protocol.id, created_at.strftime("%Y%m%dT%H%M%S")),
        "CreationDateTime": created_at.isoformat(),
        "ODMVersion": "2.0",
        "Originator": "trialdesk",
        "SourceSystem": "trialdesk",
    }
    context = _Context(protocol, users)
    return stream_odm(
        protocol,
        ODM2,
        root=root,
        head=[study_element(protocol), admin_element(protocol, users, sites, signature_meanings)],
        clinical={"StudyOID": study_oid(protocol), "MetaDataVersionOID": METADATA_VERSION},
        streams=ClinicalStreams(values, audit, queries, signatures),
        form_element=lambda key, buckets: _form_data(key, buckets, context),
    )


def _form_data(key: FormKey, buckets: Buckets, context: _Context) -> etree._Element:
    values, audit, queries, signatures = buckets
    form = ODM2.el("ItemGroupData", {"ItemGroupOID": oid("F", key[3])})
    parents: dict[tuple[str, int], etree._Element] = {}
    current: dict[str, etree._Element] = {}  # item -> its current ItemData (the last row's)
    for row in [*audit, *values]:
        assert isinstance(row, AuditRow | ValueRow)
        if row.item not in context.layout:
            continue
        parent = _parent(form, parents, context.layout[row.item], row.group_row or 1)
        node = _item_data(row)
        parent.append(node)
        if isinstance(row, ValueRow):
            current[row.item] = node
            if row.unit and row.item in context.with_unit:
                unit = ODM2.sub(parent, "ItemData", {"ItemOID": unit_item_oid(row.item)})
                ODM2.sub(unit, "Value", text=row.unit)  # entered with the value: the value's AuditRecord
    *earlier, last = signatures or [None]
    if isinstance(last, SignatureRow):
        form.append(ODM2.signature(last))
    for number, signature in enumerate(earlier, start=1):
        assert isinstance(signature, SignatureRow)
        note = ODM2.sub(form, "Annotation", {"SeqNum": str(number)})
        text = (
            f"Also signed ({signature.meaning}) by {signature.signed_by} at {signature.signed_at.isoformat()}"
        )
        ODM2.translated(note, "Comment", text).set("SponsorOrSite", "Site")
    site = site_of(buckets)
    for query in queries:
        assert isinstance(query, QueryRow)
        target = current.get(query.item) if query.item else None
        (form if target is None else target).append(_query(query, site, context.roles))
    return form


def _parent(
    form: etree._Element,
    parents: dict[tuple[str, int], etree._Element],
    place: tuple[str, str | None],
    repeat: int,
) -> etree._Element:
    """The section's ItemGroupData (made on first use), or the repeating group's row inside it."""
    section_oid, group_oid = place
    section = parents.get((section_oid, 0))
    if section is None:
        section = parents[(section_oid, 0)] = ODM2.sub(form, "ItemGroupData", {"ItemGroupOID": section_oid})
    if group_oid is None:
        return section
    row = parents.get((group_oid, repeat))
    if row is None:
        attrib = {"ItemGroupOID": group_oid, "ItemGroupRepeatKey": str(repeat)}
        row = parents[(group_oid, repeat)] = ODM2.sub(section, "ItemGroupData", attrib)
    return row


def _item_data(row: AuditRow | ValueRow) -> etree._Element:
    attrib = {"ItemOID": oid("IT", row.item)}
    if isinstance(row, AuditRow):
        attrib["TransactionType"] = TRANSACTION[row.action]
        user, at, reason = row.changed_by, row.changed_at, row.reason
    else:
        user, at, reason = row.entered_by, row.entered_at, None
    empty = row.value is None or row.value == ""
    if empty:
        attrib["IsNull"] = "Yes"
    node = ODM2.el("ItemData", attrib)
    if not empty:
        ODM2.sub(node, "Value", text=row.value)
    node.append(ODM2.audit_record(user, row.site, at, reason))
    return node


def _query(query: QueryRow, site: str | None, roles: dict[str, str]) -> etree._Element:
    """An ODM 2.0 Query: its text as the Value, who raised it where and when as its AuditRecord."""
    raiser = SYSTEM_RAISER if query.raised_by == SYSTEM_RAISER else roles.get(query.raised_by, "")
    attrib = {
        "OID": oid("QR", query.participant, str(query.number)),
        "Source": QUERY_SOURCES.get(raiser, "Data Management"),
        "Type": "System" if raiser == SYSTEM_RAISER else "Manual",
        "State": QUERY_STATES[query.status],
        "LastUpdateDatetime": query.raised_at.isoformat(),
        "Name": f"Query {query.number}",
    }
    node = ODM2.el("Query", attrib)
    about = f"On item {query.item}: " if query.item else ""
    ODM2.sub(node, "Value", text=about + query.text)
    if site is not None and query.raised_by in roles:  # an AuditRecord must name a User and a Location
        node.append(ODM2.audit_record(query.raised_by, site, query.raised_at))
    return node


__all__ = ["write_odm2"]
