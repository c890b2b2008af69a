"""Adding people and granting roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError

from trialdesk.core.roles import Action, Role
from trialdesk.errors import Conflict, Problem, ValidationFailed
from trialdesk.records.models import Person, RoleAssignment, Site, Study
from trialdesk.services.actors import Actor
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


def add_person(
    actor: Actor,
    *,
    study: Study,
    username: str,
    display_name: str,
    password: str,
    role: Role | str,
    site: Site | None,
    superuser: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> Person:
    """Create an account with one role (at a site or study-wide) in one transaction."""
    role = _role(role)
    problems: list[Problem] = []
    if not username.strip():
        problems.append(Problem("username", "required"))
    if not display_name.strip():
        problems.append(Problem("display_name", "required"))
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        problems.extend(Problem("password", message) for message in exc.messages)
    user_model = get_user_model()
    with use_case(actor, Action.MANAGE_PEOPLE, study=study, clock=clock, study_data=False) as uow:
        if problems:
            raise ValidationFailed("The person cannot be added", tuple(problems))
        if user_model.objects.filter(username=username).exists():
            raise Conflict(f"The user name {username} is already taken")
        user = user_model.objects.create_user(username=username, password=password)
        if superuser:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        person = Person.objects.create(user=user, display_name=display_name.strip())
        uow.record(
            "person.add",
            object_type="person",
            object_id=person.pk,
            after={"username": username, "display_name": person.display_name, "superuser": superuser},
        )
        _grant(uow, person=person, study=study, role=role, site=site)
    return person


def grant_role(
    actor: Actor,
    *,
    person: Person,
    study: Study,
    role: Role | str,
    site: Site | None,
    clock: Clock = SYSTEM_CLOCK,
) -> RoleAssignment:
    with use_case(actor, Action.MANAGE_PEOPLE, study=study, clock=clock, study_data=False) as uow:
        return _grant(uow, person=person, study=study, role=_role(role), site=site)


def _grant(uow: UnitOfWork, *, person: Person, study: Study, role: Role, site: Site | None) -> RoleAssignment:
    if site is not None and site.study_id != study.pk:
        raise ValidationFailed(
            "The site belongs to another study", (Problem("site", "not a site of this study"),)
        )
    if RoleAssignment.objects.filter(
        person=person, study=study, site=site, role=role.value, active=True
    ).exists():
        raise Conflict(f"{person.display_name} already holds the role {role.value} here")
    assignment = RoleAssignment.objects.create(person=person, study=study, site=site, role=role.value)
    uow.record(
        "role.grant",
        object_type="role_assignment",
        object_id=assignment.pk,
        after={"person": person.user.get_username(), "role": role.value, "site": site.code if site else None},
    )
    return assignment


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"Unknown role {value!r}", (Problem("role", f"must be one of {allowed}"),)
        ) from None
