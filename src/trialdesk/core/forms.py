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

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from trialdesk.core.expressions import Context, OrdinalValue, Value, VisitResolver, evaluate, is_true, parse
from trialdesk.core.input_rules import LONG_TEXT, text_problems
from trialdesk.core.labs import LabResult, check_lab_value
from trialdesk.core.units import to_decimal
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.forms import EditCheck, FormDefinition, ItemDefinition, LabTestDefinition, Range

Normalized = object  # int | Decimal | bool | str | date | datetime | tuple[str, ...] | LabResult | None
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")  # whole numbers a form item can hold
# Dates a form item can hold: nothing before 1900 (a Jalali year such as 1403 typed as Gregorian) or after 2100.
_PLAUSIBLE_DATES = (date(1900, 1, 1), date(2100, 12, 31))
_YES = frozenset({"yes", "true", "y"})
_NO = frozenset({"no", "false", "n"})
NOT_ASSESSED = (
    "not_assessed"  # an explicit answer to a yes_no item that allows it (e.g. a SLEDAI-2K descriptor)
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

    @property
    def unconfirmed_warnings(self) -> tuple[SoftLimitWarning, ...]:
        return tuple(w for w in self.warnings if not w.confirmed)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unconfirmed_warnings

    def raise_if_not_ok(self) -> None:
        """Raise `ValidationFailed` listing every error and unconfirmed warning."""
        if self.ok:
            return
        problems = self.errors + tuple(Problem(w.where, w.rule) for w in self.unconfirmed_warnings)
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
    known = form.top_level_ids
    for key in values:
        if key not in known:
            run.errors.append(Problem(key, f"is not an item of form '{form.id}' version {form.version}"))
    for where, reason in run.confirmations.items():
        if not reason or not reason.strip():
            run.errors.append(Problem(where, "a confirmation needs a reason"))
    normalized: dict[str, Normalized] = {}
    env: dict[str, Value] = {}
    for section in form.sections:
        section_shown = section.show_if is None or is_true(parse(section.show_if), run.context(env))
        for item in section.items:
            result, expression_value = _check_item(
                run, item, values.get(item.id), item.id, env, section_shown
            )
            normalized[item.id] = result.value
            env[item.id] = expression_value
        for group in section.groups:
            shown = section_shown and (
                group.show_if is None or is_true(parse(group.show_if), run.context(env))
            )
            raw = values.get(group.id)
            if not shown:
                run.hidden.add(group.id)
                if not _is_blank(raw):
                    run.discarded.add(group.id)
                normalized[group.id] = ()
                env[group.id] = None
                continue
            rows = _rows(run, group.id, raw)
            if len(rows) < group.min_rows:
                run.errors.append(Problem(group.id, f"needs at least {group.min_rows} row(s)"))
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
            normalized[group.id] = tuple(normalized_rows)
            env[group.id] = tuple(expression_rows)
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
    )


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
        return _record(run, ItemResult(where, item.id, None, hidden=False, errors=missing)), None
    value, expression_value, errors, warnings = _normalize(run, item, raw, where, env)
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


_Normalization = tuple[Normalized, Value, tuple[Problem, ...], tuple[Problem, ...]]


def _refuse(where: str, rule: str) -> _Normalization:
    return None, None, (Problem(where, rule),), ()


def _text(item: ItemDefinition, raw: object, where: str) -> _Normalization:
    if not isinstance(raw, str):
        return _refuse(where, "must be text")
    text = raw.strip()
    if item.max_length is not None and len(text) > item.max_length:
        return _refuse(where, f"must be at most {item.max_length} characters")
    bad = text_problems(text, where=where, max_length=LONG_TEXT, multiline=True)
    if bad:
        return None, None, tuple(bad), ()
    return text, text, (), ()


def _date(raw: object, where: str) -> _Normalization:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw, raw, (), ()
    try:
        parsed_date = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        parsed_date = None
    if parsed_date is None:
        return _refuse(where, "must be a date (YYYY-MM-DD)")
    if not _PLAUSIBLE_DATES[0] <= parsed_date <= _PLAUSIBLE_DATES[1]:
        return _refuse(where, "must be a Gregorian date between 1900 and 2100")
    return parsed_date, parsed_date, (), ()


