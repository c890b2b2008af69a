from __future__ import annotations

import pytest

from trialdesk.core.roles import Action, Role
from trialdesk.errors import Conflict, PermissionDenied, ValidationFailed
from trialdesk.records.models import AuditEntry, Participant, ParticipantIdentity, Site, Study
from trialdesk.services.actors import Actor
from trialdesk.services.participants import IdentityDetails, list_participants, register_for_screening
from trialdesk.services.people import add_person
from trialdesk.services.sites import create_site
from trialdesk.services.studies import protocol_of, store_protocol
from trialdesk.testing import FixedClock

PASSWORD = "correct-horse-battery-staple"


def _register(actor: Actor, site: Site, clock: FixedClock, name: str = "Zahra Ahmadi") -> Participant:
    return register_for_screening(
        actor,
        site=site,
        identity=IdentityDetails(full_name=name, national_id="0012345679"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )


def test_installing_the_same_protocol_twice_keeps_one_version(
    study: Study, system: Actor, clock: FixedClock
) -> None:
    again = store_protocol(
        system, protocol=protocol_of(study.current_protocol()), make_default=True, clock=clock
    )
    assert not again.created and study.protocol_versions.count() == 1
    assert study.is_default


def test_site_code_must_be_well_formed_and_unique(
    study: Study, site: Site, system: Actor, clock: FixedClock
) -> None:
    with pytest.raises(ValidationFailed) as bad:
        create_site(system, study=study, code="a b", name="", clock=clock)
    assert {p.where for p in bad.value.problems} == {"code", "name"}
    with pytest.raises(Conflict, match="KUMS already exists"):
        create_site(system, study=study, code="kums", name="Duplicate", clock=clock)


def test_failed_person_creation_writes_nothing(study: Study, system: Actor, clock: FixedClock) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as bad:
        add_person(
            system,
            study=study,
            username="x",
            display_name="X",
            password="short",
            role="monitor",
            site=None,
            clock=clock,
        )
    assert bad.value.problems[0].where == "password"
    with pytest.raises(ValidationFailed, match="Unknown role"):
        add_person(
            system,
            study=study,
            username="y",
            display_name="Y",
            password=PASSWORD,
            role="surgeon",
            site=None,
            clock=clock,
        )
    assert AuditEntry.objects.count() == before


def test_participants_get_sequential_pseudonymous_codes_per_site(
    actors: dict[Role, Actor], site: Site, clock: FixedClock
) -> None:
    first = _register(actors[Role.RHEUMATOLOGIST], site, clock)
    second = _register(actors[Role.RHEUMATOLOGIST], site, clock, name="Sara Karimi")
    assert (first.study_code, second.study_code) == ("KUMS-001", "KUMS-002")
    entry = AuditEntry.objects.filter(action="participant.register").last()
    assert entry is not None and "Sara" not in str(entry.after) and "0012345678" not in str(entry.after)
    assert ParticipantIdentity.objects.get(participant=second).full_name == "Sara Karimi"


def test_registration_names_each_bad_field(actors: dict[Role, Actor], site: Site, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as bad:
        register_for_screening(
            actors[Role.RHEUMATOLOGIST],
            site=site,
            identity=IdentityDetails(full_name=" "),
            sex="x",
            year_of_birth=1800,
            clock=clock,
        )
    assert [p.where for p in bad.value.problems] == ["full_name", "sex", "year_of_birth"]
    assert Participant.objects.count() == 0


def test_identity_is_shown_only_to_roles_that_need_it(
    actors: dict[Role, Actor], site: Site, clock: FixedClock
) -> None:
    _register(actors[Role.RHEUMATOLOGIST], site, clock)
    for role in (Role.RHEUMATOLOGIST, Role.INVESTIGATOR, Role.MONITOR):
        assert list_participants(actors[role], study_id=site.study_id)[0].full_name == "Zahra Ahmadi"
    for role in (Role.EPIDEMIOLOGIST, Role.STATISTICIAN, Role.DATA_MANAGER, Role.ADMINISTRATOR):
        assert list_participants(actors[role], study_id=site.study_id)[0].full_name is None
    with pytest.raises(PermissionDenied):
        list_participants(actors[Role.ETHICS_COMMITTEE], study_id=site.study_id)


def test_site_roles_do_not_reach_other_sites(
    actors: dict[Role, Actor], site: Site, other_site: Site, clock: FixedClock
) -> None:
    with pytest.raises(PermissionDenied, match="at this site"):
        _register(actors[Role.RHEUMATOLOGIST], other_site, clock)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_what_it_may_not_do(
    role: Role, actors: dict[Role, Actor], study: Study, site: Site, clock: FixedClock
) -> None:
    """The setup use cases, run by every role: allowed exactly where the role table says so."""
    actor = actors[role]
    attempts = {
        Action.MANAGE_SITES: lambda: create_site(
            actor, study=study, code=f"S{role.value[:3].upper()}", name="n", clock=clock
        ),
        Action.MANAGE_PEOPLE: lambda: add_person(
            actor,
            study=study,
            username=f"new-{role.value}",
            display_name="N",
            password=PASSWORD,
            role=Role.MONITOR,
            site=None,
            clock=clock,
        ),
        Action.REGISTER_PARTICIPANT: lambda: _register(actor, site, clock),
    }
    for action, attempt in attempts.items():
        if actor.may(action, site.pk):
            attempt()
        else:
            with pytest.raises(PermissionDenied):
                attempt()
