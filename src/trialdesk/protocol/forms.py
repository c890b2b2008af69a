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

import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from trialdesk.core.expressions import KEYWORDS, Expression, ExpressionError, parse
from trialdesk.errors import Problem
from trialdesk.protocol.base import ProtocolModel, Text

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value) or "__" in value or value in KEYWORDS:
        raise ValueError(
            f"'{value}' is not a valid identifier (lower-case letters, digits and single '_', "
            "starting with a letter; not and/or/not/in/true/false/null)"
        )
    return value


def _expression(value: str) -> str:
    try:
        parse(value)
    except ExpressionError as exc:
        raise ValueError(exc.message) from None
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
ExpressionText = Annotated[str, AfterValidator(_expression)]

ItemType = Literal[
    "text",
    "integer",
    "decimal",
    "date",
    "datetime",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "ordinal",
    "lab",
    "calculated",
]
CHOICE_TYPES: frozenset[str] = frozenset({"single_choice", "multiple_choice", "ordinal"})
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "decimal"})


class Range(ProtocolModel):
    """Inclusive bounds; either may be open."""

    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("give at least one of min and max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def contains(self, value: Decimal) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


def _within(inner: Range | None, outer: Range | None) -> bool:
    """Every bound `inner` gives lies within `outer` (an open soft bound is simply not checked)."""
    if inner is None or outer is None:
        return True
    return all(outer.contains(bound) for bound in (inner.min, inner.max) if bound is not None)


class Choice(ProtocolModel):
    """One answer option: a stable code (stored) and a bilingual label (shown)."""

    code: str = Field(min_length=1)
    label: Text


class FindingsCode(ProtocolModel):
    """How a non-laboratory measurement is coded in an SDTM findings domain (e.g. VS SYSBP)."""

    domain: Literal["VS"]
    test_code: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9_]*$")
    test_name: str = Field(min_length=1, max_length=40)
    assumption: str | None = None


class ItemDefinition(ProtocolModel):
    """One question of a form.

    `hard_limits` refuse a value; `soft_limits` warn and need a confirmation with a reason. A `lab` item
    takes its limits, units and reference range from its `lab_test`. An `ordinal` or `single_choice` item
    may name a non-quantitative `lab_test` for its codes (e.g. ANA titre, lupus anticoagulant).
    """

    id: Identifier
    label: Text
    type: ItemType
    required: bool = False
    help: Text | None = None
    unit: str | None = None
    decimals: int | None = Field(default=None, ge=0, le=10)
    max_length: int | None = Field(default=None, gt=0)
    hard_limits: Range | None = None
    soft_limits: Range | None = None
    choices: list[Choice] = Field(default_factory=list)
    lab_test: Identifier | None = None
    fasting_item: Identifier | None = None
    expression: ExpressionText | None = None
    show_if: ExpressionText | None = None
    weight: int | None = Field(default=None, ge=0)
    findings: FindingsCode | None = None
    not_assessed_allowed: bool = False
    assumption: str | None = None
    # Identifying data (e.g. a date of birth): shown only to roles that see identity, never to pseudonymous
    # readers (statistician, data manager, ethics committee), nor written into the audit log.
    identifying: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ItemDefinition:
        kind = self.type
        if kind in CHOICE_TYPES:
            if len(self.choices) < 2:
                raise ValueError(f"a {kind} item needs at least two choices")
            codes = [c.code for c in self.choices]
            duplicate = next((c for c in codes if codes.count(c) > 1), None)
            if duplicate is not None:
                raise ValueError(f"choice code '{duplicate}' is used twice")
        elif self.choices:
            raise ValueError(f"a {kind} item has no choices")
        if (self.hard_limits or self.soft_limits) and kind not in NUMERIC_TYPES:
            raise ValueError("limits belong to integer and decimal items (a lab item uses its lab test's)")
        if not _within(self.soft_limits, self.hard_limits):
            raise ValueError("soft_limits must lie within hard_limits")
        if kind == "lab" and self.lab_test is None:
            raise ValueError("a lab item names its lab_test")
        if self.lab_test is not None and kind not in ("lab", "ordinal", "single_choice"):
            raise ValueError("only lab, ordinal and single_choice items refer to a lab_test")
        if self.fasting_item is not None and kind != "lab":
            raise ValueError("only a lab item has a fasting_item")
        if (kind == "calculated") != (self.expression is not None):
            raise ValueError("a calculated item has an expression, and only a calculated item has one")
        if kind == "calculated" and self.required:
            raise ValueError("a calculated item cannot be required (the system fills it)")
        if self.findings is not None and kind not in NUMERIC_TYPES:
            raise ValueError(
                "findings codes belong to integer and decimal items (lab items use their lab test)"
            )
        if (self.weight is not None or self.not_assessed_allowed) and kind != "yes_no":
            raise ValueError("only yes_no items carry a weight or a 'not assessed' answer")
        if self.decimals is not None and kind != "decimal":
            raise ValueError("decimals applies to decimal items")
        if self.max_length is not None and kind != "text":
            raise ValueError("max_length applies to text items")
        return self

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def expressions(self) -> Iterator[tuple[str, Expression]]:
        """(field name, parsed expression) for `show_if` and `expression`."""
        if self.show_if is not None:
            yield "show_if", parse(self.show_if)
        if self.expression is not None:
            yield "expression", parse(self.expression)


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


