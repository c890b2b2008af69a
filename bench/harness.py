"""What every benchmark shares: throwaway databases, a concurrent runner with latencies, a results table.

Nothing here touches the demo or production database: a benchmark runs against a SQLite file in a
temporary folder or a PostgreSQL database `trialdesk_bench_<pid>` that it creates and drops itself.
"""

from __future__ import annotations

import os
import queue
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

DATABASES = ("sqlite", "postgresql")
POSTGRES_SERVER = os.environ.get("TRIALDESK_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
"""The PostgreSQL server (no database part) where the throwaway database is made."""

Item = TypeVar("Item")


@contextmanager
def throwaway_database(kind: str) -> Iterator[dict[str, str]]:
    """The environment a Django process needs to run on a new empty database, dropped on exit."""
    folder = tempfile.mkdtemp(prefix="trialdesk-bench-")
    # The secret key is given so that settings never writes one into a data folder.
    env = {"TRIALDESK_DATA_DIR": folder, "TRIALDESK_SECRET_KEY": "bench-" + os.urandom(16).hex()}
    try:
        if kind == "sqlite":
            env["TRIALDESK_DATABASE_URL"] = ""
            yield env
        elif kind == "postgresql":
            name = f"trialdesk_bench_{os.getpid()}"
            _postgres_admin(f'CREATE DATABASE "{name}"')
            try:
                env["TRIALDESK_DATABASE_URL"] = f"{POSTGRES_SERVER}/{name}"
                yield env
            finally:
                _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            raise ValueError(f"unknown database {kind!r}: choose one of {', '.join(DATABASES)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _postgres_admin(statement: str) -> None:
    import psycopg  # only the PostgreSQL run needs the driver

    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(statement.encode())
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"PostgreSQL at {POSTGRES_SERVER} refused `{statement}`: {error}\n"
            "Set TRIALDESK_BENCH_POSTGRES to a server where you may create databases, or use --database sqlite."
        ) from None


@dataclass(frozen=True)
class Timing:
    """One concurrent run: how many operations, the wall time, and each operation's latency in seconds."""

    operations: int
    seconds: float
    latencies: tuple[float, ...]
    cpu_seconds: float = 0.0
    """CPU time of this whole process (every thread) during the run: near `seconds` means one core busy."""

    @classmethod
    def combined(cls, parts: Sequence[Timing]) -> Timing:
        """Several runs as one: operations and seconds added up, latencies pooled."""
        return cls(
            operations=sum(part.operations for part in parts),
            seconds=sum(part.seconds for part in parts),
            latencies=tuple(latency for part in parts for latency in part.latencies),
            cpu_seconds=sum(part.cpu_seconds for part in parts),
        )

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: int) -> float:
        if len(self.latencies) < 2:
            return 1000 * (self.latencies[0] if self.latencies else 0.0)
        return 1000 * statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def run_concurrently(
    clients: int,
    items: Sequence[Item],
    operation: Callable[[Item], object],
    *,
    prepare: Callable[[], object],
    finish: Callable[[], object],
) -> Timing:
    """Share `items` among `clients` threads, each calling `operation(item)` until none is left.

    Each thread runs `prepare()` (open its connection) before the clock starts and `finish()` (close it)
    after; the clock runs from the moment every thread is ready until the last item is done. The first
    error in any thread is raised here, after every thread has stopped.
    """
    work: queue.SimpleQueue[Item] = queue.SimpleQueue()
    for item in items:
        work.put(item)
    started: list[tuple[float, float]] = []
    barrier = threading.Barrier(
        clients, action=lambda: started.append((time.perf_counter(), time.process_time()))
    )
    latencies: list[list[float]] = [[] for _ in range(clients)]
    last_done: list[float] = []  # each thread's end of its last operation: closing connections is not timed
    errors: list[BaseException] = []

    def client(index: int) -> None:
        try:
            prepare()
            barrier.wait()
            mine = latencies[index]
            while True:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    last_done.append(time.perf_counter())
                    return
                begin = time.perf_counter()
                operation(item)
                mine.append(time.perf_counter() - begin)
        except threading.BrokenBarrierError:
            return
        except BaseException as error:  # noqa: BLE001  (re-raised by the caller below)
            errors.append(error)
            barrier.abort()
        finally:
            finish()

    threads = [threading.Thread(target=client, args=(i,), name=f"bench-client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_end = time.process_time()
    if errors:
        raise errors[0]
    flat = tuple(latency for per_client in latencies for latency in per_client)
    (wall_start, cpu_start) = started[0]
    return Timing(len(flat), max(last_done) - wall_start, flat, cpu_seconds=cpu_end - cpu_start)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with right-aligned columns (also valid Markdown)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
