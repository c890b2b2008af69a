"""JSON endpoints for case report forms, queries, verification, locks and lab import (mounted on the one
NinjaAPI in web/api.py). Every endpoint calls a service of `trialdesk.services.casebook` and returns its view;
the response schema (schemas.py) reads it by attribute. Domain errors become JSON 4xx there
(`{"detail", "problems": [{"where", "rule"}]}`).

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

from trialdesk.core.forms import FormCheckResult
from trialdesk.errors import NotFound
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.casebook import entry, lab_import, queries, tracking, verification
from trialdesk.web.auth import request_actor
from trialdesk.web.casebook.schemas import (
    ChangeOut,
    CheckOut,
    CommittedOut,
    DatabaseLockOut,
    ExpectedOut,
    FormIn,
    FormOut,
    LabImportIn,
    PreviewOut,
    QueryIn,
    QueryOut,
    ReasonIn,
    SaveOut,
    SignatureOut,
    SignIn,
    StateOut,
    TextIn,
)
from trialdesk.web.request_context import participant_in_request

router = Router(tags=["casebook"])

FORM = "/casebook/participants/{code}/forms/{visit_id}/{occurrence}/{form_id}"


def _participant(request: HttpRequest, code: str) -> tuple[Actor, Participant]:
    actor, _study, participant = participant_in_request(request, code)
    return actor, participant


@router.get("/casebook/participants/{code}/forms", response=list[ExpectedOut])
def expected(request: HttpRequest, code: str) -> list[tracking.ExpectedForm]:
    actor, participant = _participant(request, code)
    return tracking.expected_forms(actor, participant)


@router.get(FORM, response=FormOut)
def form_read(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> entry.FormView:
    actor, participant = _participant(request, code)
    return entry.load_form(actor, participant, visit_id, occurrence, form_id)


@router.put(FORM, response=SaveOut)
def form_save(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: FormIn
) -> entry.SaveResult:
    actor, participant = _participant(request, code)
    return entry.save_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, values=body.values,
        confirmations=body.confirmations, reason=body.reason, complete=body.complete,
    )  # fmt: skip


@router.post(FORM + "/check", response=CheckOut)
def form_check(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: FormIn
) -> FormCheckResult:
    actor, participant = _participant(request, code)
    return entry.check_form(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, values=body.values,
        confirmations=body.confirmations,
    )  # fmt: skip


@router.get(FORM + "/history", response=list[ChangeOut])
def form_history(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> list[entry.ItemChangeView]:
    actor, participant = _participant(request, code)
    return entry.item_history(actor, participant, visit_id, occurrence, form_id)


@router.post(FORM + "/queries", response={201: QueryOut})
def query_raise(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str, body: QueryIn
) -> Status[queries.QueryView]:
    actor, participant = _participant(request, code)
    view = queries.raise_query(
        actor, participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id, item_path=body.item_path,
        text=body.text,
    )  # fmt: skip
    return Status(201, view)


@router.get("/casebook/queries", response=list[QueryOut])
def query_list(
    request: HttpRequest, scope: str = "inbox", participant: str | None = None, status: str | None = None
) -> list[queries.QueryView]:
    actor, study = request_actor(request)
    if scope == "inbox":
        found = queries.query_inbox(actor, study=study)
    else:
        who = participant_in_request(request, participant)[2] if participant else None
        found = queries.list_queries(actor, study=study, participant=who, status=status)
    return found


@router.post("/casebook/queries/{query_id}/answer", response=QueryOut)
def query_answer(request: HttpRequest, query_id: int, body: TextIn) -> queries.QueryView:
    actor, _ = request_actor(request)
    return queries.answer_query(actor, query_id, text=body.text)


@router.post("/casebook/queries/{query_id}/close", response=QueryOut)
def query_close(request: HttpRequest, query_id: int, body: TextIn) -> queries.QueryView:
    actor, _ = request_actor(request)
    return queries.close_query(actor, query_id, text=body.text)


@router.post("/casebook/queries/{query_id}/reopen", response=QueryOut)
def query_reopen(request: HttpRequest, query_id: int, body: TextIn) -> queries.QueryView:
    actor, _ = request_actor(request)
    return queries.reopen_query(actor, query_id, text=body.text)


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


@router.post("/casebook/participants/{code}/sign", response=SignatureOut)
def sign(request: HttpRequest, code: str, body: SignIn) -> verification.SignatureView:
    actor, participant = _participant(request, code)
    return verification.sign_casebook(actor, participant, password=body.password, meaning=body.meaning)


@router.get("/casebook/participants/{code}/signature", response=SignatureOut | None)
def signature(request: HttpRequest, code: str) -> verification.SignatureView | None:
    actor, participant = _participant(request, code)
    return verification.casebook_signature(actor, participant)


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
def lab_import_preview(request: HttpRequest, body: LabImportIn) -> lab_import.LabImportPreview:
    actor, study = request_actor(request)
    return lab_import.preview_lab_import(actor, study, csv_text=body.csv_text, mapping=body.mapping)


@router.post("/casebook/lab-imports", response={201: CommittedOut})
def lab_import_commit(request: HttpRequest, body: LabImportIn) -> Status[lab_import.LabImportCommitted]:
    actor, study = request_actor(request)
    done = lab_import.commit_lab_import(
        actor, study, csv_text=body.csv_text, mapping=body.mapping, file_name=body.file_name
    )
    return Status(201, done)


@router.get("/casebook/forms/tracking", response=list[ExpectedOut])
def form_tracking(
    request: HttpRequest,
    site: str | None = None,
    all: bool = False,  # noqa: A002
) -> list[tracking.ExpectedForm]:
    actor, study = request_actor(request)
    site_obj = study.sites.filter(code=site).first() if site else None
    if site and site_obj is None:
        raise NotFound(f"No site {site} in this study")
    return tracking.site_form_tracking(
        actor, study, site_id=site_obj.pk if site_obj else None, missing_only=not all
    )
