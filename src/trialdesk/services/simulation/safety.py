"""Adverse events and data queries of the simulated trial: a few mild events per person, and once, a serious
unexpected event possibly related to the exosomes (a SUSAR) — its expedited report sent on time, the study
pause it starts and the committee's decision to lift it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial

from trialdesk.services.casebook.queries import answer_query, close_query, raise_query
from trialdesk.services.simulation.events import at
from trialdesk.services.simulation.journey import Journey, Simulation
from trialdesk.services.treatment.adverse_events import report_adverse_event, update_adverse_event
from trialdesk.services.treatment.ae_input import AdverseEventInput
from trialdesk.services.treatment.expedited import mark_report_sent
from trialdesk.services.treatment.safety import decide_pause

MILD = (  # term, relationship to the exosomes (grade 1: holds nothing)
    ("fever", "unlikely"),
    ("hypertriglyceridemia", "not_related"),
    ("Headache", "possible"),
    ("Upper respiratory tract infection", "not_related"),
    ("Nausea", "unlikely"),
)
SAE_DAY = 30  # after the ladder, before the first maintenance dose


def schedule_adverse_events(sim: Simulation, j: Journey) -> None:
    assert j.randomized_on is not None
    rng = j.plan.rng(40)
    last = min(j.plan.stop_day, 190)
    for _ in range(int(rng.poisson(0.8))):
        onset = j.randomized_on + timedelta(days=int(rng.integers(3, last)))
        term, related = MILD[int(rng.integers(0, len(MILD)))]
        details = AdverseEventInput(
            term=term, onset_at=at(onset, 4), resolved_at=at(onset + timedelta(days=1), 4), grade=1,
            relationship_to_product=related, relationship_to_conventional_therapy="not_related",
            expectedness="expected", action_taken="none", outcome="recovered", seriousness=(),
        )  # fmt: skip
        sim.calendar.add(at(onset + timedelta(days=1), 10), partial(_report, sim, j, details))


def _report(sim: Simulation, j: Journey, details: AdverseEventInput) -> None:
    assert j.participant is not None
    report_adverse_event(sim.team.investigator, participant=j.participant, details=details, clock=sim.clock)


def schedule_serious_event(sim: Simulation, j: Journey) -> None:
    """Hospitalisation for a grade 2 cytokine release syndrome, possibly related and unexpected: a SUSAR."""
    assert j.randomized_on is not None
    onset = j.randomized_on + timedelta(days=SAE_DAY)
    details = AdverseEventInput(
        term="cytokine_release_syndrome", onset_at=at(onset, 4), grade=2, seriousness=("hospitalization",),
        relationship_to_product="possible", relationship_to_conventional_therapy="not_related",
        expectedness="unexpected", action_taken="dosing_held", outcome="recovering",
        description="Admitted for observation with fever and hypotension; treated and discharged (synthetic).",
    )  # fmt: skip
    sim.calendar.add(at(onset, 10), lambda: _serious(sim, j, details))


def _serious(sim: Simulation, j: Journey, details: AdverseEventInput) -> None:
    assert j.participant is not None
    team, clock = sim.team, sim.clock
    result = report_adverse_event(team.investigator, participant=j.participant, details=details, clock=clock)
    today = sim.today()
    if result.expedited is not None:
        report = result.expedited
        sim.calendar.add(at(today + timedelta(days=3), 11),
                         lambda: mark_report_sent(team.investigator, report=report, sent_on=sim.today(),
                                                  reference="IRCT safety report (synthetic)", clock=clock))  # fmt: skip
    resolved = replace(details, resolved_at=at(today + timedelta(days=4), 4), outcome="recovered")
    sim.calendar.add(at(today + timedelta(days=5), 10),
                     lambda: update_adverse_event(team.investigator, event=result.event, details=resolved,
                                                  reason="Discharged; recovered", clock=clock))  # fmt: skip
    for pause in result.new_pauses:
        sim.calendar.add(at(today + timedelta(days=7), 12),
                         partial(decide_pause, team.ethics, pause=pause, lift=True, clock=clock,
                                 decision="Reviewed the case; dosing may resume with closer observation (synthetic)."))  # fmt: skip


def maybe_query(sim: Simulation, j: Journey, visit_id: str, occurrence: int) -> None:
    """About one lab panel in eight gets a query from the data manager; most are answered and closed."""
    assert j.participant is not None
    rng = j.plan.rng(50, occurrence, len(visit_id))
    if rng.random() >= 0.125:
        return
    team, clock, person = sim.team, sim.clock, j.participant
    query = raise_query(team.data_manager, person, visit_id=visit_id, occurrence=occurrence, form_id="lab_panel",
                        item_path="glucose", text="Please confirm the glucose against the lab report", clock=clock)  # fmt: skip
    if rng.random() < 0.75:
        today = sim.today()
        sim.calendar.add(at(today + timedelta(days=2), 11),
                         lambda: answer_query(team.investigator, query.id, text="Checked: as reported", clock=clock))  # fmt: skip
        sim.calendar.add(at(today + timedelta(days=3), 11),
                         lambda: close_query(team.data_manager, query.id, text="Thank you", clock=clock))  # fmt: skip
