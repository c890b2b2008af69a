"""Each simulated person's way through the trial, as calendar events calling the real services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from trialdesk.errors import Conflict, TrialdeskError
from trialdesk.records.models import Participant, Site
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.consent import record_consent, withdraw_consent
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.participation import end_follow_up
from trialdesk.services.randomization import randomize
from trialdesk.services.screening import screen
from trialdesk.services.simulation import values
from trialdesk.services.simulation.events import ASSESSMENTS, DOSE_DAYS, Calendar, at
from trialdesk.services.simulation.plan import FOLLOW_UP_DAYS, PersonPlan
from trialdesk.services.studies import protocol_of
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check
from trialdesk.services.treatment.visits import record_visit
from trialdesk.testing import FixedClock

SAFETY_ANSWERS = {"vital_signs": "normal", "no_new_symptoms": "normal", "previous_dose_tolerated": "normal",
                  "no_active_infection": "normal"}  # fmt: skip
PRE_DOSE_VITALS = {"temperature_c": "36.8", "pulse_per_min": "76", "systolic_mmhg": "118", "diastolic_mmhg": "76",
                   "respiratory_rate_per_min": "16", "spo2_percent": "98"}  # fmt: skip


@dataclass(frozen=True)
class Team:
    doctor: Actor  # rheumatologist: registers, screens, consents
    investigator: Actor  # randomizes, doses, records visits and adverse events
    data_manager: Actor  # raises queries
    ethics: Actor  # decides study pauses
    epidemiologist: Actor  # generates the randomization list


@dataclass
class Journey:
    """One person: the plan, and what the services made of it so far."""

    plan: PersonPlan
    site: Site
    participant: Participant | None = None
    arm: str | None = None
    randomized_on: date | None = None
    doses: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Simulation:
    team: Team
    calendar: Calendar
    clock: FixedClock
    lots: tuple[str, ...]
    experimental_arm: str
    on_dose_refused: list[str] = field(default_factory=list)
    serious_event_planned: bool = False

    def today(self) -> date:
        return self.clock.now().date()

    def start(self, journey: Journey) -> None:
        self.calendar.add(at(journey.plan.registered_on, 5), lambda: self._register(journey), "register")

    def _register(self, j: Journey) -> None:
        plan = j.plan
        j.participant = register_for_screening(
            self.team.doctor, site=j.site, sex=plan.sex, year_of_birth=plan.year_of_birth,
            identity=IdentityDetails(full_name=f"Simulated person {plan.index + 1} (synthetic)"), clock=self.clock,
        )  # fmt: skip
        if plan.fate != "screen_failure":
            record_consent(self.team.doctor, participant=j.participant, document_version="1.0",
                           consented_on=self.today(), clock=self.clock)  # fmt: skip
        screen(self.team.doctor, participant=j.participant, answers=_answers(j.participant, plan),
               screened_on=self.today(), clock=self.clock)  # fmt: skip
        if plan.fate == "declined":
            self.calendar.add(at(plan.registered_on + timedelta(days=1), 5), lambda: self._decline(j))
        elif plan.randomized:
            self.calendar.add(at(plan.registered_on + timedelta(days=2), 5), lambda: self._randomize(j))

    def _decline(self, j: Journey) -> None:
        assert j.participant is not None
        withdraw_consent(self.team.doctor, participant=j.participant, withdrawn_on=self.today(),
                         reason="Declined before randomization (synthetic)", clock=self.clock)  # fmt: skip

    def _randomize(self, j: Journey) -> None:
        assert j.participant is not None
        try:
            allocation = randomize(self.team.investigator, participant=j.participant, clock=self.clock)
        except Conflict as refused:  # the list is used up: the person stays consented, not randomized
            j.notes.append(str(refused))
            return
        j.arm, j.randomized_on = allocation.arm, self.today()
        self._schedule_follow_up(j, self.today())
        from trialdesk.services.simulation import safety  # (safety builds on this module)

        safety.schedule_adverse_events(self, j)
        if not self.serious_event_planned and j.arm == self.experimental_arm and j.plan.fate == "completed":
            self.serious_event_planned = True
            safety.schedule_serious_event(self, j)

    def _schedule_follow_up(self, j: Journey, day0: date) -> None:
        plan, add = j.plan, self.calendar.add
        add(at(day0 + timedelta(days=1), 5), lambda: self._visit(j, "baseline", 1, 0))
        for stream, (visit_id, offset) in enumerate(ASSESSMENTS, start=2):
            day = offset + int(plan.rng(stream, 1).integers(-5, 6))
            if day < plan.stop_day:
                add(at(day0 + timedelta(days=day), 5), partial(self._visit, j, visit_id, 1, day, stream))
        if j.arm == self.experimental_arm:
            for day in DOSE_DAYS:
                if day < plan.stop_day:
                    add(at(day0 + timedelta(days=day), 7), lambda: self._dose(j, 0))
        self._schedule_ending(j, day0)

    def _schedule_ending(self, j: Journey, day0: date) -> None:
        plan = j.plan
        if plan.fate == "withdrawn":
            self.calendar.add(at(day0 + timedelta(days=plan.stop_day), 9), lambda: self._withdraw(j))
        elif plan.fate == "lost":
            self.calendar.add(
                at(day0 + timedelta(days=plan.stop_day + 21), 9), lambda: self._end(j, "lost_to_follow_up")
            )
        else:
            self.calendar.add(
                at(day0 + timedelta(days=FOLLOW_UP_DAYS + 8), 9), lambda: self._end(j, "completed")
            )

    def _visit(self, j: Journey, visit_id: str, occurrence: int, day: int, stream: int = 1) -> None:
        assert j.participant is not None
        person, actor, clock = j.participant, self.team.investigator, self.clock
        record_visit(actor, participant=person, visit_id=visit_id, occurrence=occurrence, done_on=self.today(),
                     clock=clock)  # fmt: skip
        fraction = values.effect_fraction(j.arm == self.experimental_arm, day)
        labs = values.lab_panel(j.plan, stream, fraction, self.today())
        forms: list[tuple[str, dict[str, object]]] = []
        if visit_id == "baseline":
            forms += [("demographics", values.demographics(j.plan, self.today())),
                      ("lupus_history", values.lupus_history(j.plan, self.today())),
                      ("concomitant_medication", values.medications(j.plan, self.today()))]  # fmt: skip
        if visit_id != "post_injection_labs":
            forms += [("vital_signs", values.vital_signs(j.plan, stream)),
                      ("sledai_2k", values.sledai(j.plan, stream, fraction, labs))]  # fmt: skip
        forms.append(("lab_panel", labs))
        for form_id, answers in forms:
            save_form(actor, person, visit_id=visit_id, occurrence=occurrence, form_id=form_id, values=answers,
                      clock=clock)  # fmt: skip
        from trialdesk.services.simulation import safety

        safety.maybe_query(self, j, visit_id, occurrence)

    def _dose(self, j: Journey, tries: int) -> None:
        assert j.participant is not None and j.randomized_on is not None
        person, actor = j.participant, self.team.investigator
        step = dosing_status(actor, participant=person, clock=self.clock).gate.next_step
        if step is None:
            return
        try:
            record_safety_check(actor, participant=person, step_id=step.id, answers=SAFETY_ANSWERS,
                                vital_signs=PRE_DOSE_VITALS, clock=self.clock)  # fmt: skip
            self.clock.advance(timedelta(minutes=10))
            lot = self.lots[j.doses // 4 % len(self.lots)]
            record_dose(actor, participant=person, step_id=step.id, lot_id=lot, amount_given=Decimal(step.amount),
                        clock=self.clock)  # fmt: skip
        except TrialdeskError as refused:  # held (a pause, an open event, too early): try again the next day
            self.on_dose_refused.append(f"{person.study_code} {step.id}: {refused}")
            if tries < 10:
                self.calendar.add(self.clock.now() + timedelta(days=1), lambda: self._dose(j, tries + 1))
            return
        j.doses += 1
        occurrence, day = j.doses, (self.today() - j.randomized_on).days
        self.calendar.add(at(self.today() + timedelta(days=2), 6),
                          lambda: self._visit(j, "post_injection_labs", occurrence, day + 2, 10 + occurrence))  # fmt: skip

    def _withdraw(self, j: Journey) -> None:
        assert j.participant is not None
        withdraw_consent(self.team.doctor, participant=j.participant, withdrawn_on=self.today(),
                         reason="Withdrew consent: travel to the centre too hard (synthetic)", clock=self.clock)  # fmt: skip

    def _end(self, j: Journey, ending: str) -> None:
        assert j.participant is not None
        reason = "No answer to three calls and a letter (synthetic)" if ending == "lost_to_follow_up" else ""
        try:
            end_follow_up(self.team.investigator, participant=j.participant, ending=ending,
                          ended_on=self.today(), reason=reason, clock=self.clock)  # fmt: skip
        except TrialdeskError as refused:
            j.notes.append(str(refused))


def _answers(participant: Participant, plan: PersonPlan) -> dict[str, tuple[str, str]]:
    """Screening answers: consent and one organ involvement met, no exclusion — or the plan's exclusion."""
    criteria = protocol_of(participant.protocol_version).criteria
    answers: dict[str, tuple[str, str]] = {}
    for criterion in criteria:
        met = criterion.kind == "inclusion" and criterion.group is None
        answers[criterion.id] = ("yes", "source seen") if met else ("no", "")
    first_group = next(c for c in criteria if c.group)
    answers[first_group.id] = ("yes", "biopsy report seen")
    if plan.exclusion is not None:
        answers[plan.exclusion] = ("yes", "found at screening (synthetic)")
    return answers
