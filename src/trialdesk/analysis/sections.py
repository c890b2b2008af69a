"""The results report in the order of the CONSORT 2025 results items (22 to 28), then an appendix of listings.

Item numbers follow the CONSORT 2025 checklist (Hopewell et al., 2025, Table 1): 22 participant flow,
23 recruitment, 24 intervention and comparator delivery, 25 baseline data, 26 numbers analysed, outcomes and
estimation, 27 harms, 28 ancillary analyses. Only 22a's wording is checked in the facts sheet; the headings
here are the items' topics, not their full text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from trialdesk.analysis.tables import Table

_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("22", "participant_flow", ()),
    ("23", "recruitment", ()),
    ("24", "delivery", ("exposure",)),
    ("25", "baseline", ("baseline",)),
    ("26", "outcomes", ("outcome_",)),
    ("27", "harms", ("adverse_events", "stopping_events", "expedited_reports", "lab_shifts")),
    ("28", "ancillary", ()),
)
LISTINGS = ("serious_events",)


@dataclass(frozen=True)
class ResultsSection:
    """One CONSORT results item (`topic` is a code the template words) and its tables; the appendix has
    no item number."""

    consort_item: str
    topic: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Recruitment:
    """CONSORT item 23: the recruitment and follow-up dates and whether follow-up has ended."""

    randomized: int
    first_randomized: date | None
    last_randomized: date | None
    last_contact: date | None
    still_in_trial: int


def _matches(table: Table, prefixes: Sequence[str]) -> bool:
    return any(table.id == p or (p.endswith("_") and table.id.startswith(p)) for p in prefixes)


def results_sections(tables: Sequence[Table]) -> tuple[ResultsSection, ...]:
    """The tables grouped under the CONSORT results items, then the appendix of listings."""
    sections = [
        ResultsSection(item, topic, tuple(t for t in tables if _matches(t, prefixes)))
        for item, topic, prefixes in _ITEMS
    ]
    sections.append(ResultsSection("", "listings", tuple(t for t in tables if t.id in LISTINGS)))
    return tuple(sections)


def recruitment(participants: pd.DataFrame) -> Recruitment:
    """Dates over the intention-to-treat population; 'still in the trial' = neither completed, withdrawn
    nor lost to follow-up."""
    itt = participants[participants["itt"].astype(bool)]
    if itt.empty:
        return Recruitment(0, None, None, None, 0)
    ended = (
        itt["completed"].astype(bool) | itt["withdrawn"].astype(bool) | itt["lost_to_follow_up"].astype(bool)
    )
    return Recruitment(
        randomized=len(itt),
        first_randomized=_day(min(itt["randomized_on"])),
        last_randomized=_day(max(itt["randomized_on"])),
        last_contact=_day(max(itt["last_contact_on"])),
        still_in_trial=int((~ended).sum()),
    )


def _day(value: object) -> date:
    """A dataset date (pandas may hold it as a Timestamp) as a plain date."""
    return pd.Timestamp(value).date()  # type: ignore[arg-type]
