"""The JSON API (django-ninja, OpenAPI schema at /api/openapi.json). Endpoints call services only."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from trialdesk.errors import NotFound, TrialdeskError
from trialdesk.services.participants import list_participants
from trialdesk.services.studies import protocol_of
from trialdesk.services.versions import Purpose, governing_version
from trialdesk.web.auth import request_actor
from trialdesk.web.casebook.api import router as casebook_router
from trialdesk.web.enrolment.api import router as enrolment_router
from trialdesk.web.errors import http_status
from trialdesk.web.treatment.api import router as treatment_router

api = NinjaAPI(
    title="trialdesk API",
    version="1",
    auth=django_auth,  # session auth checks CSRF on unsafe methods
    docs_decorator=login_required,  # the schema and its docs only after sign-in
)


for _router in (enrolment_router, treatment_router, casebook_router):
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
