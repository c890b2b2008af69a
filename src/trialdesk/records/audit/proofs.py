"""Inclusion proofs for `trialdesk audit prove ENTRY`."""

from __future__ import annotations

from typing import Any

from trialdesk.core import merkle
from trialdesk.records.audit import leaf_bytes
from trialdesk.records.models import AuditEntry, AuditLeaf, AuditTreeHead


def inclusion(entry_id: int) -> dict[str, Any] | None:
    """The entry's leaf and its RFC 9162 audit path to the newest signed tree head covering it; None if unsealed."""
    leaf = AuditLeaf.objects.filter(entry_id=entry_id).first()
    head = AuditTreeHead.objects.order_by("-tree_size").first()
    entry = AuditEntry.objects.filter(pk=entry_id).first()
    if leaf is None or head is None or entry is None or leaf.index >= head.tree_size:
        return None
    hashes = [
        bytes.fromhex(h)
        for h in AuditLeaf.objects.filter(index__lt=head.tree_size)
        .order_by("index")
        .values_list("leaf_hash", flat=True)
    ]
    proof = merkle.inclusion_proof(leaf.index, hashes)
    leaf_hash = merkle.leaf_hash(leaf_bytes(entry.pk, entry.entry_hash))
    return {
        "entry": entry.pk,
        "entry_hash": entry.entry_hash,
        "leaf_index": leaf.index,
        "leaf_hash": leaf_hash.hex(),
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp_ms": head.timestamp_ms,
        "audit_path": [h.hex() for h in proof],
        "verified": merkle.verify_inclusion(
            leaf.index, head.tree_size, leaf_hash, proof, bytes.fromhex(head.root_hash)
        ),
    }
