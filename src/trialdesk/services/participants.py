"""Registering participants for screening and listing them, with identity shown only to roles that need it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet

from trialdesk.core.input_rules import identity_problems, text_problems
from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, PermissionDenied, Problem, ValidationFailed
from trialdesk.records.models import Participant, ParticipantIdentity, Site, SiteSequence
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.unit_of_work import use_case
from trialdesk.services.versions import Purpose, governing_version
from trialdesk.testing import SYSTEM_CLOCK, Clock

SEXES = ("female", "male")


@dataclass(frozen=True)
class IdentityDetails:
    full_name: str
    national_id: str = ""
    national_id_kind: str = "iranian"  # "foreign" for a passport or another country's identifier
    phone: str = ""
    date_of_birth: date | None = None


def register_for_screening(
    actor: Actor,
    *,
    site: Site,
    identity: IdentityDetails,
    sex: str,
    year_of_birth: int | None,
    clock: Clock = SYSTEM_CLOCK,
) -> Participant:
    """Give a new participant a pseudonymous study code (SITE-001, ...) and keep their identity apart."""
    with use_case(actor, Action.REGISTER_PARTICIPANT, study=site.study, site_id=site.pk, clock=clock) as uow:
        problems = _identity_problems(identity, sex, year_of_birth, today=uow.today)
        if problems:
            raise ValidationFailed("The participant cannot be registered", tuple(problems))
        sequence, _ = SiteSequence.objects.select_for_update().get_or_create(site=site)
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        participant = Participant.objects.create(
            study=site.study,
            site=site,
            study_code=f"{site.code}-{sequence.last_number:03d}",
            protocol_version=governing_version(study=site.study, purpose=Purpose.REGISTRATION, on=uow.today),
            sex=sex,
            year_of_birth=year_of_birth,
            registered_at=uow.now,
            registered_by=actor.username,
        )
        ParticipantIdentity.objects.create(
            participant=participant,
            full_name=identity.full_name.strip(),
            national_id=identity.national_id.strip(),
            national_id_kind=identity.national_id_kind,
            phone=identity.phone.strip(),
            date_of_birth=identity.date_of_birth,
        )
        # The audit log records that identity was captured, never the identifying values themselves.
        uow.record(
            "participant.register",
            object_type="participant",
            object_id=participant.study_code,
            after={
                "study_code": participant.study_code,
                "site": site.code,
                "sex": sex,
                "year_of_birth": year_of_birth,
                "identity": "recorded separately",
                "status": participant.status,
            },
        )
    return participant


def _identity_problems(
    identity: IdentityDetails, sex: str, year_of_birth: int | None, *, today: date
) -> list[Problem]:
    """Each field checked against its column and its rule (the same answer on SQLite and PostgreSQL)."""
    problems = [
        *text_problems(identity.full_name, where="full_name", max_length=200, required=True),
        *text_problems(identity.national_id, where="national_id", max_length=30),
        *text_problems(identity.phone, where="phone", max_length=40),
    ]
    if sex not in SEXES:
        problems.append(Problem("sex", "must be female or male"))
    if year_of_birth is not None and not (1900 <= year_of_birth <= today.year):
        problems.append(Problem("year_of_birth", f"must be between 1900 and {today.year}"))
    if not problems:
        problems = identity_problems(
            national_id=identity.national_id.strip(),
            national_id_kind=identity.national_id_kind,
            phone=identity.phone.strip(),
            date_of_birth=identity.date_of_birth,
            year_of_birth=year_of_birth,
            today=today,
        )
    return problems


@dataclass(frozen=True)
class ParticipantRow:
    study_code: str
    site_code: str
    status: str
    sex: str
    year_of_birth: int | None
    registered_at: datetime
    full_name: str | None  # None unless the viewer may see identity


def participant_query(
    actor: Actor, *, study_id: int, site: Site | None = None, code: str = ""
) -> QuerySet[Participant]:
    """The participants visible to the actor (their sites, or `site`), by site and code, optionally those
    whose code contains `code`; one query per page however many there are."""
    sites = actor.site_ids(Action.VIEW_PARTICIPANTS)
    if sites is not None and not sites:
        raise PermissionDenied(f"{actor.username} may not view participants")
    query = Participant.objects.filter(study_id=study_id).select_related("site", "identity")
    if site is not None:
        authorize(actor, Action.VIEW_PARTICIPANTS, site.pk)
        query = query.filter(site=site)
    elif sites is not None:
        query = query.filter(site_id__in=sites)
    if code:
        query = query.filter(study_code__icontains=code)
    return query.order_by("site__code", "study_code")


def participant_row(actor: Actor, participant: Participant) -> ParticipantRow:
    """One list row, the name filled only when the actor may see identity at the participant's site."""
    shows_identity = actor.may(Action.VIEW_IDENTITY, participant.site_id)
    return ParticipantRow(
        study_code=participant.study_code,
        site_code=participant.site.code,
        status=participant.status,
        sex=participant.sex,
        year_of_birth=participant.year_of_birth,
        registered_at=participant.registered_at,
        full_name=participant.identity.full_name if shows_identity else None,
    )


def list_participants(actor: Actor, *, study_id: int, site: Site | None = None) -> list[ParticipantRow]:
    """Participants visible to the actor (their sites), identity filled only for roles allowed to see it."""
    return [participant_row(actor, p) for p in participant_query(actor, study_id=study_id, site=site)]


def get_participant(actor: Actor, *, study_id: int, study_code: str) -> Participant:
    participant = (
        Participant.objects.filter(study_id=study_id, study_code=study_code).select_related("site").first()
    )
    if participant is None or not actor.may(Action.VIEW_PARTICIPANTS, participant.site_id):
        raise NotFound(f"No participant {study_code} is visible to you")
    return participant
