"""The JSON API (django-ninja, OpenAPI schema at /api/openapi.json). Endpoints call services only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema
from ninja.security import django_auth

from trialdesk.errors import NotFound, TrialdeskError
from trialdesk.services.participants import list_participants
from trialdesk.services.studies import protocol_of
from trialdesk.services.versions import Purpose, governing_version
from trialdesk.web.amendments.api import router as amendments_router
from trialdesk.web.auth import request_actor
from trialdesk.web.casebook.api import router as casebook_router
from trialdesk.web.enrolment.api import router as enrolment_router
from trialdesk.web.errors import http_status
from trialdesk.web.exports.api import router as exports_router
from trialdesk.web.treatment.api import router as treatment_router

ERROR_RESPONSES = {
    "400": "Refused: the input breaks a rule (each problem names the field and the rule); nothing was stored",
    "401": "Not signed in",
    "403": "Your role may not do this (at this site)",
    "404": "Not found, or not visible to you",
    "409": "Conflicts with the recorded state (already done, locked, not yet possible)",
    "422": "The request body or a parameter does not have the documented shape",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"description": "the message, or the list of shape errors (422)"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"where": {"type": "string"}, "rule": {"type": "string"}},
                "required": ["where", "rule"],
            },
        },
    },
    "required": ["detail"],
}


class TrialdeskAPI(NinjaAPI):
    """The API whose OpenAPI schema documents, on every operation, the 4xx answers it can give."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, description in ERROR_RESPONSES.items():
                    responses.setdefault(code, {"description": description, "content": error})
        return schema


api = TrialdeskAPI(
    title="trialdesk API",
    version="1",
    auth=django_auth,  # session auth checks CSRF on unsafe methods
    docs_decorator=login_required,  # the schema and its docs only after sign-in
)


for _router in (enrolment_router, treatment_router, casebook_router, exports_router, amendments_router):
    api.add_router("/", _router)


@api.exception_handler(TrialdeskError)
def domain_error(request: HttpRequest, error: TrialdeskError):  # type: ignore[no-untyped-def]
    problems = [{"where": p.where, "rule": p.rule} for p in error.problems]
    return api.create_response(
        request, {"detail": error.message, "problems": problems}, status=http_status(error)
    )


class StudyOut(Schema):
    protocol_id: str
    version: str
    content_hash: str
    title: str
    arms: list[str]
    target_sample_size: int


class ParticipantOut(Schema):
    study_code: str
    site: str
    status: str
    sex: str
    year_of_birth: int | None
    registered_at: datetime
    full_name: str | None


@api.get("/study", response=StudyOut)
def study_detail(request: HttpRequest) -> StudyOut:
    _, study = request_actor(request)
    version = governing_version(study=study, purpose=Purpose.DISPLAY)
    protocol = protocol_of(version)
    return StudyOut(
        protocol_id=protocol.id,
        version=protocol.version,
        content_hash=version.content_hash,
        title=protocol.registration.scientific_title.en,
        arms=[a.id for a in protocol.arms],
        target_sample_size=protocol.design.target_sample_size,
    )


@api.get("/participants", response=list[ParticipantOut])
def participants(request: HttpRequest, site: str | None = None) -> list[ParticipantOut]:
    actor, study = request_actor(request)
    site_obj = study.sites.filter(code=site).first() if site else None
    if site and site_obj is None:
        raise NotFound(f"No site {site} in this study")
    return [
        ParticipantOut(
            study_code=r.study_code,
            site=r.site_code,
            status=r.status,
            sex=r.sex,
            year_of_birth=r.year_of_birth,
            registered_at=r.registered_at,
            full_name=r.full_name,
        )
        for r in list_participants(actor, study_id=study.pk, site=site_obj)
    ]
