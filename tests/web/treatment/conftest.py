"""The treatment pages and API start from participants whose baseline forms are saved (the first-dose
preconditions); a test of the precondition itself enrols with `enrol_without_baseline`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import baseline_forms_saved, randomized
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant, Site
from trialdesk.services.actors import Actor
from trialdesk.testing import FixedClock

PAGE_VITALS = {
    "vital_temperature_c": "36.8",
    "vital_pulse_per_min": "74",
    "vital_systolic_mmhg": "118",
    "vital_diastolic_mmhg": "76",
    "vital_respiratory_rate_per_min": "16",
    "vital_spo2_percent": "98",
}
API_VITALS = {k.removeprefix("vital_"): v for k, v in PAGE_VITALS.items()}


@pytest.fixture
def enrol_without_baseline(
    actors: dict[Role, Actor], site: Site, clock: FixedClock
) -> Callable[..., Participant]:
    def make(arm: str | None = None) -> Participant:
        return randomized(actors, site, clock, arm=arm)

    return make


@pytest.fixture
def enrol(actors: dict[Role, Actor], site: Site, clock: FixedClock) -> Callable[..., Participant]:
    def make(arm: str | None = None) -> Participant:
        participant = randomized(actors, site, clock, arm=arm)
        baseline_forms_saved(actors[Role.INVESTIGATOR], participant, clock)
        return participant

    return make
