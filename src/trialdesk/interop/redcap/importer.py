"""A REDCap data dictionary -> draft protocol form definitions, or every problem named by row and column.

Rows are numbered as a spreadsheet shows them (the header is row 1). Nothing is returned unless the whole
dictionary is readable: unknown field types, broken or unsupported branching logic, duplicate variable
names, bad choices or limits, and a file that is not UTF-8 are each a `Problem`; all are raised together
in one `ValidationFailed`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from trialdesk.core.expressions import KEYWORDS, ExpressionError, parse
from trialdesk.errors import Problem, ProtocolError, ValidationFailed
from trialdesk.interop.csv_safety import FORMULA_STARTS
from trialdesk.interop.redcap.dictionary import COLUMNS, HEADERS
from trialdesk.interop.redcap.logic import Field, LogicError
from trialdesk.interop.redcap.parse_logic import from_redcap
from trialdesk.protocol.loading import parse_protocol

TYPES = {
    "text": "text",
    "notes": "text",
    "yesno": "yes_no",
    "truefalse": "yes_no",
    "radio": "single_choice",
    "dropdown": "single_choice",
    "checkbox": "multiple_choice",
    "calc": "calculated",
    "slider": "integer",
}
REFUSED_TYPES = {"file": "file uploads", "sql": "SQL fields", "descriptive": "descriptive text (no data)"}
VALIDATION = {
    "integer": "integer",
    "number": "decimal",
    "date_ymd": "date",
    "date_dmy": "date",
    "date_mdy": "date",
}
VALIDATION_PATTERNS = (
    (re.compile(r"^number_(\d+)dp(_comma_decimal)?$"), "decimal"),
    (re.compile(r"^datetime(_seconds)?_(ymd|dmy|mdy)$"), "datetime"),
)
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
TAG = re.compile(r"@(CHARLIMIT|TRIALDESK-TYPE|TRIALDESK-UNIT)=(\S+)")


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    type: str = ""
    codes: dict[str, str] = field(default_factory=dict)  # REDCap code -> our code
    labels: dict[str, str] = field(default_factory=dict)
    decimals: int | None = None


def _where(row: int, column: str) -> str:
    return f"row {row}, column {column}"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "The data dictionary is not UTF-8 text.",
            (Problem("file", f"byte {exc.start} is not UTF-8: export the dictionary again as CSV (UTF-8)"),),
        ) from None


def _unquote(cell: str) -> str:
    """Undo our own formula neutralising (a quote before =, +, -, @, tab or CR)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def read_rows(data: bytes) -> list[_Row]:
    lines = list(csv.reader(io.StringIO(_decode(data))))
    if not lines:
        raise ValidationFailed("The data dictionary is empty.", (Problem("row 1", "no header row"),))
    header = [h.strip() for h in lines[0]]
    if len(header) != len(COLUMNS) or any(
        h not in (long, short) for h, long, short in zip(header, HEADERS, COLUMNS, strict=True)
    ):
        raise ValidationFailed(
            "This is not a REDCap data dictionary.",
            (
                Problem(
                    "row 1", f"expected the 18 REDCap columns ({', '.join(COLUMNS)}), found {len(header)}"
                ),
            ),
        )
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        cells = [_unquote(c.strip()) for c in line] + [""] * (len(COLUMNS) - len(line))
        rows.append(_Row(number, dict(zip(COLUMNS, cells, strict=False))))
    return rows


def _choices(row: _Row, problems: list[Problem]) -> None:
    text = row.cells["select_choices_or_calculations"]
    for part in (p.strip() for p in text.split("|")):
        code, sep, label = part.partition(",")
        code, label = code.strip(), label.strip()
        if not sep or not code or not label:
            problems.append(
                Problem(
                    _where(row.number, "select_choices_or_calculations"), f"'{part}' is not 'code, label'"
                )
            )
        elif code in row.codes:
            problems.append(
                Problem(
                    _where(row.number, "select_choices_or_calculations"),
                    f"choice code '{code}' is used twice",
                )
            )
        else:
            row.codes[code], row.labels[code] = code, label
    if len(row.codes) < 2 and not any(p.where.startswith(f"row {row.number},") for p in problems):
        problems.append(
            Problem(
                _where(row.number, "select_choices_or_calculations"),
                "a choice field needs at least two choices",
            )
        )


