"""Checking a case-report form submission against its definition, and evaluating edit checks.

`validate_submission(form, values, lab_tests, confirmations)` returns, per item path (`glucose`,
`medications[2].dose`; rows are numbered from 1, as on the form):

- the normalized value (int, Decimal, bool, str, date, UTC datetime, tuple of codes, `LabResult`);
- errors (hard): wrong type, outside hard limits, not a choice, required but missing while shown, too many
  rows, unknown item; an error names the item and the rule (`glucose.value: must be at most ...`);
- warnings (soft limits): accepted when `confirmations[path]` gives a reason;
- hidden items (their `show_if` is not true): any value sent is ignored and listed in `discarded`;
- calculated items, evaluated in form order (they may use earlier calculated items).

Nothing here stores anything; the service layer saves the result together with the form version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from trialdesk.core.expressions import Context, Value, VisitResolver, evaluate, is_true, parse
from trialdesk.core.form_values import NOT_ASSESSED, Normalized, normalize
from trialdesk.core.labs import LabResult
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.forms import (
    EditCheck,
    FormDefinition,
    ItemDefinition,
    LabTestDefinition,
    RepeatingGroup,
    Section,
)


@dataclass(frozen=True)
class SoftLimitWarning:
    """A value outside a soft limit. Saved only when `confirmed` (a reason was given)."""

    where: str
    rule: str
    reason: str | None = None

    @property
    def confirmed(self) -> bool:
        return bool(self.reason)

    def __str__(self) -> str:
        suffix = f" (confirmed: {self.reason})" if self.reason else ""
        return f"{self.where}: {self.rule}{suffix}"


@dataclass(frozen=True)
class ItemResult:
    where: str
    item_id: str
    value: Normalized
    hidden: bool
    errors: tuple[Problem, ...] = ()
    warnings: tuple[SoftLimitWarning, ...] = ()


@dataclass(frozen=True)
class FormCheckResult:
    """Everything known about one submission; `ok` when it may be saved."""

    form_id: str
    form_version: str
    items: Mapping[str, ItemResult]
    values: Mapping[str, Normalized]
    expression_values: Mapping[str, Value]
    calculated: Mapping[str, Value]
    hidden: frozenset[str]
    discarded: frozenset[str]
    errors: tuple[Problem, ...]
    warnings: tuple[SoftLimitWarning, ...]
    missing: tuple[Problem, ...] = ()  # the errors that are only "required but unanswered" (too few rows)

    @property
    def unconfirmed_warnings(self) -> tuple[SoftLimitWarning, ...]:
        return tuple(w for w in self.warnings if not w.confirmed)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unconfirmed_warnings

    @property
    def entry_errors(self) -> tuple[Problem, ...]:
        """The errors of the answers given (a form saved incomplete may still lack required answers)."""
        return tuple(e for e in self.errors if e not in self.missing)

    def raise_if_not_ok(self, *, require_complete: bool = True) -> None:
        """Raise `ValidationFailed` listing every error and unconfirmed warning; with `require_complete=False`
        unanswered required items (and too few rows) are not errors: the form may be saved incomplete."""
        errors = self.errors if require_complete else self.entry_errors
        if not errors and not self.unconfirmed_warnings:
            return
        problems = errors + tuple(Problem(w.where, w.rule) for w in self.unconfirmed_warnings)
        raise ValidationFailed(
            f"form '{self.form_id}' (version {self.form_version}) cannot be saved: {len(problems)} problem(s)",
            problems,
            {"form": self.form_id, "version": self.form_version},
        )

    def storable_values(self) -> dict[str, object]:
        """The normalized values in JSON-friendly form (decimals and dates as text)."""
        return {key: _storable(value) for key, value in self.values.items()}


def _storable(value: object) -> object:
    if isinstance(value, LabResult):
        return value.storable()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, tuple | list):
        return [_storable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _storable(v) for k, v in value.items()}
    return str(value)


@dataclass
class _Run:
    """Mutable scratch space of one validation run (never escapes: the result is frozen)."""

    form: FormDefinition
    lab_tests: Mapping[str, LabTestDefinition]
    confirmations: Mapping[str, str]
    resolver: VisitResolver | None
    visit_id: str | None
    weights: Mapping[str, Decimal]
    items: dict[str, ItemResult] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[SoftLimitWarning] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)
    discarded: set[str] = field(default_factory=set)
    calculated: dict[str, Value] = field(default_factory=dict)
    missing: list[Problem] = field(default_factory=list)

    def context(self, values: Mapping[str, Value]) -> Context:
        return Context(values=values, resolver=self.resolver, visit_id=self.visit_id, weights=self.weights)


def validate_submission(
    form: FormDefinition,
    values: Mapping[str, object],
    lab_tests: Iterable[LabTestDefinition],
    confirmations: Mapping[str, str] | None = None,
    *,
    resolver: VisitResolver | None = None,
    visit_id: str | None = None,
) -> FormCheckResult:
    """Check `values` (item id -> raw answer; a repeating group -> list of row mappings; a lab item ->
    `{"value", "unit"}` with optional `"low"`/`"high"` from the laboratory's report) against `form`.

    `confirmations` maps a warning's path (or its item's path) to the reason the value is right.
    `resolver` and `visit_id` feed `visit(...)` and `this_visit()` in calculated items and `show_if`.
    """
    run = _Run(
        form=form,
        lab_tests={t.code: t for t in lab_tests},
        confirmations=confirmations or {},
        resolver=resolver,
        visit_id=visit_id,
        weights={i.id: Decimal(i.weight) for i in form.all_items() if i.weight is not None},
    )
    _check_keys(run, values)
    normalized: dict[str, Normalized] = {}
    env: dict[str, Value] = {}
    for section in form.sections:
        _check_section(run, section, values, normalized, env)
    return FormCheckResult(
        form_id=form.id,
        form_version=form.version,
        items=dict(run.items),
        values=normalized,
        expression_values=env,
        calculated=dict(run.calculated),
        hidden=frozenset(run.hidden),
        discarded=frozenset(run.discarded),
        errors=tuple(run.errors),
        warnings=tuple(run.warnings),
        missing=tuple(run.missing),
    )


def _check_keys(run: _Run, values: Mapping[str, object]) -> None:
    """Unknown items and confirmations without a reason are errors before any item is looked at."""
    known = run.form.top_level_ids
    for key in values:
        if key not in known:
            run.errors.append(
                Problem(key, f"is not an item of form '{run.form.id}' version {run.form.version}")
            )
    for where, reason in run.confirmations.items():
        if not reason or not reason.strip():
            run.errors.append(Problem(where, "a confirmation needs a reason"))


def _check_section(
    run: _Run,
    section: Section,
    values: Mapping[str, object],
    normalized: dict[str, Normalized],
    env: dict[str, Value],
) -> None:
    """Check a section's items, then its repeating groups, filling `normalized` and `env` in form order."""
    section_shown = section.show_if is None or is_true(parse(section.show_if), run.context(env))
    for item in section.items:
        result, expression_value = _check_item(run, item, values.get(item.id), item.id, env, section_shown)
        normalized[item.id] = result.value
        env[item.id] = expression_value
    for group in section.groups:
        shown = section_shown and (group.show_if is None or is_true(parse(group.show_if), run.context(env)))
        raw = values.get(group.id)
        if not shown:
            run.hidden.add(group.id)
            if not _is_blank(raw):
                run.discarded.add(group.id)
            normalized[group.id] = ()
            env[group.id] = None
            continue
        normalized[group.id], env[group.id] = _check_group(run, group, raw, env)


