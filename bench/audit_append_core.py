"""The audit-append measurement, run inside a configured Django process (the benchmark's child, or a test).

Before: the chained append of the old log, reproduced here as the baseline: lock the one head row
(`SELECT ... FOR UPDATE`), hash over the previous hash, insert, update the head. After: the production
`audit.append` (content hash, insert, sealing queued after commit through the configured job backend).
Each operation is one committed transaction, as a service's write is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from bench.harness import Timing, run_concurrently
from trialdesk.records import audit
from trialdesk.records.models import AuditEntry

HEAD_TABLE = "bench_audit_head"


@dataclass(frozen=True)
class AppendMeasurement:
    clients: int
    appends: int
    before_per_second: float
    after_per_second: float
    before_p95_ms: float
    after_p95_ms: float

    @property
    def speedup(self) -> float:
        return self.after_per_second / self.before_per_second if self.before_per_second else 0.0


def _entry_fields(i: int) -> dict[str, Any]:
    return {
        "at": datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        "actor": f"investigator-{i % 20}",
        "role": "investigator",
        "action": "crf.save",
        "object_type": "form",
        "object_id": f"SITE{i % 20}-{i}",
        "before": None,
        "after": {"value": i},
    }


def chained_append(i: int) -> None:
    """The old append: every writer waits for the one head row."""
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""  # SQLite: the write lock is the lock
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT length, last_hash FROM {HEAD_TABLE} WHERE id = 1{lock}")
        length, last_hash = cursor.fetchone()
        entry = AuditEntry(sequence=length + 1, previous_hash=last_hash, **_entry_fields(i))
        entry.entry_hash = audit.chain_hash(last_hash, entry)
        entry.save()
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET length = %s, last_hash = %s WHERE id = 1",
            [length + 1, entry.entry_hash],
        )


def merkle_append(i: int) -> None:
    """The production append: no shared row, sealing queued after commit."""
    with transaction.atomic():
        audit.append(**_entry_fields(i))


def _timed(clients: int, appends: int, operation: Callable[[int], None]) -> Timing:
    return run_concurrently(
        clients,
        list(range(appends)),
        operation,
        prepare=lambda: connection.ensure_connection(),
        finish=lambda: connection.close(),
    )


def run_append_benchmark(
    clients: Sequence[int] = (1, 8), appends: int = 400, rounds: int = 3
) -> list[AppendMeasurement]:
    """Before and after alternate in `rounds` chunks, so a change in the machine's load hits both."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {HEAD_TABLE} (id integer PRIMARY KEY, length bigint, last_hash varchar(64))"
        )
        cursor.execute(f"INSERT INTO {HEAD_TABLE} VALUES (1, 0, %s)", [audit.GENESIS_HASH])
    try:
        results = []
        for count in clients:
            chunk = max(count, appends // rounds)
            before_parts, after_parts = [], []
            for _ in range(rounds):
                before_parts.append(_timed(count, chunk, chained_append))
                after_parts.append(_timed(count, chunk, merkle_append))
            before, after = Timing.combined(before_parts), Timing.combined(after_parts)
            results.append(
                AppendMeasurement(
                    count,
                    before.operations,
                    before.per_second,
                    after.per_second,
                    before.percentile_ms(95),
                    after.percentile_ms(95),
                )  # fmt: skip
            )
        return results
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {HEAD_TABLE}")


def as_json(results: list[AppendMeasurement]) -> list[dict[str, Any]]:
    return [asdict(r) | {"speedup": r.speedup} for r in results]
