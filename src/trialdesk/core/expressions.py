"""A small, safe expression language for `show_if`, calculated items and edit checks.

The text is tokenized and parsed by hand (recursive descent) into a tree of frozen nodes, and the tree is
walked by `evaluate`. Python's `eval`, `compile` and `ast` are never used: whatever is not in the grammar
below is refused with an `ExpressionError` naming the column.

    expression  = or_expr ;
    or_expr     = and_expr { "or" and_expr } ;
    and_expr    = not_expr { "and" not_expr } ;
    not_expr    = "not" not_expr | comparison ;
    comparison  = additive [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) additive
                           | [ "not" ] "in" additive ] ;
    additive    = term { ( "+" | "-" ) term } ;
    term        = unary { ( "*" | "/" ) unary } ;
    unary       = "-" unary | primary ;
    primary     = NUMBER | STRING | "true" | "false" | "null" | NAME | call | list | "(" expression ")" ;
    call        = FUNCTION "(" [ expression { "," expression } ] ")" ;
    list        = "[" [ expression { "," expression } ] "]" ;

Null (an unanswered or hidden item) propagates: arithmetic with null is null; a comparison (`==`, `<`,
`in`, ...) with null is **false**; `and`/`or`/`not` follow three-valued (Kleene) logic, so `null and false`
is false, `null or true` is true, `not null` is null. A `show_if` shows its item, and an edit check fires,
only when the result is exactly true. Test for an answer with `is_empty(x)`, never `x == null`.
"""

from __future__ import annotations

import keyword
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, TypeAlias

from trialdesk.core.sledai import modified_sri4
from trialdesk.errors import ProtocolError


@dataclass(frozen=True)
class OrdinalValue:
    """An answer on an ordered scale: compares by its rank, and equals its code (`ana_titre >= '1:80'`)."""

    code: str
    order: tuple[str, ...]

    @property
    def rank(self) -> int:
        return self.order.index(self.code)


@dataclass(frozen=True)
class Measurement:
    """A laboratory value as an expression sees it: arithmetic and comparisons use the standardized value."""

    value: Decimal
    unit: str
    standard_value: Decimal
    standard_unit: str
    flag: str | None  # "L", "H" or None (within the reference range, or no range known)


Value: TypeAlias = (
    None
    | bool
    | Decimal
    | str
    | date
    | OrdinalValue
    | Measurement
    | tuple["Value", ...]
    | Mapping[str, "Value"]
)
VisitResolver: TypeAlias = Callable[[str, str], Value]
"""`resolver(visit_id, item_id)` -> that item's value at that visit of the same participant (None if unknown)."""


class ExpressionError(ProtocolError):
    """An expression is not in the grammar, or combines values it cannot combine. Names the column."""

    @property
    def position(self) -> int | None:
        position = self.details.get("position")
        return position if isinstance(position, int) else None


def _error(message: str, position: int, source: str) -> ExpressionError:
    return ExpressionError(
        message=f"{message} at column {position + 1} of `{source}`",
        details={"position": position, "source": source},
    )


