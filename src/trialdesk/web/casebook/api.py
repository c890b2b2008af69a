"""JSON endpoints for case report forms, queries, verification, locks and lab import (mounted on the one
NinjaAPI in web/api.py). Every endpoint calls a service of `trialdesk.services.casebook`; domain errors become
JSON 4xx there (`{"detail", "problems": [{"where", "rule"}]}`).

    GET  /casebook/participants/{code}/forms                                  expected forms and their state
    GET  /casebook/participants/{code}/forms/{visit}/{occurrence}/{form}      form data, status, queries
    PUT  ...same                 {values, confirmations, reason}              save
    POST ...same/check           {values, confirmations}                      validation only
    GET  ...same/history                                                      item-level changes
    POST ...same/queries         {item_path, text}                            raise a query
    POST ...same/verify | lock | unlock {reason}                              SDV, form lock
    POST /casebook/participants/{code}/sign {password, meaning}               e-signature
    GET  /casebook/participants/{code}/signature
    GET  /casebook/queries?scope=inbox|all&participant=&status=
    POST /casebook/queries/{id}/answer | close | reopen {text}
    GET|POST /casebook/database-lock {reason}
    POST /casebook/lab-imports/preview | /casebook/lab-imports {csv_text, mapping, file_name}
    GET  /casebook/forms/tracking?site=&all=
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from trialdesk.errors import NotFound
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.casebook import entry, lab_import, queries, tracking, verification
from trialdesk.services.casebook.common import storable
from trialdesk.services.casebook.queries import QueryView
from trialdesk.services.participants import get_participant
from trialdesk.web.auth import request_actor
from trialdesk.web.casebook.schemas import (
    ChangeOut,
    CheckOut,
    CommittedOut,
    DatabaseLockOut,
    ExpectedOut,
    FormIn,
    FormOut,
    ItemOut,
    LabImportIn,
    LabRowOut,
    MessageOut,
    PreviewOut,
    ProblemOut,
    QueryIn,
    QueryOut,
    ReasonIn,
    SaveOut,
    SignatureOut,
    SignIn,
    StateOut,
    TextIn,
    WarningOut,
)

router = Router(tags=["casebook"])

FORM = "/casebook/participants/{code}/forms/{visit_id}/{occurrence}/{form_id}"


def _participant(request: HttpRequest, code: str) -> tuple[Actor, Participant]:
    actor, study = request_actor(request)
    return actor, get_participant(actor, study_id=study.pk, study_code=code)


def _query_out(q: QueryView) -> QueryOut:
    return QueryOut(
        id=q.id, participant=q.participant_code, site=q.site_code, visit_id=q.visit_id, occurrence=q.occurrence,
        form_id=q.form_id, item_path=q.item_path, text=q.text, status=q.status, automatic=q.automatic,
        check_id=q.check_id, raised_by=q.raised_by, raised_at=q.raised_at, updated_at=q.updated_at,
        messages=[MessageOut(kind=m.kind, text=m.text, by=m.by, role=m.role, at=m.at) for m in q.messages],
    )  # fmt: skip


def _row_out(r: lab_import.LabImportRow) -> LabRowOut:
    return LabRowOut(
        row=r.row, participant=r.participant_code, date=r.sampled_on, item=r.item_path, value=r.value, unit=r.unit,
        visit_id=r.visit_id, occurrence=r.occurrence, form_id=r.form_id, standard_value=r.standard_value,
        canonical_unit=r.canonical_unit, flag=r.flag,
    )  # fmt: skip


def _expected_out(f: tracking.ExpectedForm) -> ExpectedOut:
    return ExpectedOut(
        participant=f.participant_code, site=f.site_code, visit_id=f.visit_id, occurrence=f.occurrence,
        form_id=f.form_id, earliest=f.earliest, target=f.target, latest=f.latest, state=f.state,
    )  # fmt: skip


@router.get("/casebook/participants/{code}/forms", response=list[ExpectedOut])
def expected(request: HttpRequest, code: str) -> list[ExpectedOut]:
    actor, participant = _participant(request, code)
    return [_expected_out(f) for f in tracking.expected_forms(actor, participant)]


@router.get(FORM, response=FormOut)
def form_read(request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str) -> FormOut:
    actor, participant = _participant(request, code)
    view = entry.load_form(actor, participant, visit_id, occurrence, form_id)
    return FormOut(
        participant=view.participant_code, visit_id=view.visit_id, occurrence=view.occurrence, form_id=view.form_id,
        form_version=view.form_version, status=view.status, read_only=view.read_only,
        read_only_reason=view.read_only_reason, values=dict(view.values), confirmations=dict(view.confirmations),
        items=[ItemOut(**i.__dict__) for i in view.items.values()], queries=[_query_out(q) for q in view.queries],
        updated_at=view.updated_at, updated_by=view.updated_by, verified_by=view.verified_by,
        verified_at=view.verified_at, locked_by=view.locked_by, lock_reason=view.lock_reason,
    )  # fmt: skip


@router.put(FORM, response=SaveOut)
def form_save(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: FormIn
) -> SaveOut:
    actor, participant = _participant(request, code)
    result = entry.save_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, values=body.values,
        confirmations=body.confirmations, reason=body.reason,
    )  # fmt: skip
    return SaveOut(
        record_id=result.record_id, form_version=result.form_version, created=result.created,
        changed=list(result.changed),
        warnings=[WarningOut(where=w.where, rule=w.rule, reason=w.reason) for w in result.warnings],
        calculated=dict(result.calculated), flags=dict(result.flags), queries_opened=list(result.queries_opened),
        queries_closed=list(result.queries_closed), verification_cleared=result.verification_cleared,
        signature_invalidated=result.signature_invalidated,
    )  # fmt: skip


@router.post(FORM + "/check", response=CheckOut)
def form_check(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: FormIn
) -> CheckOut:
    actor, participant = _participant(request, code)
    result = entry.check_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, values=body.values,
        confirmations=body.confirmations,
    )  # fmt: skip
    return CheckOut(
        ok=result.ok,
        errors=[ProblemOut(where=p.where, rule=p.rule) for p in result.errors],
        warnings=[WarningOut(where=w.where, rule=w.rule, reason=w.reason) for w in result.warnings],
        hidden=sorted(result.hidden),
        calculated={k: storable(v) for k, v in result.calculated.items()},
    )


@router.get(FORM + "/history", response=list[ChangeOut])
def form_history(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> list[ChangeOut]:
    actor, participant = _participant(request, code)
    return [
        ChangeOut(
            path=c.path,
            old=c.old,
            new=c.new,
            reason=c.reason,
            changed_by=c.changed_by,
            changed_at=c.changed_at,
        )
        for c in entry.item_history(actor, participant, visit_id, occurrence, form_id)
    ]


@router.post(FORM + "/queries", response={201: QueryOut})
def query_raise(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: QueryIn
) -> Status[QueryOut]:
    actor, participant = _participant(request, code)
    view = queries.raise_query(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, item_path=body.item_path,
        text=body.text,
    )  # fmt: skip
    return Status(201, _query_out(view))


@router.get("/casebook/queries", response=list[QueryOut])
def query_list(
    request: HttpRequest, scope: str = "inbox", participant: str | None = None, status: str | None = None
) -> list[QueryOut]:
    actor, study = request_actor(request)
    if scope == "inbox":
        found = queries.query_inbox(actor, study=study)
    else:
        who = get_participant(actor, study_id=study.pk, study_code=participant) if participant else None
        found = queries.list_queries(actor, study=study, participant=who, status=status)
    return [_query_out(q) for q in found]


@router.post("/casebook/queries/{query_id}/answer", response=QueryOut)
def query_answer(request: HttpRequest, query_id: int, body: TextIn) -> QueryOut:
    actor, _ = request_actor(request)
    return _query_out(queries.answer_query(actor, query_id, text=body.text))


@router.post("/casebook/queries/{query_id}/close", response=QueryOut)
def query_close(request: HttpRequest, query_id: int, body: TextIn) -> QueryOut:
    actor, _ = request_actor(request)
    return _query_out(queries.close_query(actor, query_id, text=body.text))


@router.post("/casebook/queries/{query_id}/reopen", response=QueryOut)
def query_reopen(request: HttpRequest, query_id: int, body: TextIn) -> QueryOut:
    actor, _ = request_actor(request)
    return _query_out(queries.reopen_query(actor, query_id, text=body.text))


@router.post(FORM + "/verify", response=StateOut)
def form_verify(request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str) -> StateOut:
    actor, participant = _participant(request, code)
    mark = verification.verify_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id
    )
    return StateOut(
        form_id=form_id, visit_id=visit_id, occurrence=occurrence, by=mark.verified_by, at=mark.verified_at,
        detail=f"verified (form version {mark.form_version})",
    )  # fmt: skip


@router.post(FORM + "/lock", response=StateOut)
def form_lock(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: ReasonIn
) -> StateOut:
    actor, participant = _participant(request, code)
    lock = verification.lock_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, reason=body.reason
    )
    return StateOut(
        form_id=form_id, visit_id=visit_id, occurrence=occurrence, by=lock.by, at=lock.at, detail="locked"
    )


@router.post(FORM + "/unlock", response=StateOut)
def form_unlock(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: ReasonIn
) -> StateOut:
    actor, participant = _participant(request, code)
    lock = verification.unlock_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, reason=body.reason
    )
    return StateOut(
        form_id=form_id, visit_id=visit_id, occurrence=occurrence, by=lock.by, at=lock.at, detail="unlocked"
    )


def _signature_out(s: verification.SignatureView) -> SignatureOut:
    return SignatureOut(
        participant=s.participant_code, signed_by=s.signed_by, signed_at=s.signed_at, meaning=s.meaning,
        content_hash=s.content_hash, valid=s.valid,
    )  # fmt: skip


@router.post("/casebook/participants/{code}/sign", response=SignatureOut)
def sign(request: HttpRequest, code: str, body: SignIn) -> SignatureOut:
    actor, participant = _participant(request, code)
    return _signature_out(
        verification.sign_casebook(actor, participant, password=body.password, meaning=body.meaning)
    )


@router.get("/casebook/participants/{code}/signature", response=SignatureOut | None)
def signature(request: HttpRequest, code: str) -> SignatureOut | None:
    actor, participant = _participant(request, code)
    found = verification.casebook_signature(actor, participant)
    return None if found is None else _signature_out(found)


@router.get("/casebook/database-lock", response=DatabaseLockOut)
def database_lock_state(request: HttpRequest) -> DatabaseLockOut:
    _, study = request_actor(request)
    lock = verification.database_lock(study)
    if lock is None:
        return DatabaseLockOut(locked=False)
    return DatabaseLockOut(
        locked=True, locked_by=lock.locked_by, locked_at=lock.locked_at, reason=lock.reason
    )


@router.post("/casebook/database-lock", response=DatabaseLockOut)
def database_lock(request: HttpRequest, body: ReasonIn) -> DatabaseLockOut:
    actor, study = request_actor(request)
    lock = verification.lock_database(actor, study, reason=body.reason)
    return DatabaseLockOut(
        locked=True, locked_by=lock.locked_by, locked_at=lock.locked_at, reason=lock.reason
    )


@router.post("/casebook/lab-imports/preview", response=PreviewOut)
def lab_import_preview(request: HttpRequest, body: LabImportIn) -> PreviewOut:
    actor, study = request_actor(request)
    preview = lab_import.preview_lab_import(actor, study, csv_text=body.csv_text, mapping=body.mapping)
    return PreviewOut(
        ok=preview.ok, columns=list(preview.columns), rows=[_row_out(r) for r in preview.rows],
        problems=[ProblemOut(where=p.where, rule=p.rule) for p in preview.problems],
    )  # fmt: skip


@router.post("/casebook/lab-imports", response={201: CommittedOut})
def lab_import_commit(request: HttpRequest, body: LabImportIn) -> Status[CommittedOut]:
    actor, study = request_actor(request)
    done = lab_import.commit_lab_import(
        actor, study, csv_text=body.csv_text, mapping=body.mapping, file_name=body.file_name
    )
    return Status(
        201,
        CommittedOut(
            batch_id=done.batch_id,
            rows=[_row_out(r) for r in done.rows],
            forms_written=list(done.forms_written),
        ),
    )


@router.get("/casebook/forms/tracking", response=list[ExpectedOut])
def form_tracking(request: HttpRequest, site: str | None = None, all: bool = False) -> list[ExpectedOut]:  # noqa: A002
    actor, study = request_actor(request)
    site_obj = study.sites.filter(code=site).first() if site else None
    if site and site_obj is None:
        raise NotFound(f"No site {site} in this study")
    rows = tracking.site_form_tracking(
        actor, study, site_id=site_obj.pk if site_obj else None, missing_only=not all
    )
    return [_expected_out(f) for f in rows]
