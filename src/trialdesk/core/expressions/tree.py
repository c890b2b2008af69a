"""The parsed tree: frozen nodes, and the `Expression` that holds a tree with its source text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from trialdesk.core.expressions.values import Value


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