def _type(row: _Row, problems: list[Problem]) -> None:
    kind = row.cells["field_type"].lower()
    where = _where(row.number, "field_type")
    if kind in REFUSED_TYPES:
        problems.append(Problem(where, f"'{kind}' fields ({REFUSED_TYPES[kind]}) cannot be imported"))
        return
    if kind not in TYPES:
        problems.append(Problem(where, f"unknown field type '{kind}' (known: {', '.join(sorted(TYPES))})"))
        return
    row.type = TYPES[kind]
    tags = dict(TAG.findall(row.cells["field_annotation"]))
    validation = row.cells["text_validation_type_or_show_slider_number"].lower()
    if kind == "text" and validation:
        row.type = VALIDATION.get(validation, "")
        for pattern, our_type in VALIDATION_PATTERNS:
            match = pattern.match(validation)
            if match:
                row.type = our_type
                row.decimals = int(match.group(1)) if our_type == "decimal" else None
        if not row.type:
            problems.append(
                Problem(
                    _where(row.number, "text_validation_type_or_show_slider_number"),
                    f"unsupported validation '{validation}'",
                )
            )
    if tags.get("TRIALDESK-TYPE") == "ordinal" and row.type == "single_choice":
        row.type = "ordinal"
    if row.type in ("single_choice", "multiple_choice", "ordinal"):
        _choices(row, problems)


def _limits(row: _Row, problems: list[Problem]) -> dict[str, Any] | None:
    bounds: dict[str, Any] = {}
    for column, key in (("text_validation_min", "min"), ("text_validation_max", "max")):
        text = row.cells[column]
        if not text:
            continue
        if row.type not in ("integer", "decimal"):
            problems.append(Problem(_where(row.number, column), "limits belong to integer and number fields"))
            continue
        try:
            bounds[key] = str(Decimal(text))
        except InvalidOperation:
            problems.append(Problem(_where(row.number, column), f"'{text}' is not a number"))
    return bounds or None


def _logic(
    row: _Row, column: str, fields: dict[str, Field], earlier: set[str], problems: list[Problem]
) -> str | None:
    text = row.cells[column]
    if not text:
        return None
    where = _where(row.number, column)
    try:
        ours = from_redcap(text, fields)
        names = parse(ours).names
    except LogicError as exc:
        problems.append(Problem(where, f"{exc} (at character {exc.column + 1})"))
        return None
    except ExpressionError as exc:
        problems.append(Problem(where, exc.message))
        return None
    later = sorted(names - earlier)
    if later:
        problems.append(
            Problem(
                where,
                f"refers to {', '.join(later)}, which is not an earlier field of form '{row.cells['form_name']}'",
            )
        )
    return ours


def _item(row: _Row, fields: dict[str, Field], earlier: set[str], problems: list[Problem]) -> dict[str, Any]:
    cells = row.cells
    tags = dict(TAG.findall(cells["field_annotation"]))
    item: dict[str, Any] = {
        "id": cells["field_name"],
        "label": {"en": cells["field_label"]},
        "type": row.type,
    }
    if not cells["field_label"]:
        problems.append(Problem(_where(row.number, "field_label"), "a field needs a label"))
    if cells["required_field"].lower() == "y":
        item["required"] = True
    if cells["field_note"]:
        item["help"] = {"en": cells["field_note"]}
    if row.decimals:
        item["decimals"] = row.decimals
    if "CHARLIMIT" in tags and row.type == "text":
        item["max_length"] = int(tags["CHARLIMIT"]) if tags["CHARLIMIT"].isdigit() else None
    if "TRIALDESK-UNIT" in tags:
        item["unit"] = tags["TRIALDESK-UNIT"]
    limits = _limits(row, problems)
    if limits:
        item["hard_limits"] = limits
    if row.codes:
        item["choices"] = [{"code": code, "label": {"en": row.labels[code]}} for code in row.codes]
    if cells["identifier"].lower() == "y":
        item["identifying"] = True
    show_if = _logic(row, "branching_logic", fields, earlier, problems)
    if show_if:
        item["show_if"] = show_if
    if row.type == "calculated":
        item.pop("required", None)
        item["expression"] = _logic(row, "select_choices_or_calculations", fields, earlier, problems)
        if not cells["select_choices_or_calculations"]:
            problems.append(
                Problem(
                    _where(row.number, "select_choices_or_calculations"), "a calc field needs its calculation"
                )
            )
    return {key: value for key, value in item.items() if value is not None}


