"""`trialdesk demo --simulate N`: the simulated trial (services/simulation) run by the demo's own team."""

from __future__ import annotations

import time

from trialdesk.records.models import Person, Site, Study
from trialdesk.services.actors import Actor, actor_for
from trialdesk.services.clock import local_today
from trialdesk.services.simulation import Team, simulate_trial, summary_lines


def demo_team(study: Study) -> Team:
    def actor(username: str) -> Actor:
        return actor_for(Person.objects.get(user__username=username), study.pk)

    return Team(
        doctor=actor("rheumatologist"),
        investigator=actor("investigator"),
        data_manager=actor("datamanager"),
        ethics=actor("ethics"),
        epidemiologist=actor("epidemiologist"),
    )


def simulate_demo(study: Study, site: Site, *, participants: int, seed: int) -> None:
    started = time.perf_counter()
    print(f"  simulating a trial of {participants} randomized participants (seed {seed}) ...", flush=True)
    summary = simulate_trial(
        demo_team(study), study=study, site=site, participants=participants, seed=seed, today=local_today()
    )
    for line in summary_lines(summary):
        print(f"  {line}")
    print(f"  simulated in {time.perf_counter() - started:.0f} s")
