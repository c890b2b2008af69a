"""What a change is: codes and parameters, the guard that may refuse it, and the helpers every section uses.

The difference between two protocols is read section by section.
Each `Change` names its section (`area`), a `code` (`criterion.added`, `item.type_changed`, ...), the id it is
about (`subject`) and its parameters; a text parameter `x` has its Persian form in `x__fa`. A change that a
running trial may refuse carries a `guard` (the condition under which it is refused), the ids the guard looks at
and the reason code (`protocol.amendments.rules` decides against the trial's state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from trialdesk.protocol.base import Text
from trialdesk.protocol.forms import FormDefinition
from trialdesk.protocol.schema import Protocol

M = TypeVar("M", bound=BaseModel)


class Guard(StrEnum):
    """When a change is refused for a running trial."""

    ARM_HAS_PARTICIPANTS = "arm_has_participants"
    AFTER_FIRST_ALLOCATION = "after_first_allocation"
    ITEM_HOLDS_DATA = "item_holds_data"


@dataclass(frozen=True)
class Change:
    area: str
    code: str
    subject: str
    params: Mapping[str, str] = field(default_factory=dict)
    guard: Guard | None = None
    guard_subjects: tuple[str, ...] = ()
    refusal: str = ""  # the reason code when the guard holds


def text_params(name: str, text: Text | None) -> dict[str, str]:
    if text is None:
        return {}
    return {name: text.en, f"{name}__fa": text.fa or text.en}


def changed_fields(old: BaseModel, new: BaseModel, *, ignore: Iterable[str] = ()) -> list[str]:
    """Names of the fields whose values differ (compared as JSON)."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    skip = set(ignore)
    return sorted(k for k in before.keys() | after.keys() if k not in skip and before.get(k) != after.get(k))


def keyed(
    area: str,
    old: Sequence[M],
    new: Sequence[M],
    *,
    key: Callable[[M], str],
    params: Callable[[M], dict[str, str]],
    removed: Callable[[M], Change] | None = None,
) -> list[Change]:
    """Added, removed and changed members of two lists matched by `key` (in the new list's order)."""
    before = {key(m): m for m in old}
    after = {key(m): m for m in new}
    changes: list[Change] = []
    for k, member in after.items():
        if k not in before:
            changes.append(Change(area, f"{area}.added", k, params(member)))
        else:
            fields = changed_fields(before[k], member)
            if fields:
                changes.append(
                    Change(area, f"{area}.changed", k, {**params(member), "fields": ", ".join(fields)})
                )
    for k, member in before.items():
        if k not in after:
            changes.append(removed(member) if removed else Change(area, f"{area}.removed", k, params(member)))
    return changes


def current_forms(protocol: Protocol) -> dict[str, FormDefinition]:
    """The last-listed version of each form (the one new entries use)."""
    return {form.id: form for form in protocol.forms}
