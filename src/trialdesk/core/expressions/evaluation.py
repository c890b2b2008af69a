"""Evaluating a parsed expression in a context, with null propagation and three-valued logic."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from trialdesk.core.expressions.functions import FUNCTIONS
from trialdesk.core.expressions.parser import parse
from trialdesk.core.expressions.tree import (
    Arithmetic,
    Compare,
    Expression,
    ListNode,
    Literal,
    Logic,
    Membership,
    Name,
    Negate,
    Node,
    Not,
)
from trialdesk.core.expressions.values import (
    ExpressionError,
    Measurement,
    OrdinalValue,
    Value,
    VisitResolver,
    _error,
    _type_name,
)


@dataclass(frozen=True)
class Context:
    """What an expression may read: this visit's values, and other visits through `resolver`."""

    values: Mapping[str, Value]
    resolver: VisitResolver | None = None
    visit_id: str | None = None
    weights: Mapping[str, Decimal] = field(default_factory=dict)


def evaluate(expression: Expression | str, context: Context) -> Value:
    """The value of `expression` in `context` (see the module docstring for null rules)."""
    parsed = parse(expression) if isinstance(expression, str) else expression
    return _Evaluator(parsed.source, context).value_of(parsed.tree)


def is_true(expression: Expression | str, context: Context) -> bool:
    """True only when the expression evaluates to exactly true (null and false are not true)."""
    return evaluate(expression, context) is True


_ORDERING: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Evaluator:
    def __init__(self, source: str, context: Context) -> None:
        self.source = source
        self.context = context

    def fail(self, message: str, node: Node) -> ExpressionError:
        return _error(message, node.position, self.source)

    def value_of(self, node: Node) -> Value:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            return self.context.values.get(node.name)
        if isinstance(node, ListNode):
            return tuple(self.value_of(item) for item in node.items)
        if isinstance(node, Negate):
            operand = self.value_of(node.operand)
            return None if operand is None else -self.number(operand, node)
        if isinstance(node, Arithmetic):
            return self.arithmetic(node)
        if isinstance(node, Compare):
            left, right = self.value_of(node.left), self.value_of(node.right)
            if left is None or right is None:
                return False
            return self.compare(node.op, left, right, node)
        if isinstance(node, Membership):
            needle, haystack = self.value_of(node.needle), self.value_of(node.haystack)
            if needle is None or haystack is None:
                return False
            if not isinstance(haystack, tuple):
                raise self.fail(f"'in' needs a list on its right, not {_type_name(haystack)}", node)
            found = any(item is not None and self.compare("==", needle, item, node) for item in haystack)
            return found != node.negated
        if isinstance(node, Logic):
            return self.logic(node)
        if isinstance(node, Not):
            operand = self.truth(self.value_of(node.operand), node)
            return None if operand is None else not operand
        return FUNCTIONS[node.function].implementation(self, node, [self.value_of(arg) for arg in node.args])

    def number(self, value: Value, node: Node) -> Decimal:
        if isinstance(value, Measurement):
            return value.standard_value
        if isinstance(value, Decimal):
            return value
        raise self.fail(f"expected a number, got {_type_name(value)}", node)

    def truth(self, value: Value, node: Node) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"expected yes/no, got {_type_name(value)}", node)

    def arithmetic(self, node: Arithmetic) -> Value:
        left, right = self.value_of(node.left), self.value_of(node.right)
        if left is None or right is None:
            return None
        if node.op == "-" and isinstance(left, date) and isinstance(right, date):
            raise self.fail("use days_between(d1, d2) to subtract dates", node)
        a, b = self.number(left, node), self.number(right, node)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return None if b == 0 else a / b

    def logic(self, node: Logic) -> Value:
        left = self.truth(self.value_of(node.left), node)
        if node.op == "and" and left is False:
            return False
        if node.op == "or" and left is True:
            return True
        right = self.truth(self.value_of(node.right), node)
        if node.op == "and":
            if right is False:
                return False
            return None if left is None or right is None else True
        if right is True:
            return True
        return None if left is None or right is None else False

    def compare(self, op: str, left: Value, right: Value, node: Node) -> bool:
        key_left, key_right = self.comparable(left, right, node)
        if op in ("==", "!="):
            return (key_left == key_right) == (op == "==")
        if isinstance(key_left, str | bool):
            raise self.fail(f"{_type_name(left)} can only be compared with '==' or '!='", node)
        return bool(_ORDERING[op](key_left, key_right))

    def comparable(self, left: Value, right: Value, node: Node) -> tuple[object, object]:
        if isinstance(left, OrdinalValue) or isinstance(right, OrdinalValue):
            scale = left if isinstance(left, OrdinalValue) else right
            assert isinstance(scale, OrdinalValue)
            return self.rank(left, scale, node), self.rank(right, scale, node)
        if isinstance(left, Decimal | Measurement) and isinstance(right, Decimal | Measurement):
            return self.number(left, node), self.number(right, node)
        if isinstance(left, bool) and isinstance(right, bool):
            return left, right
        if isinstance(left, str) and isinstance(right, str):
            return left, right
        if isinstance(left, datetime) and isinstance(right, datetime):
            return left, right
        if (
            isinstance(left, date)
            and isinstance(right, date)
            and not isinstance(left, datetime)
            and not isinstance(right, datetime)
        ):
            return left, right
        raise self.fail(f"cannot compare {_type_name(left)} with {_type_name(right)}", node)

    def rank(self, value: Value, scale: OrdinalValue, node: Node) -> int:
        if isinstance(value, OrdinalValue):
            if value.order != scale.order:
                raise self.fail("cannot compare answers on two different scales", node)
            return value.rank
        if isinstance(value, str):
            if value not in scale.order:
                raise self.fail(f"'{value}' is not a level of the scale ({', '.join(scale.order)})", node)
            return scale.order.index(value)
        raise self.fail(f"cannot compare an ordinal answer with {_type_name(value)}", node)
