"""Fixtures for the treatment services: released lots from one source, and a helper that gives a dose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.factories import baseline_forms_saved
from trialdesk.core.roles import Role
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import Participant, Study
from trialdesk.records.treatment.models import Administration, ProductLot
from trialdesk.services.actors import Actor
from trialdesk.services.treatment.adverse_events import AdverseEventInput
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check
from trialdesk.services.treatment.lots import register_lot, release_lot
from trialdesk.testing import FixedClock

ALL_NORMAL = {
    "vital_signs": "normal",
    "no_new_symptoms": "normal",
    "previous_dose_tolerated": "normal",
    "no_active_infection": "normal",
}
VITALS = {
    "temperature_c": "36.8",
    "pulse_per_min": "74",
    "systolic_mmhg": "118",
    "diastolic_mmhg": "76",
    "respiratory_rate_per_min": "16",
    "spo2_percent": "98",
}


def make_lot(
    actor: Actor,
    study: Study,
    clock: FixedClock,
    lot_id: str,
    source: str,
    expiry: date,
    released: bool = True,
) -> ProductLot:
    lot = register_lot(
        actor,
        study=study,
        lot_id=lot_id,
        source_id=source,
        amount_per_unit=Decimal("1e10"),
        amount_unit="particles",
        expiry_date=expiry,
        clock=clock,
    )
    if released:
        lot = release_lot(actor, lot=lot, released_on=clock.now().date(), clock=clock)
    return lot


@pytest.fixture
def investigator(actors: dict[Role, Actor]) -> Actor:
    return actors[Role.INVESTIGATOR]


@pytest.fixture
def lots(investigator: Actor, study: Study, clock: FixedClock) -> dict[str, ProductLot]:
    """Two released lots from placenta PL-01, one from PL-02, one expired and one not released."""
    today = clock.now().date()
    return {
        "A": make_lot(investigator, study, clock, "EXO-A", "PL-01", today + timedelta(days=365)),
        "B": make_lot(investigator, study, clock, "EXO-B", "PL-01", today + timedelta(days=365)),
        "other": make_lot(investigator, study, clock, "EXO-X", "PL-02", today + timedelta(days=365)),
        "expired": make_lot(investigator, study, clock, "EXO-OLD", "PL-01", today - timedelta(days=1)),
        "unreleased": make_lot(
            investigator, study, clock, "EXO-NEW", "PL-01", today + timedelta(days=365), released=False
        ),
    }


@pytest.fixture
def exosome(enrol: Callable[..., Participant], investigator: Actor, clock: FixedClock) -> Participant:
    """An exosome-arm participant whose baseline forms (the first-dose preconditions) are saved."""
    participant = enrol(arm="exosome")
    baseline_forms_saved(investigator, participant, clock)
    return participant


@pytest.fixture
def control(enrol: Callable[..., Participant]) -> Participant:
    return enrol(arm="control")


@pytest.fixture
def give(
    investigator: Actor, clock: FixedClock, lots: dict[str, ProductLot]
) -> Callable[..., Administration]:
    """Sign the safety check for the gate's next step, then record it (full dose unless `amount` is given)."""

    def run(participant: Participant, *, amount: Decimal | None = None, lot: str = "EXO-A") -> Administration:
        if not FormRecord.objects.filter(participant=participant, visit_id="baseline").exists():
            baseline_forms_saved(investigator, participant, clock)
        status = dosing_status(investigator, participant=participant, clock=clock)
        step = status.gate.next_step
        assert step is not None, status.gate.reasons
        record_safety_check(
            investigator,
            participant=participant,
            step_id=step.id,
            answers=ALL_NORMAL,
            vital_signs=VITALS,
            clock=clock,
        )
        clock.advance(timedelta(minutes=10))
        return record_dose(
            investigator,
            participant=participant,
            step_id=step.id,
            lot_id=lot,
            amount_given=amount if amount is not None else step.amount,
            clock=clock,
        )

    return run


def ae(clock: FixedClock, **overrides: object) -> AdverseEventInput:
    """An infusion-related reaction, grade 1, possibly related, expected, ongoing — overridable."""
    values: dict[str, object] = {
        "term": "infusion_related_reaction",
        "onset_at": clock.now(),
        "grade": 1,
        "relationship_to_product": "possible",
        "relationship_to_conventional_therapy": "not_related",
        "expectedness": "expected",
        "action_taken": "infusion_interrupted",
        "outcome": "recovering",
        "seriousness": (),
    }
    values.update(overrides)
    return AdverseEventInput(**values)  # type: ignore[arg-type]
