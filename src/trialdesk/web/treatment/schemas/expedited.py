"""Expedited (ICH E2A) reports: each clock with its state."""

from __future__ import annotations

from datetime import date

from ninja import Schema

from trialdesk.records.treatment.models import ExpeditedReport
from trialdesk.services.treatment.expedited import ExpeditedRow


class ExpeditedOut(Schema):
    id: int
    event: str
    kind: str
    first_knowledge_on: date
    initial_due_on: date
    follow_up_due_on: date | None
    sent_on: date | None
    follow_up_sent_on: date | None
    status: str
    follow_up_status: str | None
    overdue: bool
    days_left: int


def expedited_out(row: ExpeditedRow) -> ExpeditedOut:
    r: ExpeditedReport = row.report
    return ExpeditedOut(
        id=r.pk,
        event=r.event.code,
        kind=r.kind,
        first_knowledge_on=r.first_knowledge_on,
        initial_due_on=r.initial_due_on,
        follow_up_due_on=r.follow_up_due_on,
        sent_on=r.sent_on,
        follow_up_sent_on=r.follow_up_sent_on,
        status=row.status.value,
        follow_up_status=row.follow_up_status.value if row.follow_up_status else None,
        overdue=row.overdue,
        days_left=row.days_left,
    )
