"""The recursive-descent parser (grammar in the package docstring); unknown functions are refused here."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from trialdesk.core.expressions.functions import FUNCTIONS
from trialdesk.core.expressions.tokens import Token, tokenize
from trialdesk.core.expressions.tree import (
    Arithmetic,
    Call,
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
from trialdesk.core.expressions.values import ExpressionError, _error


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
