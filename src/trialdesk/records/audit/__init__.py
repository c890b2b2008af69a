"""The audit log: `append` (called by the unit of work inside the use case's transaction), sealing, verify.

An append writes one row with its own content hash and takes no lock: the row's id comes from the database,
and nothing refers to the previous entry. After commit a background job seals the committed entries into a
signed Merkle tree (`sealing.py`); `verify.py` checks hashes, leaves, signatures and published checkpoints.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from trialdesk.records.models import AuditEntry

if TYPE_CHECKING:
    from trialdesk.records.audit.verify import VerifyReport

GENESIS_HASH = "0" * 64
_CONTENT_TAG = "trialdesk-audit-entry-v2\n"


def _body(entry: AuditEntry) -> dict[str, Any]:
    return {
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


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(entry: AuditEntry) -> str:
    """SHA-256 of the entry's canonical content: computed at write time, checked by verify."""
    return hashlib.sha256((_CONTENT_TAG + _dumps(_body(entry))).encode("utf-8")).hexdigest()


def chain_hash(previous_hash: str, entry: AuditEntry) -> str:
    """The hash of a legacy chained entry (written before the Merkle log): previous hash + content + sequence."""
    body = _body(entry) | {"sequence": entry.sequence}
    return hashlib.sha256((previous_hash + "\n" + _dumps(body)).encode("utf-8")).hexdigest()


def leaf_bytes(entry_id: int, entry_hash: str) -> bytes:
    """The Merkle leaf of an entry: binds its database id (its place) to its hash (its content)."""
    return f"trialdesk-audit-leaf-v1\n{entry_id}\n{entry_hash}".encode()


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
    """Append one entry inside the caller's transaction; sealing is queued for after its commit."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.append must run inside the service's transaction")
    # Round-trip through JSON so the hashed content is exactly what the database returns later.
    entry = AuditEntry(
        at=at.astimezone(UTC),
        actor=actor,
        role=role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_json_safe(before),
        after=_json_safe(after),
        reason=reason,
    )
    entry.entry_hash = content_hash(entry)
    entry.save()
    if not any(callback is _enqueue_seal for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_enqueue_seal, robust=True)
    return entry


_last_queue_check = [0.0]  # per process: when a commit last looked at the job queue


def _enqueue_seal() -> None:
    """Queue the sealing job after a commit; with a job queue, at most one look per interval per process.

    Skipping is safe: the job worker also seals on its own every few seconds (`trialdesk worker`), so a
    commit whose look was skipped is sealed by the queued job or by that sweep, seconds later at most.
    """
    from django.conf import settings

    from trialdesk.records.audit.tasks import seal_already_queued, seal_audit_log, uses_job_queue

    if uses_job_queue():
        now = time.monotonic()
        if now - _last_queue_check[0] < settings.AUDIT_SEAL_QUEUE_INTERVAL:
            return
        _last_queue_check[0] = now
        if seal_already_queued():
            return
    seal_audit_log.enqueue()


def _json_safe(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    loaded: dict[str, Any] = json.loads(json.dumps(value, default=str, sort_keys=True))
    return loaded


def verify_chain() -> VerifyReport:
    """The whole check of `trialdesk audit verify` without a checkpoint (kept under its old name)."""
    from trialdesk.records.audit.verify import verify

    return verify()