# --------------------------------------------------------------------------- tokens

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
_TWO_CHAR = ("==", "!=", "<=", ">=")
_ONE_CHAR = frozenset("+-*/<>()[],")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "string", "name", "keyword", "op", "end"
    text: str
    position: int


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens; refuses characters and words that are not in the language."""
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif char.isascii() and char.isdigit():
            start = i
            while i < n and source[i].isdigit():
                i += 1
            if i < n and source[i] == "." and i + 1 < n and source[i + 1].isdigit():
                i += 1
                while i < n and source[i].isdigit():
                    i += 1
            if i < n and (source[i].isalpha() or source[i] == "_"):
                raise _error("a number cannot run into a name", i, source)
            tokens.append(Token("number", source[start:i], start))
        elif char in "'\"":
            start = i
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise _error("unterminated text literal", start, source)
                if source[i] == "\\" and i + 1 < n and source[i + 1] in ("\\", char):
                    chars.append(source[i + 1])
                    i += 2
                elif source[i] == char:
                    i += 1
                    break
                else:
                    chars.append(source[i])
                    i += 1
            tokens.append(Token("string", "".join(chars), start))
        elif char.isascii() and (char.isalpha() or char == "_"):
            start = i
            while i < n and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            word = source[start:i]
            if "__" in word:
                raise _error(f"names with double underscores ('{word}') are not allowed", start, source)
            if word in KEYWORDS:
                tokens.append(Token("keyword", word, start))
            elif keyword.iskeyword(word) or keyword.issoftkeyword(word) or word in ("True", "False", "None"):
                raise _error(f"'{word}' is not part of the expression language", start, source)
            else:
                tokens.append(Token("name", word, start))
        elif source.startswith(_TWO_CHAR, i):
            tokens.append(Token("op", source[i : i + 2], i))
            i += 2
        elif char == ".":
            raise _error("attribute access ('.') is not allowed", i, source)
        elif char == "=":
            raise _error("use '==' to compare ('=' is not allowed)", i, source)
        elif char in _ONE_CHAR:
            if char == "*" and source.startswith("**", i):
                raise _error("'**' is not allowed", i, source)
            if char == "/" and source.startswith("//", i):
                raise _error("'//' is not allowed", i, source)
            tokens.append(Token("op", char, i))
            i += 1
        else:
            raise _error(f"unexpected character {char!r}", i, source)
    tokens.append(Token("end", "", n))
    return tokens


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Literal:
    position: int
    value: Value


@dataclass(frozen=True)
class Name:
    position: int
    name: str


@dataclass(frozen=True)
class ListNode:
    position: int
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Negate:
    position: int
    operand: Node


@dataclass(frozen=True)
class Arithmetic:
    position: int
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    position: int
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Membership:
    position: int
    needle: Node
    haystack: Node
    negated: bool


@dataclass(frozen=True)
class Logic:
    position: int
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    position: int
    operand: Node


@dataclass(frozen=True)
class Call:
    position: int
    function: str
    args: tuple[Node, ...]


Node: TypeAlias = Literal | Name | ListNode | Negate | Arithmetic | Compare | Membership | Logic | Not | Call


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, ListNode):
        return node.items
    if isinstance(node, Negate | Not):
        return (node.operand,)
    if isinstance(node, Arithmetic | Compare | Logic):
        return (node.left, node.right)
    if isinstance(node, Membership):
        return (node.needle, node.haystack)
    if isinstance(node, Call):
        return node.args
    return ()


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text and its tree. Inert; evaluate it with `evaluate`."""

    source: str
    tree: Node

    def walk(self) -> Iterator[Node]:
        stack: list[Node] = [self.tree]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(_children(node)))

    @property
    def names(self) -> frozenset[str]:
        """The item names this expression reads (function names excluded)."""
        return frozenset(node.name for node in self.walk() if isinstance(node, Name))

    @property
    def calls(self) -> tuple[Call, ...]:
        return tuple(node for node in self.walk() if isinstance(node, Call))

    @property
    def visit_lookups(self) -> frozenset[tuple[str, str]]:
        """The (visit id, item id) pairs read through `visit('v', 'item')` with literal arguments."""
        pairs: set[tuple[str, str]] = set()
        for call in self.calls:
            if call.function == "visit" and all(isinstance(a, Literal) for a in call.args):
                visit_id, item_id = (a.value for a in call.args if isinstance(a, Literal))
                if isinstance(visit_id, str) and isinstance(item_id, str):
                    pairs.add((visit_id, item_id))
        return frozenset(pairs)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.current
        return token.kind == kind and (not texts or token.text in texts)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            raise self.unexpected(what)
        return self.advance()

    def unexpected(self, wanted: str) -> ExpressionError:
        token = self.current
        found = "the end" if token.kind == "end" else f"'{token.text}'"
        return _error(f"expected {wanted} but found {found}", token.position, self.source)

    def parse(self) -> Node:
        if self.at("end"):
            raise _error("the expression is empty", 0, self.source)
        node = self.or_expr()
        if not self.at("end"):
            raise self.unexpected("an operator or the end")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at("keyword", "or"):
            token = self.advance()
            node = Logic(token.position, "or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at("keyword", "and"):
            token = self.advance()
            node = Logic(token.position, "and", node, self.not_expr())
        return node

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            token = self.advance()
            return Not(token.position, self.not_expr())
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.at("op", "==", "!=", "<", "<=", ">", ">="):
            token = self.advance()
            node = Compare(token.position, token.text, node, self.additive())
        elif self.at("keyword", "in"):
            token = self.advance()
            node = Membership(token.position, node, self.additive(), negated=False)
        elif self.at("keyword", "not"):
            token = self.advance()
            if not self.at("keyword", "in"):
                raise self.unexpected("'in' after 'not'")
            self.advance()
            node = Membership(token.position, node, self.additive(), negated=True)
        if self.at("op", "==", "!=", "<", "<=", ">", ">=") or self.at("keyword", "in"):
            raise _error("comparisons cannot be chained; use 'and'", self.current.position, self.source)
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.at("op", "+", "-"):
            token = self.advance()
            node = Arithmetic(token.position, token.text, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.at("op", "*", "/"):
            token = self.advance()
            node = Arithmetic(token.position, token.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            token = self.advance()
            return Negate(token.position, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        if self.at("op", "["):
            raise _error("subscripts ('x[...]') are not allowed", self.current.position, self.source)
        if self.at("op", "("):
            raise _error("only the listed functions may be called", self.current.position, self.source)
        return node

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(token.position, Decimal(token.text))
        if token.kind == "string":
            self.advance()
            return Literal(token.position, token.text)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.advance()
            return Literal(token.position, {"true": True, "false": False, "null": None}[token.text])
        if token.kind == "name":
            self.advance()
            if self.at("op", "("):
                return self.call(token)
            return Name(token.position, token.text)
        if self.at("op", "("):
            self.advance()
            node = self.or_expr()
            self.expect("op", ")", "')'")
            return node
        if self.at("op", "["):
            self.advance()
            items = self.arguments("]")
            return ListNode(token.position, items)
        raise self.unexpected("a value, a name or '('")

    def arguments(self, closing: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if not self.at("op", closing):
            items.append(self.or_expr())
            while self.at("op", ","):
                self.advance()
                items.append(self.or_expr())
        self.expect("op", closing, f"',' or '{closing}'")
        return tuple(items)

    def call(self, name: Token) -> Node:
        spec = FUNCTIONS.get(name.text)
        if spec is None:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise _error(f"unknown function '{name.text}' (allowed: {allowed})", name.position, self.source)
        self.advance()  # "("
        args = self.arguments(")")
        if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
            expected = (
                f"{spec.min_args}"
                if spec.min_args == spec.max_args
                else f"at least {spec.min_args}"
                if spec.max_args is None
                else f"{spec.min_args} to {spec.max_args}"
            )
            raise _error(
                f"{name.text}() takes {expected} argument(s), not {len(args)}", name.position, self.source
            )
        if spec.names_only:
            for arg in args:
                if not isinstance(arg, Name):
                    raise _error(f"{name.text}() takes item names only", arg.position, self.source)
        return Call(name.position, name.text, args)


@lru_cache(maxsize=4096)
def parse(source: str) -> Expression:
    """Parse `source`; raises `ExpressionError` naming the column of the first thing not in the grammar."""
    return Expression(source=source, tree=_Parser(source).parse())


# --------------------------------------------------------------------------- evaluation


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


def _type_name(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, Decimal | Measurement):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "date-time"
    if isinstance(value, date):
        return "date"
    if isinstance(value, OrdinalValue):
        return "ordinal"
    if isinstance(value, tuple):
        return "list"
    return "rows"


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


# --------------------------------------------------------------------------- functions

Implementation: TypeAlias = Callable[[_Evaluator, Call, list[Value]], Value]


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

__all__ = [
    "FUNCTIONS",
    "Context",
    "Expression",
    "ExpressionError",
    "Measurement",
    "OrdinalValue",
    "Value",
    "VisitResolver",
    "evaluate",
    "is_true",
    "parse",
    "tokenize",
]
