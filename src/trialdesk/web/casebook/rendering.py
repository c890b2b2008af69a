"""Any `FormDefinition` as HTML inputs, and posted inputs back into the raw values the checker reads.

There are no per-form templates: a form page is the definition walked in order. Input names are derived
from item paths (`glucose`, `medications[2].dose`) so the same walk both renders and reads a submission:

    f-<path>            the answer (`f-glucose-value` / `f-glucose-unit` for a lab item; repeated for a
                        multiple choice); in a repeating group the path is `<group>-<row>-<item>`
    rows-<group>        how many rows of a repeating group were on the page
    confirm-<path>      the reason that confirms a soft-limit warning on that item
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from trialdesk.core.forms import NOT_ASSESSED, FormCheckResult
from trialdesk.core.labs import LabResult
from trialdesk.core.sledai import DESCRIPTORS
from trialdesk.core.units import format_quantity
from trialdesk.protocol.base import Text
from trialdesk.protocol.forms import FormDefinition, ItemDefinition, LabTestDefinition, RepeatingGroup

Raw = dict[str, object]


def dom_id(path: str) -> str:
    """`medications[2].dose` -> `medications-2-dose` (item ids never contain '-', so this is unambiguous)."""
    return path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


def _text(text: Text | None, language: str) -> str:
    return text.in_language(language) if text is not None else ""


# --------------------------------------------------------------------------- reading a post


@dataclass(frozen=True)
class Submission:
    values: Raw
    confirmations: dict[str, str]
    reason: str


def _read_item(item: ItemDefinition, path: str, post: QueryDict) -> object:
    name = f"f-{dom_id(path)}"
    if item.type == "multiple_choice":
        return [code for code in post.getlist(name) if code]
    if item.type == "lab":
        value = post.get(f"{name}-value", "").strip()
        return {"value": value, "unit": post.get(f"{name}-unit", "")} if value else None
    raw = post.get(name, "").strip()
    if item.type == "datetime" and raw and "+" not in raw[10:] and not raw.endswith("Z"):
        # <input type=datetime-local> sends no offset: the moment is in the site's time zone
        with contextlib.suppress(ValueError):
            raw = timezone.make_aware(datetime.fromisoformat(raw)).isoformat()
    return raw or None


def _rows_posted(group: RepeatingGroup, post: QueryDict) -> int:
    try:
        return max(0, int(post.get(f"rows-{group.id}", "0")))
    except ValueError:
        return 0


def read_submission(form: FormDefinition, post: QueryDict) -> Submission:
    """The raw values, soft-limit confirmations and reason for change carried by a posted form page."""
    values: Raw = {}
    confirmations: dict[str, str] = {}

    def confirm(path: str) -> None:
        reason = post.get(f"confirm-{dom_id(path)}", "").strip()
        if reason:
            confirmations[path] = reason

    for section in form.sections:
        for item in section.items:
            if item.type == "calculated":
                continue
            values[item.id] = _read_item(item, item.id, post)
            confirm(item.id)
        for group in section.groups:
            rows: list[dict[str, object]] = []
            for number in range(1, _rows_posted(group, post) + 1):
                row: dict[str, object] = {}
                for item in group.items:
                    if item.type == "calculated":
                        continue
                    path = f"{group.id}[{number}].{item.id}"
                    answer = _read_item(item, path, post)
                    if answer is not None and answer != []:
                        row[item.id] = answer
                    confirm(path)
                rows.append(row)
            values[group.id] = rows
    values = {k: v for k, v in values.items() if v is not None and v != []}
    return Submission(
        values=values, confirmations=confirmations, reason=post.get("change_reason", "").strip()
    )


# --------------------------------------------------------------------------- building the page


@dataclass
class ItemView:
    item: ItemDefinition
    path: str
    dom: str
    label: str
    help: str
    hidden: bool
    value: str = ""
    values: list[str] = field(default_factory=list)  # multiple choice
    unit: str = ""  # lab: the unit chosen
    choices: list[tuple[str, str]] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str = ""
    calculated: str = ""
    standardized: str = ""
    flag: str = ""
    open_queries: int = 0
    queryable: bool = True
    ctcae: str = ""
    can_warn: bool = False  # has soft limits: carries a confirmation box, shown while a warning stands
    date_value: date | None = None  # a valid date answer, echoed in the viewer's calendar
    weight: int | None = None  # a scored descriptor (SLEDAI-2K): its weight is shown beside it
    incomplete: int = 0  # calculated total: how many of its weighted inputs are answered "not assessed"
    none_block: bool = False  # first descriptor of a block offered "none of the below" (`form_extras`)

    @property
    def name(self) -> str:
        return f"f-{self.dom}"

    @property
    def kind(self) -> str:
        return self.item.type


@dataclass
class RowView:
    number: int
    items: list[ItemView]


@dataclass
class GroupView:
    group: RepeatingGroup
    label: str
    hidden: bool
    rows: list[RowView]
    errors: list[str]

    @property
    def can_add(self) -> bool:
        return self.group.max_rows is None or len(self.rows) < self.group.max_rows


@dataclass
class SectionView:
    id: str
    title: str
    items: list[ItemView]
    groups: list[GroupView]


def show_value(value: object) -> str:
    """A computed value as text on the page."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(show_value(v) for v in value)
    return str(getattr(value, "code", value))


