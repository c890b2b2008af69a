"""Values an expression works with, and the error it raises."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeAlias

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
