"""Translating logic between our expression language and REDCap's (branching logic, calculations).

Ours -> REDCap: `to_redcap` walks our parsed tree; what REDCap cannot say (visit(), this_visit(), is_low(),
ordinal comparisons, `not` of anything but a comparison or is_empty, ...) raises `Untranslatable`.
REDCap -> ours: `from_redcap` parses REDCap logic with a small recursive-descent parser into our tree and
prints it with `unparse`; anything outside the subset raises `LogicError` with the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from trialdesk.core.expressions import parse
from trialdesk.core.expressions.tree import (
    Arithmetic,
    Call,
    Compare,
    ListNode,
    Literal,
    Logic,
    Membership,
    Name,
    Negate,
    Node,
    Not,
)

NUMERIC = frozenset({"integer", "decimal", "lab", "calculated"})
FUNCTIONS = frozenset({"round", "abs", "min", "max", "sum"})
_INVERSE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_TO_REDCAP_OP = {"==": "=", "!=": "<>"}


class Untranslatable(Exception):
    """Our expression has no REDCap equivalent; the message says which part."""


class LogicError(Exception):
    """REDCap logic that cannot be read; `column` is 0-based in the logic text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Field:
    """What the translators need to know of an item: our type, REDCap code per our code, weight."""

    type: str
    codes: Mapping[str, str]
    weight: int | None = None


# --- ours -> REDCap -----------------------------------------------------------------------------


def to_redcap(source: str, fields: Mapping[str, Field]) -> str:
    return _emit(parse(source).tree, fields)


def _quote(text: str) -> str:
    if "'" in text:
        raise Untranslatable("a text containing a quote")
    return f"'{text}'"


def _code(field: Field | None, value: object) -> str:
    text = str(value)
    return field.codes.get(text, text) if field else text


def _emit(node: Node, fields: Mapping[str, Field]) -> str:
    if isinstance(node, Literal):
        if isinstance(node.value, bool):
            raise Untranslatable("a bare true/false")
        if node.value is None:
            return "''"
        return _quote(node.value) if isinstance(node.value, str) else str(node.value)
    if isinstance(node, Name):
        return f"[{node.name}]"
    if isinstance(node, Negate):
        return f"-{_emit(node.operand, fields)}"
    if isinstance(node, Arithmetic):
        return f"({_emit(node.left, fields)} {node.op} {_emit(node.right, fields)})"
    if isinstance(node, Compare):
        return _compare(node.op, node.left, node.right, fields)
    if isinstance(node, Membership):
        return _membership(node, fields)
    if isinstance(node, Logic):
        return f"({_emit(node.left, fields)} {node.op} {_emit(node.right, fields)})"
    if isinstance(node, Not):
        return _negation(node.operand, fields)
    if isinstance(node, Call):
        return _call(node, fields)
    assert isinstance(node, ListNode)
    raise Untranslatable("a list outside 'in'")


def _compare(op: str, left: Node, right: Node, fields: Mapping[str, Field]) -> str:
    symbol = _TO_REDCAP_OP.get(op, op)
    if isinstance(left, Name) and isinstance(right, Literal):
        field = fields.get(left.name)
        if field and field.type == "ordinal" and op not in ("==", "!="):
            raise Untranslatable(f"an ordinal comparison ({left.name} {op} ...)")
        if isinstance(right.value, bool):
            if op not in ("==", "!="):
                raise Untranslatable("an order comparison with true/false")
            return f"[{left.name}] {symbol} '{1 if right.value else 0}'"
        if isinstance(right.value, str):
            return f"[{left.name}] {symbol} {_quote(_code(field, right.value))}"
    return f"{_emit(left, fields)} {symbol} {_emit(right, fields)}"