def _check_group(
    run: _Run, group: RepeatingGroup, raw: object, env: Mapping[str, Value]
) -> tuple[tuple[dict[str, Normalized], ...], tuple[Mapping[str, Value], ...]]:
    """A shown repeating group: row count limits, then every row (rows see the form's values so far)."""
    rows = _rows(run, group.id, raw)
    if len(rows) < group.min_rows:
        run.missing.append(Problem(group.id, f"needs at least {group.min_rows} row(s)"))
        run.errors.append(run.missing[-1])
    if group.max_rows is not None and len(rows) > group.max_rows:
        run.errors.append(Problem(group.id, f"allows at most {group.max_rows} row(s)"))
    row_ids = {i.id for i in group.items}
    normalized_rows: list[dict[str, Normalized]] = []
    expression_rows: list[Mapping[str, Value]] = []
    for number, row in enumerate(rows, start=1):
        row_where = f"{group.id}[{number}]"
        for key in row:
            if key not in row_ids:
                run.errors.append(Problem(f"{row_where}.{key}", f"is not a column of '{group.id}'"))
        row_env: dict[str, Value] = dict(env)
        row_values: dict[str, Normalized] = {}
        row_expression: dict[str, Value] = {}
        for item in group.items:
            result, expression_value = _check_item(
                run, item, row.get(item.id), f"{row_where}.{item.id}", row_env, True
            )
            row_values[item.id] = result.value
            row_env[item.id] = expression_value
            row_expression[item.id] = expression_value
        normalized_rows.append(row_values)
        expression_rows.append(row_expression)
    return tuple(normalized_rows), tuple(expression_rows)


