"""Saving a form half-done ("incomplete"): required items are enforced only when it is marked complete;
answers given are still checked; tracking counts it as started, not complete; printable documents."""

from __future__ import annotations

import pytest

from tests.services.casebook.helpers import SLEDAI_ITEMS, sledai, vitals
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict, PermissionDenied, ValidationFailed
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import AuditEntry
from trialdesk.services.casebook.entry import load_form, save_form
from trialdesk.services.casebook.printable import WITHHELD, blank_crf, filled_casebook
from trialdesk.services.casebook.queries import query_inbox_count, raise_query
from trialdesk.services.casebook.tracking import expected_forms
from trialdesk.services.casebook.verification import verify_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(actors):
    return actors[Role.RHEUMATOLOGIST]


@pytest.fixture
def participant(enrol):
    return enrol(arm="exosome")


def _save(doctor, participant, clock, values, **kwargs):
    return save_form(
        doctor, participant, visit_id="baseline", form_id="sledai_2k", values=values, clock=clock, **kwargs
    )


def test_a_half_done_form_is_saved_incomplete_and_required_items_wait_for_mark_complete(
    doctor, participant, clock
) -> None:
    half = {"pga": "1.0", "seizure": "no", "psychosis": "yes"}
    with pytest.raises(ValidationFailed) as refused:
        _save(doctor, participant, clock, half)  # complete by default: every descriptor is required
    assert {p.where for p in refused.value.problems} >= {"arthritis", "fever"}
    saved = _save(doctor, participant, clock, half, complete=False)
    assert saved.status == "incomplete" and saved.created
    assert FormRecord.objects.get(pk=saved.record_id).status == "incomplete"
    assert load_form(doctor, participant, "baseline", 1, "sledai_2k").status == "incomplete"
    # answering the rest later needs no reason while the form is incomplete; marking complete enforces all
    done = _save(doctor, participant, clock, sledai("psychosis"), complete=True)
    assert done.status == "complete" and not done.created
    assert load_form(doctor, participant, "baseline", 1, "sledai_2k").status == "saved"
    entry = AuditEntry.objects.filter(action="form.save").order_by("id").last()
    assert entry.before["status"] == "incomplete" and entry.after["status"] == "complete"


def test_an_incomplete_save_still_checks_the_answers_given_and_refuses_an_empty_form(
    doctor, participant, clock
) -> None:
    with pytest.raises(ValidationFailed) as wrong:
        _save(doctor, participant, clock, {"pga": "7"}, complete=False)
    assert [p.where for p in wrong.value.problems] == ["pga"]
    with pytest.raises(ValidationFailed) as empty:
        _save(doctor, participant, clock, {}, complete=False)
    assert [p.where for p in empty.value.problems] == ["values"]
    assert not FormRecord.objects.exists()


def test_changing_an_earlier_answer_of_an_incomplete_form_needs_a_reason(doctor, participant, clock) -> None:
    _save(doctor, participant, clock, {"pga": "1.0", "seizure": "no"}, complete=False)
    with pytest.raises(ValidationFailed) as refused:
        _save(doctor, participant, clock, {"pga": "2.0", "seizure": "no"}, complete=False)
    assert [p.where for p in refused.value.problems] == ["reason"]
    changed = _save(
        doctor, participant, clock, {"pga": "2.0", "seizure": "no"}, complete=False, reason="typo"
    )
    assert changed.changed == ("pga",)


def test_marking_complete_without_data_changes_is_audited_as_a_status_change(
    doctor, participant, clock
) -> None:
    _save(doctor, participant, clock, sledai(), complete=False)
    result = _save(doctor, participant, clock, sledai(), complete=True)
    assert result.changed == () and result.status == "complete"
    entry = AuditEntry.objects.filter(action="form.status").get()
    assert entry.before == {"status": "incomplete"} and entry.after == {"status": "complete"}


def test_tracking_counts_an_incomplete_form_as_started_not_complete(doctor, participant, clock) -> None:
    save_form(doctor, participant, visit_id="baseline", form_id="vital_signs", values={"heart_rate": 70},
              clock=clock, complete=False)  # fmt: skip
    states = {(f.visit_id, f.form_id): f for f in expected_forms(doctor, participant, clock=clock)}
    row = states[("baseline", "vital_signs")]
    assert row.state == "incomplete" and row.missing
    save_form(
        doctor,
        participant,
        visit_id="baseline",
        form_id="vital_signs",
        values=vitals(heart_rate=70),
        clock=clock,
    )
    states = {(f.visit_id, f.form_id): f for f in expected_forms(doctor, participant, clock=clock)}
    assert states[("baseline", "vital_signs")].state == "saved"


def test_verifying_with_an_open_query_names_the_way_to_the_query(actors, doctor, participant, clock) -> None:
    _save(doctor, participant, clock, sledai())
    monitor = actors[Role.MONITOR]
    raise_query(monitor, participant, visit_id="baseline", form_id="sledai_2k", item_path="pga", text="?",
                clock=clock)  # fmt: skip
    assert query_inbox_count(doctor, study=participant.study) == 1
    assert query_inbox_count(monitor, study=participant.study) == 0  # open: awaits the site, not the monitor
    with pytest.raises(Conflict) as refused:
        verify_form(monitor, participant, visit_id="baseline", form_id="sledai_2k", clock=clock)
    assert refused.value.details["next"] == "form_queries"
    assert refused.value.details["form_id"] == "sledai_2k"


def test_the_blank_crf_annotates_every_form_per_visit_and_is_audited(doctor, participant, clock) -> None:
    crf = blank_crf(doctor, participant.study, clock=clock)
    baseline = next(v for v in crf.visits if v.visit_id == "baseline")
    sledai_form = next(f for f in baseline.forms if f.form_id == "sledai_2k")
    items = {i.path: i for s in sledai_form.sections for i in s.items}
    assert set(SLEDAI_ITEMS) <= set(items)
    assert (
        items["seizure"].type == "yes_no"
        and items["seizure"].required
        and items["seizure"].label == "Seizure"
    )
    assert items["pga"].limits == "0 – 3"
    assert AuditEntry.objects.filter(action="crf.print_blank").count() == 1


def test_the_filled_casebook_withholds_identifying_items_from_pseudonymous_readers(
    actors, doctor, participant, clock
) -> None:
    _save(doctor, participant, clock, sledai("fever"), complete=False)
    mine = filled_casebook(doctor, participant, clock=clock)
    form = mine.visits[0].forms[0]
    values = {i.path: i.value for s in form.sections for i in s.items}
    assert values["fever"] == "yes" and values["pga"] == "1.0" and form.status == "incomplete"
    assert AuditEntry.objects.filter(action="casebook.print", object_id=participant.study_code).count() == 1
    save_form(doctor, participant, visit_id="baseline", form_id="demographics", clock=clock, complete=False,
              values={"sex": "female", "birth_date_known": "yes", "birth_date": "1990-04-02"})  # fmt: skip
    statistician = actors[Role.STATISTICIAN]
    seen = {i.path: i.value for v in filled_casebook(doctor, participant, clock=clock).visits
            for f in v.forms for s in f.sections for i in s.items}  # fmt: skip
    hidden = {i.path: i.value for v in filled_casebook(statistician, participant, clock=clock).visits
              for f in v.forms for s in f.sections for i in s.items}  # fmt: skip
    assert seen["birth_date"] == "1990-04-02" and hidden["birth_date"] == WITHHELD
    assert hidden["sex"] == "female"
    with pytest.raises(PermissionDenied):
        blank_crf(actors[Role.ETHICS_COMMITTEE], participant.study, clock=clock)