def _datetime(raw: object, where: str) -> _Normalization:
    moment: datetime | None = raw if isinstance(raw, datetime) else None
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            moment = None
    if moment is None:
        return _refuse(where, "must be a date and time (YYYY-MM-DDTHH:MM+03:30)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return _refuse(where, "must include a time zone offset (e.g. +03:30)")
    if not _PLAUSIBLE_DATES[0] <= moment.date() <= _PLAUSIBLE_DATES[1]:
        return _refuse(where, "must be a Gregorian date between 1900 and 2100")
    utc = moment.astimezone(UTC)
    return utc, utc, (), ()


def _normalize(
    run: _Run, item: ItemDefinition, raw: object, where: str, env: Mapping[str, Value]
) -> _Normalization:
    kind = item.type
    if kind == "text":
        return _text(item, raw, where)
    if kind == "integer":
        if isinstance(raw, bool) or not (
            isinstance(raw, int)
            or (isinstance(raw, str) and _INTEGER.match(raw.strip()))
            or (isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value())
        ):
            return _refuse(where, "must be a whole number")
        number = int(raw.strip() if isinstance(raw, str) else raw)
        return _numeric(item, Decimal(number), number, where)
    if kind == "decimal":
        try:
            decimal_value = to_decimal(raw, where=where)
        except ValidationFailed:
            return _refuse(where, "must be a number")
        exponent = decimal_value.as_tuple().exponent
        if item.decimals is not None and isinstance(exponent, int) and -exponent > item.decimals:
            return _refuse(where, f"must have at most {item.decimals} decimal place(s)")
        return _numeric(item, decimal_value, decimal_value, where)
    if kind in ("date", "datetime"):
        return _date(raw, where) if kind == "date" else _datetime(raw, where)
    if kind == "yes_no":
        answer: bool | None = raw if isinstance(raw, bool) else None
        if isinstance(raw, str):
            word = raw.strip().casefold()
            answer = True if word in _YES else False if word in _NO else None
            if word == NOT_ASSESSED and item.not_assessed_allowed:
                return (
                    NOT_ASSESSED,
                    None,
                    (),
                    (),
                )  # stored as answered; unknown to expressions (a total: None)
        if answer is None:
            allowed = "yes, no or not_assessed" if item.not_assessed_allowed else "yes or no"
            return _refuse(where, f"must be {allowed}")
        return answer, answer, (), ()
    if kind in ("single_choice", "ordinal"):
        codes = item.choice_codes
        if not isinstance(raw, str) or raw.strip() not in codes:
            return _refuse(where, f"{raw!r} is not one of the choices: {', '.join(codes)}")
        code = raw.strip()
        expression_value: Value = OrdinalValue(code, codes) if kind == "ordinal" else code
        return code, expression_value, (), ()
    if kind == "multiple_choice":
        codes = item.choice_codes
        if isinstance(raw, str) or not isinstance(raw, Sequence | set | frozenset):
            return _refuse(where, "must be a list of choices")
        chosen = list(raw)
        bad = [c for c in chosen if not isinstance(c, str) or c not in codes]
        if bad:
            return _refuse(where, f"{', '.join(map(repr, bad))} not among the choices: {', '.join(codes)}")
        ordered = tuple(c for c in codes if c in chosen)
        return ordered, ordered, (), ()
    # lab
    assert item.lab_test is not None
    test = run.lab_tests.get(item.lab_test)
    if test is None:
        return _refuse(where, f"lab test '{item.lab_test}' is not defined in the protocol")
    if not isinstance(raw, Mapping):
        return _refuse(where, "must give a value and a unit")
    fasting = env.get(item.fasting_item) if item.fasting_item else None
    check = check_lab_value(
        test,
        raw.get("value"),
        raw.get("unit"),
        where=where,
        low=raw.get("low"),
        high=raw.get("high"),
        fasting=fasting if isinstance(fasting, bool) else None,
    )
    extra = sorted(set(raw) - {"value", "unit", "low", "high"})
    errors = check.errors + tuple(Problem(f"{where}.{k}", "is not a field of a lab value") for k in extra)
    if check.result is None or errors:
        return None, None, errors, ()
    return check.result, check.result.as_measurement(), (), check.warnings


def _numeric(item: ItemDefinition, number: Decimal, value: Normalized, where: str) -> _Normalization:
    unit = f" {item.unit}" if item.unit else ""
    hard: Range | None = item.hard_limits
    if hard is not None:
        if hard.min is not None and number < hard.min:
            return _refuse(where, f"must be at least {hard.min}{unit}")
        if hard.max is not None and number > hard.max:
            return _refuse(where, f"must be at most {hard.max}{unit}")
    warnings: tuple[Problem, ...] = ()
    soft = item.soft_limits
    if soft is not None:
        if soft.min is not None and number < soft.min:
            warnings = (Problem(where, f"is below the expected {soft.min}{unit}: confirm with a reason"),)
        if soft.max is not None and number > soft.max:
            warnings = (Problem(where, f"is above the expected {soft.max}{unit}: confirm with a reason"),)
    return value, number, (), warnings


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
