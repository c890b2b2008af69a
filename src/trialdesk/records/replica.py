"""Reports and exports read from a read replica when one is configured; every write goes to the primary.

`TRIALDESK_REPLICA_DATABASE_URL` adds the `replica` database (settings.py); `ReplicaRouter` sends the reads made
inside `replica_reads()` there, and everything else (writes, the reads of a use case, migrations) to `default`.
Without a replica `replica_reads()` changes nothing. A replica lags the primary by its replication delay
(usually well under a second with streaming replication), so only reads that tolerate that use it: the rows
of an export or report, never a check made before a write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading = ContextVar("trialdesk_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside this block go to the replica (when there is one)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return REPLICA if _reading.get() and REPLICA in settings.DATABASES else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return "default"

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"  # the replica receives the schema by replication
