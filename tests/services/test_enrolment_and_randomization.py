from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection

from tests.conftest import PASSWORD  # noqa: F401  (shared fixtures live in tests/conftest.py)
from trialdesk.core.roles import Action, Role
from trialdesk.errors import AlreadyDone, Conflict, Locked, PermissionDenied, ValidationFailed
from trialdesk.records.audit import verify_chain
from trialdesk.records.models import Allocation, AuditEntry, Participant, ScreeningRecord, Site
from trialdesk.services.actors import Actor
from trialdesk.services.consent import record_consent, withdraw_consent
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.randomization import (
    concealment_report,
    generate,
    public_commitment,
    randomize,
    verify_list,
    view_list,
)
from trialdesk.services.screening import screen, screening_log
from trialdesk.services.studies import protocol_of
from trialdesk.testing import FixedClock

TODAY = date(2026, 1, 10)


def all_met(participant: Participant) -> dict[str, tuple[str, str]]:
    """Consent and one organ involvement met, no exclusion."""
    answers: dict[str, tuple[str, str]] = {}
    for criterion in protocol_of(participant.protocol_version).criteria:
        if criterion.kind == "exclusion":
            answers[criterion.id] = ("no", "")
        elif criterion.group is None:
            answers[criterion.id] = ("yes", "signed form")
        else:
            answers[criterion.id] = ("no", "")
    first_group = next(c for c in protocol_of(participant.protocol_version).criteria if c.group)
    answers[first_group.id] = ("yes", "biopsy 2025")
    return answers


def ready(actors: dict[Role, Actor], site: Site, clock: FixedClock, n: int = 1) -> list[Participant]:
    doctor = actors[Role.RHEUMATOLOGIST]
    out = []
    for i in range(n):
        p = register_for_screening(
            doctor,
            site=site,
            identity=IdentityDetails(full_name=f"P {i}"),
            sex="female",
            year_of_birth=1990,
            clock=clock,
        )
        screen(doctor, participant=p, answers=all_met(p), screened_on=TODAY, clock=clock)
        record_consent(doctor, participant=p, document_version="1.0", consented_on=TODAY, clock=clock)
        p.refresh_from_db()
        out.append(p)
    return out


def test_screen_failure_names_the_failed_criteria_and_rescreening_keeps_history(actors, site, clock) -> None:
    doctor = actors[Role.RHEUMATOLOGIST]
    p = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="A"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    answers = all_met(p)
    exclusion = next(c for c in protocol_of(p.protocol_version).criteria if c.kind == "exclusion")
    answers[exclusion.id] = ("yes", "on dialysis")
    failed = screen(doctor, participant=p, answers=answers, screened_on=TODAY, clock=clock)
    assert failed.decision == "not_eligible" and failed.reasons[0]["criterion"] == exclusion.id
    assert failed.reasons[0]["category"] == "meets_exclusion"
    p.refresh_from_db()
    assert p.status == "screen_failed"
    passed = screen(doctor, participant=p, answers=all_met(p), screened_on=TODAY, clock=clock)
    assert passed.attempt == 2 and passed.decision == "eligible"
    assert ScreeningRecord.objects.filter(participant=p).count() == 2
    assert [r.decision for r in screening_log(actors[Role.MONITOR], study_id=site.study_id)] == [
        "not_eligible",
        "eligible",
    ]


def test_unanswered_criteria_leave_screening_incomplete(actors, site, clock) -> None:
    doctor = actors[Role.RHEUMATOLOGIST]
    p = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="A"),
        sex="male",
        year_of_birth=1980,
        clock=clock,
    )
    with pytest.raises(ValidationFailed):  # an empty checklist is not recorded (issue 15)
        screen(doctor, participant=p, answers={}, screened_on=TODAY, clock=clock)
    first = next(iter(all_met(p)))
    record = screen(doctor, participant=p, answers={first: ("yes", "")}, screened_on=TODAY, clock=clock)
    assert record.decision == "incomplete" and len(record.reasons) > 0 and p.screenings.count() == 1


def test_nobody_is_randomized_without_consent(actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=7, clock=clock)
    doctor = actors[Role.RHEUMATOLOGIST]
    p = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="A"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    screen(doctor, participant=p, answers=all_met(p), screened_on=TODAY, clock=clock)
    with pytest.raises(ValidationFailed, match="no consent"):
        randomize(doctor, participant=p, clock=clock)
    assert not Allocation.objects.exists()


def test_allocation_takes_list_order_and_is_final(actors, site, clock) -> None:
    listed = generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=11, clock=clock)
    people = ready(actors, site, clock, n=4)
    arms = [randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock).arm for p in people]
    assert arms == [s.arm for s in listed.slots.order_by("sequence")[:4]]
    with pytest.raises(AlreadyDone, match="already randomized to"):
        randomize(actors[Role.INVESTIGATOR], participant=people[0], clock=clock)
    entry = AuditEntry.objects.filter(action="randomization.allocate").first()
    assert entry is not None and entry.after["slot"] == 1
    report = concealment_report(actors[Role.MONITOR], study=site.study)
    assert report.order_problems == [] and report.commitment_ok


