"""JSON endpoints for dosing, lots, visits, adverse events and safety (mounted on the one NinjaAPI in web/api.py).

Every endpoint calls a service in `trialdesk.services.treatment`; domain errors become JSON 4xx in web/api.py.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from trialdesk.errors import NotFound
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.treatment import adverse_events, dosing, expedited, lots, safety, visits
from trialdesk.web.auth import request_actor
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.treatment.schemas.adverse_events import (
    AdverseEventIn,
    AdverseEventOut,
    AdverseEventPatch,
    AdverseEventSavedOut,
    GradeSuggestionIn,
    GradeSuggestionOut,
    event_out,
    suggestion_out,
)
from trialdesk.web.treatment.schemas.dosing import (
    DoseIn,
    DoseOut,
    DosingStatusOut,
    SafetyCheckIn,
    SafetyCheckOut,
    dose_out,
    dosing_out,
)
from trialdesk.web.treatment.schemas.expedited import ExpeditedOut, expedited_out
from trialdesk.web.treatment.schemas.lots import LotIn, LotOut, LotReleaseIn, lot_out
from trialdesk.web.treatment.schemas.safety import (
    DashboardOut,
    PauseDecisionIn,
    PauseOut,
    SentIn,
    StopOut,
    pause_out,
)
from trialdesk.web.treatment.schemas.visits import (
    CalendarOut,
    DeviationIn,
    DeviationOut,
    MissedVisitIn,
    OverdueOut,
    VisitIn,
    VisitOut,
    calendar_row_out,
    deviation_out,
)

router = Router(tags=["treatment"])


def _participant(request: HttpRequest, code: str) -> tuple[Actor, Participant]:
    actor, _study, participant = participant_in_request(request, code)
    return actor, participant


# --- lots ---------------------------------------------------------------------------------------------------


@router.get("/lots", response=list[LotOut])
def lot_list(request: HttpRequest) -> list[LotOut]:
    actor, study = request_actor(request)
    return [lot_out(row) for row in lots.list_lots(actor, study=study)]


def _lot_row(actor: Actor, lot_id: str, request: HttpRequest) -> LotOut:
    _, study = request_actor(request)
    return next(lot_out(r) for r in lots.list_lots(actor, study=study) if r.lot.lot_id == lot_id)


@router.post("/lots", response={201: LotOut})
def lot_register(request: HttpRequest, body: LotIn) -> Status[LotOut]:
    actor, study = request_actor(request)
    lot = lots.register_lot(actor, study=study, **body.dict())
    return Status(201, _lot_row(actor, lot.lot_id, request))


@router.post("/lots/{lot_id}/release", response=LotOut)
def lot_release(request: HttpRequest, lot_id: str, body: LotReleaseIn) -> LotOut:
    actor, study = request_actor(request)
    lot = lots.get_lot(actor, study=study, lot_id=lot_id)
    lots.release_lot(actor, lot=lot, released_on=body.released_on)
    return _lot_row(actor, lot_id, request)


# --- dosing -------------------------------------------------------------------------------------------------


@router.get("/participants/{code}/dosing", response=DosingStatusOut)
def dosing_status(request: HttpRequest, code: str) -> DosingStatusOut:
    actor, participant = _participant(request, code)
    return dosing_out(dosing.dosing_status(actor, participant=participant))


@router.post("/participants/{code}/safety-checks", response={201: SafetyCheckOut})
def safety_check(request: HttpRequest, code: str, body: SafetyCheckIn) -> Status[SafetyCheckOut]:
    actor, participant = _participant(request, code)
    check = dosing.record_safety_check(actor, participant=participant, **body.dict())
    return Status(201, SafetyCheckOut.from_orm(check))


@router.post("/participants/{code}/doses", response={201: DoseOut})
def dose(request: HttpRequest, code: str, body: DoseIn) -> Status[DoseOut]:
    actor, participant = _participant(request, code)
    return Status(201, dose_out(dosing.record_dose(actor, participant=participant, **body.dict())))


# --- visits -------------------------------------------------------------------------------------------------


@router.get("/participants/{code}/calendar", response=CalendarOut)
def calendar(request: HttpRequest, code: str) -> CalendarOut:
    actor, participant = _participant(request, code)
    cal = visits.calendar(actor, participant=participant)
    return CalendarOut(
        participant=participant.study_code,
        arm=cal.arm,
        randomized_on=cal.randomized_on,
        as_of=cal.as_of,
        visits=[calendar_row_out(r) for r in cal.rows],
        awaiting_anchor=list(cal.awaiting_anchor),
    )


@router.get("/sites/{site_code}/overdue-visits", response=list[OverdueOut])
def overdue(request: HttpRequest, site_code: str) -> list[OverdueOut]:
    actor, study = request_actor(request)
    site = study.sites.filter(code=site_code).first()
    if site is None:
        raise NotFound(f"No site {site_code} in this study")
    return [
        OverdueOut(
            participant=r.participant.study_code,
            visit_id=r.occurrence.visit_id,
            occurrence=r.occurrence.occurrence,
            label=r.occurrence.label.en,
            latest=r.occurrence.latest,
            days_overdue=r.days_overdue,
        )
        for r in visits.overdue_list(actor, site=site)
    ]


def _visit_out(result: visits.VisitResult) -> VisitOut:
    v = result.visit
    return VisitOut(
        visit_id=v.visit_id,
        occurrence=v.occurrence,
        done_on=v.done_on,
        missed=v.missed,
        missed_reason=v.missed_reason,
        window_earliest=v.window_earliest,
        window_latest=v.window_latest,
        deviation=deviation_out(result.deviation) if result.deviation else None,
    )


@router.post("/participants/{code}/visits", response={201: VisitOut})
def visit(request: HttpRequest, code: str, body: VisitIn) -> Status[VisitOut]:
    actor, participant = _participant(request, code)
    return Status(201, _visit_out(visits.record_visit(actor, participant=participant, **body.dict())))


@router.post("/participants/{code}/missed-visits", response={201: VisitOut})
def missed_visit(request: HttpRequest, code: str, body: MissedVisitIn) -> Status[VisitOut]:
    actor, participant = _participant(request, code)
    return Status(201, _visit_out(visits.record_missed_visit(actor, participant=participant, **body.dict())))


@router.get("/participants/{code}/deviations", response=list[DeviationOut])
def deviation_list(request: HttpRequest, code: str) -> list[DeviationOut]:
    actor, participant = _participant(request, code)
    return [deviation_out(d) for d in visits.list_deviations(actor, participant=participant)]


@router.post("/participants/{code}/deviations", response={201: DeviationOut})
def deviation(request: HttpRequest, code: str, body: DeviationIn) -> Status[DeviationOut]:
    actor, participant = _participant(request, code)
    return Status(201, deviation_out(visits.record_deviation(actor, participant=participant, **body.dict())))


# --- adverse events -----------------------------------------------------------------------------------------


def _saved(result: adverse_events.AdverseEventResult) -> AdverseEventSavedOut:
    report = result.expedited
    return AdverseEventSavedOut(
        event=event_out(result.event),
        participant_stops=[s.message for s in result.new_stops],
        study_pauses=[p.message for p in result.new_pauses],
        expedited=expedited_out(expedited.row(report)) if report is not None else None,
    )


@router.get("/participants/{code}/adverse-events", response=list[AdverseEventOut])
def event_list(request: HttpRequest, code: str) -> list[AdverseEventOut]:
    actor, participant = _participant(request, code)
    return [event_out(e) for e in adverse_events.list_adverse_events(actor, participant=participant)]


@router.post("/participants/{code}/adverse-events", response={201: AdverseEventSavedOut})
def event_report(request: HttpRequest, code: str, body: AdverseEventIn) -> Status[AdverseEventSavedOut]:
    actor, participant = _participant(request, code)
    values = body.dict()
    known = values.pop("first_knowledge_on")
    details = adverse_events.AdverseEventInput(**values)
    result = adverse_events.report_adverse_event(
        actor, participant=participant, details=details, first_knowledge_on=known
    )
    return Status(201, _saved(result))


@router.get("/participants/{code}/adverse-events/{number}", response=AdverseEventOut)
def event_detail(request: HttpRequest, code: str, number: int) -> AdverseEventOut:
    actor, participant = _participant(request, code)
    return event_out(adverse_events.get_adverse_event(actor, participant=participant, number=number))


@router.patch("/participants/{code}/adverse-events/{number}", response=AdverseEventSavedOut)
def event_update(
    request: HttpRequest, code: str, number: int, body: AdverseEventPatch
) -> AdverseEventSavedOut:
    actor, participant = _participant(request, code)
    event = adverse_events.get_adverse_event(actor, participant=participant, number=number)
    changes = body.dict(exclude_unset=True)
    reason = changes.pop("reason")
    aware_on = changes.pop("aware_on", None)
    current = {f: getattr(event, f) for f in adverse_events.INPUT_FIELDS}
    current.update(changes)
    details = adverse_events.AdverseEventInput(**current)
    return _saved(
        adverse_events.update_adverse_event(
            actor, event=event, details=details, reason=reason, aware_on=aware_on
        )
    )


@router.post("/safety/grade-suggestion", response=GradeSuggestionOut)
def grade_suggestion(request: HttpRequest, body: GradeSuggestionIn) -> GradeSuggestionOut:
    request_actor(request)
    return suggestion_out(adverse_events.suggest_grade(**body.dict()))


# --- safety -------------------------------------------------------------------------------------------------


@router.get("/safety/expedited-reports", response=list[ExpeditedOut])
def expedited_list(request: HttpRequest, overdue: bool = False) -> list[ExpeditedOut]:
    actor, study = request_actor(request)
    return [expedited_out(r) for r in expedited.expedited_reports(actor, study=study, overdue_only=overdue)]


@router.post("/safety/expedited-reports/{report_id}/sent", response=ExpeditedOut)
def expedited_sent(request: HttpRequest, report_id: int, body: SentIn) -> ExpeditedOut:
    actor, study = request_actor(request)
    report = expedited.get_report(actor, study=study, report_id=report_id)
    sent = expedited.mark_report_sent(actor, report=report, **body.dict())
    return expedited_out(expedited.row(sent))


@router.get("/safety/dashboard", response=DashboardOut)
def dashboard(request: HttpRequest) -> DashboardOut:
    actor, study = request_actor(request)
    board = safety.safety_dashboard(actor, study=study)
    return DashboardOut(
        as_of=board.as_of,
        study_paused=board.study_paused,
        active_pauses=[pause_out(p) for p in board.active_pauses],
        lifted_pauses=[pause_out(p) for p in board.lifted_pauses],
        stops=[StopOut.from_orm(s) for s in board.stops],
        open_events=[event_out(e) for e in board.open_events],
        serious_events=[event_out(e) for e in board.serious_events],
        expedited=[expedited_out(r) for r in board.expedited],
        overdue_reports=[expedited_out(r) for r in board.overdue_reports],
    )


@router.post("/safety/pauses/{pause_id}/decision", response=PauseOut)
def pause_decision(request: HttpRequest, pause_id: int, body: PauseDecisionIn) -> PauseOut:
    actor, study = request_actor(request)
    pause = safety.get_pause(actor, study=study, pause_id=pause_id)
    safety.decide_pause(actor, pause=pause, decision=body.decision, lift=body.lift)
    return pause_out(safety.get_pause(actor, study=study, pause_id=pause_id))
