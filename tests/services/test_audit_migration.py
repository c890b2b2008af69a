"""Migration 0005 keeps the old hash chain verifiable and seals it, in sequence order, into the Merkle tree."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from trialdesk.records.audit.sealing import seal
from trialdesk.records.audit.verify import verify
from trialdesk.records.models import AuditEntry, AuditLeaf

BEFORE = [("records", "0004_participant_status_machine")]


def _old_chain_hash(previous: str, body: dict) -> str:
    """The hash of the chain as written before the Merkle log (records/audit.py of that version)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((previous + "\n" + text).encode("utf-8")).hexdigest()


def _write_old_chain(apps, n: int) -> None:  # type: ignore[no-untyped-def]
    entry_model, head_model = apps.get_model("records", "AuditEntry"), apps.get_model("records", "AuditHead")
    previous = "0" * 64
    for sequence in range(1, n + 1):
        at = datetime(2025, 5, sequence, 8, 0, tzinfo=UTC)
        body = {"sequence": sequence, "at": at.isoformat(timespec="microseconds"), "actor": "admin", "role": "",
                "action": "site.create", "object_type": "site", "object_id": str(sequence), "before": None,
                "after": {"n": sequence}, "reason": ""}  # fmt: skip
        entry_hash = _old_chain_hash(previous, body)
        entry_model.objects.create(
            sequence=sequence, at=at, actor="admin", role="", action="site.create", object_type="site",
            object_id=str(sequence), before=None, after={"n": sequence}, reason="", previous_hash=previous,
            entry_hash=entry_hash,
        )  # fmt: skip
        previous = entry_hash
    head_model.objects.create(singleton=1, length=n, last_hash=previous)


def _migrate(targets) -> MigrationExecutor:  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_old_chain_is_kept_sealed_in_order_and_still_checked() -> None:
    executor = _migrate(BEFORE)
    _write_old_chain(executor.loader.project_state(BEFORE).apps, 4)
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())

    chained = list(AuditEntry.objects.order_by("sequence"))
    assert [AuditLeaf.objects.get(entry=e).index for e in chained] == [0, 1, 2, 3]
    result = seal()  # the first seal after the upgrade signs a tree head over the migrated leaves
    assert result is not None and result.tree_size == 4 and result.sealed == 0
    report = verify()
    assert report.ok and report.chained == 4 and report.sealed == 4, str(report)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE records_auditentry DISABLE TRIGGER trialdesk_audit_no_update_delete")
    AuditEntry.objects.filter(sequence=2).update(reason="edited after the fact")
    breaks = [str(b) for b in verify().breaks]
    assert any(b.startswith(f"EDITED entry #{chained[1].pk} (chain sequence 2)") for b in breaks), breaks


@pytest.mark.django_db(transaction=True)
def test_an_already_truncated_chain_is_refused_by_the_upgrade() -> None:
    executor = _migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    _write_old_chain(apps, 3)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE records_auditentry DISABLE TRIGGER trialdesk_audit_no_update_delete")
    apps.get_model("records", "AuditEntry").objects.filter(sequence=3).delete()
    executor = MigrationExecutor(connection)
    with pytest.raises(RuntimeError, match="newest entries were removed"):
        _migrate(executor.loader.graph.leaf_nodes())
    apps.get_model("records", "AuditEntry").objects.all().delete()
    apps.get_model("records", "AuditHead").objects.all().delete()
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE records_auditentry ENABLE TRIGGER trialdesk_audit_no_update_delete")
