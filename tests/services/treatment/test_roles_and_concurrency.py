"""Who may do each treatment action, and two concurrent doses for one participant (one wins)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from tests.services.treatment.conftest import ALL_NORMAL, VITALS, ae
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict, PermissionDenied, TrialdeskError
from trialdesk.records.models import Participant
from trialdesk.records.treatment.models import Administration
from trialdesk.services.actors import Actor
from trialdesk.services.treatment.adverse_events import list_adverse_events, report_adverse_event
from trialdesk.services.treatment.dosing import dosing_status, record_dose, record_safety_check
from trialdesk.services.treatment.expedited import expedited_reports, mark_report_sent
from trialdesk.services.treatment.lots import list_lots, register_lot, release_lot
from trialdesk.services.treatment.safety import decide_pause, safety_dashboard
from trialdesk.services.treatment.visits import calendar, record_deviation, record_missed_visit, record_visit

R = Role
SITE_CLINICAL = {R.RHEUMATOLOGIST, R.INVESTIGATOR}
FORM_READERS = {R.RHEUMATOLOGIST, R.INVESTIGATOR, R.MONITOR, R.DATA_MANAGER, R.STATISTICIAN}
SAFETY_READERS = FORM_READERS | {R.ETHICS_COMMITTEE}

MATRIX: list[tuple[str, set[Role]]] = [
    ("register_lot", {R.INVESTIGATOR}),
    ("release_lot", {R.INVESTIGATOR}),
    ("list_lots", {R.INVESTIGATOR} | SAFETY_READERS),
    ("dosing_status", FORM_READERS),
    ("record_safety_check", {R.INVESTIGATOR}),
    ("record_dose", {R.INVESTIGATOR}),
    ("calendar", FORM_READERS),
    ("record_visit", SITE_CLINICAL),
    ("record_missed_visit", SITE_CLINICAL),
    ("record_deviation", SITE_CLINICAL | {R.MONITOR}),
    ("report_adverse_event", SITE_CLINICAL),
    ("list_adverse_events", SAFETY_READERS),
    ("expedited_reports", SAFETY_READERS),
    ("mark_report_sent", {R.INVESTIGATOR}),
    ("safety_dashboard", SAFETY_READERS),
    ("decide_pause", {R.ETHICS_COMMITTEE}),
]


@pytest.fixture
def world(exosome: Participant, investigator: Actor, lots, clock) -> dict[str, Callable[[Actor], object]]:  # type: ignore[no-untyped-def]
    """One call per action, with whatever state it needs (a SUSAR that paused the study, a lot to release)."""
    result = report_adverse_event(
        investigator,
        participant=exosome,
        details=ae(
            clock, term="anaphylaxis", grade=4, seriousness={"life_threatening"}, expectedness="unexpected"
        ),
        clock=clock,
    )
    report, pause = result.expedited, result.new_pauses[0]
    study, today = exosome.study, clock.now().date()
    return {
        "register_lot": lambda a: register_lot(
            a, study=study, lot_id=f"L-{a.username}", source_id="PL-01", amount_per_unit=Decimal(1),
            amount_unit="particles", expiry_date=today, clock=clock,
        ),
        "release_lot": lambda a: release_lot(a, lot=lots["unreleased"], released_on=today, clock=clock),
        "list_lots": lambda a: list_lots(a, study=study, clock=clock),
        "dosing_status": lambda a: dosing_status(a, participant=exosome, clock=clock),
        "record_safety_check": lambda a: record_safety_check(
            a, participant=exosome, step_id="step_1", answers=ALL_NORMAL, vital_signs=VITALS, clock=clock
        ),
        "record_dose": lambda a: record_dose(
            a, participant=exosome, step_id="step_1", lot_id="EXO-A", amount_given=Decimal("0.1"), clock=clock
        ),
        "calendar": lambda a: calendar(a, participant=exosome, clock=clock),
        "record_visit": lambda a: record_visit(
            a, participant=exosome, visit_id="baseline", occurrence=1, done_on=today, clock=clock
        ),
        "record_missed_visit": lambda a: record_missed_visit(
            a, participant=exosome, visit_id="baseline", occurrence=1, reason="ill", clock=clock
        ),
        "record_deviation": lambda a: record_deviation(
            a, participant=exosome, category="other", reason="x", occurred_on=today, clock=clock
        ),
        "report_adverse_event": lambda a: report_adverse_event(a, participant=exosome, details=ae(clock), clock=clock),
        "list_adverse_events": lambda a: list_adverse_events(a, participant=exosome),
        "expedited_reports": lambda a: expedited_reports(a, study=study, clock=clock),
        "mark_report_sent": lambda a: mark_report_sent(a, report=report, sent_on=today, clock=clock),  # type: ignore[arg-type]
        "safety_dashboard": lambda a: safety_dashboard(a, study=study, clock=clock),
        "decide_pause": lambda a: decide_pause(a, pause=pause, decision="kept", lift=False, clock=clock),
    }  # fmt: skip


@pytest.mark.parametrize(("action", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_role_matrix(world, actors, action: str, allowed: set[Role]) -> None:  # type: ignore[no-untyped-def]
    for role, actor in actors.items():
        try:
            world[action](actor)
        except PermissionDenied:
            assert role not in allowed, f"{role} should be allowed to {action}"
        except TrialdeskError:
            assert role in allowed, f"{role} passed the permission check of {action}"
        else:
            assert role in allowed, f"{role} should not be allowed to {action}"


def test_site_role_does_not_reach_another_sites_participant(
    exosome, actors, other_site, system, clock
) -> None:
    from trialdesk.services.actors import actor_for
    from trialdesk.services.people import add_person

    person = add_person(
        system, study=exosome.study, username="teh_investigator", display_name="TEH", password="x" * 12,
        role=R.INVESTIGATOR, site=other_site, clock=clock,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        dosing_status(actor_for(person, exosome.study.pk), participant=exosome, clock=clock)


def _in_threads(jobs: list[Callable[[], object]]) -> list[object]:
    results: list[object] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as error:  # noqa: BLE001  (the test inspects each outcome)
            results[i] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_doses_for_one_participant_one_wins(exosome, investigator, lots, clock) -> None:
    record_safety_check(
        investigator,
        participant=exosome,
        step_id="step_1",
        answers=ALL_NORMAL,
        vital_signs=VITALS,
        clock=clock,
    )
    clock.advance(timedelta(minutes=5))

    def dose() -> object:
        return record_dose(
            investigator,
            participant=exosome,
            step_id="step_1",
            lot_id="EXO-A",
            amount_given=Decimal("0.1"),
            clock=clock,
        )

    results = _in_threads([dose, dose])
    assert sum(isinstance(r, Administration) for r in results) == 1, results
    (refused,) = [r for r in results if isinstance(r, Conflict)]
    assert "step_id" in {p.where for p in refused.problems}  # the next dose is now step 2
    assert Administration.objects.filter(participant=exosome).count() == 1
