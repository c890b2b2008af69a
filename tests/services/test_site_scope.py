"""A site-scoped reader sees only their own sites in listings; study-wide checks stay visible as pass/fail."""

from __future__ import annotations

from tests.factories import randomized
from trialdesk.core.roles import Role
from trialdesk.services.actors import actor_for
from trialdesk.services.people import add_person
from trialdesk.services.randomization import concealment_report


def test_a_site_monitor_reads_only_their_sites_allocations_in_the_concealment_report(
    actors, site, other_site, system, clock
) -> None:
    ours = randomized(actors, site, clock)
    other_doctor = actor_for(
        add_person(
            system,
            study=site.study,
            username="teh_doctor",
            display_name="Dr T",
            password="a-long-and-unusual-passphrase",
            role=Role.RHEUMATOLOGIST,
            site=other_site,
            clock=clock,
        ),
        site.study.pk,
    )
    investigator = actor_for(
        add_person(
            system,
            study=site.study,
            username="teh_investigator",
            display_name="Dr I",
            password="a-long-and-unusual-passphrase",
            role=Role.INVESTIGATOR,
            site=other_site,
            clock=clock,
        ),
        site.study.pk,
    )
    theirs = randomized(
        {**actors, Role.RHEUMATOLOGIST: other_doctor, Role.INVESTIGATOR: investigator}, other_site, clock
    )
    monitor_report = concealment_report(actors[Role.MONITOR], study=site.study)
    assert [a.participant.study_code for a in monitor_report.allocations] == [ours.study_code]
    assert monitor_report.commitment_ok and monitor_report.order_problems == []
    wide = concealment_report(actors[Role.EPIDEMIOLOGIST], study=site.study)
    assert {a.participant.study_code for a in wide.allocations} == {ours.study_code, theirs.study_code}
