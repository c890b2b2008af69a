"""JSON endpoints for protocol amendments (mounted on the one NinjaAPI in web/api.py): the versions with their
state, approval and effective date; one version's difference from the version it replaces, in words (the page's
language); propose (the protocol file's YAML text), approve (the committee's reference and date) and activate
(the effective date). Each calls the amendment services, with the pages' permissions."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from trialdesk.errors import Conflict, Problem, ProtocolError, ValidationFailed
from trialdesk.records.models import ProtocolVersion
from trialdesk.services.amendments import (
    activate_amendment,
    amendment_view,
    approve_amendment,
    propose_amendment,
    stored_version,
    version_history,
)
from trialdesk.web.amendments.wording import Line, change_lines, refusal_lines
from trialdesk.web.request_context import trial

router = Router(tags=["amendments"])
FILE_FIELD = "protocol_yaml"


class VersionOut(Schema):
    id: int
    version: str
    state: str = Field(description="proposed, approved or active")
    content_hash: str
    loaded_at: datetime
    loaded_by: str
    approval_reference: str | None
    approval_date: date | None
    approved_by: str | None
    effective_from: date | None = Field(description="empty for the first version: in force since loading")
    activated_by: str | None
    activated_at: datetime | None


class LineOut(Schema):
    area: str = Field(description="criteria, design, arms, visits, forms, lab tests, ...")
    code: str = Field(description="what changed (e.g. item.added) or why it is refused")
    text: str = Field(description="the change in words, in the request's language")


class VersionDetailOut(Schema):
    version: VersionOut
    compared_with: VersionOut | None = Field(description="the version it replaces (none for the first)")
    changes: list[LineOut]
    refusals: list[LineOut] = Field(description="what the running trial would refuse now (none once active)")


class ProposeIn(Schema):
    protocol_yaml: str = Field(
        description="the whole protocol file (one file, no include), YAML or JSON text"
    )
    filename: str = Field("amendment.yaml", description="the file's name, shown in messages")


class ApproveIn(Schema):
    reference: str = Field(description="the ethics committee's reference")
    approved_on: date


class ActivateIn(Schema):
    effective_from: date = Field(description="today or later: an amendment never applies retroactively")


def _version(found: ProtocolVersion) -> VersionOut:
    return VersionOut(
        id=found.pk,
        version=found.version,
        state=found.state,
        content_hash=found.content_hash,
        loaded_at=found.loaded_at,
        loaded_by=found.loaded_by,
        approval_reference=found.approval_reference or None,
        approval_date=found.approval_date,
        approved_by=found.approved_by or None,
        effective_from=found.effective_from,
        activated_by=found.activated_by or None,
        activated_at=found.activated_at,
    )


def _lines(lines: list[Line]) -> list[LineOut]:
    return [LineOut(area=line.area, code=line.code, text=line.text) for line in lines]


def _detail(found: ProtocolVersion) -> VersionDetailOut:
    view = amendment_view(found)
    return VersionDetailOut(
        version=_version(found),
        compared_with=_version(view.base) if view.base is not None else None,
        changes=_lines(change_lines(view.changes)),
        refusals=_lines(refusal_lines(view.refusals)),
    )


@router.get("/amendments/versions", response=list[VersionOut])
def versions(request: HttpRequest) -> list[VersionOut]:
    """Every protocol version of the study, newest first (permission: view amendments)."""
    context = trial(request)
    return [_version(v) for v in version_history(context.actor, study=context.study)]


@router.get("/amendments/versions/{version_id}", response=VersionDetailOut)
def version_detail(request: HttpRequest, version_id: int) -> VersionDetailOut:
    """One version and its difference from the version it replaces, in words."""
    context = trial(request)
    return _detail(stored_version(context.actor, study=context.study, pk=version_id))


def _in_file(where: str, filename: str) -> str:
    """A problem's place named from the request: the file itself, or a path inside it."""
    if where in ("", "file", filename, "amendment.yaml", "protocol.yaml"):
        return FILE_FIELD
    return where if where == "filename" else f"{FILE_FIELD}.{where}"


@router.post("/amendments/versions", response=VersionDetailOut)
def propose(request: HttpRequest, payload: ProposeIn) -> VersionDetailOut:
    """Propose an amendment (administrator): validated like any protocol, refused changes named; it governs
    nothing until approved and activated."""
    context = trial(request)
    try:
        created = propose_amendment(
            context.actor,
            study=context.study,
            raw=payload.protocol_yaml.encode("utf-8", errors="replace"),
            filename=payload.filename,
        )
    except (ValidationFailed, ProtocolError, Conflict) as error:
        problems = tuple(Problem(_in_file(p.where, payload.filename), p.rule) for p in error.problems)
        raise type(error)(error.message, problems or (Problem(FILE_FIELD, error.message),)) from None
    return _detail(created)


@router.post("/amendments/versions/{version_id}/approve", response=VersionDetailOut)
def approve(request: HttpRequest, version_id: int, payload: ApproveIn) -> VersionDetailOut:
    """Record the ethics committee's approval of the proposed version (ethics committee)."""
    context = trial(request)
    found = stored_version(context.actor, study=context.study, pk=version_id)
    approved = approve_amendment(
        context.actor, version=found, reference=payload.reference, approved_on=payload.approved_on
    )
    return _detail(approved)


@router.post("/amendments/versions/{version_id}/activate", response=VersionDetailOut)
def activate(request: HttpRequest, version_id: int, payload: ActivateIn) -> VersionDetailOut:
    """Put the approved version in force from its effective date (administrator)."""
    context = trial(request)
    found = stored_version(context.actor, study=context.study, pk=version_id)
    return _detail(activate_amendment(context.actor, version=found, effective_from=payload.effective_from))
