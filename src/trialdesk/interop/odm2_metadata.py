"""CDISC ODM 2.0 study metadata from the protocol, and the AdminData the clinical data refer to.

ODM 2.0's shape: the Protocol names the arms (StudyStructure) and one StudyEventGroupDef, the schedule, whose
StudyEventRefs order the visits; a StudyEventDef refers to its forms, each an ItemGroupDef of Type="Form"
whose ItemGroupRefs are its sections (Type="Section"); a section refers to its items and to its repeating
groups (Type="Section", Repeating="Simple"). ODM 2.0 has no MeasurementUnit: an item measured in a unit
refers (ItemRef/@UnitsItemOID) to a companion unit item `IT.<item>.UNIT` whose code list holds the units
it may be entered in, and the clinical data carry the unit as entered as that item's value.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from trialdesk.interop.catalogue import current_forms, identifying_item_ids
from trialdesk.interop.odm_metadata import (
    DATA_TYPES,
    METADATA_VERSION,
    item_aliases,
    item_units,
    study_oid,
    visit_plan,
)
from trialdesk.interop.odm_xml import OdmNamespace, oid
from trialdesk.interop.rows import SiteRow, UserRow
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol

ODM2_NS = "http://www.cdisc.org/ns/odm/v2.0"
ODM2 = OdmNamespace(ODM2_NS, text_type="text/plain")
DATA_TYPES_2 = {**DATA_TYPES, "decimal": "decimal", "lab": "decimal"}  # ODM 2.0 has a decimal type
USER_TYPES = {
    "investigator": "Investigator",
    "rheumatologist": "Investigator",
    "monitor": "Monitor",
    "statistician": "Data analyst",
}
el, sub, translated = ODM2.el, ODM2.sub, ODM2.translated


def schedule_oid(protocol: Protocol) -> str:
    return oid("SEG", protocol.id)


def unit_item_oid(item_id: str) -> str:
    return oid("IT", item_id, "UNIT")


def item_layout(protocol: Protocol) -> dict[str, tuple[str, str | None]]:
    """item id -> (section ItemGroupOID, repeating group ItemGroupOID or None), over every form version."""
    layout: dict[str, tuple[str, str | None]] = {}
    for form in protocol.forms:
        for section in form.sections:
            section_oid = oid("IG", form.id, section.id)
            for item in section.items:
                layout[item.id] = (section_oid, None)
            for group in section.groups:
                for item in group.items:
                    layout[item.id] = (section_oid, oid("IG", form.id, group.id))
    return layout


def unit_items(protocol: Protocol) -> frozenset[str]:
    """Items that have a companion unit item (every item with a unit, over every form version)."""
    return frozenset(
        item.id for form in protocol.forms for item in form.all_items() if item_units(protocol, item)
    )


def study_element(protocol: Protocol) -> etree._Element:
    study = el(
        "Study",
        {
            "OID": study_oid(protocol),
            "StudyName": protocol.id,
            "ProtocolName": f"{protocol.id} {protocol.version}",
            "VersionName": protocol.version,
        },
    )
    title = protocol.registration.scientific_title
    translated(study, "Description", title.en, title.fa)
    study.append(_metadata_version(protocol))
    return study


def _metadata_version(protocol: Protocol) -> etree._Element:
    mdv = el("MetaDataVersion", {"OID": METADATA_VERSION, "Name": f"Protocol {protocol.version}"})
    forms = current_forms(protocol)
    visits = visit_plan(protocol, forms)
    plan = sub(mdv, "Protocol")
    structure = sub(plan, "StudyStructure")
    for arm in protocol.arms:
        node = sub(structure, "Arm", {"OID": oid("ARM", arm.id), "Name": arm.name.en})
        if arm.description:
            translated(node, "Description", arm.description.en, arm.description.fa)
    sub(plan, "StudyEventGroupRef", {"StudyEventGroupOID": schedule_oid(protocol), "Mandatory": "Yes"})
    schedule = sub(mdv, "StudyEventGroupDef", {"OID": schedule_oid(protocol), "Name": "Schedule"})
    for number, visit in enumerate(visits, start=1):
        sub(
            schedule,
            "StudyEventRef",
            {"StudyEventOID": oid("SE", visit.id), "OrderNumber": str(number), "Mandatory": "No"},
        )
    for visit in visits:
        attrib = {"OID": oid("SE", visit.id), "Name": visit.name, "Type": "Scheduled"}
        event = sub(mdv, "StudyEventDef", {**attrib, "Repeating": "Yes" if visit.repeating else "No"})
        if visit.label:
            translated(event, "Description", visit.label.en, visit.label.fa)
        for form in forms:
            if visit.id in form.visits:
                sub(event, "ItemGroupRef", {"ItemGroupOID": oid("F", form.id), "Mandatory": "No"})
    groups, items, code_lists, methods = _definitions(protocol, forms)
    for node in groups + items + code_lists + methods:
        mdv.append(node)
    return mdv


def _form_group(form: FormDefinition) -> etree._Element:
    attrib = {"OID": oid("F", form.id), "Name": form.title.en, "Repeating": "No", "Type": "Form"}
    node = el("ItemGroupDef", attrib)
    if form.description:
        translated(node, "Description", form.description.en, form.description.fa)
    for section in form.sections:
        sub(node, "ItemGroupRef", {"ItemGroupOID": oid("IG", form.id, section.id), "Mandatory": "No"})
    sub(node, "Alias", {"Context": "trialdesk form version", "Name": form.version})
    return node


Definitions = tuple[list[etree._Element], list[etree._Element], list[etree._Element], list[etree._Element]]


def _definitions(protocol: Protocol, forms: list[FormDefinition]) -> Definitions:
    """ItemGroupDefs (forms, sections, repeating groups), ItemDefs, CodeLists and MethodDefs."""
    withheld = identifying_item_ids(protocol)
    groups: list[etree._Element] = []
    items: dict[str, list[etree._Element]] = {}
    code_lists: list[etree._Element] = []
    methods: list[etree._Element] = []
    for form in forms:
        groups.append(_form_group(form))
        for section in form.sections:
            attrib = {"OID": oid("IG", form.id, section.id), "Name": section.title.en, "Repeating": "No"}
            section_node = el("ItemGroupDef", {**attrib, "Type": "Section"})
            blocks = [(section_node, section.items)]
            for group in section.groups:
                attrib = {"OID": oid("IG", form.id, group.id), "Name": group.label.en, "Repeating": "Simple"}
                blocks.append((el("ItemGroupDef", {**attrib, "Type": "Section"}), group.items))
            for node, block_items in blocks:
                if node is not section_node:  # a repeating group: referred to by its section, after its items
                    ref = {"ItemGroupOID": node.get("OID", ""), "Mandatory": "No"}
                    sub(section_node, "ItemGroupRef", ref)
                groups.append(node)
                for item in block_items:
                    if item.id in withheld:
                        continue
                    _item_refs(protocol, node, item)
                    if item.id not in items:
                        items[item.id] = _item_defs(protocol, item)
                        code_lists += _code_lists(protocol, item)
                        if item.expression:
                            methods.append(_method(item))
    return groups, [node for nodes in items.values() for node in nodes], code_lists, methods


def _item_refs(protocol: Protocol, group: etree._Element, item: ItemDefinition) -> None:
    ref = sub(
        group, "ItemRef", {"ItemOID": oid("IT", item.id), "Mandatory": "Yes" if item.required else "No"}
    )
    if item.expression:
        ref.set("MethodOID", oid("MT", item.id))
    if item_units(protocol, item):
        ref.set("UnitsItemOID", unit_item_oid(item.id))
        sub(group, "ItemRef", {"ItemOID": unit_item_oid(item.id), "Mandatory": "No"})


def _item_defs(protocol: Protocol, item: ItemDefinition) -> list[etree._Element]:
    """The item's ItemDef, and its companion unit item's when it has units."""
    attrib = {"OID": oid("IT", item.id), "Name": item.id, "DataType": DATA_TYPES_2[item.type]}
    if item.max_length:
        attrib["Length"] = str(item.max_length)
    node = el("ItemDef", attrib)
    translated(node, "Question", item.label.en, item.label.fa)
    if item.choices:
        sub(node, "CodeListRef", {"CodeListOID": oid("CL", item.id)})
    for context, name in item_aliases(protocol, item):
        sub(node, "Alias", {"Context": context, "Name": name})
    if not item_units(protocol, item):
        return [node]
    unit = el("ItemDef", {"OID": unit_item_oid(item.id), "Name": f"{item.id}_unit", "DataType": "text"})
    translated(unit, "Question", f"Unit of: {item.label.en}")
    sub(unit, "CodeListRef", {"CodeListOID": oid("CL", item.id, "UNIT")})
    return [node, unit]


def _code_lists(protocol: Protocol, item: ItemDefinition) -> list[etree._Element]:
    """The item's choices, and the units it may be entered in."""
    lists = []
    if item.choices:
        node = el("CodeList", {"OID": oid("CL", item.id), "Name": item.id, "DataType": "text"})
        for choice in item.choices:
            entry = sub(node, "CodeListItem", {"CodedValue": choice.code})
            translated(entry, "Decode", choice.label.en, choice.label.fa)
        lists.append(node)
    units = item_units(protocol, item)
    if units:
        node = el(
            "CodeList", {"OID": oid("CL", item.id, "UNIT"), "Name": f"{item.id}_unit", "DataType": "text"}
        )
        for name in units:
            translated(sub(node, "CodeListItem", {"CodedValue": name}), "Decode", name)
        lists.append(node)
    return lists


