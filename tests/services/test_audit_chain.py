"""The audit log as a signed Merkle log: sealing, verification, and every kind of tampering named by verify.

Each tamper runs on both databases (on PostgreSQL the append-only triggers are disabled first, as an owner
could) and with and without a published checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.db.utils import DatabaseError

from trialdesk.core import merkle
from trialdesk.core.checkpoint import Checkpoint
from trialdesk.records import audit
from trialdesk.records.audit import leaf_bytes
from trialdesk.records.audit.proofs import inclusion
from trialdesk.records.audit.sealing import latest_checkpoint, seal
from trialdesk.records.audit.verify import verify
from trialdesk.records.models import AuditEntry, AuditLeaf, AuditTreeHead

TABLES = ("records_auditentry", "records_auditleaf", "records_audittreehead")


def _owner_disables_triggers() -> None:
    """A tamperer with owner rights could disable PostgreSQL's append-only triggers. Simulate that."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER trialdesk_audit_no_update_delete")


def _write(n: int, site: str = "KUMS") -> list[AuditEntry]:
    with transaction.atomic():
        return [
            audit.append(
                at=datetime(2026, 1, 10, 9, i, tzinfo=UTC),
                actor="investigator",
                role="investigator",
                action="crf.save",
                object_type="form",
                object_id=f"{site}-{i}",
                before=None,
                after={"value": i},
            )
            for i in range(n)
        ]


@pytest.fixture
def sealed_log(actors: dict) -> list[AuditEntry]:
    """The set-up entries and a few writes, sealed in two batches (two signed tree heads)."""
    assert seal() is not None
    _write(5)
    assert seal() is not None
    return list(AuditEntry.objects.order_by("id"))


def test_a_sealed_log_verifies_and_every_entry_has_an_inclusion_proof(sealed_log: list[AuditEntry]) -> None:
    report = verify()
    assert report.ok, str(report)
    assert report.sealed == report.entries == len(sealed_log) and report.tree_heads == 2
    for entry in sealed_log:
        proof = inclusion(entry.pk)
        assert proof is not None and proof["verified"] and proof["tree_size"] == len(sealed_log)
    assert seal() is None  # nothing new: no new tree head


def test_entries_committed_after_a_seal_go_into_the_next_batch(sealed_log: list[AuditEntry]) -> None:
    late = _write(3, site="TEH")
    assert verify().entries - verify().sealed == 3  # awaiting sealing is not a break
    assert verify().ok
    result = seal()
    assert result is not None and result.sealed == 3 and result.tree_size == len(sealed_log) + 3
    assert [AuditLeaf.objects.get(entry=e).index for e in late] == list(
        range(len(sealed_log), len(sealed_log) + 3)
    )


def _edit(entries: list[AuditEntry]) -> tuple[str, str]:
    AuditEntry.objects.filter(pk=entries[3].pk).update(reason="nothing to see")
    return "EDITED", f"entry #{entries[3].pk}"


def _edit_and_rehash(entries: list[AuditEntry]) -> tuple[str, str]:
    entry = AuditEntry.objects.get(pk=entries[4].pk)
    entry.after = {"value": "forged"}
    AuditEntry.objects.filter(pk=entry.pk).update(after=entry.after, entry_hash=audit.content_hash(entry))
    return "EDITED", f"entry #{entry.pk}"


def _delete(entries: list[AuditEntry]) -> tuple[str, str]:
    AuditEntry.objects.filter(pk=entries[5].pk).delete()
    return "DELETED", f"entry #{entries[5].pk}"


def _delete_with_its_leaf(entries: list[AuditEntry]) -> tuple[str, str]:
    """Remove a sealed entry and its leaf: a gap in the leaves (and the tree no longer matches its heads)."""
    AuditEntry.objects.filter(pk=entries[8].pk).delete()
    index = AuditLeaf.objects.get(entry_id=entries[8].pk).index
    AuditLeaf.objects.filter(index=index).delete()
    return "DELETED", f"leaf {index}: missing from the sealed log"


def _splice_insert(entries: list[AuditEntry]) -> tuple[str, str]:
    """Insert a forged entry INTO sealed history: its leaf at index 3, the later leaves shifted up."""
    entry = AuditEntry(
        **{f: getattr(entries[2], f) for f in ("at", "actor", "role", "action", "object_type")}
    )
    entry.object_id, entry.after, entry.before, entry.reason = "forged", {"dose": 0}, None, ""
    entry.entry_hash = audit.content_hash(entry)
    entry.save()
    AuditLeaf.objects.filter(index__gte=3).update(index=F("index") + 100_000)
    AuditLeaf.objects.filter(index__gte=100_000).update(index=F("index") - 99_999)
    digest = merkle.leaf_hash(leaf_bytes(entry.pk, entry.entry_hash)).hex()
    AuditLeaf.objects.create(index=3, entry=entry, leaf_hash=digest)
    return "INSERTED", f"entry #{entry.pk}: spliced into the sealed log as leaf 3"


def _backdated_insert(entries: list[AuditEntry]) -> tuple[str, str]:
    """Insert a forged row after sealing, dated back so that it would pass for an old entry."""
    entry = AuditEntry(at=entries[1].at, actor="admin", role="", action="consent.record", object_type="x")
    entry.object_id, entry.entry_hash = "1", audit.content_hash(entry)
    entry.save()
    AuditEntry.objects.filter(pk=entry.pk).update(recorded_at=datetime.now(UTC) - timedelta(hours=2))
    return "INSERTED", f"entry #{entry.pk}: written before the tree head"