def _check_names(rows: list[_Row], problems: list[Problem]) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        name, where = row.cells["field_name"], _where(row.number, "field_name")
        if not NAME.match(name) or "__" in name or name in KEYWORDS:
            problems.append(
                Problem(where, f"'{name}' is not a variable name (lower-case letters, digits, single '_')")
            )
        elif name in first_row:
            problems.append(
                Problem(where, f"duplicate variable name '{name}' (first on row {first_row[name]})")
            )
        else:
            first_row[name] = row.number
        form = row.cells["form_name"]
        if not NAME.match(form) or "__" in form:
            problems.append(Problem(_where(row.number, "form_name"), f"'{form}' is not a form name"))
        _type(row, problems)


def import_redcap_dictionary(data: bytes, *, study_id: str) -> dict[str, Any]:
    """The draft protocol mapping (forms from the dictionary, placeholders elsewhere) for `data`.

    Raises ValidationFailed naming every problem by row and column; returns nothing partial.
    """
    rows = read_rows(data)
    problems: list[Problem] = []
    _check_names(rows, problems)
    fields = {r.cells["field_name"]: Field(r.type, {c: c for c in r.codes}) for r in rows if r.type}
    forms: dict[str, list[dict[str, Any]]] = {}
    earlier: dict[str, set[str]] = {}
    for row in rows:
        if not row.type:
            continue
        form = row.cells["form_name"]
        sections = forms.setdefault(form, [])
        if row.cells["section_header"] or not sections:
            title = row.cells["section_header"] or form.replace("_", " ").capitalize()
            sections.append({"id": f"section_{len(sections) + 1}", "title": {"en": title}, "items": []})
        known = earlier.setdefault(form, set())
        sections[-1]["items"].append(_item(row, fields, known, problems))
        known.add(row.cells["field_name"])
    if problems:
        raise ValidationFailed(
            "The REDCap data dictionary cannot be imported; nothing was written.", tuple(problems)
        )
    draft = _draft(study_id, forms)
    try:
        parse_protocol(draft, source="REDCap data dictionary")
    except ProtocolError as exc:
        raise ValidationFailed(
            "The imported forms break a protocol rule; nothing was written.", exc.problems
        ) from None
    return draft


def _draft(study_id: str, forms: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "id": study_id,
        "version": "0.1.0",
        "status": "draft",
        "registration": {
            "scientific_title": {"en": f"Forms imported from a REDCap data dictionary ({study_id})"}
        },
        "design": {"allocation": "single_arm", "target_sample_size": 1},
        "arms": [{"id": "to_be_defined", "name": {"en": "To be defined"}}],
        "forms": [
            {
                "id": form,
                "version": "1.0",
                "title": {"en": form.replace("_", " ").capitalize()},
                "sections": sections,
            }
            for form, sections in forms.items()
        ],
        "assumptions": [
            {
                "id": "redcap-import",
                "about": "draft",
                "text": "A REDCap data dictionary holds forms only: the title, arms, sample size, visits and "
                "form versions are placeholders to complete before use.",
            }
        ],
    }


__all__ = ["import_redcap_dictionary", "read_rows"]
