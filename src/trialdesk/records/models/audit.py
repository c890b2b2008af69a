"""The audit log: entries written by the services, and the signed Merkle tree that seals them.

An entry carries its own content hash, computed when it is written; its `id` (from the database) orders it.
Nothing is chained inside the writer's transaction, so appends at unrelated sites never wait for each other.
A background job later seals committed entries as leaves of an RFC 9162 Merkle tree (`AuditLeaf`, indices in
sealing order) and records an Ed25519-signed tree head (`AuditTreeHead`) whose key lives outside the database.
Entries written before the tree existed keep their hash chain (`sequence`, `previous_hash`), still verified.
On PostgreSQL a trigger refuses UPDATE and DELETE on all three tables.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class AuditEntry(models.Model):
    """One audited change: who, when, what before/after, why. Append-only."""

    # Legacy hash chain (entries written before migration 0005); NULL / "" for entries of the Merkle log.
    sequence = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    role = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField(blank=True)
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    # The database's clock at insert (not hashed): an entry recorded long before a tree head that does not
    # cover it was inserted afterwards.
    recorded_at = models.DateTimeField(db_default=Now())
    # SHA-256 of the entry's canonical content (legacy entries: the chain hash, which covers it too).
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]


class AuditLeaf(models.Model):
    """Leaf `index` of the Merkle tree: one sealed entry. Leaf = "trialdesk-audit-leaf-v1\\n{entry id}\\n{hash}".

    No database foreign key on purpose: a deleted entry must leave its leaf behind, so verify can name it.
    """

    index = models.PositiveBigIntegerField(primary_key=True)
    entry = models.OneToOneField(
        AuditEntry, on_delete=models.DO_NOTHING, db_constraint=False, related_name="leaf"
    )
    leaf_hash = models.CharField(max_length=64)


class AuditTreeHead(models.Model):
    """A signed tree head: the tree of the first `tree_size` leaves has `root_hash`, signed at `timestamp_ms`."""

    tree_size = models.PositiveBigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp_ms = models.BigIntegerField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    # Roots of the perfect subtrees of this tree (hex), so the next seal appends without reading old leaves.
    frontier = models.JSONField(default=list)

    class Meta:
        ordering = ["tree_size"]
