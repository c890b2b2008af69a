from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from trialdesk.records.audit import verify_chain
from trialdesk.records.models import AuditEntry, Site


def _untamper_guard() -> None:
    """On PostgreSQL the trigger refuses edits; a tamperer with owner rights could disable it. Simulate that."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE records_auditentry DISABLE TRIGGER trialdesk_audit_no_update_delete")


def test_every_setup_change_is_in_an_intact_chain(actors: dict, site: Site) -> None:
    report = verify_chain()
    assert report.ok, str(report)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[0] == "protocol.load"
    assert "site.create" in actions and actions.count("person.add") == 8 and actions.count("role.grant") == 8


def test_edited_entry_is_named_as_first_broken(actors: dict) -> None:
    _untamper_guard()
    AuditEntry.objects.filter(sequence=3).update(reason="nothing to see")
    report = verify_chain()
    assert not report.ok and report.first_broken_sequence == 3 and "edited" in report.problem


def test_deleted_entry_is_detected(actors: dict) -> None:
    _untamper_guard()
    AuditEntry.objects.filter(sequence=4).delete()
    report = verify_chain()
    assert not report.ok and report.first_broken_sequence == 4 and "deleted" in report.problem


def test_deleting_the_newest_entries_is_detected_by_the_head(actors: dict) -> None:
    _untamper_guard()
    newest = AuditEntry.objects.order_by("-sequence").first()
    assert newest is not None
    AuditEntry.objects.filter(sequence=newest.sequence).delete()
    report = verify_chain()
    assert not report.ok and "newest deleted" in report.problem


def test_inserted_entry_is_detected(actors: dict) -> None:
    _untamper_guard()
    AuditEntry.objects.filter(sequence__gte=5).update(sequence=models_shift())
    forged = AuditEntry.objects.get(sequence=4)
    forged.pk = None
    forged.sequence = 5
    forged.after = {"forged": True}
    forged.save()
    report = verify_chain()
    assert not report.ok and report.first_broken_sequence == 5


def models_shift():  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F("sequence") + 1000


def test_audit_rows_cannot_be_changed_silently_on_either_database(actors: dict) -> None:
    """PostgreSQL refuses UPDATE/DELETE outright; on SQLite the hash chain names the change."""
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(sequence=1).update(reason="x")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(sequence=1).delete()
        assert verify_chain().ok
    else:
        AuditEntry.objects.filter(sequence=1).update(reason="x")
        assert verify_chain().first_broken_sequence == 1
