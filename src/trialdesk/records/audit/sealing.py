"""Sealing: committed, unsealed entries become the next leaves of the Merkle tree, under a signed tree head.

Run by the background job queued after every committing write (`tasks.py`) and by `trialdesk audit seal`.
Leaf indices follow sealing order: an entry whose transaction commits late is simply sealed in a later batch.
Sealers exclude each other (a PostgreSQL advisory lock; SQLite's write lock); writers never wait for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, transaction

from trialdesk.core import checkpoint, merkle
from trialdesk.records.audit import leaf_bytes
from trialdesk.records.audit.keys import signing_key
from trialdesk.records.models import AuditEntry, AuditLeaf, AuditTreeHead

_SEAL_LOCK = 0x7472_6961_6C64_6B  # "trialdk": the advisory lock id of the sealer


@dataclass(frozen=True)
class SealResult:
    sealed: int
    tree_size: int
    root_hash: str


def seal(key: Ed25519PrivateKey | None = None) -> SealResult | None:
    """Seal every committed entry not sealed yet; None when there was nothing new to sign."""
    key = key or signing_key()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])
        latest = AuditTreeHead.objects.order_by("-tree_size").first()
        frontier = _frontier(latest)
        pending = list(
            AuditEntry.objects.filter(leaf__isnull=True).order_by("id").values_list("id", "entry_hash")
        )
        if not pending and latest is not None and latest.tree_size == frontier.size:
            return None
        leaves = [
            AuditLeaf(
                index=frontier.size + i,
                entry_id=entry_id,
                leaf_hash=merkle.leaf_hash(leaf_bytes(entry_id, h)).hex(),
            )
            for i, (entry_id, h) in enumerate(pending)
        ]
        AuditLeaf.objects.bulk_create(leaves, batch_size=1000)
        frontier = frontier.append([bytes.fromhex(leaf.leaf_hash) for leaf in leaves])
        head = checkpoint.sign(key, frontier.size, frontier.root().hex(), int(time.time() * 1000))
        AuditTreeHead.objects.create(
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            timestamp_ms=head.timestamp_ms,
            key_id=head.key_id,
            signature=head.signature,
            frontier=[h.hex() for h in frontier.hashes],
        )
    return SealResult(len(leaves), head.tree_size, head.root_hash)


def _frontier(latest: AuditTreeHead | None) -> merkle.Frontier:
    """The frontier of all leaves so far: from the newest head when it covers them all, else from the leaves."""
    leaf_count = AuditLeaf.objects.count()
    if latest is not None and latest.tree_size == leaf_count:
        return merkle.Frontier(latest.tree_size, tuple(bytes.fromhex(h) for h in latest.frontier))
    # Leaves without a head: those the migration sealed from the old hash chain (signed by this first seal).
    hashes = AuditLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)
    return merkle.Frontier.empty().append([bytes.fromhex(h) for h in hashes.iterator(chunk_size=5000)])


def latest_checkpoint() -> checkpoint.Checkpoint | None:
    """The newest signed tree head, in the published form (with the public key of the key file)."""
    from trialdesk.records.audit.keys import public_key_from_file

    head = AuditTreeHead.objects.order_by("-tree_size").first()
    public = public_key_from_file()
    if head is None or public is None:
        return None
    return checkpoint.Checkpoint(
        head.tree_size,
        head.root_hash,
        head.timestamp_ms,
        head.key_id,
        head.signature,
        checkpoint.raw_public_key(public).hex(),
    )
