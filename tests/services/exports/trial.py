"""A small trial made through the services: two participants, their forms, a dose, an adverse event, a query,
a changed value (audit trail), a signed casebook and a form saved after the cut-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tests.factories import randomized
from tests.services.casebook.helpers import labs, sledai, vitals
from tests.services.treatment.conftest import ALL_NORMAL, VITALS, ae, make_lot
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant, ParticipantIdentity, Site, Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.casebook.queries import raise_query
from trialdesk.services.casebook.verification import sign_casebook
from trialdesk.services.treatment.adverse_events import report_adverse_event
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check
from trialdesk.testing import FixedClock

BIRTH_DATE = "1987-06-21"  # the identifying item's value: must appear in no export
NAMES = ("P 0", "P 1")  # the registered names (identity table) of the first attempts
NATIONAL_ID = "0499370899"  # written into the identity table below: must appear in no export
FORMULA = '=HYPERLINK("http://evil.example","x")'


@dataclass
class SmallTrial:
    study: Study
    participants: list[Participant]
    cutoff: date  # the day before the late form was saved


def _demographics() -> dict[str, object]:
    return {
        "sex": "female",
        "birth_date_known": "yes",
        "birth_date": BIRTH_DATE,
        "height": "165.0",
        "screening_weight": "60.0",
    }


def _dose(actors: dict[Role, Actor], clock: FixedClock, participant: Participant) -> None:
    investigator = actors[Role.INVESTIGATOR]
    step = dosing_status(investigator, participant=participant, clock=clock).gate.next_step
    assert step is not None
    record_safety_check(
        investigator,
        participant=participant,
        step_id=step.id,
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    clock.advance(timedelta(minutes=10))
    record_dose(
        investigator,
        participant=participant,
        step_id=step.id,
        lot_id="EXO-A",
        amount_given=step.amount,
        clock=clock,
    )


def build(actors: dict[Role, Actor], site: Site, clock: FixedClock) -> SmallTrial:
    doctor = actors[Role.RHEUMATOLOGIST]
    make_lot(
        actors[Role.INVESTIGATOR],
        site.study,
        clock,
        "EXO-A",
        "PL-01",
        clock.now().date() + timedelta(days=365),
    )
    exosome = randomized(actors, site, clock, arm="exosome")
    control = randomized(actors, site, clock, arm="control")
    # The identity table holds a national id and a birth date too (the factory registers names only).
    ParticipantIdentity.objects.filter(participant__in=[exosome, control]).update(
        national_id=NATIONAL_ID, date_of_birth=date.fromisoformat(BIRTH_DATE)
    )
    for person in (exosome, control):
        save_form(
            doctor, person, visit_id="baseline", form_id="demographics", values=_demographics(), clock=clock
        )
        save_form(doctor, person, visit_id="baseline", form_id="vital_signs", values=vitals(), clock=clock)
        save_form(doctor, person, visit_id="baseline", form_id="lab_panel", values=labs(), clock=clock)
        # the first dose needs the baseline SLEDAI-2K/PGA too (the protocol's first-dose preconditions)
        save_form(doctor, person, visit_id="baseline", form_id="sledai_2k", values=sledai(), clock=clock)
    medication = {"drug_class": "other", "drug_name": FORMULA, "dose": "200", "dose_unit": "mg_per_day",
                  "start_date": "2025-01-01", "ongoing": "yes"}  # fmt: skip
    save_form(doctor, exosome, visit_id="baseline", form_id="concomitant_medication",
              values={"any_medication": "yes", "medications": [medication]}, clock=clock)  # fmt: skip
    clock.advance(timedelta(hours=1))
    save_form(
        doctor, exosome, visit_id="baseline", form_id="vital_signs", values=vitals(heart_rate=80),
        reason=FORMULA, clock=clock,
    )  # fmt: skip
    raise_query(
        actors[Role.DATA_MANAGER], exosome, visit_id="baseline", form_id="vital_signs", item_path="heart_rate",
        text="Please confirm the pulse", clock=clock,
    )  # fmt: skip
    _dose(actors, clock, exosome)
    report_adverse_event(actors[Role.INVESTIGATOR], participant=exosome, details=ae(clock), clock=clock)
    sign_casebook(actors[Role.INVESTIGATOR], participant=control, password="correct-horse-battery-staple", clock=clock)  # fmt: skip
    cutoff = clock.now().date()
    clock.advance(timedelta(days=2))
    save_form(doctor, control, visit_id="baseline", form_id="vital_signs", values=vitals(heart_rate=99),
              reason="late correction", clock=clock)  # fmt: skip
    return SmallTrial(site.study, [exosome, control], cutoff)
