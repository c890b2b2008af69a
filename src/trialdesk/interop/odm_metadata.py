"""CDISC ODM 1.3.2 study metadata from the protocol: events, forms, item groups, items, code lists, units,
computation methods; and the AdminData (users, sites, signature meanings) the clinical data refer to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from trialdesk.interop.catalogue import current_forms, identifying_item_ids
from trialdesk.interop.odm_xml import OdmNamespace, oid
from trialdesk.interop.rows import SiteRow, UserRow
from trialdesk.protocol.base import Text
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
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


ODM13 = OdmNamespace(ODM_NS)
el, sub, translated = ODM13.el, ODM13.sub, ODM13.translated


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


@dataclass(frozen=True)
class PlannedVisit:
    id: str
    label: Text | None
    repeating: bool

    @property
    def name(self) -> str:
        return self.label.en if self.label else self.id


def visit_plan(protocol: Protocol, forms: list[FormDefinition]) -> list[PlannedVisit]:
    """The visits in schedule order (or the forms' visits, sorted, when there is no schedule)."""
    visits = protocol.schedule.visits if protocol.schedule else []
    if not visits:
        return [PlannedVisit(v, None, False) for v in sorted({v for f in forms for v in f.visits})]
    return [PlannedVisit(v.id, v.label, v.repeat is not None or v.anchor == "each_injection") for v in visits]


def _metadata_version(protocol: Protocol, units: dict[str, str]) -> etree._Element:
    mdv = el("MetaDataVersion", {"OID": METADATA_VERSION, "Name": f"Protocol {protocol.version}"})
    forms = current_forms(protocol)
    visits = visit_plan(protocol, forms)
    plan = sub(mdv, "Protocol")
    for number, visit in enumerate(visits, start=1):
        sub(
            plan,
            "StudyEventRef",
            {"StudyEventOID": oid("SE", visit.id), "OrderNumber": str(number), "Mandatory": "No"},
        )
    for visit in visits:
        event = sub(
            mdv,
            "StudyEventDef",
            {
                "OID": oid("SE", visit.id),
                "Name": visit.name,
                "Repeating": "Yes" if visit.repeating else "No",
                "Type": "Scheduled",
            },
        )
        for form in forms:
            if visit.id in form.visits:
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
    for name in item_units(protocol, item):
        sub(node, "MeasurementUnitRef", {"MeasurementUnitOID": units[name]})
    if item.choices:
        sub(node, "CodeListRef", {"CodeListOID": oid("CL", item.id)})
    for context, name in item_aliases(protocol, item):
        sub(node, "Alias", {"Context": context, "Name": name})
    return node


def item_units(protocol: Protocol, item: ItemDefinition) -> list[str]:
    """The units an item's value may be entered in: its lab test's, or its own fixed unit."""
    test = next((t for t in protocol.lab_tests if t.code == item.lab_test), None)
    return list(test.unit_names) if test and item.type == "lab" else ([item.unit] if item.unit else [])


def item_aliases(protocol: Protocol, item: ItemDefinition) -> list[tuple[str, str]]:
    """(context, name): the SDTM test code and the LOINC codes of a lab item."""
    test = next((t for t in protocol.lab_tests if t.code == item.lab_test), None)
    if test is None:
        return []
    aliases = [(f"CDISC SDTM {test.domain}TESTCD", test.test_code)]
    if test.loinc:  # one Alias per context: the codes by unit and fasting state, space-separated
        aliases.append(("LOINC", " ".join(code.code for code in test.loinc)))
    return aliases


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
    for node in ODM13.signature_defs(meanings):
        admin.append(node)
    return admin
