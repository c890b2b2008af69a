"""Who is acting: an actor with their roles per site, and the permission check every service starts with."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.roles import Action, Role, may, roles_allowed
from trialdesk.errors import PermissionDenied
from trialdesk.records.models import Person, RoleAssignment


@dataclass(frozen=True)
class Actor:
    """The person acting and their active role assignments as (site id or None for study-wide, role)."""

    username: str
    person_id: int | None
    assignments: frozenset[tuple[int | None, Role]]
    is_system: bool = False

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The installer or a command run by the operator: may set up studies, sites and people."""
        return cls(
            username=name, person_id=None, assignments=frozenset({(None, Role.ADMINISTRATOR)}), is_system=True
        )

    def roles_at(self, site_id: int | None) -> frozenset[Role]:
        """Roles that apply at a site: study-wide ones plus those held at that site (site None: all)."""
        return frozenset(
            role
            for held_site, role in self.assignments
            if held_site is None or site_id is None or held_site == site_id
        )

    def site_ids(self, action: Action) -> set[int] | None:
        """Sites where the actor may take `action`; None means every site."""
        sites: set[int] = set()
        for held_site, role in self.assignments:
            if role in roles_allowed(action):
                if held_site is None:
                    return None
                sites.add(held_site)
        return sites

    def may(self, action: Action, site_id: int | None = None) -> bool:
        return may(self.roles_at(site_id), action)


def actor_for(person: Person, study_id: int) -> Actor:
    """Load a person's active roles in a study."""
    rows = RoleAssignment.objects.filter(person=person, study_id=study_id, active=True).values_list(
        "site_id", "role"
    )
    return Actor(
        username=person.user.get_username(),
        person_id=person.pk,
        assignments=frozenset((site_id, Role(role)) for site_id, role in rows),
    )


def authorize(actor: Actor, action: Action, site_id: int | None = None) -> str:
    """Refuse unless the actor may take `action` (at `site_id`); returns the role name to record in the audit."""
    roles = actor.roles_at(site_id) & roles_allowed(action)
    if not roles:
        allowed = ", ".join(sorted(r.value.replace("_", " ") for r in roles_allowed(action)))
        raise PermissionDenied(
            f"{actor.username} may not {action.value.replace('_', ' ')}: only {allowed} may do this"
            + (" at this site" if site_id is not None else ""),
            details={"action": action.value, "actor": actor.username},
        )
    return sorted(r.value for r in roles)[0]
