"""A small trial made through the services, shared by the results tests (service and web)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import all_met, baseline_forms_saved
from tests.services.treatment.conftest import ae, give, investigator, lots
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant, Site
from trialdesk.records.treatment.models import Administration
from trialdesk.services.actors import Actor
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.screening import screen
from trialdesk.services.treatment.adverse_events import report_adverse_event
from trialdesk.testing import FixedClock

__all__ = ["give", "investigator", "lots", "trial"]


@pytest.fixture
def trial(
    actors: dict[Role, Actor],
    site: Site,
    clock: FixedClock,
    enrol: Callable[..., Participant],
    give: Callable[..., Administration],
) -> dict[str, Participant]:
    """Two per arm, one screen failure, one dose and one SAE in the exosome arm, baseline labs for one."""
    doctor = actors[Role.RHEUMATOLOGIST]
    failed = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="Zahra Failing"),
        sex="female",
        year_of_birth=1985,
        clock=clock,
    )
    answers = all_met(failed)
    exclusion = next(c for c in answers if c not in ("consent",) and answers[c][0] == "no")
    answers[exclusion] = ("yes", "seen")
    screen(doctor, participant=failed, answers=answers, screened_on=clock.now().date(), clock=clock)
    people = {
        "e1": enrol(arm="exosome"),
        "e2": enrol(arm="exosome"),
        "c1": enrol(arm="control"),
        "c2": enrol(arm="control"),
    }
    # the baseline forms the first dose needs (vital signs, SLEDAI-2K/PGA, laboratory panel)
    baseline_forms_saved(doctor, people["e1"], clock)
    give(people["e1"])
    report_adverse_event(
        actors[Role.INVESTIGATOR],
        participant=people["e1"],
        details=ae(clock, grade=3, seriousness=["hospitalization"]),
        clock=clock,
    )
    return people
