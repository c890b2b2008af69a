"""The record status grid of one site: randomized participants x visit occurrences, each cell the state of
the forms the protocol attaches to that visit (`tracking.py` decides each form's state).

    status_grid(actor, study, *, site_id, status=None, arm=None, page=None, per_page=None, clock) -> StatusGrid

Read in a fixed number of queries whatever the number of participants (`tracking.with_calendar_records`).
With `per_page`, only the participants of page `page` (a `?page=` value: first page when missing or not a
number, last page when too high) are read, after one COUNT; the column counts are those of the rows shown.
A filter by state has to work out every participant's calendar to know which rows match, so it reads the
whole site (in the same fixed number of queries) and pages the matching rows.
A cell takes the most pressing state of its forms, in `CELL_STATES` order: overdue, open query, incomplete,
not started, complete, verified, locked; `not_expected` when the visit was missed or the participant withdrew.
The arm is given (and may filter) only to roles that may see allocations (`arms_visible`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Paginator

from trialdesk.core.roles import Action, Role, roles_allowed
from trialdesk.errors import PermissionDenied, Problem, ValidationFailed
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook import common
from trialdesk.services.casebook.tracking import ExpectedForm, _participant_forms, with_calendar_records
from trialdesk.services.clock import local_today
from trialdesk.testing import SYSTEM_CLOCK, Clock

CELL_STATES = (
    "overdue",
    "open_query",
    "incomplete",
    "not_started",
    "complete",
    "verified",
    "locked",
    "not_expected",
)
_FORM_STATE = {
    "saved": "complete",
    "incomplete": "incomplete",
    "verified": "verified",
    "locked": "locked",
    "upcoming": "not_started",
    "due": "not_started",
    "overdue": "overdue",
    "visit_missed": "not_expected",
    "withdrawn": "not_expected",
}
# Roles masked by each masked group of a blinded protocol (protocol `design.masked_roles`).
_MASKED = {
    "investigator": {Role.INVESTIGATOR, Role.RHEUMATOLOGIST},
    "care_provider": {Role.INVESTIGATOR, Role.RHEUMATOLOGIST},
    "outcome_assessor": {Role.RHEUMATOLOGIST, Role.MONITOR},
    "data_analyst": {Role.STATISTICIAN},
}


@dataclass(frozen=True)
class GridForm:
    form_id: str
    title_en: str
    title_fa: str
    state: str  # one of CELL_STATES


@dataclass(frozen=True)
class GridCell:
    visit_id: str
    occurrence: int
    state: str  # the most pressing state of `forms`
    forms: tuple[GridForm, ...]


@dataclass(frozen=True)
class GridColumn:
    visit_id: str
    occurrence: int
    label_en: str
    label_fa: str
    counts: tuple[tuple[str, int], ...]  # (state, number of participants) in CELL_STATES order, non-zero only


@dataclass(frozen=True)
class GridRow:
    participant_code: str
    status: str
    arm: str | None  # None unless the actor may see arms
    cells: tuple[GridCell | None, ...]  # one per column; None when the visit is not on this calendar


@dataclass(frozen=True)
class StatusGrid:
    columns: tuple[GridColumn, ...]
    rows: tuple[GridRow, ...]
    arms_visible: bool
    total: int  # rows on every page
    page_number: int


def arms_visible(actor: Actor, protocol: Protocol, site_id: int) -> bool:
    """May the actor see allocations at the site: a role with VIEW_ARM there that the protocol's masking
    (`design.masked_roles` of a blinded trial) does not mask."""
    masked: set[Role] = set()
    for group in protocol.design.masked_roles:
        masked |= _MASKED.get(str(group), set())
    allowed = roles_allowed(Action.VIEW_ARM)
    return any(role in allowed and role not in masked for role in actor.roles_at(site_id))


def _cell(forms: list[ExpectedForm]) -> GridCell:
    shown = tuple(
        GridForm(
            f.form_id,
            f.form_title_en,
            f.form_title_fa,
            "open_query" if f.open_queries else _FORM_STATE[f.state],
        )
        for f in forms
    )
    state = min((g.state for g in shown), key=CELL_STATES.index)
    return GridCell(forms[0].visit_id, forms[0].occurrence, state, shown)


def _participant_cells(
    participant: Participant, as_of: date, protocol: Protocol
) -> dict[tuple[str, int], GridCell]:
    grouped: dict[tuple[str, int], list[ExpectedForm]] = {}
    for form in _participant_forms(participant, as_of, protocol):
        grouped.setdefault((form.visit_id, form.occurrence), []).append(form)
    return {key: _cell(forms) for key, forms in grouped.items()}


def _check_filters(protocol: Protocol, *, status: str | None, arm: str | None, show_arms: bool) -> None:
    if status and status not in CELL_STATES:
        raise ValidationFailed(
            f"Unknown status '{status}'", (Problem("status", f"must be one of {', '.join(CELL_STATES)}"),)
        )
    if arm and not show_arms:
        raise PermissionDenied("Your role may not see the arms, so it may not filter by arm")
    if arm and arm not in {a.id for a in protocol.arms}:
        raise ValidationFailed(f"Unknown arm '{arm}'", (Problem("arm", "not an arm of the protocol"),))


def _columns(
    protocol: Protocol, rows: tuple[GridRow, ...], keys: list[tuple[str, int]]
) -> tuple[GridColumn, ...]:
    visits = {v.id: v.label for v in (protocol.schedule.visits if protocol.schedule else [])}
    columns = []
    for index, (visit_id, occurrence) in enumerate(keys):
        label = visits.get(visit_id)
        suffix = f" #{occurrence}" if occurrence > 1 else ""
        counts = {state: 0 for state in CELL_STATES}
        for row in rows:
            cell = row.cells[index]
            if cell is not None:
                counts[cell.state] += 1
        columns.append(
            GridColumn(
                visit_id,
                occurrence,
                (label.en if label else visit_id) + suffix,
                ((label.fa or label.en) if label else visit_id) + suffix,
                tuple((state, n) for state, n in counts.items() if n),
            )
        )
    return tuple(columns)


def status_grid(
    actor: Actor,
    study: Study,
    *,
    site_id: int,
    status: str | None = None,
    arm: str | None = None,
    page: str | int | None = None,
    per_page: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> StatusGrid:
    """The grid of the site's randomized participants (VIEW_FORM_DATA there), optionally only rows with a
    cell or a form in `status`, or of one `arm` (refused to roles that may not see arms); with `per_page`,
    the rows of page `page` only."""
    authorize(actor, Action.VIEW_FORM_DATA, site_id)
    as_of = local_today(clock)
    protocol = common.entry_protocol_of_study(study, as_of)
    show_arms = arms_visible(actor, protocol, site_id)
    _check_filters(protocol, status=status, arm=arm, show_arms=show_arms)
    query = Participant.objects.filter(study=study, site_id=site_id, allocation__isnull=False)
    if arm:
        query = query.filter(allocation__arm=arm)
    participants = with_calendar_records(query.order_by("study_code"))
    candidates: Any = participants
    if status:  # which rows match depends on every participant's calendar
        candidates = [
            (p, cells)
            for p, cells in ((p, _participant_cells(p, as_of, protocol)) for p in participants)
            if any(status in (c.state, *(f.state for f in c.forms)) for c in cells.values())
        ]
    shown = Paginator(candidates, per_page or max(1, len(candidates))).get_page(page)
    found: list[tuple[Participant, dict[tuple[str, int], GridCell]]] = [
        item if status else (item, _participant_cells(item, as_of, protocol)) for item in shown.object_list
    ]
    order = {v.id: i for i, v in enumerate(protocol.schedule.visits if protocol.schedule else [])}
    keys = sorted({k for _, cells in found for k in cells}, key=lambda k: (order.get(k[0], len(order)), k))
    rows = tuple(
        GridRow(
            participant_code=p.study_code,
            status=p.status,
            arm=p.allocation.arm if show_arms else None,
            cells=tuple(cells.get(k) for k in keys),
        )
        for p, cells in found
    )
    return StatusGrid(_columns(protocol, rows, keys), rows, show_arms, shown.paginator.count, shown.number)
