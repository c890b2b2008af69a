"""CDISC ODM 1.3.2 study metadata from the protocol: events, forms, item groups, items, code lists, units,
computation methods; and the AdminData (users, sites, signature meanings) the clinical data refer to."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from lxml import etree

from trialdesk.interop.catalogue import current_forms, identifying_item_ids
from trialdesk.interop.rows import SiteRow, UserRow
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
METADATA_VERSION = "MDV.1"
DATA_TYPES = {
    "text": "text",
    "integer": "integer",
    "decimal": "float",
    "date": "date",
    "datetime": "datetime",
    "yes_no": "boolean",
    "single_choice": "text",
    "multiple_choice": "text",
    "ordinal": "text",
    "lab": "float",
    "calculated": "text",
}


_NOT_IN_OID = re.compile(r"[^A-Za-z0-9._-]")


@functools.lru_cache(maxsize=4096)  # the same few ids (items, users, sites) recur on every value
def oid(prefix: str, *parts: str) -> str:
    """An OID from ids: characters outside [A-Za-z0-9._-] become '_'."""
    return prefix + "." + ".".join(_NOT_IN_OID.sub("_", part) for part in parts)


def el(tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> etree._Element:
    attributes = _present(attrib)
    # The default namespace on every element written separately, so xmlfile writes no ns0: prefixes.
    node = etree.Element(f"{{{ODM_NS}}}{tag}", attributes, nsmap={None: ODM_NS})  # type: ignore[dict-item]  # lxml takes None for the default namespace; its stubs do not say so
    if text is not None:
        node.text = text
    return node


def sub(
    parent: etree._Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None
) -> etree._Element:
    """A child element: it takes the parent's default namespace (only `el` declares it)."""
    child = etree.SubElement(parent, f"{{{ODM_NS}}}{tag}", _present(attrib))
    if text is not None:
        child.text = text
    return child