def _method(item: ItemDefinition) -> etree._Element:
    node = el("MethodDef", {"OID": oid("MT", item.id), "Name": f"Calculate {item.id}", "Type": "Computation"})
    translated(node, "Description", f"Calculated by trialdesk from: {item.expression}")
    signature = sub(node, "MethodSignature")
    sub(signature, "ReturnValue", {"Name": item.id, "DataType": DATA_TYPES_2[item.type]})
    expression = sub(node, "FormalExpression", {"Context": "trialdesk expression language"})
    sub(expression, "Code", text=item.expression)
    return node


def admin_element(
    protocol: Protocol, users: Iterable[UserRow], sites: Iterable[SiteRow], meanings: Iterable[str]
) -> etree._Element:
    """Users (their role as the nearest ODM 2.0 UserType), sites as Locations, signature meanings."""
    admin = el("AdminData", {"StudyOID": study_oid(protocol)})
    for user in users:
        attrib = {"OID": oid("USR", user.user_id), "UserType": USER_TYPES.get(user.role, "Other")}
        sub(sub(admin, "User", attrib), "UserName", text=user.user_id)
    for site in sites:
        node = sub(admin, "Location", {"OID": oid("LOC", site.code), "Name": site.title, "Role": "Site"})
        mdv = {"StudyOID": study_oid(protocol), "MetaDataVersionOID": METADATA_VERSION}
        sub(node, "MetaDataVersionRef", {**mdv, "EffectiveDate": "2000-01-01"})
    for node in ODM2.signature_defs(meanings):
        admin.append(node)
    return admin


__all__ = ["ODM2", "ODM2_NS", "admin_element", "item_layout", "study_element", "unit_items"]
