"""Visits: the calendar, overdue visits, recording a visit or a missed one, and protocol deviations."""

from __future__ import annotations

from datetime import date

from ninja import Schema

from trialdesk.records.treatment.models import ProtocolDeviation, RecordedVisit
from trialdesk.services.treatment.visits import CalendarRow
from trialdesk.web.fields import IsoDate
from trialdesk.web.treatment.schemas import RowSchema


class CalendarRowOut(Schema):
    visit_id: str
    occurrence: int
    label: str
    anchored_on: str
    earliest: date
    target: date
    latest: date
    status: str
    done_on: date | None
    missed_reason: str | None
    deviation_suggested: str | None
    deviations: list[str]


def calendar_row_out(row: CalendarRow) -> CalendarRowOut:
    o = row.occurrence
    return CalendarRowOut(
        visit_id=o.visit_id,
        occurrence=o.occurrence,
        label=o.label.en,
        anchored_on=o.anchored_on,
        earliest=o.earliest,
        target=o.target,
        latest=o.latest,
        status=row.status.value,
        done_on=row.recorded.done_on if row.recorded else None,
        missed_reason=row.recorded.missed_reason if row.recorded and row.recorded.missed else None,
        deviation_suggested=row.suggestion.message if row.suggestion else None,
        deviations=[d.reason for d in row.deviations],
    )


class CalendarOut(Schema):
    participant: str
    arm: str
    randomized_on: date
    as_of: date
    visits: list[CalendarRowOut]
    awaiting_anchor: list[str]


class OverdueOut(Schema):
    participant: str
    visit_id: str
    occurrence: int
    label: str
    latest: date
    days_overdue: int


class VisitIn(Schema):
    visit_id: str
    occurrence: int = 1
    done_on: IsoDate


class MissedVisitIn(Schema):
    visit_id: str
    occurrence: int = 1
    reason: str


class DeviationIn(Schema):
    category: str
    reason: str
    occurred_on: IsoDate
    visit_id: str | None = None
    occurrence: int | None = None


class DeviationOut(RowSchema):
    id: int
    category: str
    reason: str
    occurred_on: date
    visit: str | None
    automatic: bool
    recorded_by: str

    @staticmethod
    def resolve_visit(deviation: ProtocolDeviation) -> str | None:
        visit: RecordedVisit | None = deviation.visit
        return f"{visit.visit_id}#{visit.occurrence}" if visit else None


def deviation_out(d: ProtocolDeviation) -> DeviationOut:
    return DeviationOut.from_orm(d)


class VisitOut(Schema):
    visit_id: str
    occurrence: int
    done_on: date | None
    missed: bool
    missed_reason: str
    window_earliest: date
    window_latest: date
    deviation: DeviationOut | None