def _present(attrib: dict[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in attrib.items() if v is not None} if attrib else {}


def translated(parent: etree._Element, tag: str, en: str, fa: str | None = None) -> etree._Element:
    holder = sub(parent, tag)
    sub(holder, "TranslatedText", {XML_LANG: "en"}, en)
    if fa:
        sub(holder, "TranslatedText", {XML_LANG: "fa"}, fa)
    return holder


def study_oid(protocol: Protocol) -> str:
    return oid("ST", protocol.id)


def item_group_of(protocol: Protocol) -> dict[str, tuple[str, bool]]:
    """item id -> (item group OID, repeating) over every form version (older data keep their item)."""
    placement: dict[str, tuple[str, bool]] = {}
    for form in protocol.forms:
        for section in form.sections:
            for item in section.items:
                placement[item.id] = (oid("IG", form.id, section.id), False)
            for group in section.groups:
                for item in group.items:
                    placement[item.id] = (oid("IG", form.id, group.id), True)
    return placement


def unit_oids(protocol: Protocol) -> dict[str, str]:
    names = [u.unit for t in protocol.lab_tests for u in t.units]
    names += [i.unit for f in protocol.forms for i in f.all_items() if i.unit]
    return {name: oid("MU", name) for name in dict.fromkeys(names)}


def study_element(protocol: Protocol) -> etree._Element:
    study = el("Study", {"OID": study_oid(protocol)})
    variables = sub(study, "GlobalVariables")
    sub(variables, "StudyName", text=protocol.id)
    sub(variables, "StudyDescription", text=protocol.registration.scientific_title.en)
    sub(variables, "ProtocolName", text=f"{protocol.id} {protocol.version}")
    units = unit_oids(protocol)
    if units:
        basic = sub(study, "BasicDefinitions")
        for name, unit_oid in units.items():
            unit = sub(basic, "MeasurementUnit", {"OID": unit_oid, "Name": name})
            translated(unit, "Symbol", name)
    study.append(_metadata_version(protocol, units))
    return study


def _metadata_version(protocol: Protocol, units: dict[str, str]) -> etree._Element:
    mdv = el("MetaDataVersion", {"OID": METADATA_VERSION, "Name": f"Protocol {protocol.version}"})
    forms = current_forms(protocol)
    visits = protocol.schedule.visits if protocol.schedule else []
    visit_ids = [v.id for v in visits] or sorted({v for f in forms for v in f.visits})
    plan = sub(mdv, "Protocol")
    for number, visit_id in enumerate(visit_ids, start=1):
        sub(
            plan,
            "StudyEventRef",
            {"StudyEventOID": oid("SE", visit_id), "OrderNumber": str(number), "Mandatory": "No"},
        )
    repeating = {v.id for v in visits if v.repeat is not None or v.anchor == "each_injection"}
    labels = {v.id: v.label for v in visits}
    for visit_id in visit_ids:
        event = sub(
            mdv,
            "StudyEventDef",
            {
                "OID": oid("SE", visit_id),
                "Name": labels[visit_id].en if visit_id in labels else visit_id,
                "Repeating": "Yes" if visit_id in repeating else "No",
                "Type": "Scheduled",
            },
        )
        for form in forms:
            if visit_id in form.visits:
                sub(event, "FormRef", {"FormOID": oid("F", form.id), "Mandatory": "No"})
    withheld = identifying_item_ids(protocol)
    for form in forms:
        mdv.append(_form_def(form))
    groups, items, code_lists, methods = _item_groups(protocol, withheld, units)
    for node in groups + items + code_lists + methods:
        mdv.append(node)
    return mdv


def _form_def(form: FormDefinition) -> etree._Element:
    node = el("FormDef", {"OID": oid("F", form.id), "Name": form.title.en, "Repeating": "No"})
    if form.description:
        translated(node, "Description", form.description.en, form.description.fa)
    for section in form.sections:
        sub(node, "ItemGroupRef", {"ItemGroupOID": oid("IG", form.id, section.id), "Mandatory": "No"})
        for group in section.groups:
            sub(node, "ItemGroupRef", {"ItemGroupOID": oid("IG", form.id, group.id), "Mandatory": "No"})
    sub(node, "Alias", {"Context": "trialdesk form version", "Name": form.version})
    return node


def _item_groups(
    protocol: Protocol, withheld: frozenset[str], units: dict[str, str]
) -> tuple[list[etree._Element], list[etree._Element], list[etree._Element], list[etree._Element]]:
    groups: list[etree._Element] = []
    items: dict[str, etree._Element] = {}
    code_lists: list[etree._Element] = []
    methods: list[etree._Element] = []
    for form in current_forms(protocol):
        for section in form.sections:
            blocks = [(section.id, section.title.en, section.items, False)]
            blocks += [(g.id, g.label.en, g.items, True) for g in section.groups]
            for block_id, name, block_items, repeats in blocks:
                group = el(
                    "ItemGroupDef",
                    {
                        "OID": oid("IG", form.id, block_id),
                        "Name": name,
                        "Repeating": "Yes" if repeats else "No",
                    },
                )
                groups.append(group)
                for item in block_items:
                    if item.id in withheld:
                        continue
                    ref = sub(
                        group,
                        "ItemRef",
                        {"ItemOID": oid("IT", item.id), "Mandatory": "Yes" if item.required else "No"},
                    )
                    if item.expression:
                        ref.set("MethodOID", oid("MT", item.id))
                        methods.append(_method(item))
                    items.setdefault(item.id, _item_def(protocol, item, units))
                    if item.choices:
                        code_lists.append(_code_list(item))
    return groups, list(items.values()), code_lists, methods


def _item_def(protocol: Protocol, item: ItemDefinition, units: dict[str, str]) -> etree._Element:
    attrib = {"OID": oid("IT", item.id), "Name": item.id, "DataType": DATA_TYPES[item.type]}
    if item.max_length:
        attrib["Length"] = str(item.max_length)
    node = el("ItemDef", attrib)
    translated(node, "Question", item.label.en, item.label.fa)
    test = next((t for t in protocol.lab_tests if t.code == item.lab_test), None)
    unit_names = list(test.unit_names) if test and item.type == "lab" else ([item.unit] if item.unit else [])
    for name in unit_names:
        sub(node, "MeasurementUnitRef", {"MeasurementUnitOID": units[name]})
    if item.choices:
        sub(node, "CodeListRef", {"CodeListOID": oid("CL", item.id)})
    if test is not None:
        sub(node, "Alias", {"Context": f"CDISC SDTM {test.domain}TESTCD", "Name": test.test_code})
        if test.loinc:  # one Alias per context: the codes by unit and fasting state, space-separated
            sub(node, "Alias", {"Context": "LOINC", "Name": " ".join(code.code for code in test.loinc)})
    return node


def _code_list(item: ItemDefinition) -> etree._Element:
    node = el("CodeList", {"OID": oid("CL", item.id), "Name": item.id, "DataType": "text"})
    for choice in item.choices:
        entry = sub(node, "CodeListItem", {"CodedValue": choice.code})
        translated(entry, "Decode", choice.label.en, choice.label.fa)
    return node


def _method(item: ItemDefinition) -> etree._Element:
    node = el("MethodDef", {"OID": oid("MT", item.id), "Name": f"Calculate {item.id}", "Type": "Computation"})
    translated(node, "Description", f"Calculated by trialdesk from: {item.expression}")
    sub(node, "FormalExpression", {"Context": "trialdesk expression language"}, item.expression)
    return node


def admin_element(
    protocol: Protocol, users: Iterable[UserRow], sites: Iterable[SiteRow], meanings: Iterable[str]
) -> etree._Element:
    admin = el("AdminData", {"StudyOID": study_oid(protocol)})
    for user in users:
        node = sub(admin, "User", {"OID": oid("USR", user.user_id), "UserType": "Other"})
        sub(node, "LoginName", text=user.user_id)
        sub(node, "Organization", text=user.role)
    for site in sites:
        node = sub(
            admin, "Location", {"OID": oid("LOC", site.code), "Name": site.title, "LocationType": "Site"}
        )
        sub(
            node,
            "MetaDataVersionRef",
            {
                "StudyOID": study_oid(protocol),
                "MetaDataVersionOID": METADATA_VERSION,
                "EffectiveDate": "2000-01-01",
            },
        )
    for meaning in meanings:
        node = sub(admin, "SignatureDef", {"OID": oid("SD", meaning), "Methodology": "Electronic"})
        sub(node, "Meaning", text=f"Investigator {meaning} of the form's data")
        sub(node, "LegalReason", text="21 CFR Part 11 electronic signature")
    return admin
