"""Adverse events: the first report, a follow-up, the event as stored, and the CTCAE grade a lab value suggests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema

from trialdesk.core.ctcae import GradeSuggestion
from trialdesk.core.ctcae_values import ValueNote, ValueSuggestion
from trialdesk.records.treatment.models import AdverseEvent
from trialdesk.web.fields import IsoDate, IsoDateTime
from trialdesk.web.treatment.schemas import RowSchema
from trialdesk.web.treatment.schemas.expedited import ExpeditedOut


class AdverseEventIn(Schema):
    """A new event. The clinical judgements have no default: a missing one is refused by the service naming the
    field. `seriousness`: the criteria met, or [] / ["not_serious"] for the explicit "not serious" answer."""

    term: str
    onset_at: IsoDateTime
    grade: int
    relationship_to_product: str | None = None
    relationship_to_conventional_therapy: str | None = None
    expectedness: str | None = None
    action_taken: str | None = None
    outcome: str | None = None
    seriousness: list[str] | None = None
    resolved_at: IsoDateTime | None = None
    description: str = ""
    first_knowledge_on: IsoDate | None = None


class AdverseEventPatch(Schema):
    """A follow-up: only the fields given change; `reason` is required. `aware_on`: the date the site learned
    this information (default today); any expedited clock it starts or shortens counts from it."""

    reason: str
    aware_on: IsoDate | None = None
    term: str | None = None
    onset_at: IsoDateTime | None = None
    grade: int | None = None
    relationship_to_product: str | None = None
    relationship_to_conventional_therapy: str | None = None
    expectedness: str | None = None
    action_taken: str | None = None
    outcome: str | None = None
    seriousness: list[str] | None = None
    resolved_at: IsoDateTime | None = None
    description: str | None = None


class AdverseEventOut(RowSchema):
    code: str
    number: int
    participant: str
    term: str
    onset_at: datetime
    resolved_at: datetime | None
    grade: int
    seriousness: list[str]
    relationship_to_product: str
    relationship_to_conventional_therapy: str
    expectedness: str
    action_taken: str
    outcome: str
    description: str
    version: int
    first_knowledge_on: date
    reported_by: str

    @staticmethod
    def resolve_participant(event: AdverseEvent) -> str:
        return event.participant.study_code

    @staticmethod
    def resolve_version(event: AdverseEvent) -> int:
        return event.current_version


def event_out(e: AdverseEvent) -> AdverseEventOut:
    return AdverseEventOut.from_orm(e)


class AdverseEventSavedOut(Schema):
    event: AdverseEventOut
    participant_stops: list[str]
    study_pauses: list[str]
    expedited: ExpeditedOut | None


class GradeSuggestionIn(Schema):
    test: str  # glucose | triglycerides | temperature (°C)
    value: Decimal
    unit: str
    lln: Decimal | None = None
    uln: Decimal | None = None
    hours_above_40: Decimal | None = None  # fever above 40.0 °C: grade 3 up to 24 h, grade 4 beyond


class GradeSuggestionOut(Schema):
    kind: str  # grade | hyperglycemia_question | note (cannot be graded from the value: says why) | none
    term_id: str | None
    grade: int | None
    text: str
    choices: dict[int, str]


def suggestion_out(s: ValueSuggestion | None) -> GradeSuggestionOut:
    if s is None:
        return GradeSuggestionOut(
            kind="none", term_id=None, grade=None, text="No CTCAE grade is suggested.", choices={}
        )
    if isinstance(s, ValueNote):
        return GradeSuggestionOut(kind="note", term_id=s.term_id, grade=None, text=s.text, choices={})
    if isinstance(s, GradeSuggestion):
        return GradeSuggestionOut(
            kind="grade", term_id=s.term_id, grade=s.grade, text=s.explanation, choices={}
        )
    return GradeSuggestionOut(
        kind="hyperglycemia_question",
        term_id=s.term_id,
        grade=None,
        text=s.prompt,
        choices={c.grade: c.text for c in s.choices},
    )
