"""What every export reader shares: the cut-off as an instant, item paths, stored values as text, chunking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from trialdesk.protocol.schema import Protocol
from trialdesk.services.clock import study_zone

CHUNK = 2000  # rows per fetch: `.iterator(chunk_size=...)` uses a server-side cursor on PostgreSQL
_GROUP_PATH = re.compile(r"^(?P<group>[A-Za-z_][\w]*)\[(?P<row>\d+)\]\.(?P<item>[\w]+)$")


@dataclass(frozen=True)
class Scope:
    """One export's reach: the study, the protocol describing it, the items never to leave, the cut-off."""

    study_id: int
    protocol: Protocol
    identifying: frozenset[str]
    until: datetime | None  # exclusive UTC instant: the end of the cut-off day (study-local)


def identifying_items(protocol: Protocol) -> frozenset[str]:
    """Ids of items marked `identifying: true` in any form version: never exported."""
    return frozenset(i.id for form in protocol.forms for i in form.all_items() if i.identifying)


def end_of_day(cutoff: date | None) -> datetime | None:
    """The first instant after the study-local cut-off day (None: no cut-off)."""
    if cutoff is None:
        return None
    return datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=study_zone())


def split_path(path: str) -> tuple[str, str | None, int | None]:
    """(item id, group, row) of an item path: `glucose` or `medications[2].dose`."""
    if "[" not in path:  # the common case, without the regular expression
        return path, None, None
    match = _GROUP_PATH.match(path)
    if match is None:
        return path, None, None
    return match["item"], match["group"], int(match["row"])


def as_text(value: object) -> str | None:
    """A stored normalized value as the text the writers read (yes/no as true/false, lists comma-joined)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return as_text(value.get("value"))
    if isinstance(value, list):
        return ",".join(t for t in (as_text(v) for v in value) if t is not None)
    return str(value)


def as_decimal(text: object) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None
