"""What the ODM 1.3.2 and ODM 2.0 writers share: OIDs, element building in one namespace, the audit record
and signature structures (the same in both versions), and the streaming skeleton of a file.

The skeleton writes the root element, the metadata elements, then ClinicalData with one SubjectData per
participant and one StudyEventData per visit occurrence, asking the version's own builder for each form's
element; the value, audit, query and signature streams are merged on their `form_key` (all four sorted by
participant, visit, occurrence, form). Nothing beyond one form is held in memory.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from trialdesk.interop.catalogue import merge_by_key, without_identifying
from trialdesk.interop.rows import AuditRow, FormKey, QueryRow, SignatureRow, ValueRow
from trialdesk.protocol.schema import Protocol

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
Buckets = list[list[Any]]  # values, audit rows, queries, signatures of one form


_NOT_IN_OID = re.compile(r"[^A-Za-z0-9._-]")


@functools.lru_cache(maxsize=4096)  # the same few ids (items, users, sites) recur on every value
def oid(prefix: str, *parts: str) -> str:
    """An OID from ids: characters outside [A-Za-z0-9._-] become '_'."""
    return prefix + "." + ".".join(_NOT_IN_OID.sub("_", part) for part in parts)


@dataclass(frozen=True)
class OdmNamespace:
    """Elements of one ODM version. `text_type`: ODM 2.0's required TranslatedText/@Type (1.3.2 has none)."""

    uri: str
    text_type: str | None = None

    def el(self, tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> etree._Element:
        attributes = {k: v for k, v in (attrib or {}).items() if v is not None}
        # The default namespace on every element written separately, so xmlfile writes no ns0: prefixes.
        node = etree.Element(f"{{{self.uri}}}{tag}", attributes, nsmap={None: self.uri})  # type: ignore[dict-item]  # lxml takes None for the default namespace; its stubs do not say so
        if text is not None:
            node.text = text
        return node

    def sub(
        self,
        parent: etree._Element,
        tag: str,
        attrib: dict[str, str] | None = None,
        text: str | None = None,
    ) -> etree._Element:
        attributes = {k: v for k, v in (attrib or {}).items() if v is not None}
        child = etree.SubElement(parent, f"{{{self.uri}}}{tag}", attributes)  # the parent's namespace map
        if text is not None:
            child.text = text
        return child

    def translated(self, parent: etree._Element, tag: str, en: str, fa: str | None = None) -> etree._Element:
        """`tag` holding an English and (if given) a Persian TranslatedText."""
        holder = self.sub(parent, tag)
        for language, text in (("en", en), ("fa", fa)):
            if text:
                attrib = {XML_LANG: language}
                if self.text_type:
                    attrib["Type"] = self.text_type
                self.sub(holder, "TranslatedText", attrib, text)
        return holder

    def audit_record(self, user: str, site: str, at: datetime, reason: str | None = None) -> etree._Element:
        """AuditRecord: who (a User), where (a Location), when, and why."""
        record = self.el("AuditRecord")
        self.sub(record, "UserRef", {"UserOID": oid("USR", user)})
        self.sub(record, "LocationRef", {"LocationOID": oid("LOC", site)})
        self.sub(record, "DateTimeStamp", text=at.isoformat())
        if reason:
            self.sub(record, "ReasonForChange", text=reason)
        return record

    def signature(self, row: SignatureRow) -> etree._Element:
        """A form's Signature: signer, site, meaning (a SignatureDef) and time."""
        signature_id = oid("SIG", *map(str, row.form_key), row.signed_at.strftime("%Y%m%dT%H%M%S"))
        node = self.el("Signature", {"ID": signature_id})
        self.sub(node, "UserRef", {"UserOID": oid("USR", row.signed_by)})
        self.sub(node, "LocationRef", {"LocationOID": oid("LOC", row.site)})
        self.sub(node, "SignatureRef", {"SignatureOID": oid("SD", row.meaning)})
        self.sub(node, "DateTimeStamp", text=row.signed_at.isoformat())
        return node

    def signature_defs(self, meanings: Iterable[str]) -> list[etree._Element]:
        nodes = []
        for meaning in meanings:
            node = self.el("SignatureDef", {"OID": oid("SD", meaning), "Methodology": "Electronic"})
            self.sub(node, "Meaning", text=f"Investigator {meaning} of the form's data")
            self.sub(node, "LegalReason", text="21 CFR Part 11 electronic signature")
            nodes.append(node)
        return nodes


FormBuilder = Callable[[FormKey, Buckets], etree._Element]


@dataclass(frozen=True)
class ClinicalStreams:
    values: Iterable[ValueRow]
    audit: Iterable[AuditRow]
    queries: Iterable[QueryRow]
    signatures: Iterable[SignatureRow]


def stream_odm(
    protocol: Protocol,
    ns: OdmNamespace,
    *,
    root: dict[str, str],
    head: Sequence[etree._Element],
    clinical: dict[str, str],
    streams: ClinicalStreams,
    form_element: FormBuilder,
) -> Iterator[bytes]:
    """The file as UTF-8 byte chunks: root, `head` (Study, AdminData), then ClinicalData form by form."""
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{ns.uri}}}ODM", root, nsmap={None: ns.uri}):
            for node in head:
                xf.write(node)
            yield _drain(buffer)
            with xf.element(f"{{{ns.uri}}}ClinicalData", clinical):
                merged = merge_by_key(
                    lambda row: row.form_key,
                    without_identifying(protocol, streams.values),
                    without_identifying(protocol, streams.audit),
                    streams.queries,
                    streams.signatures,
                )
                for participant, forms in itertools.groupby(merged, key=lambda pair: pair[0][0]):
                    _write_subject(xf, ns, participant, forms, form_element)
                    yield _drain(buffer)
    yield _drain(buffer)


def _write_subject(
    xf: Any,
    ns: OdmNamespace,
    participant: str,
    forms: Iterator[tuple[FormKey, Buckets]],
    form_element: FormBuilder,
) -> None:
    """SubjectData: the SiteRef (the site of the participant's first form), then the visits."""
    first = next(forms)
    with xf.element(f"{{{ns.uri}}}SubjectData", {"SubjectKey": participant}):
        site = site_of(first[1])
        if site is not None:
            xf.write(ns.el("SiteRef", {"LocationOID": oid("LOC", site)}))
        forms = itertools.chain((first,), forms)
        for (visit, occurrence), visit_forms in itertools.groupby(forms, key=lambda pair: pair[0][1:3]):
            event = {"StudyEventOID": oid("SE", visit), "StudyEventRepeatKey": str(occurrence)}
            with xf.element(f"{{{ns.uri}}}StudyEventData", event):
                for key, buckets in visit_forms:
                    xf.write(form_element(key, buckets))


def site_of(buckets: Buckets) -> str | None:
    """The site of a form's rows (values, audit rows or signatures; a query row names none)."""
    for bucket in buckets:
        for row in bucket:
            site = getattr(row, "site", None)
            if isinstance(site, str):
                return site
    return None


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


__all__ = ["XML_LANG", "ClinicalStreams", "OdmNamespace", "oid", "site_of", "stream_odm"]