class LoincCode(ProtocolModel):
    """A LOINC code for a test in one unit (mass vs molar) and, where it matters, fasting state."""

    code: Annotated[str, Field(pattern=r"^\d{1,7}-\d$")]
    unit: str | None = None
    fasting: bool | None = None
    name: str | None = None


class LabUnit(ProtocolModel):
    """An allowed unit: `factor` canonical units make one of this unit (value_canonical = value x factor)."""

    unit: str = Field(min_length=1)
    factor: Decimal = Field(default=Decimal(1), gt=0)
    reference_range: Range | None = None


class CtcaeLink(ProtocolModel):
    """The CTCAE term a value outside the reference range suggests (grading is `trialdesk.core.ctcae`'s)."""

    term: str
    direction: Literal["low", "high"]
    note: str | None = None


class LabTestDefinition(ProtocolModel):
    """A laboratory test: how it is coded (CDISC LB or IS, LOINC), measured and checked.

    `hard_limits` (physiologically impossible: refused) and `soft_limits` (implausible: need confirmation)
    are in the canonical unit; reference ranges are per unit (a laboratory's own range may be entered with
    the value and then wins).
    """

    code: Identifier
    label: Text
    domain: Literal["LB", "IS"]
    test_code: str = Field(min_length=1, max_length=8)
    test_name: str | None = None
    binding_agent: str | None = None
    method: str | None = None
    specimen: str | None = None
    result_type: Literal["quantitative", "ordinal", "categorical"]
    canonical_unit: str | None = None
    units: list[LabUnit] = Field(default_factory=list)
    loinc: list[LoincCode] = Field(default_factory=list)
    loinc_note: str | None = None
    hard_limits: Range | None = None
    soft_limits: Range | None = None
    ctcae: list[CtcaeLink] = Field(default_factory=list)
    assumption: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> LabTestDefinition:
        if self.domain == "IS" and not self.binding_agent:
            raise ValueError("an IS test names its binding_agent (ISBDAGNT)")
        if self.domain == "LB" and self.binding_agent:
            raise ValueError("binding_agent (ISBDAGNT) belongs to IS tests")
        names = [u.unit.casefold() for u in self.units]
        if len(names) != len(set(names)):
            raise ValueError("a unit is listed twice")
        if self.result_type == "quantitative":
            if self.canonical_unit is None:
                raise ValueError("a quantitative test names its canonical_unit")
            canonical = next((u for u in self.units if u.unit == self.canonical_unit), None)
            if canonical is None or canonical.factor != 1:
                raise ValueError("the canonical_unit must be one of the units, with factor 1")
        elif self.hard_limits or self.soft_limits:
            raise ValueError("limits belong to quantitative tests")
        if not _within(self.soft_limits, self.hard_limits):
            raise ValueError("soft_limits must lie within hard_limits")
        return self

    @property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(u.unit for u in self.units)


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
    seen_versions: set[tuple[str, str]] = set()
    current: dict[str, FormDefinition] = {}
    for index, form in enumerate(forms):
        if (form.id, form.version) in seen_versions:
            problems.append(
                Problem(f"forms[{index}]", f"form '{form.id}' version {form.version} is listed twice")
            )
        seen_versions.add((form.id, form.version))
        current[form.id] = form
    owner: dict[str, str] = {}
    for form in current.values():
        for item_id in form.top_level_ids | {i.id for i in form.all_items()}:
            if item_id in owner and owner[item_id] != form.id:
                problems.append(
                    Problem(f"forms.{form.id}.{item_id}", f"item id also used in form '{owner[item_id]}'")
                )
            owner.setdefault(item_id, form.id)
    known_visits = set(visit_ids) if visit_ids is not None else None
    for form in current.values():
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
    for index, check in enumerate(edit_checks):
        where = f"edit_checks[{index}]"
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


def _visit_lookups(where: str, expression: Expression, owner: dict[str, str]) -> list[Problem]:
    return [
        Problem(where, f"visit('{visit}', '{item}') names an item of no form")
        for visit, item in sorted(expression.visit_lookups)
        if item not in owner
    ]


__all__ = [
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
