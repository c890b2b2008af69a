"""The simulated trial is made through the services: statuses, doses, the SUSAR's report and pause, queries,
audit entries, and a results report whose CONSORT boxes agree with the rows made."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trialdesk.core.roles import Role
from trialdesk.errors import ValidationFailed
from trialdesk.records.models import AuditEntry, Participant, Site, Study
from trialdesk.records.treatment.models import Administration, ExpeditedReport, StudyPause
from trialdesk.services.actors import Actor
from trialdesk.services.participation import end_follow_up
from trialdesk.services.results import results_report
from trialdesk.services.simulation import Team, simulate_trial
from trialdesk.services.simulation.plan import plan_trial
from trialdesk.testing import FixedClock


def _team(actors: dict[Role, Actor]) -> Team:
    return Team(
        doctor=actors[Role.RHEUMATOLOGIST],
        investigator=actors[Role.INVESTIGATOR],
        data_manager=actors[Role.DATA_MANAGER],
        ethics=actors[Role.ETHICS_COMMITTEE],
        epidemiologist=actors[Role.EPIDEMIOLOGIST],
    )


def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = plan_trial(20, 13, date(2025, 1, 1))
    again = plan_trial(20, 13, date(2025, 1, 1))
    other = plan_trial(20, 14, date(2025, 1, 1))
    assert first == again
    assert first != other
    fates = [p.fate for p in first]
    assert fates.count("screen_failure") == 3 and fates.count("declined") == 1
    assert fates.count("withdrawn") == 1 and fates.count("lost") == 1 and fates.count("completed") == 18


def test_a_small_simulated_trial_through_the_services(
    actors: dict[Role, Actor], site: Site, study: Study, clock: FixedClock
) -> None:
    summary = simulate_trial(
        _team(actors), study=study, site=site, participants=4, seed=13, today=clock.now().date()
    )
    people = Participant.objects.filter(study=study)
    assert summary.registered == people.count() == 7
    assert summary.statuses == {"completed": 2, "lost_to_follow_up": 1, "screen_failed": 2, "withdrawn": 2}
    assert Administration.objects.filter(participant__study=study).count() == summary.doses
    exosome = [p for p in people if getattr(p, "allocation", None) and p.allocation.arm == "exosome"]
    assert summary.doses >= 5 * len([p for p in exosome if p.status == "completed"])
    # every step went through a service: its audit entry is there
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"screening.record", "randomization.allocate", "form.save", "visit.record", "consent.withdraw",
            "participant.end_follow_up"} <= actions  # fmt: skip
    if any(p.status == "completed" for p in exosome):
        assert summary.serious_events == 1
        report = ExpeditedReport.objects.get()
        assert report.sent_on is not None and report.sent_on <= report.initial_due_on
        assert StudyPause.objects.get().state == "lifted"
    flow = results_report(
        actors[Role.STATISTICIAN], study=study, cutoff=clock.now().date(), with_figures=False
    )
    consort = flow.results.consort
    assert (consort.assessed, consort.randomized) == (7, 4)
    assert consort.excluded.n == 3  # two screen failures, one who declined
    assert sum(arm.allocated for arm in consort.arms) == 4


def test_the_end_of_follow_up_is_refused_in_the_future_and_a_loss_needs_a_reason(
    actors: dict[Role, Actor], site: Site, study: Study, clock: FixedClock
) -> None:
    from tests.factories import randomized

    person = randomized(actors, site, clock)
    investigator = actors[Role.INVESTIGATOR]
    with pytest.raises(ValidationFailed) as refused:
        end_follow_up(investigator, participant=person, ending="lost_to_follow_up", ended_on=clock.now().date(),
                      clock=clock)  # fmt: skip
    assert [p.where for p in refused.value.problems] == ["reason"]
    with pytest.raises(ValidationFailed):
        end_follow_up(investigator, participant=person, ending="completed",
                      ended_on=clock.now().date() + timedelta(days=1), clock=clock)  # fmt: skip
    assert end_follow_up(investigator, participant=person, ending="completed", ended_on=clock.now().date(),
                         clock=clock) == "completed"  # fmt: skip
