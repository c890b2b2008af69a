"""After the data manager locks the database, every write of enrolment and treatment is refused too.

(The casebook's own writes are covered in tests/services/casebook/test_database_lock.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import all_met, consented
from tests.services.treatment.conftest import ALL_NORMAL, VITALS, ae
from trialdesk.core.roles import Role
from trialdesk.errors import Locked
from trialdesk.records.models import AuditEntry, Participant, Site
from trialdesk.records.treatment.models import Administration, ProductLot
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.verification import lock_database
from trialdesk.services.consent import record_consent, withdraw_consent
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.randomization import generate, randomize
from trialdesk.services.screening import screen
from trialdesk.services.treatment.adverse_events import report_adverse_event
from trialdesk.services.treatment.dosing import record_dose, record_safety_check
from trialdesk.services.treatment.lots import register_lot, release_lot
from trialdesk.services.treatment.visits import record_deviation, record_missed_visit, record_visit
from trialdesk.testing import FixedClock


def test_every_enrolment_and_treatment_write_is_refused_after_the_database_lock(
    actors: dict[Role, Actor],
    site: Site,
    clock: FixedClock,
    lots: dict[str, ProductLot],
    exosome: Participant,
    give: Callable[..., Administration],
) -> None:
    give(exosome)
    waiting = consented(actors, site, clock, name="Not yet randomized")
    doctor, investigator = actors[Role.RHEUMATOLOGIST], actors[Role.INVESTIGATOR]
    clock.advance(timedelta(days=3))
    today = clock.now().date()
    lock_database(actors[Role.DATA_MANAGER], site.study, reason="final analysis", clock=clock)
    entries_before = AuditEntry.objects.count()

    writes: dict[str, Callable[[], object]] = {
        "register": lambda: register_for_screening(
            doctor,
            site=site,
            identity=IdentityDetails(full_name="Late"),
            sex="female",
            year_of_birth=1990,
            clock=clock,
        ),
        "screen": lambda: screen(
            doctor, participant=waiting, answers=all_met(waiting), screened_on=today, clock=clock
        ),
        "consent": lambda: record_consent(
            doctor, participant=waiting, document_version="1.0", consented_on=today, clock=clock
        ),
        "withdraw": lambda: withdraw_consent(
            doctor, participant=exosome, withdrawn_on=today, reason="moved away", clock=clock
        ),
        "randomize": lambda: randomize(investigator, participant=waiting, clock=clock),
        "generate list": lambda: generate(actors[Role.EPIDEMIOLOGIST], study=site.study, clock=clock),
        "register lot": lambda: register_lot(
            investigator,
            study=site.study,
            lot_id="LATE",
            source_id="PL-01",
            amount_per_unit=Decimal(1),
            amount_unit="particles",
            expiry_date=today + timedelta(days=90),
            clock=clock,
        ),
        "release lot": lambda: release_lot(
            investigator, lot=lots["unreleased"], released_on=today, clock=clock
        ),
        "safety check": lambda: record_safety_check(
            investigator,
            participant=exosome,
            step_id="step_2",
            answers=ALL_NORMAL,
            vital_signs=VITALS,
            clock=clock,
        ),
        "dose": lambda: record_dose(
            investigator,
            participant=exosome,
            step_id="step_2",
            lot_id="EXO-A",
            amount_given=Decimal("0.5"),
            clock=clock,
        ),
        "visit": lambda: record_visit(
            doctor, participant=exosome, visit_id="baseline", occurrence=1, done_on=today, clock=clock
        ),
        "missed visit": lambda: record_missed_visit(
            doctor, participant=exosome, visit_id="baseline", occurrence=1, reason="ill", clock=clock
        ),
        "deviation": lambda: record_deviation(
            doctor, participant=exosome, category="other", reason="late", occurred_on=today, clock=clock
        ),
        "adverse event": lambda: report_adverse_event(
            doctor, participant=exosome, details=ae(clock), clock=clock
        ),
    }
    for name, write in writes.items():
        with pytest.raises(Locked, match="database was locked"):
            write()
        assert AuditEntry.objects.count() == entries_before, f"{name} wrote an audit entry"
