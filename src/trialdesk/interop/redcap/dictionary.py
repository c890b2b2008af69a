"""Our forms as a REDCap data dictionary (the 18-column CSV REDCap's Designer uploads).

What REDCap cannot express is listed, item by item, as `Untranslated(variable, attribute, reason)`; the
round-trip test compares every other attribute. Things with no REDCap column travel as action tags in the
Field Annotation (`@CHARLIMIT`, and `@TRIALDESK-TYPE=ordinal`, `@TRIALDESK-UNIT=...`, which REDCap ignores
and our importer reads back).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from trialdesk.core.expressions import parse
from trialdesk.interop.catalogue import current_forms
from trialdesk.interop.csv_safety import csv_chunks
from trialdesk.interop.redcap.logic import Field, Untranslatable, to_redcap
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol

HEADERS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
COLUMNS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
REDCAP_CODE = re.compile(r"^[A-Za-z0-9_]+$")
FIELD_TYPES = {
    "text": "notes",
    "integer": "text",
    "decimal": "text",
    "date": "text",
    "datetime": "text",
    "yes_no": "yesno",
    "single_choice": "radio",
    "multiple_choice": "checkbox",
    "ordinal": "dropdown",
    "lab": "text",
    "calculated": "calc",
}
ALWAYS_LOST = (
    "label.fa, help.fa and the Persian choice labels (REDCap's multi-language module is not in the dictionary)",
    "form title, version and visits (REDCap keeps events and instrument labels outside the dictionary)",
    "section ids and repeating groups (their items become plain fields)",
)


@dataclass(frozen=True)
class Untranslated:
    variable: str
    attribute: str
    reason: str


def redcap_codes(item: ItemDefinition) -> dict[str, str]:
    """Our choice code -> the REDCap code: kept when REDCap accepts it, else the position 1, 2, ..."""
    if all(REDCAP_CODE.match(choice.code) for choice in item.choices):
        return {choice.code: choice.code for choice in item.choices}
    return {choice.code: str(number) for number, choice in enumerate(item.choices, start=1)}


def field_map(forms: list[FormDefinition]) -> dict[str, Field]:
    return {
        item.id: Field(item.type, redcap_codes(item), item.weight)
        for form in forms
        for item in form.all_items()
    }


def _validation(item: ItemDefinition) -> str:
    if item.type == "integer":
        return "integer"
    if item.type in ("decimal", "lab"):
        return f"number_{item.decimals}dp" if item.decimals in (1, 2, 3, 4) else "number"
    return {"date": "date_ymd", "datetime": "datetime_seconds_ymd"}.get(item.type, "")


def _annotation(protocol: Protocol, item: ItemDefinition) -> str:
    tags = []
    if item.max_length:
        tags.append(f"@CHARLIMIT={item.max_length}")
    if item.type == "ordinal":
        tags.append("@TRIALDESK-TYPE=ordinal")
    unit = item.unit
    if item.type == "lab":
        test = next((t for t in protocol.lab_tests if t.code == item.lab_test), None)
        unit = test.canonical_unit if test else None
    if unit:
        tags.append(f"@TRIALDESK-UNIT={unit}")
    if item.type == "calculated":
        tags.append("@READONLY")
    # Action tags are found anywhere in the annotation; the lead-in keeps the cell from starting with '@'.
    return "trialdesk: " + " ".join(tags) if tags else ""


def _logic(
    conditions: list[str],
    fields: dict[str, Field],
    lost: list[Untranslated],
    item: ItemDefinition,
    attribute: str,
) -> str:
    parts = []
    for condition in conditions:
        try:
            parts.append(to_redcap(condition, fields))
        except Untranslatable as exc:
            lost.append(Untranslated(item.id, attribute, f"'{condition}': {exc}"))
            continue
        renumbered = sorted(n for n in parse(condition).names if n in fields and _renumbered(fields[n]))
        if renumbered:
            lost.append(
                Untranslated(item.id, attribute, f"uses the renumbered codes of {', '.join(renumbered)}")
            )
    return " and ".join(parts)


def _renumbered(field: Field) -> bool:
    return any(ours != theirs for ours, theirs in field.codes.items())


def _lost_attributes(item: ItemDefinition, group: str | None, lost: list[Untranslated]) -> None:
    notes = {
        "soft_limits": "REDCap has one pair of limits (exported: the hard limits)",
        "lab_test": "a REDCap field has no laboratory test (its codes, units and ranges stay in the protocol)",
        "fasting_item": "no REDCap equivalent",
        "findings": "no REDCap equivalent (SDTM coding stays in the protocol)",
        "weight": "no REDCap equivalent (a weighted sum is exported as its explicit sum)",
        "assumption": "no REDCap column",
    }
    for attribute, reason in notes.items():
        if getattr(item, attribute) is not None:
            lost.append(Untranslated(item.id, attribute, reason))
    if item.choices and redcap_codes(item)[item.choices[0].code] != item.choices[0].code:
        lost.append(Untranslated(item.id, "choices", "codes REDCap refuses were renumbered 1, 2, ..."))
    if item.decimals is not None and item.decimals not in (1, 2, 3, 4):
        lost.append(Untranslated(item.id, "decimals", "REDCap validates 1 to 4 decimal places only"))
    if item.type == "lab":
        lost.append(
            Untranslated(item.id, "type", "a laboratory value is exported as a number in its canonical unit")
        )
        lost.append(Untranslated(item.id, "unit", "the lab test's canonical unit becomes the field's unit"))
    if item.expression and "weighted_sum" in item.expression:
        lost.append(
            Untranslated(item.id, "expression", "weighted_sum() is exported as the explicit weighted sum")
        )
    if group is not None:
        lost.append(Untranslated(item.id, "group", f"repeating group '{group}' became plain fields"))


def redcap_dictionary(protocol: Protocol) -> tuple[list[tuple[str, ...]], list[Untranslated]]:
    """(rows under COLUMNS, what could not be carried). Protocol-sized, so built in memory."""
    forms = current_forms(protocol)
    fields = field_map(forms)
    rows: list[tuple[str, ...]] = []
    lost: list[Untranslated] = []
    for form in forms:
        for section in form.sections:
            header = section.title.en
            blocks = [(None, section.items, None)] + [(g.id, g.items, g.show_if) for g in section.groups]
            for group, items, group_show_if in blocks:
                for item in items:
                    conditions = [c for c in (section.show_if, group_show_if, item.show_if) if c]
                    rows.append(_row(protocol, form, item, header, conditions, fields, lost))
                    _lost_attributes(item, group, lost)
                    header = ""
    return rows, lost


def _row(
    protocol: Protocol,
    form: FormDefinition,
    item: ItemDefinition,
    header: str,
    conditions: list[str],
    fields: dict[str, Field],
    lost: list[Untranslated],
) -> tuple[str, ...]:
    codes = redcap_codes(item)
    choices = " | ".join(f"{codes[c.code]}, {c.label.en}" for c in item.choices)
    if item.expression:
        choices = _logic([item.expression], fields, lost, item, "expression")
        if not choices:
            lost.append(
                Untranslated(item.id, "type", "a calculation REDCap cannot do: exported as read-only text")
            )
    limits = item.hard_limits
    if len(conditions) > 1 or (conditions and item.show_if is None):
        lost.append(
            Untranslated(item.id, "show_if", "a section or group condition is folded into each item's")
        )
    return (
        item.id,
        form.id,
        header,
        "text" if item.type == "calculated" and not choices else FIELD_TYPES[item.type],
        item.label.en,
        choices,
        item.help.en if item.help else "",
        _validation(item),
        str(limits.min) if limits and limits.min is not None else "",
        str(limits.max) if limits and limits.max is not None else "",
        "y" if item.identifying else "",
        _logic(conditions, fields, lost, item, "show_if"),
        "y" if item.required else "",
        "",
        "",
        "",
        "",
        _annotation(protocol, item),
    )


def write_redcap_dictionary(protocol: Protocol) -> Iterator[bytes]:
    """The data dictionary CSV (UTF-8, REDCap's header row), cells formula-safe like every CSV we write."""
    rows, _ = redcap_dictionary(protocol)
    return csv_chunks([HEADERS, *rows])


__all__ = [
    "ALWAYS_LOST",
    "COLUMNS",
    "HEADERS",
    "Untranslated",
    "redcap_dictionary",
    "write_redcap_dictionary",
]
