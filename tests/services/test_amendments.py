"""Protocol amendments against a real database: propose -> approve -> activate, effective dates, screening and
forms under both versions, the refused changes with their messages, and the audit of every step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.amended_seed import NEW_CONSENT, NEW_EXCLUSION, amend, run_amendment, seed_data, upload_bytes
from tests.factories import all_met, consented, randomized
from tests.services.casebook.helpers import labs
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict, PermissionDenied, ValidationFailed
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import AuditEntry, Participant, Site, Study
from trialdesk.services.actors import Actor
from trialdesk.services.amendments import (
    activate_amendment,
    amendment_view,
    approve_amendment,
    propose_amendment,
    version_history,
)
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.screening import screen
from trialdesk.services.versions import Purpose, governing_version
from trialdesk.testing import FixedClock

Actors = dict[Role, Actor]


def _propose(actors: Actors, study: Study, clock: FixedClock, data: dict) -> object:  # type: ignore[type-arg]
    return propose_amendment(
        actors[Role.ADMINISTRATOR], study=study, raw=upload_bytes(data), filename="new.yaml", clock=clock
    )


def test_a_proposed_or_approved_version_governs_nothing_until_its_effective_date(
    actors: Actors, study: Study, clock: FixedClock
) -> None:
    first = governing_version(study=study, purpose=Purpose.SCREENING, on=clock.now().date())
    version = _propose(actors, study, clock, amend(seed_data()))
    assert governing_version(study=study, purpose=Purpose.SCREENING, on=clock.now().date()) == first
    today = clock.now().date()
    approve_amendment(
        actors[Role.ETHICS_COMMITTEE], version=version, reference="IR.1", approved_on=today, clock=clock
    )  # type: ignore[arg-type]
    assert governing_version(study=study, purpose=Purpose.SCREENING, on=today) == first
    later = today + timedelta(days=7)
    activate_amendment(actors[Role.ADMINISTRATOR], version=version, effective_from=later, clock=clock)  # type: ignore[arg-type]
    assert governing_version(study=study, purpose=Purpose.SCREENING, on=today) == first
    assert governing_version(study=study, purpose=Purpose.SCREENING, on=later).pk == version.pk  # type: ignore[attr-defined]
    actions = list(AuditEntry.objects.filter(object_type="protocol_version").values_list("action", flat=True))
    assert actions[-4:] == [
        "amendment.propose",
        "amendment.approve",
        "amendment.activate",
        "amendment.reconsent_flagged",
    ]


def test_an_amendment_never_applies_retroactively(actors: Actors, study: Study, clock: FixedClock) -> None:
    today = clock.now().date()
    version = _propose(actors, study, clock, amend(seed_data()))
    approve_amendment(
        actors[Role.ETHICS_COMMITTEE], version=version, reference="IR.1", approved_on=today, clock=clock
    )  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as refused:
        activate_amendment(
            actors[Role.ADMINISTRATOR],
            version=version,
            effective_from=today - timedelta(days=1),
            clock=clock,  # type: ignore[arg-type]
        )
    assert "never applies retroactively" in str(refused.value.problems[0])


def test_only_the_committee_approves_and_only_an_approved_version_is_activated(
    actors: Actors, study: Study, clock: FixedClock
) -> None:
    today = clock.now().date()
    version = _propose(actors, study, clock, amend(seed_data()))
    with pytest.raises(PermissionDenied):
        approve_amendment(
            actors[Role.ADMINISTRATOR], version=version, reference="x", approved_on=today, clock=clock
        )  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="only a approved version|only a"):
        activate_amendment(actors[Role.ADMINISTRATOR], version=version, effective_from=today, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as empty:
        approve_amendment(
            actors[Role.ETHICS_COMMITTEE], version=version, reference=" ", approved_on=today, clock=clock
        )  # type: ignore[arg-type]
    assert empty.value.problems[0].where == "reference"


def test_the_history_lists_every_version_with_approval_and_effective_date(
    actors: Actors, study: Study, clock: FixedClock
) -> None:
    version = run_amendment(actors, study, clock)
    history = version_history(actors[Role.MONITOR], study=study)
    assert [v.pk for v in history][0] == version.pk and len(history) == 2
    assert history[0].approval_reference == "IR.KUMS.REC.1405.001"
    assert history[0].effective_from == clock.now().date()
    view = amendment_view(version)
    assert {c.code for c in view.changes} == {
        "criterion.added",
        "form.version_changed",
        "item.added",
        "lab_test.added",
        "consent.added",
    }


def _new_participant(actors: Actors, site: Site, clock: FixedClock) -> Participant:
    return register_for_screening(
        actors[Role.RHEUMATOLOGIST],
        site=site,
        identity=IdentityDetails(full_name="New"),
        sex="female",
        year_of_birth=1991,
        clock=clock,
    )


def test_screening_decisions_stand_and_new_participants_follow_the_new_criteria(
    actors: Actors, study: Study, site: Site, clock: FixedClock
) -> None:
    doctor = actors[Role.RHEUMATOLOGIST]
    before = consented(actors, site, clock, name="Before")
    old_record = before.screenings.get()
    run_amendment(actors, study, clock)
    old_record.refresh_from_db()
    assert old_record.decision == "eligible" and old_record.protocol_version.version == "1.1.0"
    after = _new_participant(actors, site, clock)
    answers = all_met(after)
    assert answers[NEW_EXCLUSION] == ("no", "")  # the checklist now lists the new exclusion
    answers[NEW_EXCLUSION] = ("yes", "chest X-ray")
    record = screen(doctor, participant=after, answers=answers, screened_on=clock.now().date(), clock=clock)
    assert record.decision == "not_eligible" and record.protocol_version.version == "1.2.0"
    assert [r["criterion"] for r in record.reasons] == [NEW_EXCLUSION]


def test_forms_keep_their_version_and_new_entries_use_the_new_one(
    actors: Actors, study: Study, site: Site, clock: FixedClock
) -> None:
    doctor = actors[Role.RHEUMATOLOGIST]
    p = randomized(actors, site, clock)
    today = clock.now().date().isoformat()
    save_form(
        doctor, p, visit_id="baseline", form_id="lab_panel", values=labs(sample_date=today), clock=clock
    )
    run_amendment(actors, study, clock)
    # re-consent first: data entry needs the current consent document
    from trialdesk.services.consent import record_consent

    record_consent(
        doctor, participant=p, document_version=NEW_CONSENT, consented_on=clock.now().date(), clock=clock
    )
    clock.advance(timedelta(days=49))
    values = {**labs(sample_date=clock.now().date().isoformat()), "esr": {"value": "22", "unit": "mm/h"}}
    save_form(doctor, p, visit_id="assessment_w7", form_id="lab_panel", values=values, clock=clock)
    records = {r.visit_id: r for r in FormRecord.objects.filter(participant=p, form_id="lab_panel")}
    assert (
        records["baseline"].form_version == "1.1" and records["baseline"].protocol_version.version == "1.1.0"
    )
    assert records["assessment_w7"].form_version == "1.2"
    assert records["assessment_w7"].items.filter(item_id="esr").get().standard_value.startswith("22")
    assert not records["baseline"].items.filter(item_id="esr").exists()


def _refusal(actors: Actors, study: Study, clock: FixedClock, data: dict) -> str:  # type: ignore[type-arg]
    with pytest.raises(ValidationFailed) as refused:
        _propose(actors, study, clock, data)
    return " | ".join(str(p) for p in refused.value.problems)


def test_changes_a_running_trial_cannot_take_are_refused_each_with_its_reason(
    actors: Actors, study: Study, site: Site, clock: FixedClock
) -> None:
    p = randomized(actors, site, clock, arm="control")
    today = clock.now().date().isoformat()
    save_form(
        actors[Role.RHEUMATOLOGIST],
        p,
        visit_id="baseline",
        form_id="lab_panel",
        values=labs(sample_date=today),
        clock=clock,
    )
    base = seed_data()

    ratio = amend(base)
    arms = list(ratio["randomization"]["ratio"])
    ratio["randomization"]["ratio"] = {arms[0]: 2, arms[1]: 1}
    ratio["randomization"]["block_sizes"] = [3, 6]
    assert "cannot change after the first allocation" in _refusal(actors, study, clock, ratio)

    dropped = amend(base)
    for section in dropped["forms"][-1]["sections"]:
        section["items"] = [i for i in section["items"] if i["id"] != "c3"]
    dropped["edit_checks"] = [c for c in dropped["edit_checks"] if "c3" not in c["expression"]]
    message = _refusal(actors, study, clock, dropped)
    assert "item Complement C3 of Laboratory panel holds data and cannot be removed" in message

    retyped = amend(base)
    sample = retyped["forms"][-1]["sections"][0]["items"][0]
    assert sample["id"] == "sample_date"
    sample["type"] = "integer"
    assert "entered as date cannot be converted to integer" in _refusal(actors, study, clock, retyped)


def test_the_reports_list_the_amendments_in_force_by_the_cut_off(
    actors: Actors, study: Study, clock: FixedClock
) -> None:
    from trialdesk.services.results import safety_report

    run_amendment(actors, study, clock)
    report = safety_report(actors[Role.ETHICS_COMMITTEE], study=study, clock=clock)
    ((version, reference, approved_on, effective_from),) = [
        (a.version, a.reference, a.approved_on, a.effective_from) for a in report.title.amendments
    ]
    assert (version, reference) == ("1.2.0", "IR.KUMS.REC.1405.001")
    assert approved_on == effective_from == clock.now().date()