def _descriptor_definition(item_id: str) -> str:
    """The SLEDAI-2K definition of a descriptor (`core.sledai`), shown to the rater beside the question."""
    found = next((d for d in DESCRIPTORS if d.id == item_id), None)
    return _(found.definition) if found is not None else ""  # worded in the page language


def _blank(raw: object) -> bool:
    if isinstance(raw, Mapping):
        return _blank(raw.get("value"))
    return raw is None or raw == "" or raw == [] or raw == ()


def _raw_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, datetime):
        return timezone.localtime(raw).strftime("%Y-%m-%dT%H:%M")
    if isinstance(raw, str) and len(raw) > 16 and raw[10:11] == "T":
        try:
            return timezone.localtime(datetime.fromisoformat(raw)).strftime("%Y-%m-%dT%H:%M")
        except ValueError:
            return raw
    return str(raw)


@dataclass(frozen=True)
class PageInputs:
    """What a page is built from: the answers, the check of them, and the open queries per item path."""

    raw: Raw
    result: FormCheckResult | None
    confirmations: Mapping[str, str]
    open_queries: Mapping[str, int]
    language: str
    quiet_blank: bool = False  # as-you-type: an unanswered item is not (yet) an error
    ctcae: Mapping[str, str] = field(default_factory=dict)  # stored suggestion per lab item path


def _item_view(
    item: ItemDefinition,
    path: str,
    raw: object,
    inputs: PageInputs,
    lab_tests: Mapping[str, LabTestDefinition],
) -> ItemView:
    language = inputs.language
    checked = inputs.result.items.get(path) if inputs.result is not None else None
    view = ItemView(
        item=item,
        path=path,
        dom=dom_id(path),
        label=_text(item.label, language),
        help=_text(item.help, language),
        hidden=bool(checked and checked.hidden),
        choices=[(c.code, c.label.in_language(language)) for c in item.choices],
        reason=inputs.confirmations.get(path, ""),
        open_queries=inputs.open_queries.get(path, 0),
        ctcae=inputs.ctcae.get(path, ""),
    )
    view.can_warn = item.soft_limits is not None
    if item.weight is not None:
        view.weight = item.weight
        view.help = view.help or _descriptor_definition(item.id)
    if item.type == "lab":
        test = lab_tests.get(item.lab_test or "")
        view.units = list(test.unit_names) if test is not None else []
        view.can_warn = test is not None and test.soft_limits is not None
        if isinstance(raw, Mapping):
            view.value = _raw_text(raw.get("value"))
            view.unit = str(raw.get("unit") or "")
        if not view.unit and view.units:
            view.unit = view.units[0]
        if checked is not None and isinstance(checked.value, LabResult):
            result = checked.value
            view.standardized = format_quantity(result.standard_value, result.canonical_unit)
            view.flag = result.flag or ""
    elif item.type == "multiple_choice":
        view.values = [str(v) for v in raw] if isinstance(raw, list | tuple) else []
    elif item.type == "calculated":
        view.queryable = False
        if inputs.result is not None:
            view.calculated = show_value(inputs.result.calculated.get(path))
        if item.expression is not None and item.expression.strip().startswith("weighted_sum("):
            view.incomplete = sum(1 for v in inputs.raw.values() if v == NOT_ASSESSED)
    else:
        view.value = _raw_text(raw)
    if checked is not None and item.type == "date" and isinstance(checked.value, date):
        view.date_value = checked.value
    if checked is not None:
        quiet = inputs.quiet_blank and _blank(raw)
        view.errors = [] if quiet else [p.rule for p in checked.errors]
        view.warnings = [w.rule for w in checked.warnings]
        if not view.reason:
            view.reason = next((w.reason for w in checked.warnings if w.reason), "") or ""
    return view


