"""The results and safety reports read from a small trial made through the services: the frames reconcile
with the database, the cut-off holds back later records, and only the permitted roles may generate them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from trialdesk.core.roles import Role
from trialdesk.errors import PermissionDenied, ValidationFailed
from trialdesk.records.models import AuditEntry, Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.results import results_report, safety_report
from trialdesk.services.results.datasets import build_inputs
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import FixedClock


def test_frames_reconcile_with_the_database(
    study: Study, trial: dict[str, Participant], clock: FixedClock
) -> None:
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
    inputs = build_inputs(study, protocol, clock.now().date())
    people = inputs.participants
    assert sorted(people["participant"]) == sorted(p.study_code for p in trial.values())
    assert people["arm_randomized"].value_counts().to_dict() == {"exosome": 2, "control": 2}
    e1, e2 = trial["e1"].study_code, trial["e2"].study_code
    row = people.set_index("participant")
    assert bool(row.loc[e1, "received_allocated"]) and not bool(row.loc[e2, "received_allocated"])
    assert row.loc[e2, "arm_treated"] == "control"
    assert inputs.screening["outcome"].value_counts().to_dict() == {"randomized": 4, "excluded": 1}
    assert list(inputs.doses["participant"]) == [e1]
    assert list(inputs.adverse_events["participant"]) == [e1]
    assert bool(inputs.adverse_events["serious"].iloc[0])
    assert set(inputs.assessments["participant"]) == {e1}
    assert {"glucose", "triglycerides", "ana_titre"} <= set(inputs.assessments["parameter"])


def test_the_cut_off_holds_back_later_records(
    study: Study, trial: dict[str, Participant], clock: FixedClock
) -> None:
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
    before = build_inputs(study, protocol, clock.now().date() - timedelta(days=1))
    assert len(before.participants) == 0 and len(before.doses) == 0 and len(before.adverse_events) == 0


def test_results_report_is_audited_with_the_dataset_hashes(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    report = results_report(actors[Role.STATISTICIAN], study=study, with_figures=False, clock=clock)
    flow = report.results.consort
    assert flow.assessed == 5 and flow.randomized == 4 and flow.excluded.n == 1
    arms = {arm.arm: arm for arm in flow.arms}
    assert {a: arms[a].allocated for a in arms} == {
        arm: Participant.objects.filter(allocation__arm=arm).count() for arm in ("exosome", "control")
    }
    # One of the two exosome participants had no dose by the cut-off: allocated, not received.
    assert arms["exosome"].received == 1 and arms["exosome"].not_received.n == 1
    assert arms["control"].received == 2
    entry = AuditEntry.objects.filter(action="report.results").get()
    assert entry.after["datasets"] == report.dataset_hashes
    assert entry.after["cutoff"] == clock.now().date().isoformat()
    names = " ".join(t.title + repr(t.rows) for t in report.results.tables)
    assert "Zahra" not in names


def test_only_the_statistician_generates_the_results_report(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    for role in (Role.ETHICS_COMMITTEE, Role.MONITOR, Role.INVESTIGATOR):
        with pytest.raises(PermissionDenied):
            results_report(actors[role], study=study, with_figures=False, clock=clock)


def test_safety_report_for_the_committee(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    report = safety_report(actors[Role.ETHICS_COMMITTEE], study=study, clock=clock)
    assert report.screened == 5
    assert dict(report.randomized_by_arm).values() and sum(dict(report.randomized_by_arm).values()) == 4
    assert AuditEntry.objects.filter(action="report.safety").count() == 1
    with pytest.raises(PermissionDenied):
        safety_report(actors[Role.INVESTIGATOR], study=study, clock=clock)


def test_a_future_cut_off_is_refused(study: Study, actors: dict[Role, Actor], clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as refused:
        results_report(
            actors[Role.STATISTICIAN], study=study, cutoff=clock.now().date() + timedelta(days=1), clock=clock
        )
    assert refused.value.problems[0].where == "cutoff"


def test_a_withdrawal_is_a_discontinuation_with_its_reason_in_the_consort_flow(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    from trialdesk.analysis.consort import consort_flow
    from trialdesk.services.consent import withdraw_consent

    withdraw_consent(
        actors[Role.RHEUMATOLOGIST],
        participant=trial["c1"],
        withdrawn_on=clock.now().date(),
        reason="moving abroad",
        clock=clock,
    )
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
    inputs = build_inputs(study, protocol, clock.now().date())
    row = inputs.participants.set_index("participant").loc[trial["c1"].study_code]
    assert bool(row["discontinued_intervention"]) and row["discontinuation_reason"] == "withdrew consent"
    flow = consort_flow(
        inputs.participants, inputs.screening, [("exosome", "Exosome"), ("control", "Control")]
    )
    control = next(arm for arm in flow.arms if arm.arm == "control")
    assert control.discontinued.n == 1 and dict(control.discontinued.reasons) == {"withdrew consent": 1}
