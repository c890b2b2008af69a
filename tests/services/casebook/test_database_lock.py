"""After the database lock every write through every casebook service is refused with `Locked`."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.services.casebook.helpers import vitals
from trialdesk.core.roles import Role
from trialdesk.errors import AlreadyDone, Locked, PermissionDenied, ValidationFailed
from trialdesk.records.casebook.models import FormRecord, ItemValue, Query
from trialdesk.records.models import AuditEntry
from trialdesk.services.casebook.entry import load_form, save_form
from trialdesk.services.casebook.lab_import import commit_lab_import
from trialdesk.services.casebook.queries import answer_query, close_query, raise_query, reopen_query
from trialdesk.services.casebook.verification import (
    database_lock,
    lock_database,
    lock_form,
    sign_casebook,
    unlock_form,
    verify_form,
)

pytestmark = pytest.mark.django_db

FORM = {"visit_id": "baseline", "occurrence": 1, "form_id": "vital_signs"}
MAPPING = {"participant": "p", "date": "d", "test": "t", "value": "v", "unit": "u"}


def test_only_the_data_manager_locks_the_database_with_a_reason(actors, study, clock):
    with pytest.raises(PermissionDenied):
        lock_database(actors[Role.MONITOR], study, reason="end", clock=clock)
    with pytest.raises(ValidationFailed):
        lock_database(actors[Role.DATA_MANAGER], study, reason="", clock=clock)
    lock = lock_database(
        actors[Role.DATA_MANAGER], study, reason="last patient out, all queries closed", clock=clock
    )
    assert database_lock(study) == lock and lock.locked_by == "data_manager"
    assert AuditEntry.objects.filter(action="database.lock").count() == 1


def test_database_lock_refuses_every_write_through_every_service(actors, enrol, study, clock):
    doctor, monitor, manager = actors[Role.RHEUMATOLOGIST], actors[Role.MONITOR], actors[Role.DATA_MANAGER]
    investigator = actors[Role.INVESTIGATOR]
    p = enrol(arm="exosome")
    save_form(doctor, p, values=vitals(), clock=clock, **FORM)
    save_form(
        doctor,
        p,
        visit_id="baseline",
        form_id="immunogenicity",
        values={"anti_exosome_result": "negative"},
        clock=clock,
    )
    open_one = raise_query(monitor, p, item_path="heart_rate", text="?", clock=clock, **FORM)
    answered = raise_query(monitor, p, item_path="weight", text="?", clock=clock, **FORM)
    answer_query(doctor, answered.id, text="ok", clock=clock)
    lock_form(manager, p, visit_id="baseline", form_id="immunogenicity", reason="clean", clock=clock)
    lock_database(manager, study, reason="final analysis", clock=clock)
    before = (FormRecord.objects.count(), ItemValue.objects.count(), Query.objects.count())
    audit_before = AuditEntry.objects.count()
    csv_text = f"p,d,t,v,u\n{p.study_code},2026-01-11,glucose,5,mmol/L\n"
    attempts = {
        "save_form": lambda: save_form(doctor, p, values=vitals(heart_rate=99), reason="late", clock=clock, **FORM),
        "save_form (new form)": lambda: save_form(doctor, p, visit_id="baseline", form_id="sledai_2k", values={}, clock=clock),
        "raise_query": lambda: raise_query(monitor, p, item_path="weight", text="?", clock=clock, **FORM),
        "answer_query": lambda: answer_query(doctor, open_one.id, text="x", clock=clock),
        "close_query": lambda: close_query(monitor, answered.id, clock=clock),
        "reopen_query": lambda: reopen_query(monitor, answered.id, text="x", clock=clock),
        "verify_form": lambda: verify_form(monitor, p, clock=clock, **FORM),
        "lock_form": lambda: lock_form(manager, p, reason="x", clock=clock, **FORM),
        "unlock_form": lambda: unlock_form(manager, p, visit_id="baseline", form_id="immunogenicity", reason="x", clock=clock),
        "sign_casebook": lambda: sign_casebook(investigator, p, password=PASSWORD, clock=clock),
        "commit_lab_import": lambda: commit_lab_import(manager, study, csv_text=csv_text, mapping=MAPPING, file_name="f.csv", clock=clock),
    }  # fmt: skip
    for name, attempt in attempts.items():
        with pytest.raises(Locked, match="database was locked"):
            attempt()
        assert (FormRecord.objects.count(), ItemValue.objects.count(), Query.objects.count()) == before, name
    with pytest.raises(AlreadyDone):
        lock_database(manager, study, reason="again", clock=clock)
    assert AuditEntry.objects.count() == audit_before
    view = load_form(doctor, p, "baseline", 1, "vital_signs")
    assert view.read_only and view.read_only_reason == "database locked"
