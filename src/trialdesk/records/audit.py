"""Appending to and verifying the hash-chained audit log. Called inside the service's transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from trialdesk.records.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64


def _canonical(entry: AuditEntry) -> str:
    body = {
        "sequence": entry.sequence,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compute_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + "\n" + _canonical(entry)).encode("utf-8")).hexdigest()


def append(
    *,
    at: datetime,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry; must run inside the caller's transaction (the head row lock serializes appends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.append must run inside the service's transaction")
    head = AuditHead.objects.select_for_update().filter(singleton=1).first()
    if head is None:
        head = AuditHead.objects.create(singleton=1, length=0, last_hash=GENESIS_HASH)
    # Round-trip through JSON so the hashed content is exactly what the database returns later.
    entry = AuditEntry(
        sequence=head.length + 1,
        at=at.astimezone(UTC),
        actor=actor,
        role=role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_json_safe(before),
        after=_json_safe(after),
        reason=reason,
        previous_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(head.last_hash, entry)
    entry.save()
    head.length = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["length", "last_hash"])
    return entry


def _json_safe(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    loaded: dict[str, Any] = json.loads(json.dumps(value, default=str, sort_keys=True))
    return loaded


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    length: int
    first_broken_sequence: int | None
    problem: str

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.length} entries"
        return f"audit chain BROKEN at entry {self.first_broken_sequence}: {self.problem}"


def verify_chain() -> ChainReport:
    """Walk the log in order; name the first entry that was edited, deleted or inserted."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    count = 0
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        count += 1
        if entry.sequence != expected_sequence:
            if entry.sequence > expected_sequence:
                return ChainReport(
                    False, count, expected_sequence, f"entry {expected_sequence} is missing (deleted)"
                )
            return ChainReport(False, count, entry.sequence, "sequence number out of order (inserted)")
        if entry.previous_hash != previous_hash:
            return ChainReport(
                False, count, entry.sequence, "does not follow the previous entry (inserted or reordered)"
            )
        if compute_hash(previous_hash, entry) != entry.entry_hash:
            return ChainReport(False, count, entry.sequence, "content does not match its hash (edited)")
        previous_hash = entry.entry_hash
        expected_sequence += 1
    head = AuditHead.objects.filter(singleton=1).first()
    head_length = head.length if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_length != count or head_hash != previous_hash:
        return ChainReport(
            False,
            count,
            count + 1 if head_length > count else count,
            f"the log ends at {count} but its head records {head_length} entries (newest deleted)",
        )
    return ChainReport(True, count, None, "")