def _membership(node: Membership, fields: Mapping[str, Field]) -> str:
    needle, haystack = node.needle, node.haystack
    if isinstance(needle, Literal) and isinstance(needle.value, str) and isinstance(haystack, Name):
        field = fields.get(haystack.name)
        if field is None or field.type != "multiple_choice":
            raise Untranslatable(f"'in' on {haystack.name}, which is not a multiple-choice item")
        return f"[{haystack.name}({_code(field, needle.value)})] = '{0 if node.negated else 1}'"
    if isinstance(needle, Name) and isinstance(haystack, ListNode):
        field = fields.get(needle.name)
        symbol, joiner = ("<>", " and ") if node.negated else ("=", " or ")
        parts = []
        for option in haystack.items:
            if not isinstance(option, Literal) or isinstance(option.value, bool) or option.value is None:
                raise Untranslatable("'in' with a list of anything but texts and numbers")
            parts.append(f"[{needle.name}] {symbol} {_quote(_code(field, option.value))}")
        return "(" + joiner.join(parts) + ")"
    raise Untranslatable("this use of 'in'")


def _negation(operand: Node, fields: Mapping[str, Field]) -> str:
    if isinstance(operand, Call) and operand.function == "is_empty" and isinstance(operand.args[0], Name):
        return f"[{operand.args[0].name}] <> ''"
    if isinstance(operand, Compare):
        return _compare(_INVERSE[operand.op], operand.left, operand.right, fields)
    if isinstance(operand, Membership):
        return _membership(
            Membership(operand.position, operand.needle, operand.haystack, not operand.negated), fields
        )
    raise Untranslatable("'not' of anything but a comparison, 'in' or is_empty()")


def _call(node: Call, fields: Mapping[str, Field]) -> str:
    if node.function == "is_empty" and isinstance(node.args[0], Name):
        return f"[{node.args[0].name}] = ''"
    if node.function == "weighted_sum":
        terms = []
        for arg in node.args:
            assert isinstance(arg, Name)
            weight = fields[arg.name].weight if arg.name in fields else None
            terms.append(f"{weight}*[{arg.name}]")
        return "(" + " + ".join(terms) + ")"
    if node.function in FUNCTIONS:
        return f"{node.function}({', '.join(_emit(arg, fields) for arg in node.args)})"
    raise Untranslatable(f"{node.function}() has no REDCap equivalent")


# --- printing our trees --------------------------------------------------------------------------


def unparse(node: Node) -> str:
    """Our expression text for a tree, fully parenthesised (two equal trees print the same)."""
    if isinstance(node, Literal):
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        if node.value is None:
            return "null"
        if isinstance(node.value, str):
            return "'" + node.value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return str(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, ListNode):
        return "[" + ", ".join(unparse(item) for item in node.items) + "]"
    if isinstance(node, Negate):
        return f"-{unparse(node.operand)}"
    if isinstance(node, Arithmetic | Compare | Logic):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    if isinstance(node, Membership):
        return f"({unparse(node.needle)} {'not in' if node.negated else 'in'} {unparse(node.haystack)})"
    if isinstance(node, Not):
        return f"(not {unparse(node.operand)})"
    return f"{node.function}({', '.join(unparse(arg) for arg in node.args)})"


def canonical(source: str) -> str:
    """Our expression reprinted fully parenthesised, to compare two texts by meaning of their trees."""
    return unparse(parse(source).tree)


# --- REDCap -> ours ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<field>\[[A-Za-z0-9_]+(?:\([A-Za-z0-9_-]+\))?\])|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<string>'[^']*'|\"[^\"]*\")|(?P<op><>|!=|<=|>=|==|&&|\|\||[=<>+\-*/(),])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


def _tokens(logic: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    position = 0
    while position < len(logic):
        if logic[position:].strip() == "":
            break
        match = _TOKEN.match(logic, position)
        if match is None or match.lastgroup is None:
            raise LogicError(f"cannot read '{logic[position:].strip()[:12]}'", position)
        kind = match.lastgroup
        out.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    out.append(("end", "", len(logic)))
    return out
