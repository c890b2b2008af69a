"""The functions an expression may call, each with its arity and a one-line description."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, TypeAlias

from trialdesk.core.expressions.tree import Call, Name
from trialdesk.core.expressions.values import Measurement, Value, _type_name
from trialdesk.core.sledai import modified_sri4

if TYPE_CHECKING:
    from trialdesk.core.expressions.evaluation import _Evaluator


Implementation: TypeAlias = Callable[["_Evaluator", Call, list[Value]], Value]


@dataclass(frozen=True)
class FunctionSpec:
    min_args: int
    max_args: int | None
    implementation: Implementation
    doc: str
    names_only: bool = False


def _flatten(values: Sequence[Value]) -> list[Value]:
    out: list[Value] = []
    for value in values:
        if isinstance(value, tuple):
            out.extend(_flatten(value))
        else:
            out.append(value)
    return out


def _sum(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    values = _flatten(args)
    if any(v is None for v in values):
        return None
    return sum((ev.number(v, node) for v in values), Decimal(0))


def _count_true(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    return Decimal(sum(1 for v in _flatten(args) if v is True))


def _count(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    (value,) = args
    if value is None:
        return Decimal(0)
    if isinstance(value, tuple):
        return Decimal(len(value))
    raise ev.fail(f"count() needs a list or a repeating group, not {_type_name(value)}", node)


def _is_empty(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    (value,) = args
    return value is None or (isinstance(value, str) and not value.strip()) or value == ()


def _coalesce(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    return next((v for v in args if v is not None), None)


def _days_between(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    first, second = args
    if first is None or second is None:
        return None
    if not isinstance(first, date) or not isinstance(second, date):
        raise ev.fail("days_between() needs two dates", node)
    d1 = first.date() if isinstance(first, datetime) else first
    d2 = second.date() if isinstance(second, datetime) else second
    return Decimal((d2 - d1).days)


def _minmax(pick: Callable[[list[Decimal]], Decimal]) -> Implementation:
    def implementation(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
        values = _flatten(args)
        if not values or any(v is None for v in values):
            return None
        return pick([ev.number(v, node) for v in values])

    return implementation


def _abs(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    (value,) = args
    return None if value is None else abs(ev.number(value, node))


def _round(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    value = args[0]
    places = args[1] if len(args) > 1 else Decimal(0)
    if value is None:
        return None
    digits = ev.number(places, node)
    if digits != digits.to_integral_value() or not 0 <= digits <= 10:
        raise ev.fail("round() takes a whole number of places from 0 to 10", node)
    return ev.number(value, node).quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


def _visit(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    visit_id, item_id = args
    if not isinstance(visit_id, str) or not isinstance(item_id, str):
        raise ev.fail("visit() takes a visit id and an item id, both as text", node)
    if ev.context.resolver is None:
        return None
    return ev.context.resolver(visit_id, item_id)


def _this_visit(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    return ev.context.visit_id


def _weighted_sum(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    total = Decimal(0)
    for arg_node, value in zip(node.args, args, strict=True):
        assert isinstance(arg_node, Name)
        weight = ev.context.weights.get(arg_node.name)
        if weight is None:
            raise ev.fail(f"item '{arg_node.name}' has no weight", arg_node)
        if value is None:
            return None
        if ev.truth(value, arg_node):
            total += weight
    return total


def _flag_test(flag: str) -> Implementation:
    def implementation(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
        (value,) = args
        if value is None:
            return None
        if not isinstance(value, Measurement):
            raise ev.fail(f"{node.function}() needs a laboratory item, not {_type_name(value)}", node)
        return value.flag == flag

    return implementation


def _modified_sri4(ev: _Evaluator, node: Call, args: list[Value]) -> Value:
    if any(v is None for v in args):
        return None
    baseline_sledai, baseline_pga, followup_sledai, followup_pga = (ev.number(v, node) for v in args)
    if (
        baseline_sledai != baseline_sledai.to_integral_value()
        or followup_sledai != followup_sledai.to_integral_value()
    ):
        raise ev.fail("SLEDAI-2K totals must be whole numbers", node)
    return modified_sri4(
        baseline_sledai=int(baseline_sledai),
        baseline_pga=baseline_pga,
        followup_sledai=int(followup_sledai),
        followup_pga=followup_pga,
    )


FUNCTIONS: Mapping[str, FunctionSpec] = {
    "sum": FunctionSpec(1, None, _sum, "sum of numbers (lists are flattened); null if any is null"),
    "count_true": FunctionSpec(1, None, _count_true, "how many arguments are true (null counts as not true)"),
    "count": FunctionSpec(1, 1, _count, "number of rows of a repeating group or items of a list (null: 0)"),
    "is_empty": FunctionSpec(1, 1, _is_empty, "true when unanswered, blank text or an empty list"),
    "coalesce": FunctionSpec(1, None, _coalesce, "the first argument that is not null"),
    "days_between": FunctionSpec(2, 2, _days_between, "days from the first date to the second (d2 - d1)"),
    "min": FunctionSpec(1, None, _minmax(min), "smallest number; null if any is null"),
    "max": FunctionSpec(1, None, _minmax(max), "largest number; null if any is null"),
    "abs": FunctionSpec(1, 1, _abs, "absolute value"),
    "round": FunctionSpec(1, 2, _round, "round half up to the given decimal places (default 0)"),
    "visit": FunctionSpec(2, 2, _visit, "visit('baseline', 'item'): the item's value at another visit"),
    "this_visit": FunctionSpec(0, 0, _this_visit, "the id of the visit being entered (null if unknown)"),
    "weighted_sum": FunctionSpec(
        1, None, _weighted_sum, "sum of the weights of the yes/no items answered yes", names_only=True
    ),
    "is_low": FunctionSpec(1, 1, _flag_test("L"), "a laboratory value below its reference range"),
    "is_high": FunctionSpec(1, 1, _flag_test("H"), "a laboratory value above its reference range"),
    "modified_sri4": FunctionSpec(
        4, 4, _modified_sri4, "modified SRI-4 (no BILAG): baseline SLEDAI, baseline PGA, SLEDAI, PGA"
    ),
}
