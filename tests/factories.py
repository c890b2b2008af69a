"""Test factories shared by every area: a screened, consented and randomized participant, made the real way."""

from __future__ import annotations

from datetime import date

from trialdesk.core.roles import Role
from trialdesk.records.models import Allocation, Participant, Site
from trialdesk.services.actors import Actor
from trialdesk.services.consent import record_consent
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.randomization import active_list, generate, randomize
from trialdesk.services.screening import screen
from trialdesk.services.studies import protocol_of
from trialdesk.testing import FixedClock


def all_met(participant: Participant) -> dict[str, tuple[str, str]]:
    """Answers meeting every inclusion (consent and one organ involvement) and no exclusion."""
    criteria = protocol_of(participant.protocol_version).criteria
    answers: dict[str, tuple[str, str]] = {}
    for criterion in criteria:
        met = criterion.kind == "inclusion" and criterion.group is None
        answers[criterion.id] = ("yes", "source seen") if met else ("no", "")
    first_group = next(c for c in criteria if c.group)
    answers[first_group.id] = ("yes", "biopsy 2025")
    return answers


def consented(actors: dict[Role, Actor], site: Site, clock: FixedClock, name: str = "P") -> Participant:
    """A participant screened eligible with current consent, not yet randomized."""
    doctor = actors[Role.RHEUMATOLOGIST]
    today: date = clock.now().date()
    p = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name=name),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    screen(doctor, participant=p, answers=all_met(p), screened_on=today, clock=clock)
    record_consent(doctor, participant=p, document_version="1.0", consented_on=today, clock=clock)
    p.refresh_from_db()
    return p


def randomized(
    actors: dict[Role, Actor], site: Site, clock: FixedClock, arm: str | None = None, seed: int = 20260110
) -> Participant:
    """A randomized participant; with `arm`, enrols until the list gives that arm (the list is generated once)."""
    if active_list(site.study) is None:
        generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=seed, clock=clock)
    for attempt in range(40):
        p = consented(actors, site, clock, name=f"P {attempt}")
        allocation: Allocation = randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)
        if arm is None or allocation.arm == arm:
            p.refresh_from_db()
            return p
    raise AssertionError(f"the list gave no {arm} slot")


def baseline_forms_saved(actor: Actor, participant: Participant, clock: FixedClock) -> None:
    """Save the forms the protocol's `first_dose_preconditions` require (the baseline visit's vital signs,
    SLEDAI-2K/PGA and laboratory panel), through the casebook service, so the first dose may be given."""
    from tests.services.casebook.helpers import labs, sledai, vitals
    from trialdesk.services.casebook.entry import save_form

    today = clock.now().date().isoformat()
    for form_id, values in (
        ("vital_signs", vitals()),
        ("sledai_2k", sledai()),
        ("lab_panel", labs(sample_date=today)),
    ):
        save_form(actor, participant, visit_id="baseline", form_id=form_id, values=values, clock=clock)
