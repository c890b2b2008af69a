"""What the writers need from the protocol, read once: forms and items in order, identifying items.

Everything comes from the Protocol object; no visit, form or item id is written into this package.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol

Row = TypeVar("Row")


@dataclass(frozen=True)
class CatalogueItem:
    form: FormDefinition
    item: ItemDefinition
    group: str | None


def current_forms(protocol: Protocol) -> list[FormDefinition]:
    """The last-listed version of each form, in the protocol's order of first appearance."""
    latest: dict[str, FormDefinition] = {}
    for form in protocol.forms:
        latest[form.id] = form
    return list(latest.values())


def catalogue(protocol: Protocol, *, include_identifying: bool = False) -> list[CatalogueItem]:
    """Every item of every current form (repeating-group items too), identifying items left out."""
    entries: list[CatalogueItem] = []
    for form in current_forms(protocol):
        for section in form.sections:
            entries.extend(CatalogueItem(form, item, None) for item in section.items)
            for group in section.groups:
                entries.extend(CatalogueItem(form, item, group.id) for item in group.items)
    return [e for e in entries if include_identifying or not e.item.identifying]


def identifying_item_ids(protocol: Protocol) -> frozenset[str]:
    """Items marked `identifying` in any version of any form: their values never leave the system."""
    return frozenset(item.id for form in protocol.forms for item in form.all_items() if item.identifying)


def without_identifying(protocol: Protocol, rows: Iterable[Row]) -> Iterator[Row]:
    """Drop the rows of identifying items (a second guard behind the service's own filter)."""
    withheld = identifying_item_ids(protocol)
    return (row for row in rows if getattr(row, "item", None) not in withheld)


def _tag(index: int, stream: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    for row in stream:
        yield index, row


def merge_by_key(key: Callable[[Any], Any], *streams: Iterable[Any]) -> Iterator[tuple[Any, list[list[Any]]]]:
    """Merge streams already sorted by `key`; yield (key, [rows of stream 0, rows of stream 1, ...])."""
    tagged = [_tag(index, stream) for index, stream in enumerate(streams)]
    merged = heapq.merge(*tagged, key=lambda pair: key(pair[1]))
    for group_key, pairs in itertools.groupby(merged, key=lambda pair: key(pair[1])):
        buckets: list[list[Any]] = [[] for _ in streams]
        for index, row in pairs:
            buckets[index].append(row)
        yield group_key, buckets


__all__ = [
    "CatalogueItem",
    "catalogue",
    "current_forms",
    "identifying_item_ids",
    "merge_by_key",
    "without_identifying",
]