def test_full_list_is_a_clear_error_not_a_fallback(actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=3, clock=clock)
    people = ready(actors, site, clock, n=21)
    for p in people[:20]:
        randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)
    with pytest.raises(Conflict, match="used up"):
        randomize(actors[Role.INVESTIGATOR], participant=people[20], clock=clock)
    counts = {arm: Allocation.objects.filter(arm=arm).count() for arm in ("exosome", "control")}
    assert counts == {"exosome": 10, "control": 10}


def test_same_seed_gives_the_same_list_and_commitment_detects_a_changed_slot(actors, site, clock) -> None:
    epi = actors[Role.EPIDEMIOLOGIST]
    first = generate(epi, study=site.study, seed=42, clock=clock)
    second = generate(epi, study=site.study, seed=42, clock=clock)
    assert first.commitment == second.commitment and verify_list(second)
    slot = second.slots.first()
    slot.arm = "control" if slot.arm == "exosome" else "exosome"
    slot.save()
    assert not verify_list(second)


def test_only_the_epidemiologist_sees_the_list_and_each_view_is_audited(actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=5, clock=clock)
    for role, actor in actors.items():
        if role is Role.EPIDEMIOLOGIST:
            view_list(actor, study=site.study, clock=clock)
            view_list(actor, study=site.study, export=True, clock=clock)
        else:
            with pytest.raises(PermissionDenied):
                view_list(actor, study=site.study, clock=clock)
    actions = list(
        AuditEntry.objects.filter(object_type="randomization_list").values_list("action", flat=True)
    )
    assert actions == ["randomization.list_create", "randomization.list_view", "randomization.list_export"]
    assert public_commitment(site.study) is not None


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_for_list_and_allocation_actions(role, actors, site, clock) -> None:
    actor = actors[role]
    if actor.may(Action.GENERATE_LIST):
        generate(actor, study=site.study, seed=1, clock=clock)
    else:
        with pytest.raises(PermissionDenied):
            generate(actor, study=site.study, seed=1, clock=clock)
        generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=1, clock=clock)
    (p,) = ready(actors, site, clock)
    if actor.may(Action.RANDOMIZE, site.pk):
        assert randomize(actor, participant=p, clock=clock).arm in ("exosome", "control")
    else:
        with pytest.raises(PermissionDenied):
            randomize(actor, participant=p, clock=clock)
    if actor.may(Action.VIEW_CONCEALMENT_REPORT):
        concealment_report(actor, study=site.study)
    else:
        with pytest.raises(PermissionDenied):
            concealment_report(actor, study=site.study)


def test_withdrawal_stops_further_data_and_randomization(actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=9, clock=clock)
    (p,) = ready(actors, site, clock)
    withdraw_consent(
        actors[Role.RHEUMATOLOGIST], participant=p, withdrawn_on=TODAY, reason="moved away", clock=clock
    )
    with pytest.raises(Locked, match="withdrew consent"):
        screen(actors[Role.RHEUMATOLOGIST], participant=p, answers=all_met(p), screened_on=TODAY, clock=clock)
    with pytest.raises((Locked, ValidationFailed)):
        randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)


def _in_threads(jobs) -> list[object]:  # type: ignore[no-untyped-def]
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
def test_fifty_concurrent_allocations_take_each_slot_once_in_order(actors, system, site, clock) -> None:
    from trialdesk.services.studies import install_protocol  # noqa: F401

    # A 52-slot list: the protocol's design with more blocks, generated directly for this test.
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=99, clock=clock)
    import random

    from trialdesk.core.randomization import canonical_form, commitment, generate_list
    from trialdesk.protocol.randomization import RandomizationDesign
    from trialdesk.records.models import RandomizationList, RandomizationSlot, RandomizationStratum

    design = RandomizationDesign.model_validate(
        {
            "method": "permuted_blocks",
            "ratio": {"exosome": 1, "control": 1},
            "block_sizes": [4],
            "slots_per_stratum": 52,
        }
    )
    core = generate_list(design, ["exosome", "control"], ["all"], random.Random(99))
    stored = RandomizationList.objects.get(active=True)
    stored.slots.all().delete()
    RandomizationSlot.objects.bulk_create(
        RandomizationSlot(
            randomization_list=stored,
            stratum=s.stratum,
            sequence=s.sequence,
            block=s.block,
            block_size=s.block_size,
            arm=s.arm,
        )
        for s in core.slots
    )
    stored.canonical_text = canonical_form(core).decode()
    stored.commitment = commitment(core)
    stored.save()
    assert RandomizationStratum.objects.filter(randomization_list=stored).count() == 1
    people = ready(actors, site, clock, n=50)
    investigator = actors[Role.INVESTIGATOR]
    results = _in_threads([lambda p=p: randomize(investigator, participant=p, clock=clock) for p in people])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    sequences = sorted(Allocation.objects.values_list("slot__sequence", flat=True))
    assert sequences == list(range(1, 51))
    ordered = list(Allocation.objects.order_by("pk").values_list("slot__sequence", flat=True))
    assert ordered == list(range(1, 51))  # taken in list order, no gap, no duplicate
    assert verify_chain().ok

    # Two requests for the same participant: one wins, one is refused.
    (late,) = ready(actors, site, clock)
    twice = _in_threads([lambda: randomize(investigator, participant=late, clock=clock)] * 2)
    assert sum(isinstance(r, Allocation) for r in twice) == 1
    assert sum(isinstance(r, AlreadyDone) for r in twice) == 1
    assert Allocation.objects.filter(participant=late).count() == 1