def _truncate_and_rewrite_head(entries: list[AuditEntry]) -> tuple[str, str]:
    """Today's passing attack: delete the newest entry and rewrite the head to the previous state."""
    newest = entries[-1]
    AuditEntry.objects.filter(pk=newest.pk).delete()
    AuditLeaf.objects.filter(entry_id=newest.pk).delete()
    hashes = [
        bytes.fromhex(h) for h in AuditLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    head = AuditTreeHead.objects.order_by("-tree_size").first()
    assert head is not None
    AuditTreeHead.objects.filter(pk=head.pk).update(
        tree_size=len(hashes), root_hash=merkle.root(hashes).hex()
    )
    return "REWRITTEN", f"tree head of size {len(hashes)}: its signature does not verify"


def _swap_contents(entries: list[AuditEntry]) -> tuple[str, str]:
    a, b = AuditEntry.objects.get(pk=entries[6].pk), AuditEntry.objects.get(pk=entries[7].pk)
    fields = (
        "at",
        "actor",
        "role",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "reason",
        "entry_hash",
    )
    AuditEntry.objects.filter(pk=a.pk).update(**{f: getattr(b, f) for f in fields})
    AuditEntry.objects.filter(pk=b.pk).update(**{f: getattr(a, f) for f in fields})
    return "REORDERED", f"entries #{a.pk} and #{b.pk}"


def _swap_leaves(entries: list[AuditEntry]) -> tuple[str, str]:
    AuditLeaf.objects.filter(index=1).update(index=1_000_000)
    AuditLeaf.objects.filter(index=2).update(index=1)
    AuditLeaf.objects.filter(index=1_000_000).update(index=2)
    return "REORDERED", "leaves 1 and 2"


TAMPERS: dict[str, Callable[[list[AuditEntry]], tuple[str, str]]] = {
    "edit": _edit,
    "edit-and-rehash": _edit_and_rehash,
    "delete": _delete,
    "delete-with-its-leaf": _delete_with_its_leaf,
    "insert-into-sealed-history": _splice_insert,
    "insert-backdated": _backdated_insert,
    "truncate-and-rewrite-head": _truncate_and_rewrite_head,
    "reorder-contents": _swap_contents,
    "reorder-leaves": _swap_leaves,
}


@pytest.mark.parametrize("published", [False, True], ids=["no-checkpoint", "checkpoint"])
@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_verify_names_every_kind_of_tampering(
    sealed_log: list[AuditEntry], tamper: str, published: bool
) -> None:
    checkpoint = latest_checkpoint() if published else None
    _owner_disables_triggers()
    kind, where = TAMPERS[tamper](sealed_log)
    report = verify(checkpoint)
    assert not report.ok
    assert any(str(b).startswith(f"{kind} {where}") for b in report.breaks), str(report)
    if published and tamper in (
        "insert-into-sealed-history",
        "truncate-and-rewrite-head",
        "reorder-leaves",
        "delete-with-its-leaf",
    ):
        # A tree that was rewritten no longer extends the published checkpoint (rows changed under intact
        # leaves are named by the leaf check above instead).
        assert any("published checkpoint" in b.where for b in report.breaks), str(report)


def test_every_break_is_listed_not_only_the_first(sealed_log: list[AuditEntry]) -> None:
    _owner_disables_triggers()
    _edit(sealed_log)
    _delete(sealed_log)
    _swap_contents(sealed_log)
    kinds = [b.kind for b in verify().breaks]
    assert {"edited", "deleted", "reordered"} <= set(kinds), kinds


def test_truncation_below_a_published_checkpoint_is_named(sealed_log: list[AuditEntry]) -> None:
    checkpoint = latest_checkpoint()
    assert checkpoint is not None
    _owner_disables_triggers()
    newest = sealed_log[-1]
    AuditEntry.objects.filter(pk=newest.pk).delete()
    AuditLeaf.objects.filter(entry_id=newest.pk).delete()
    AuditTreeHead.objects.filter(tree_size=len(sealed_log)).delete()  # the whole newest batch's head too
    report = verify(checkpoint)
    assert any(b.kind == "truncated" and "published checkpoint" in b.where for b in report.breaks), str(
        report
    )


def test_a_checkpoint_stays_consistent_as_the_log_grows(sealed_log: list[AuditEntry]) -> None:
    checkpoint = latest_checkpoint()
    assert checkpoint is not None and checkpoint.tree_size == len(sealed_log)
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint
    _write(4)
    seal()
    report = verify(checkpoint)
    assert report.ok and any("consistent with the published checkpoint" in n for n in report.notes), str(
        report
    )


def test_a_forged_checkpoint_is_refused(sealed_log: list[AuditEntry]) -> None:
    checkpoint = latest_checkpoint()
    assert checkpoint is not None
    forged = Checkpoint(**{**checkpoint.__dict__, "root_hash": "ab" * 32})
    assert any("signature" in b.detail for b in verify(forged).breaks)


@pytest.mark.postgres_only
def test_postgres_refuses_update_and_delete_on_every_audit_table(sealed_log: list[AuditEntry]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL only (SQLite relies on the Merkle log)")
    changes = [
        (AuditEntry, {"reason": "x"}),
        (AuditLeaf, {"leaf_hash": "x"}),
        (AuditTreeHead, {"root_hash": "x"}),
    ]
    for model, change in changes:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all().update(**change)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all().delete()
    assert verify().ok