def build_sections(
    form: FormDefinition, lab_tests: Sequence[LabTestDefinition], inputs: PageInputs
) -> list[SectionView]:
    """The form as view objects in printed order, with each item's answer, messages and state."""
    tests = {t.code: t for t in lab_tests}
    language = inputs.language
    problems_by_path: dict[str, list[str]] = {}
    if inputs.result is not None and not inputs.quiet_blank:
        for problem in inputs.result.errors:
            problems_by_path.setdefault(problem.where, []).append(problem.rule)
    sections: list[SectionView] = []
    for section in form.sections:
        items = [_item_view(item, item.id, inputs.raw.get(item.id), inputs, tests) for item in section.items]
        groups: list[GroupView] = []
        for group in section.groups:
            raw_rows = inputs.raw.get(group.id)
            rows_data = [r for r in raw_rows if isinstance(r, Mapping)] if isinstance(raw_rows, list) else []
            hidden = inputs.result is not None and group.id in inputs.result.hidden
            if not rows_data and not hidden:
                rows_data = [{} for _ in range(max(group.min_rows, 1))]
            rows = [
                RowView(
                    number,
                    [
                        _item_view(item, f"{group.id}[{number}].{item.id}", row.get(item.id), inputs, tests)
                        for item in group.items
                    ],
                )
                for number, row in enumerate(rows_data, start=1)
            ]
            groups.append(
                GroupView(
                    group, _text(group.label, language), hidden, rows, problems_by_path.get(group.id, [])
                )
            )
        sections.append(SectionView(section.id, _text(section.title, language), items, groups))
    return sections


def hidden_dom_ids(sections: Sequence[SectionView]) -> list[str]:
    """DOM ids of every hidden item and group (their inputs stay in the page; only the view hides them)."""
    hidden: list[str] = []
    for section in sections:
        if all(i.hidden for i in section.items) and all(g.hidden for g in section.groups):
            hidden.append(f"section-{section.id}")  # a section whose `show_if` is not true
        hidden += [f"item-{i.dom}" for i in section.items if i.hidden]
        for group in section.groups:
            if group.hidden:
                hidden.append(f"group-{group.group.id}")
            for row in group.rows:
                hidden += [f"item-{i.dom}" for i in row.items if i.hidden]
    return hidden


def quiet_confirmation_ids(items: Sequence[ItemView]) -> list[str]:
    """Confirmation boxes with no warning to confirm. The boxes stay in the page (hidden) so a reason being
    typed is never replaced by a check coming back."""
    return [f"confirm-box-{i.dom}" for i in items if i.can_warn and not i.warnings]


def all_items(sections: Sequence[SectionView]) -> list[ItemView]:
    out: list[ItemView] = []
    for section in sections:
        out += section.items
        for group in section.groups:
            for row in group.rows:
                out += row.items
    return out


def edit_rows(raw: Raw, *, add: str | None, remove: str | None) -> Raw:
    """Add an empty row to group `add`, or drop row `group:number` named by `remove`."""
    changed = dict(raw)
    if add:
        rows = list(changed.get(add) or [])  # type: ignore[call-overload]
        changed[add] = [*rows, {}]
    if remove and ":" in remove:
        group_id, _sep, number = remove.partition(":")
        rows = list(changed.get(group_id) or [])  # type: ignore[call-overload]
        if number.isdigit() and 1 <= int(number) <= len(rows):
            del rows[int(number) - 1]
        changed[group_id] = rows
    return changed