def _rows(run: _Run, where: str, raw: object) -> list[Mapping[str, object]]:
    if _is_blank(raw):
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not all(isinstance(r, Mapping) for r in raw):
        run.errors.append(Problem(where, "must be a list of rows"))
        return []
    return [r for r in raw if isinstance(r, Mapping)]


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple | set | frozenset):
        return len(raw) == 0
    if isinstance(raw, Mapping):
        return not raw or _is_blank(raw.get("value"))
    return False


def _check_item(
    run: _Run, item: ItemDefinition, raw: object, where: str, env: Mapping[str, Value], parent_shown: bool
) -> tuple[ItemResult, Value]:
    shown = parent_shown and (item.show_if is None or is_true(parse(item.show_if), run.context(env)))
    if item.type == "calculated":
        if not _is_blank(raw):
            run.discarded.add(where)  # the system computes it; a sent value is never used
        if not shown:
            run.hidden.add(where)
            return _record(run, ItemResult(where, item.id, None, hidden=True)), None
        assert item.expression is not None
        computed = evaluate(parse(item.expression), run.context(env))
        run.calculated[where] = computed
        return _record(run, ItemResult(where, item.id, computed, hidden=False)), computed
    if not shown:
        run.hidden.add(where)
        if not _is_blank(raw):
            run.discarded.add(where)
        return _record(run, ItemResult(where, item.id, None, hidden=True)), None
    if _is_blank(raw):
        missing: tuple[Problem, ...] = (Problem(where, "is required"),) if item.required else ()
        run.missing.extend(missing)
        return _record(run, ItemResult(where, item.id, None, hidden=False, errors=missing)), None
    value, expression_value, errors, warnings = normalize(item, raw, where, run.lab_tests, env)
    confirmed = tuple(_confirm(run, w, where) for w in warnings)
    if errors:
        value, expression_value = None, None
    return _record(run, ItemResult(where, item.id, value, False, errors, confirmed)), expression_value


def _confirm(run: _Run, warning: Problem, item_where: str) -> SoftLimitWarning:
    reason = run.confirmations.get(warning.where) or run.confirmations.get(item_where)
    return SoftLimitWarning(
        warning.where, warning.rule, reason.strip() if reason and reason.strip() else None
    )


def _record(run: _Run, result: ItemResult) -> ItemResult:
    run.items[result.where] = result
    run.errors.extend(result.errors)
    run.warnings.extend(result.warnings)
    return result


# --------------------------------------------------------------------------- edit checks


@dataclass(frozen=True)
class FiredCheck:
    """An edit check whose expression was true: a query to open on `form`.`item`."""

    check_id: str
    form: str
    item: str | None
    message: Text


def merge_visit_values(results: Iterable[FormCheckResult]) -> dict[str, Value]:
    """The expression values of all forms of one visit, in one namespace (item ids are unique per protocol)."""
    merged: dict[str, Value] = {}
    for result in results:
        merged.update(result.expression_values)
    return merged


def evaluate_edit_checks(
    checks: Iterable[EditCheck],
    this_visit_values: Mapping[str, Value],
    resolver: VisitResolver | None = None,
    *,
    visit_id: str | None = None,
) -> list[FiredCheck]:
    """The checks that fire for this visit's values (see `merge_visit_values`); a check limited to some
    visits is skipped at others. A check fires only when its expression is exactly true, so a check over
    unanswered items stays silent unless it tests `is_empty(...)`."""
    context = Context(values=this_visit_values, resolver=resolver, visit_id=visit_id)
    fired: list[FiredCheck] = []
    for check in checks:
        if check.visits and visit_id is not None and visit_id not in check.visits:
            continue
        if is_true(parse(check.expression), context):
            fired.append(FiredCheck(check.id, check.form, check.item, check.message))
    return fired


__all__ = [
    "NOT_ASSESSED",
    "FiredCheck",
    "FormCheckResult",
    "ItemResult",
    "SoftLimitWarning",
    "evaluate_edit_checks",
    "merge_visit_values",
    "validate_submission",
]
