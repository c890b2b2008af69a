"""JSON endpoints for screening, consent, randomization and the epidemiologist's list (mounted on the one NinjaAPI
in web/api.py). They call services only; domain errors become JSON 4xx in web/api.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from trialdesk.core.input_rules import text_problems
from trialdesk.errors import NotFound, Problem, ValidationFailed
from trialdesk.records.models import (
    Allocation,
    ConsentRecord,
    ConsentWithdrawal,
    RandomizationList,
    ScreeningRecord,
)
from trialdesk.services.consent import record_consent, withdraw_consent
from trialdesk.services.list_import import import_list, mapping_from
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.randomization import concealment_report, generate, randomize
from trialdesk.services.screening import screen, screening_log
from trialdesk.web.auth import request_actor
from trialdesk.web.enrolment import schemas as s
from trialdesk.web.enrolment.common import participant_record
from trialdesk.web.enrolment.listing import arm_labels, commitment_context, list_rows, report_rows
from trialdesk.web.request_context import participant_in_request

router = Router(tags=["enrolment"])


def _screening(record: ScreeningRecord) -> s.ScreeningOut:
    return s.ScreeningOut.from_orm(record)


def _consent(record: ConsentRecord) -> s.ConsentOut:
    return s.ConsentOut.from_orm(record)


def _withdrawal(record: ConsentWithdrawal) -> s.WithdrawalOut:
    return s.WithdrawalOut.from_orm(record)


def _allocation(allocation: Allocation, arm_name: str) -> s.AllocationOut:
    return s.AllocationOut(
        study_code=allocation.participant.study_code,
        arm=allocation.arm,
        arm_name=arm_name,
        allocated_at=allocation.allocated_at,
        allocated_by=allocation.allocated_by,
        stratum=allocation.stratum,
        slot=allocation.slot.sequence if allocation.slot else None,
    )


@router.post("/participants/register", response=s.ParticipantDetailOut)
def register(request: HttpRequest, payload: s.RegisterIn) -> s.ParticipantDetailOut:
    actor, study = request_actor(request)
    # A site code with a NUL or a control character names no site (and PostgreSQL refuses NUL in a query).
    plain = not text_problems(payload.site, where="site", max_length=20)
    site = study.sites.filter(code=payload.site).first() if plain else None
    if site is None:
        raise NotFound("No such site in this study", (Problem("site", "not a site of this study"),))
    created = register_for_screening(
        actor,
        site=site,
        identity=IdentityDetails(
            full_name=payload.full_name,
            national_id=payload.national_id,
            national_id_kind=payload.national_id_kind,
            phone=payload.phone,
            date_of_birth=payload.date_of_birth,
        ),
        sex=payload.sex,
        year_of_birth=payload.year_of_birth,
    )
    return participant_detail(request, created.study_code)


@router.get("/participants/{code}", response=s.ParticipantDetailOut)
def participant_detail(request: HttpRequest, code: str) -> s.ParticipantDetailOut:
    actor, _study, found = participant_in_request(request, code)
    record = participant_record(actor, found)
    return s.ParticipantDetailOut(
        study_code=found.study_code,
        site=found.site.code,
        status=found.status,
        sex=found.sex,
        year_of_birth=found.year_of_birth,
        registered_at=found.registered_at,
        full_name=record.full_name,
        screenings=[_screening(row.record) for row in record.screenings],
        consents=[_consent(c) for c in record.consents],
        has_current_consent=record.has_current_consent,
        withdrawal=_withdrawal(record.withdrawal) if record.withdrawal else None,
        allocation=_allocation(record.allocation, record.arm_name or record.allocation.arm)
        if record.allocation
        else None,
    )


@router.get("/participants/{code}/screenings", response=list[s.ScreeningOut])
def screenings(request: HttpRequest, code: str) -> list[s.ScreeningOut]:
    _actor, _study, found = participant_in_request(request, code)
    return [_screening(r) for r in found.screenings.order_by("attempt")]


@router.post("/participants/{code}/screenings", response=s.ScreeningOut)
def record_screening(request: HttpRequest, code: str, payload: s.ScreeningIn) -> s.ScreeningOut:
    actor, _study, found = participant_in_request(request, code)
    answers = {cid: (a.answer, a.note) for cid, a in payload.answers.items()}
    return _screening(screen(actor, participant=found, answers=answers, screened_on=payload.screened_on))


@router.get("/screening-log", response=list[s.ScreeningLogOut])
def log(request: HttpRequest) -> list[s.ScreeningLogOut]:
    actor, study = request_actor(request)
    return [
        s.ScreeningLogOut(
            **_screening(r).dict(), study_code=r.participant.study_code, site=r.participant.site.code
        )
        for r in screening_log(actor, study_id=study.pk)
    ]


@router.post("/participants/{code}/consents", response=s.ConsentOut)
def consent(request: HttpRequest, code: str, payload: s.ConsentIn) -> s.ConsentOut:
    actor, _study, found = participant_in_request(request, code)
    created = record_consent(
        actor,
        participant=found,
        document_version=payload.document_version,
        consented_on=payload.consented_on,
        signature_png=payload.signature_png,
    )
    return _consent(created)


@router.post("/participants/{code}/withdrawal", response=s.WithdrawalOut)
def withdrawal(request: HttpRequest, code: str, payload: s.WithdrawalIn) -> s.WithdrawalOut:
    actor, _study, found = participant_in_request(request, code)
    created = withdraw_consent(
        actor,
        participant=found,
        withdrawn_on=payload.withdrawn_on,
        reason=payload.reason,
        scope=payload.scope,
    )
    return _withdrawal(created)


@router.post("/participants/{code}/randomize", response=s.AllocationOut)
def randomize_participant(request: HttpRequest, code: str, payload: s.RandomizeIn) -> s.AllocationOut:
    actor, study, found = participant_in_request(request, code)
    if not payload.confirm:
        raise ValidationFailed(
            "Randomization needs confirmation", (Problem("confirm", "must be true: an allocation is final"),)
        )
    allocation = randomize(actor, participant=found, factors=payload.factors)
    return _allocation(allocation, arm_labels(study, "en").get(allocation.arm, allocation.arm))


@router.get("/randomization/commitment", response=s.CommitmentOut)
def commitment(request: HttpRequest) -> s.CommitmentOut:
    _actor, study = request_actor(request)
    public = commitment_context(study)
    if public["commitment"] is None:
        raise NotFound("No randomization list has been made yet")
    return s.CommitmentOut(
        list_id=public["commitment"].list_id,
        created_at=public["commitment_at"],
        created_by=public["commitment"].created_by,
        method=public["commitment"].method,
        commitment=public["commitment"].commitment,
    )


def _list_out(stored: RandomizationList) -> s.ListOut:
    return s.ListOut(
        list_id=stored.pk,
        created_at=stored.created_at,
        created_by=stored.created_by,
        method=stored.method,
        commitment=stored.commitment,
        source=stored.source,
        seed=stored.seed,
        slots=stored.slots.count(),
    )


@router.post("/randomization/list", response=s.ListOut)
def generate_list(request: HttpRequest) -> s.ListOut:
    actor, study = request_actor(request)
    return _list_out(generate(actor, study=study))


@router.get("/randomization/list", response=s.ListDetailOut)
def view(request: HttpRequest) -> s.ListDetailOut:
    actor, study = request_actor(request)
    stored, rows, ok = list_rows(actor, study, export=False)
    return s.ListDetailOut(
        **_list_out(stored).model_dump(), verified=ok, list_slots=[s.SlotOut(**row.__dict__) for row in rows]
    )


@router.get("/randomization/list/export")
def export(request: HttpRequest) -> HttpResponse:
    """The canonical text (CSV with a commented header), the bytes the SHA-256 commitment is over."""
    actor, study = request_actor(request)
    stored, _rows, _ok = list_rows(actor, study, export=True)
    response = HttpResponse(stored.canonical_text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="randomization-list-{stored.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@router.post("/randomization/import", response=s.ListOut)
def import_(request: HttpRequest, payload: s.ImportIn) -> s.ListOut:
    actor, study = request_actor(request)
    stored = import_list(
        actor,
        study=study,
        source=payload.format,
        text=payload.text,
        mapping=mapping_from(payload.treatments),
        file_name=payload.file_name,
    )
    return _list_out(stored)


@router.get("/randomization/concealment-report", response=s.ConcealmentReportOut)
def report(request: HttpRequest) -> s.ConcealmentReportOut:
    actor, study = request_actor(request)
    result = concealment_report(actor, study=study)
    return s.ConcealmentReportOut(
        commitment=result.commitment,
        commitment_ok=result.commitment_ok,
        order_problems=result.order_problems,
        allocations=[
            s.ReportAllocationOut(
                study_code=a.participant.study_code,
                arm=a.arm,
                stratum=a.stratum,
                slot=a.slot.sequence if a.slot else None,
                allocated_at=a.allocated_at,
                allocated_by=a.allocated_by,
            )
            for a in report_rows(result)
        ],
        list_accesses=[
            s.AccessOut(at=e.at, actor=e.actor, role=e.role, action=e.action) for e in result.list_accesses
        ],
    )
