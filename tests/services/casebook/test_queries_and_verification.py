"""Query lifecycle, source-data verification, form locks and the casebook e-signature."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.services.casebook.helpers import vitals
from trialdesk.core.roles import Role
from trialdesk.errors import AlreadyDone, Conflict, Locked, NotFound, PermissionDenied, ValidationFailed
from trialdesk.records.casebook.models import FormRecord, SourceVerification
from trialdesk.records.models import AuditEntry
from trialdesk.services.casebook.entry import load_form, save_form
from trialdesk.services.casebook.queries import (
    answer_query,
    close_query,
    list_queries,
    query_inbox,
    raise_query,
    reopen_query,
)
from trialdesk.services.casebook.verification import (
    SIGNATURE_MEANING,
    casebook_signature,
    lock_form,
    sign_casebook,
    unlock_form,
    verify_form,
)

pytestmark = pytest.mark.django_db

FORM = {"visit_id": "baseline", "occurrence": 1, "form_id": "vital_signs"}


@pytest.fixture
def saved(actors, enrol, clock):
    participant = enrol(arm="exosome")
    save_form(actors[Role.RHEUMATOLOGIST], participant, values=vitals(), clock=clock, **FORM)
    return participant


def test_query_lifecycle_raise_answer_reopen_answer_close(actors, saved, clock, study):
    monitor, doctor = actors[Role.MONITOR], actors[Role.RHEUMATOLOGIST]
    query = raise_query(monitor, saved, item_path="heart_rate", text="Source says 76", clock=clock, **FORM)
    assert query.status == "open" and not query.automatic
    assert [q.id for q in query_inbox(doctor, study=study)] == [query.id]
    assert query_inbox(monitor, study=study) == []
    assert load_form(doctor, saved, "baseline", 1, "vital_signs").open_queries["heart_rate"][0].id == query.id
    answered = answer_query(doctor, query.id, text="Checked: 72 is right", clock=clock)
    assert answered.status == "answered"
    assert [q.id for q in query_inbox(monitor, study=study)] == [query.id]
    assert query_inbox(doctor, study=study) == []
    reopened = reopen_query(monitor, query.id, text="The ECG strip says 76", clock=clock)
    assert reopened.status == "reopened"
    answer_query(doctor, query.id, text="Corrected", clock=clock)
    closed = close_query(monitor, query.id, clock=clock)
    assert closed.status == "closed"
    assert [m.kind for m in closed.messages] == ["raise", "answer", "reopen", "answer", "close"]
    assert AuditEntry.objects.filter(action__startswith="query.").count() == 5
    assert [q.id for q in list_queries(actors[Role.DATA_MANAGER], study=study, status="closed")] == [query.id]


def test_query_wrong_roles_and_states_are_refused(actors, saved, clock):
    monitor, doctor, manager = actors[Role.MONITOR], actors[Role.RHEUMATOLOGIST], actors[Role.DATA_MANAGER]
    with pytest.raises(PermissionDenied):
        raise_query(doctor, saved, item_path="heart_rate", text="?", clock=clock, **FORM)
    with pytest.raises(ValidationFailed):
        raise_query(monitor, saved, item_path="no_such_item", text="?", clock=clock, **FORM)
    with pytest.raises(ValidationFailed):
        raise_query(monitor, saved, item_path="heart_rate", text="  ", clock=clock, **FORM)
    with pytest.raises(NotFound):
        raise_query(
            monitor, saved, item_path="c3", text="?", clock=clock, visit_id="baseline", form_id="lab_panel"
        )
    query = raise_query(monitor, saved, item_path="heart_rate", text="Check", clock=clock, **FORM)
    with pytest.raises(PermissionDenied):
        answer_query(monitor, query.id, text="me?", clock=clock)
    with pytest.raises(Conflict):
        reopen_query(monitor, query.id, text="not answered yet", clock=clock)
    answer_query(doctor, query.id, text="ok", clock=clock)
    with pytest.raises(Conflict):
        answer_query(doctor, query.id, text="again", clock=clock)
    with pytest.raises(PermissionDenied):
        close_query(manager, query.id, clock=clock)  # only whoever raised it
    with pytest.raises(PermissionDenied):
        close_query(doctor, query.id, clock=clock)


def test_automatic_query_is_closed_by_the_data_manager_not_the_monitor(actors, enrol, clock, study):
    participant = enrol(arm="exosome")
    doctor, monitor, manager = actors[Role.RHEUMATOLOGIST], actors[Role.MONITOR], actors[Role.DATA_MANAGER]
    save_form(doctor, participant, values=vitals(systolic_bp=100, diastolic_bp=100), clock=clock, **FORM)
    query = list_queries(manager, study=study)[0]
    assert query.automatic and query.check_id == "diastolic_below_systolic"
    answer_query(doctor, query.id, text="Both confirmed on re-measurement", clock=clock)
    assert [q.id for q in query_inbox(manager, study=study)] == [query.id]
    with pytest.raises(PermissionDenied):
        close_query(monitor, query.id, clock=clock)
    assert close_query(manager, query.id, text="accepted", clock=clock).status == "closed"


def test_verification_refused_with_open_queries_and_cleared_by_a_later_change(actors, saved, clock):
    monitor, doctor = actors[Role.MONITOR], actors[Role.RHEUMATOLOGIST]
    query = raise_query(monitor, saved, item_path="weight", text="Scale?", clock=clock, **FORM)
    with pytest.raises(Conflict):
        verify_form(monitor, saved, clock=clock, **FORM)
    answer_query(doctor, query.id, text="calibrated scale", clock=clock)
    close_query(monitor, query.id, clock=clock)
    with pytest.raises(PermissionDenied):
        verify_form(doctor, saved, clock=clock, **FORM)
    mark = verify_form(monitor, saved, clock=clock, **FORM)
    assert mark.verified_by == "monitor" and mark.form_version == "1.1"
    assert load_form(monitor, saved, "baseline", 1, "vital_signs").status == "verified"
    with pytest.raises(AlreadyDone):
        verify_form(monitor, saved, clock=clock, **FORM)
    result = save_form(doctor, saved, values=vitals(weight="61.0"), reason="re-weighed", clock=clock, **FORM)
    assert result.verification_cleared
    assert load_form(monitor, saved, "baseline", 1, "vital_signs").status == "saved"
    assert SourceVerification.objects.get().cleared_reason == "data changed: re-weighed"


def test_lock_refuses_changes_until_unlocked_with_a_reason(actors, saved, clock):
    manager, doctor = actors[Role.DATA_MANAGER], actors[Role.RHEUMATOLOGIST]
    with pytest.raises(ValidationFailed):
        lock_form(manager, saved, reason=" ", clock=clock, **FORM)
    with pytest.raises(PermissionDenied):
        lock_form(actors[Role.MONITOR], saved, reason="done", clock=clock, **FORM)
    lock_form(manager, saved, reason="cleaned", clock=clock, **FORM)
    view = load_form(doctor, saved, "baseline", 1, "vital_signs")
    assert view.status == "locked" and view.read_only and view.lock_reason == "cleaned"
    with pytest.raises(Locked):
        save_form(doctor, saved, values=vitals(heart_rate=80), reason="late", clock=clock, **FORM)
    with pytest.raises(AlreadyDone):
        lock_form(manager, saved, reason="again", clock=clock, **FORM)
    with pytest.raises(ValidationFailed):
        unlock_form(manager, saved, reason="", clock=clock, **FORM)
    unlock_form(manager, saved, reason="site found an error", clock=clock, **FORM)
    with pytest.raises(Conflict):
        unlock_form(manager, saved, reason="again", clock=clock, **FORM)
    save_form(doctor, saved, values=vitals(heart_rate=80), reason="late correction", clock=clock, **FORM)
    assert not FormRecord.objects.get().locked


def test_e_signature_needs_the_password_and_a_later_change_invalidates_it(actors, saved, clock):
    investigator, doctor = actors[Role.INVESTIGATOR], actors[Role.RHEUMATOLOGIST]
    with pytest.raises(ValidationFailed) as refused:
        sign_casebook(investigator, saved, password="wrong", clock=clock)
    assert refused.value.problems[0].where == "password"
    assert AuditEntry.objects.filter(action="casebook.sign_failed", actor="investigator").count() == 1
    assert casebook_signature(investigator, saved) is None
    with pytest.raises(PermissionDenied):
        sign_casebook(doctor, saved, password=PASSWORD, clock=clock)
    signature = sign_casebook(investigator, saved, password=PASSWORD, clock=clock)
    assert signature.valid and signature.meaning == SIGNATURE_MEANING and len(signature.content_hash) == 64
    with pytest.raises(AlreadyDone):
        sign_casebook(investigator, saved, password=PASSWORD, clock=clock)
    result = save_form(doctor, saved, values=vitals(heart_rate=74), reason="recount", clock=clock, **FORM)
    assert result.signature_invalidated
    current = casebook_signature(investigator, saved)
    assert current is not None and not current.valid
    assert sign_casebook(investigator, saved, password=PASSWORD, clock=clock).valid
