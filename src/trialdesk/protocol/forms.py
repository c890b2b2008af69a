"""Protocol sections `forms:`, `lab_tests:` and `edit_checks:` - case-report forms as data.

    FormDefinition            id + version (data keep the version they were entered with), title, visits
    └── Section               titled block; may be hidden by `show_if`
        ├── ItemDefinition    one question: type, limits, choices, lab test, expression, show_if, weight
        └── RepeatingGroup    rows of items (e.g. medications) with min/max rows
    LabTestDefinition         a laboratory test: CDISC domain + test code (+ binding agent for IS), LOINC,
                              units with one conversion factor each, reference range, hard/soft limits
    EditCheck                 an expression that, when true, opens a query on a form item

Expressions (`show_if`, `expression`) are parsed when the protocol is read, so a typo is a protocol
error naming the path. The grammar is in `trialdesk.core.expressions` and docs/forms.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from pydantic import Field, model_validator

from trialdesk.core.expressions import Expression, parse
from trialdesk.errors import Problem
from trialdesk.protocol.base import ProtocolModel, Text
from trialdesk.protocol.form_fields import ExpressionText, Identifier, Range
from trialdesk.protocol.form_items import (
    CHOICE_TYPES,
    NUMERIC_TYPES,
    Choice,
    FindingsCode,
    ItemDefinition,
    ItemType,
)
from trialdesk.protocol.lab_tests import CtcaeLink, LabTestDefinition, LabUnit, LoincCode


class RepeatingGroup(ProtocolModel):
    """Rows of the same items (e.g. one row per medication). Row numbers in messages start at 1."""

    id: Identifier
    label: Text
    items: list[ItemDefinition] = Field(min_length=1)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int | None = Field(default=None, gt=0)
    show_if: ExpressionText | None = None

    @model_validator(mode="after")
    def _rows(self) -> RepeatingGroup:
        if self.max_rows is not None and self.max_rows < self.min_rows:
            raise ValueError("max_rows is smaller than min_rows")
        return self


class Section(ProtocolModel):
    id: Identifier
    title: Text
    items: list[ItemDefinition] = Field(default_factory=list)
    groups: list[RepeatingGroup] = Field(default_factory=list)
    show_if: ExpressionText | None = None


def _check_expression(
    where: str, expression: Expression, known: set[str], items: dict[str, ItemDefinition]
) -> None:
    unknown = sorted(expression.names - known)
    if unknown:
        raise ValueError(
            f"{where}: refers to {', '.join(unknown)}, which is not an item defined earlier in this form"
        )
    for call in expression.calls:
        if call.function == "weighted_sum":
            for arg in call.args:
                name = getattr(arg, "name", "")
                if name not in items or items[name].weight is None:
                    raise ValueError(f"{where}: weighted_sum() item '{name}' has no weight")


def _check_item(item: ItemDefinition, known: set[str], items: dict[str, ItemDefinition]) -> None:
    for field_name, expression in item.expressions():
        _check_expression(f"item {item.id}.{field_name}", expression, known, items)
    if item.fasting_item is not None:
        fasting = items.get(item.fasting_item)
        if fasting is None or fasting.type != "yes_no":
            raise ValueError(
                f"item {item.id}: fasting_item '{item.fasting_item}' is not an earlier yes_no item"
            )


class FormDefinition(ProtocolModel):
    """A case-report form. (id, version) identifies it: data are validated against the version they were
    entered with, so a protocol may carry older versions of a form next to the current one."""

    id: Identifier
    version: str = Field(min_length=1)
    title: Text
    description: Text | None = None
    visits: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(min_length=1)
    assumption: str | None = None

    @model_validator(mode="after")
    def _references(self) -> FormDefinition:
        top: dict[str, ItemDefinition] = {}
        group_ids: set[str] = set()
        seen: set[str] = set()

        def claim(name: str) -> None:
            if name in seen:
                raise ValueError(f"id '{name}' is used twice in form '{self.id}'")
            seen.add(name)

        for section in self.sections:
            claim(section.id)
            if section.show_if is not None:
                _check_expression(
                    f"section {section.id}.show_if", parse(section.show_if), set(top) | group_ids, top
                )
            for item in section.items:
                claim(item.id)
                _check_item(item, set(top) | group_ids, top)
                top[item.id] = item
            for group in section.groups:
                claim(group.id)
                if group.show_if is not None:
                    _check_expression(
                        f"group {group.id}.show_if", parse(group.show_if), set(top) | group_ids, top
                    )
                row: dict[str, ItemDefinition] = {}
                for item in group.items:
                    claim(item.id)
                    _check_item(item, set(top) | group_ids | set(row), {**top, **row})
                    row[item.id] = item
                group_ids.add(group.id)
        return self

    def sections_items(self) -> Iterator[ItemDefinition]:
        """Every top-level item (not the items inside repeating groups), in order."""
        for section in self.sections:
            yield from section.items

    def groups(self) -> Iterator[RepeatingGroup]:
        for section in self.sections:
            yield from section.groups

    def all_items(self) -> Iterator[ItemDefinition]:
        """Every item, including those inside repeating groups."""
        for section in self.sections:
            yield from section.items
            for group in section.groups:
                yield from group.items

    def item(self, item_id: str) -> ItemDefinition:
        for item in self.all_items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def identifying_ids(self) -> frozenset[str]:
        """Items marked `identifying` (top level or inside a repeating group)."""
        return frozenset(i.id for i in self.all_items() if i.identifying)

    def identifies(self, path: str) -> bool:
        """Whether the item at `path` (`birth_date`, `medications[2].dose`) is identifying."""
        ids = self.identifying_ids
        return any(part.split("[", 1)[0] in ids for part in path.split("."))

    @property
    def top_level_ids(self) -> frozenset[str]:
        return frozenset([i.id for i in self.sections_items()] + [g.id for g in self.groups()])


class EditCheck(ProtocolModel):
    """A data check across items, forms or visits: when `expression` is true, a query opens on `form`.`item`.

    Example: `diastolic_bp >= systolic_bp`; across visits: `sledai_total - visit('baseline', 'sledai_total') >= 4`.
    Names refer to the items of the visit being checked (item ids are unique across a protocol's forms).
    """

    id: Identifier
    message: Text
    expression: ExpressionText
    form: Identifier
    item: Identifier | None = None
    visits: list[str] = Field(default_factory=list)


def find_form(forms: Iterable[FormDefinition], form_id: str, version: str | None = None) -> FormDefinition:
    """The form `form_id` at `version`, or the last-listed version when `version` is None."""
    found: FormDefinition | None = None
    for form in forms:
        if form.id == form_id and (version is None or form.version == version):
            found = form
    if found is None:
        raise KeyError(f"{form_id} (version {version})" if version else form_id)
    return found


def check_form_references(
    forms: Sequence[FormDefinition],
    lab_tests: Sequence[LabTestDefinition],
    edit_checks: Sequence[EditCheck],
    *,
    visit_ids: Iterable[str] | None = None,
) -> list[Problem]:
    """Cross-section consistency the single models cannot see: one (form, version) each; lab items name a
    defined lab test of the right result type; item ids unique across the current forms; edit checks and
    `visit()` look-ups name existing items; visits (when `visit_ids` is given) exist in the schedule."""
    problems: list[Problem] = []
    tests = {t.code: t for t in lab_tests}
    if len(tests) != len(lab_tests):
        problems.append(Problem("lab_tests", "a lab test code is used twice"))
    current = _current_forms(forms, problems)
    owner = _item_owners(current, problems)
    known_visits = set(visit_ids) if visit_ids is not None else None
    for form in current.values():
        problems.extend(_form_problems(form, tests, owner, known_visits))
    for index, check in enumerate(edit_checks):
        problems.extend(_edit_check_problems(f"edit_checks[{index}]", check, current, owner, known_visits))
    return problems


def _current_forms(forms: Sequence[FormDefinition], problems: list[Problem]) -> dict[str, FormDefinition]:
    """The last-listed version of each form; a (form, version) listed twice is a problem."""
    seen_versions: set[tuple[str, str]] = set()
    current: dict[str, FormDefinition] = {}
    for index, form in enumerate(forms):
        if (form.id, form.version) in seen_versions:
            problems.append(
                Problem(f"forms[{index}]", f"form '{form.id}' version {form.version} is listed twice")
            )
        seen_versions.add((form.id, form.version))
        current[form.id] = form
    return current


def _item_owners(current: Mapping[str, FormDefinition], problems: list[Problem]) -> dict[str, str]:
    """Item id -> the form that defines it; an id used by two current forms is a problem."""
    owner: dict[str, str] = {}
    for form in current.values():
        for item_id in form.top_level_ids | {i.id for i in form.all_items()}:
            if item_id in owner and owner[item_id] != form.id:
                problems.append(
                    Problem(f"forms.{form.id}.{item_id}", f"item id also used in form '{owner[item_id]}'")
                )
            owner.setdefault(item_id, form.id)
    return owner


def _form_problems(
    form: FormDefinition,
    tests: Mapping[str, LabTestDefinition],
    owner: Mapping[str, str],
    known_visits: set[str] | None,
) -> list[Problem]:
    """A form's visits exist; its lab items name a defined test of the right result type; its `visit()`
    look-ups name existing items."""
    problems: list[Problem] = []
    for visit in form.visits:
        if known_visits is not None and visit not in known_visits:
            problems.append(Problem(f"forms.{form.id}.visits", f"visit '{visit}' is not in the schedule"))
    for item in form.all_items():
        where = f"forms.{form.id}.{item.id}"
        if item.lab_test is not None:
            test = tests.get(item.lab_test)
            if test is None:
                problems.append(Problem(where, f"lab test '{item.lab_test}' is not defined in lab_tests"))
            elif (item.type == "lab") != (test.result_type == "quantitative"):
                problems.append(
                    Problem(
                        where,
                        f"a {item.type} item cannot record the {test.result_type} test '{test.code}'",
                    )
                )
        for _, expression in item.expressions():
            problems.extend(_visit_lookups(where, expression, owner))
    return problems


def _edit_check_problems(
    where: str,
    check: EditCheck,
    current: Mapping[str, FormDefinition],
    owner: Mapping[str, str],
    known_visits: set[str] | None,
) -> list[Problem]:
    """An edit check names an existing form, item, items in its expression and visits."""
    problems: list[Problem] = []
    checked_form = current.get(check.form)
    if checked_form is None:
        problems.append(Problem(where, f"form '{check.form}' is not defined"))
    elif (
        check.item is not None
        and check.item not in {i.id for i in checked_form.all_items()} | checked_form.top_level_ids
    ):
        problems.append(Problem(where, f"item '{check.item}' is not in form '{check.form}'"))
    expression = parse(check.expression)
    for name in sorted(expression.names - owner.keys()):
        problems.append(Problem(where, f"refers to '{name}', which is not an item of any form"))
    problems.extend(_visit_lookups(where, expression, owner))
    for visit in check.visits:
        if known_visits is not None and visit not in known_visits:
            problems.append(Problem(where, f"visit '{visit}' is not in the schedule"))
    return problems


def _visit_lookups(where: str, expression: Expression, owner: Mapping[str, str]) -> list[Problem]:
    return [
        Problem(where, f"visit('{visit}', '{item}') names an item of no form")
        for visit, item in sorted(expression.visit_lookups)
        if item not in owner
    ]


__all__ = [
    "CHOICE_TYPES",
    "NUMERIC_TYPES",
    "Choice",
    "CtcaeLink",
    "EditCheck",
    "FindingsCode",
    "FormDefinition",
    "ItemDefinition",
    "ItemType",
    "LabTestDefinition",
    "LabUnit",
    "LoincCode",
    "Range",
    "RepeatingGroup",
    "Section",
    "check_form_references",
    "find_form",
]
