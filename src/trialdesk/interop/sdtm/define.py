"""Define-XML 2.1 for the SDTM datasets we write: standards, datasets, variables, code lists, origins.

Validated in the tests against the Define-XML 2.1 schema that odmlib ships (it imports the ODM 1.3.2
foundation). Controlled terminology that is not verified in this project carries a def:CommentDef saying so.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import datetime

from lxml import etree

from trialdesk.interop.odm_metadata import ODM_NS
from trialdesk.interop.odm_xml import XML_LANG
from trialdesk.interop.sdtm import terminology as ct
from trialdesk.interop.sdtm.spec import DOMAINS, Domain, Variable
from trialdesk.protocol.schema import Protocol

DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
NSMAP = {None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS}
PURPOSE = "Tabulation"
ORIGIN_ASSIGNED = {"STUDYID", "DOMAIN", "USUBJID"}
UNVERIFIED_COMMENT = "COM.CT.UNVERIFIED"


def _odm(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _def(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


def _sub(
    parent: etree._Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None
) -> etree._Element:
    child = etree.SubElement(parent, tag, {k: v for k, v in (attrib or {}).items() if v is not None})
    if text is not None:
        child.text = text
    return child


def _description(parent: etree._Element, text: str) -> None:
    holder = _sub(parent, _odm("Description"))
    _sub(holder, _odm("TranslatedText"), {XML_LANG: "en"}, text)


def _code_lists(protocol: Protocol) -> dict[str, tuple[ct.CodeList, tuple[str, ...]]]:
    """variable name -> (code list, the domains whose variable uses it)."""
    tests = protocol.lab_tests
    lbtestcd = ct.CodeList(
        "LBTESTCD",
        ct.CODELIST_CODES["LBTESTCD"],
        True,
        tuple(
            ct.Term(t.test_code, ct.TESTCD_VERIFIED.get(t.test_code), t.test_code in ct.TESTCD_VERIFIED)
            for t in dict((t.test_code, t) for t in tests if t.domain == "LB").values()
        ),
    )
    istestcd = ct.CodeList(
        "ISTESTCD",
        ct.CODELIST_CODES["ISTESTCD"],
        True,
        tuple(
            ct.Term(code, ct.TESTCD_VERIFIED.get(code), code in ct.TESTCD_VERIFIED)
            for code in dict.fromkeys(t.test_code for t in tests if t.domain == "IS")
        ),
    )
    agents = ct.CodeList(
        "ISBDAGNT",
        ct.CODELIST_CODES["ISBDAGNT"],
        True,
        tuple(
            ct.Term(a, ct.ISBDAGNT_VERIFIED.get(a), a in ct.ISBDAGNT_VERIFIED)
            for a in dict.fromkeys(t.binding_agent for t in tests if t.binding_agent)
        ),
    )
    return {
        "SEX": (ct.SEX, ("DM",)),
        "AGEU": (ct.AGEU, ("DM",)),
        "AESER": (ct.NY, ("AE",)),
        "LBFAST": (ct.NY, ("LB",)),
        "LBNRIND": (ct.NRIND, ("LB",)),
        "EXROUTE": (ct.ROUTE, ("EX",)),
        "IECAT": (ct.IECAT, ("IE", "TI")),
        "LBTESTCD": (lbtestcd, ("LB",)),
        "ISTESTCD": (istestcd, ("IS",)),
        "ISBDAGNT": (agents, ("IS",)),
    }


def write_define(
    protocol: Protocol, *, domains: Sequence[str], created_at: datetime, dataset_format: str = "xpt"
) -> Iterator[bytes]:
    """define.xml 2.1 describing `domains`, each in its file `<domain>.xpt` or `<domain>.json`."""
    root, mdv = _document(protocol, created_at)
    lists = _code_lists(protocol)
    specs = [DOMAINS[name] for name in domains]
    for spec in specs:
        mdv.append(_item_group(spec, dataset_format))
    for spec in specs:
        for variable in spec.variables:
            mdv.append(_item_def(spec, variable, lists))
    used = {name: entry for name, entry in lists.items() if any(name in s.names for s in specs)}
    for name, (code_list, _) in used.items():
        mdv.append(_code_list(name, code_list))
    comment = _sub(mdv, _def("CommentDef"), {"OID": UNVERIFIED_COMMENT})
    _description(
        comment,
        "Terms without an NCI code were not verified against a CDISC CT file in this project "
        f"(verified: the terms of CDISC SDTM CT {ct.CT_VERSION} cited in the domain facts sheet).",
    )
    buffer = io.BytesIO()
    etree.ElementTree(root).write(buffer, xml_declaration=True, encoding="utf-8", pretty_print=True)
    yield buffer.getvalue()


def _document(protocol: Protocol, created_at: datetime) -> tuple[etree._Element, etree._Element]:
    """The ODM root with the study, its global variables and the MetaDataVersion with its standards."""
    attributes = {
        "FileType": "Snapshot",
        "FileOID": f"DEFINE.{protocol.id}",
        "CreationDateTime": created_at.replace(microsecond=0).isoformat(),
        "ODMVersion": "1.3.2",
        "Originator": "trialdesk",
        "SourceSystem": "trialdesk",
        "SourceSystemVersion": "0.1.0",
        _def("Context"): "Submission",
    }
    root = etree.Element(_odm("ODM"), attributes, nsmap=NSMAP)  # type: ignore[arg-type]  # None: default namespace
    study = _sub(root, _odm("Study"), {"OID": f"ST.{protocol.id}"})
    variables = _sub(study, _odm("GlobalVariables"))
    _sub(variables, _odm("StudyName"), text=protocol.id)
    _sub(variables, _odm("StudyDescription"), text=protocol.registration.scientific_title.en)
    _sub(variables, _odm("ProtocolName"), text=protocol.id)
    mdv_attributes = {
        "OID": "MDV.SDTM",
        "Name": f"SDTM datasets of {protocol.id}",
        _def("DefineVersion"): "2.1.0",
    }
    mdv = _sub(study, _odm("MetaDataVersion"), mdv_attributes)
    standards = _sub(mdv, _def("Standards"))
    ig = {
        "OID": "STD.SDTMIG",
        "Name": "SDTMIG",
        "Type": "IG",
        "Version": ct.SDTMIG_VERSION,
        "Status": "Final",
    }
    _sub(standards, _def("Standard"), ig)
    terminology = {"OID": "STD.CT", "Name": "CDISC/NCI", "Type": "CT", "PublishingSet": "SDTM"}
    _sub(standards, _def("Standard"), {**terminology, "Version": ct.CT_VERSION, "Status": "Final"})
    return root, mdv


def _item_group(spec: Domain, dataset_format: str) -> etree._Element:
    leaf_id = f"LF.{spec.name}"
    node = etree.Element(
        _odm("ItemGroupDef"),
        {
            "OID": f"IG.{spec.name}",
            "Name": spec.name,
            "Repeating": "No" if spec.name == "DM" else "Yes",
            "IsReferenceData": "Yes" if spec.sdtm_class == "TRIAL DESIGN" else "No",
            "SASDatasetName": spec.name,
            "Purpose": PURPOSE,
            _def("Structure"): spec.structure,
            _def("StandardOID"): "STD.SDTMIG",
            _def("ArchiveLocationID"): leaf_id,
        },
    )
    _description(node, spec.label)
    for order, variable in enumerate(spec.variables, start=1):
        attrib = {
            "ItemOID": f"IT.{spec.name}.{variable.name}",
            "OrderNumber": str(order),
            "Mandatory": "Yes" if variable.role == "Identifier" or variable.role == "Topic" else "No",
        }
        if variable.name in spec.keys:
            attrib["KeySequence"] = str(spec.keys.index(variable.name) + 1)
        attrib["Role"] = variable.role
        _sub(node, _odm("ItemRef"), attrib)
    _sub(node, _def("Class"), {"Name": spec.sdtm_class})
    file_name = f"{spec.name.lower()}.{dataset_format}"
    leaf = _sub(node, _def("leaf"), {"ID": leaf_id, f"{{{XLINK_NS}}}href": file_name})
    _sub(leaf, _def("title"), text=file_name)
    return node


def _item_def(
    spec: Domain, variable: Variable, lists: dict[str, tuple[ct.CodeList, tuple[str, ...]]]
) -> etree._Element:
    data_type = "text"
    if variable.numeric:
        data_type = (
            "integer"
            if variable.name.endswith(("SEQ", "DY"))
            or variable.name in ("AGE", "VISITNUM", "TAETORD", "VISITDY")
            else "float"
        )
    elif variable.name.endswith("DTC"):
        data_type = "datetime"
    attrib = {
        "OID": f"IT.{spec.name}.{variable.name}",
        "Name": variable.name,
        "DataType": data_type,
        "SASFieldName": variable.name,
    }
    if data_type in ("text", "integer", "float"):
        attrib["Length"] = str(variable.length)
    if data_type == "float":
        attrib["SignificantDigits"] = "2"
    node = etree.Element(_odm("ItemDef"), attrib)
    _description(node, variable.label)
    entry = lists.get(variable.name)
    if entry is not None and spec.name in entry[1]:
        _sub(node, _odm("CodeListRef"), {"CodeListOID": f"CL.{variable.name}"})
    origin = (
        "Assigned"
        if variable.name in ORIGIN_ASSIGNED or spec.sdtm_class == "TRIAL DESIGN"
        else ("Derived" if variable.name.endswith(("SEQ", "DY", "LOBXFL")) else "Collected")
    )
    _sub(
        node,
        _def("Origin"),
        {"Type": origin, "Source": "Sponsor" if origin != "Collected" else "Investigator"},
    )
    return node


def _code_list(variable: str, code_list: ct.CodeList) -> etree._Element:
    attrib = {
        "OID": f"CL.{variable}",
        "Name": code_list.name,
        "DataType": "text",
        _def("StandardOID"): "STD.CT",
    }
    if any(not term.verified for term in code_list.terms) or not code_list.verified:
        attrib[_def("CommentOID")] = UNVERIFIED_COMMENT
    node = etree.Element(_odm("CodeList"), attrib)
    for order, term in enumerate(code_list.terms, start=1):
        item = _sub(
            node, _odm("EnumeratedItem"), {"CodedValue": term.submission_value, "OrderNumber": str(order)}
        )
        if term.nci_code:
            _sub(item, _odm("Alias"), {"Context": "nci:ExtCodeID", "Name": term.nci_code})
    if code_list.nci_code:
        _sub(node, _odm("Alias"), {"Context": "nci:ExtCodeID", "Name": code_list.nci_code})
    return node


__all__ = ["write_define"]
