"""Safety: study pauses and the committee's decisions, participant stops, the dashboard."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema

from trialdesk.records.treatment.models import ParticipantStop, StudyPause
from trialdesk.services.clock import local_date
from trialdesk.web.fields import IsoDate
from trialdesk.web.treatment.schemas import RowSchema
from trialdesk.web.treatment.schemas.adverse_events import AdverseEventOut
from trialdesk.web.treatment.schemas.expedited import ExpeditedOut


class PauseOut(RowSchema):
    id: int
    rule_id: str
    event: str
    message: str
    state: str
    paused_at: datetime
    decisions: list[str]

    @staticmethod
    def resolve_event(pause: StudyPause) -> str:
        shown: str | None = getattr(pause, "event_shown", None)  # another site's event is not named
        return shown or pause.event.code

    @staticmethod
    def resolve_decisions(pause: StudyPause) -> list[str]:
        return [
            f"{local_date(d.decided_at).isoformat()} {d.decided_by}: {d.decision}"
            for d in pause.decisions.all()
        ]


def pause_out(p: StudyPause) -> PauseOut:
    return PauseOut.from_orm(p)


class StopOut(RowSchema):
    participant: str
    rule_id: str
    event: str
    message: str
    stopped_at: datetime

    @staticmethod
    def resolve_participant(stop: ParticipantStop) -> str:
        return stop.participant.study_code

    @staticmethod
    def resolve_event(stop: ParticipantStop) -> str:
        return stop.event.code


class DashboardOut(Schema):
    as_of: date
    study_paused: bool
    active_pauses: list[PauseOut]
    lifted_pauses: list[PauseOut]
    stops: list[StopOut]
    open_events: list[AdverseEventOut]
    serious_events: list[AdverseEventOut]
    expedited: list[ExpeditedOut]
    overdue_reports: list[ExpeditedOut]


class PauseDecisionIn(Schema):
    decision: str
    lift: bool


class SentIn(Schema):
    sent_on: IsoDate
    follow_up: bool = False
    reference: str = ""
