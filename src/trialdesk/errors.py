"""The one domain error tree of trialdesk.

    TrialdeskError                 base; carries a clinician-readable message and structured fields
    ├── ProtocolError              a protocol file is malformed or inconsistent
    ├── ValidationFailed           input data break a rule (field + rule named); nothing was written
    ├── PermissionDenied           the actor's role may not do this action at this site
    ├── NotFound                   the thing named does not exist (or is hidden from this actor)
    ├── Conflict                   the action contradicts the recorded state (e.g. already randomized)
    │   ├── AlreadyDone            a final action was attempted twice
    │   └── Locked                 the record, form, or database is locked / read-only
    └── IntegrityBroken            stored data failed an integrity check (audit chain, commitment)

Only the edges (views, API, CLI) turn these into HTTP status codes or exit codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One named problem: where (a field path, a row/column) and which rule it broke."""

    where: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}" if self.where else self.rule


@dataclass
class TrialdeskError(Exception):
    """Base of every domain error. `message` is written for a clinician, not a programmer."""

    message: str
    problems: tuple[Problem, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class ProtocolError(TrialdeskError):
    """A protocol file is malformed or inconsistent; `problems` name each path and rule."""


class ValidationFailed(TrialdeskError):
    """Input broke a rule; `problems` name each field and rule. Nothing was written."""


class PermissionDenied(TrialdeskError):
    """The actor's role does not allow this action."""


class NotFound(TrialdeskError):
    """The named object does not exist or is not visible to this actor."""


class Conflict(TrialdeskError):
    """The action contradicts recorded state."""


class AlreadyDone(Conflict):
    """A final action (an allocation, a signature) was attempted a second time."""


class Locked(Conflict):
    """The target is locked (form lock, database lock, withdrawn participant)."""


class IntegrityBroken(TrialdeskError):
    """Stored data failed an integrity check (audit hash chain, list commitment)."""


__all__ = [
    "AlreadyDone",
    "Conflict",
    "IntegrityBroken",
    "Locked",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "ProtocolError",
    "TrialdeskError",
    "ValidationFailed",
]
