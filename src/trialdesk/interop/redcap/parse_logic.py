"""Reading REDCap branching logic and calculations into our expression language (see logic.py)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from trialdesk.core.expressions.tree import (
    Arithmetic,
    Call,
    Compare,
    Literal,
    Logic,
    Membership,
    Name,
    Negate,
    Node,
    Not,
)
from trialdesk.interop.redcap.logic import FUNCTIONS, NUMERIC, Field, LogicError, _tokens, unparse

_COMPARE = {"=": "==", "==": "==", "<>": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def from_redcap(logic: str, fields: Mapping[str, Field]) -> str:
    """Our expression text for REDCap `logic`; `fields` maps variable -> Field (codes: REDCap code -> ours)."""
    return unparse(_Reader(logic, fields).read())


class _Reader:
    def __init__(self, logic: str, fields: Mapping[str, Field]) -> None:
        self.tokens = _tokens(logic)
        self.index = 0
        self.fields = fields

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        kind, value, column = self.take()
        if value != text:
            raise LogicError(f"expected '{text}' but found '{value or 'the end'}'", column)

    def read(self) -> Node:
        node = self.or_expr()
        kind, value, column = self.peek()
        if kind != "end":
            raise LogicError(f"unexpected '{value}'", column)
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.peek()[1].lower() in ("or", "||"):
            column = self.take()[2]
            node = Logic(column, "or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.comparison()
        while self.peek()[1].lower() in ("and", "&&"):
            column = self.take()[2]
            node = Logic(column, "and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        left = self.additive()
        kind, value, column = self.peek()
        if kind == "op" and value in _COMPARE:
            self.take()
            return self.compare(_COMPARE[value], left, self.additive(), column)
        return left

    def compare(self, op: str, left: Node, right: Node, column: int) -> Node:
        if isinstance(left, Call) and left.function == "_checkbox" and isinstance(right, Literal):
            name, code = left.args
            if right.value not in ("1", "0", Decimal(1), Decimal(0)) or op not in ("==", "!="):
                raise LogicError("a checkbox option is compared with '1' or '0' only", column)
            chosen = (right.value in ("1", Decimal(1))) == (op == "==")
            return Membership(column, code, name, negated=not chosen)
        if isinstance(left, Name) and isinstance(right, Literal):
            field = self.fields[left.name]
            value = right.value
            if value in ("", None) and op in ("==", "!="):
                empty = Call(column, "is_empty", (left,))
                return empty if op == "==" else Not(column, empty)
            if field.type == "yes_no" and op in ("==", "!="):
                if str(value) not in ("1", "0"):
                    raise LogicError(f"[{left.name}] is yes/no: compare it with '1' or '0'", column)
                return Compare(column, op, left, Literal(column, str(value) == "1"))
            if field.type in NUMERIC and isinstance(value, str):
                try:
                    return Compare(column, op, left, Literal(column, Decimal(value)))
                except ArithmeticError:
                    raise LogicError(f"[{left.name}] is a number, compared with '{value}'", column) from None
            if field.codes and isinstance(value, str | Decimal):
                ours = field.codes.get(str(value))
                if ours is None:
                    raise LogicError(f"'{value}' is not a choice of [{left.name}]", column)
                return Compare(column, op, left, Literal(column, ours))
        return Compare(column, op, left, right)

    def additive(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            _, op, column = self.take()
            node = Arithmetic(column, op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[1] in ("*", "/"):
            _, op, column = self.take()
            node = Arithmetic(column, op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek()[1] == "-":
            column = self.take()[2]
            return Negate(column, self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind, value, column = self.take()
        if kind == "number":
            return Literal(column, Decimal(value))
        if kind == "string":
            return Literal(column, value[1:-1])
        if kind == "field":
            return self.field(value, column)
        if kind == "op" and value == "(":
            node = self.or_expr()
            self.expect(")")
            return node
        if kind == "word" and self.peek()[1] == "(":
            return self.call(value.lower(), column)
        raise LogicError(f"unexpected '{value or 'end'}'", column)

    def field(self, text: str, column: int) -> Node:
        inner = text[1:-1]
        if self.peek()[0] == "field":
            raise LogicError("event-prefixed fields ([event][field]) are not supported", column)
        name, _, option = inner.partition("(")
        if name not in self.fields:
            raise LogicError(f"[{name}] is not a variable of this dictionary", column)
        if not option:
            return Name(column, name)
        field = self.fields[name]
        if field.type != "multiple_choice":
            raise LogicError(f"[{name}({option}] names an option but {name} is not a checkbox", column)
        code = field.codes.get(option.rstrip(")"))
        if code is None:
            raise LogicError(f"'{option.rstrip(')')}' is not an option of [{name}]", column)
        return Call(column, "_checkbox", (Name(column, name), Literal(column, code)))

    def call(self, function: str, column: int) -> Node:
        if function not in FUNCTIONS:
            raise LogicError(f"the function {function}() is not supported", column)
        self.expect("(")
        args = [self.or_expr()]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.or_expr())
        self.expect(")")
        return Call(column, function, tuple(args))
