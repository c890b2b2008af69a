"""The export benchmark's work, inside a Django process: the synthetic study (`bench.exports_build`), then
each export timed and its memory measured against the floor (a bare server-side-cursor SELECT of the rows).

One measurement = one pass: the export through the service, every chunk written to /dev/null, timed
(wall clock), with the CPU time of this process and of its PostgreSQL backend (read from /proc: the server
runs on the same machine) — on a shared machine the wall clock moves with other people's load, CPU seconds
much less.
Memory: the process's RSS high-water mark (`VmHWM`) before and after the pass; `python -m bench.exports`
runs each measurement in a fresh child process, so the high-water mark after is that export's own peak
(Django, lxml, pandas loaded, plus the export). With `traced`, a second pass under tracemalloc adds the
peak of Python allocations (doubles the run time, so it is optional).
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.exports_build import build_study

FLOOR, FLOOR_AGAIN, XPT = "floor: bare SELECT", "floor again (after the exports)", "SDTM LB (XPT)"
MEASURED = {  # name in the table: (export format, options), in the order measured
    FLOOR: ("floor", {}),
    "CSV long": ("csv", {}),
    "ODM 1.3.2": ("odm", {}),
    "ODM 2.0": ("odm2", {}),
    "SDTM LB (Dataset-JSON)": ("sdtm-json", {"domain": "LB"}),
    XPT: ("sdtm-xpt", {"domain": "LB"}),
    FLOOR_AGAIN: ("floor", {}),
}


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    cpu_seconds: float  # this process (user + system)
    server_cpu_seconds: float  # its PostgreSQL backend (user + system)
    megabytes_written: float
    rss_before_mb: float
    rss_high_water_mb: float
    tracemalloc_peak_mb: float | None = None
    ratio_to_floor: float = 0.0
    cpu_ratio_to_floor: float = 0.0


def _rss_mb() -> float:
    """This process's RSS high-water mark: `VmHWM` of /proc/self/status, which belongs to the process's own
    memory map and starts afresh at exec. (`ru_maxrss` does not: a child started by a large `python -m
    bench` parent reported the parent's 429 MB as its own peak.) `ru_maxrss` where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def floor_rows() -> Iterator[tuple[Any, ...]]:
    """The same value rows as the long CSV, by a bare server-side-cursor SELECT in the same order."""
    from django.db import connection, transaction

    sql = (
        "SELECT p.study_code, s.code, f.visit_id, f.occurrence, f.form_id, f.form_version, v.path, v.raw, "
        "v.unit, v.standard_value, v.canonical_unit, v.flag, f.updated_at, f.updated_by "
        "FROM casebook_itemvalue v JOIN casebook_formrecord f ON v.form_record_id = f.id "
        "JOIN records_participant p ON f.participant_id = p.id JOIN records_site s ON p.site_id = s.id "
        "ORDER BY p.study_code, f.visit_id, f.occurrence, f.form_id, v.id"
    )
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(2000):
            yield from rows


def _floor() -> Iterator[bytes]:
    for row in floor_rows():
        yield repr(row).encode()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_stat() -> Path | None:
    """/proc/PID/stat of this connection's PostgreSQL backend (the server runs on this machine), or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    return stat if stat.exists() else None


def _server_cpu_seconds(stat: Path | None) -> float:
    if stat is None:
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name: state is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def _measure(name: str, produce: Callable[[], Iterator[bytes]], traced: bool = False) -> Measurement:
    stat = _backend_stat()
    with open("/dev/null", "wb") as sink:
        gc.collect()
        before = _rss_mb()
        started, cpu, server_cpu = time.perf_counter(), _cpu_seconds(), _server_cpu_seconds(stat)
        written = 0
        for chunk in produce():
            sink.write(chunk)
            written += len(chunk)
        seconds = time.perf_counter() - started
        cpu, server_cpu = _cpu_seconds() - cpu, _server_cpu_seconds(stat) - server_cpu
        high_water = _rss_mb()
        peak = None
        if traced:
            gc.collect()
            tracemalloc.start()
            for chunk in produce():
                sink.write(chunk)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    return Measurement(name, seconds, cpu, server_cpu, written / 1e6, before, high_water, peak)


def simulated_study(participants: int) -> Any:
    """The bulk path (`bench.bulk_study`): a trial simulated through the services, grown to `participants`."""
    from bench.bulk_study import grow, made_through_services
    from trialdesk.records.models import Person
    from trialdesk.services.actors import actor_for

    study = made_through_services(20, 13, Path(os.environ["TRIALDESK_DATA_DIR"]))
    grow(study, total=participants, sites=20, log=_log)
    return actor_for(Person.objects.get(user__username="statistician"), study.pk), study


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def build(participants: int, visits: int = 20, items: int = 50, simulated: bool = False) -> dict[str, Any]:
    """Write the study; what the measurements need to find it again (the exporting user) and its size."""
    from trialdesk.records.casebook.models import ItemValue

    started = time.perf_counter()
    if simulated:
        actor, _ = simulated_study(participants)
    else:
        actor, _ = build_study(participants, visits, items, log=_log)
    built = time.perf_counter() - started
    values = ItemValue.objects.count()
    _log(f"built {participants:,} participants, {values:,} values in {built:.1f} s")
    return {"participants": participants, "visits": visits, "items": items, "values": values,
            "source": "simulated (bulk path)" if simulated else "grid (INSERT … SELECT copies)",
            "build_seconds": built, "username": actor.username}  # fmt: skip


def measure(name: str, username: str, traced: bool = False) -> dict[str, Any]:
    """One measurement of MEASURED (the floor or an export by `username`) on the study in the database."""
    from trialdesk.records.models import Person, Study
    from trialdesk.services.actors import actor_for
    from trialdesk.services.exports import export

    study = Study.objects.get()
    actor = actor_for(Person.objects.get(user__username=username), study.pk)
    fmt, options = MEASURED[name]

    def produce() -> Iterator[bytes]:
        if fmt == "floor":
            yield from _floor()
            return
        for file in export(actor, study=study, format=fmt, **options).files():
            yield from file.chunks

    one = _measure(name, produce, traced)
    _log(f"measured {name}: {one.seconds:.1f} s")
    return asdict(one)


def with_ratios(measurements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each measurement with its ratio to the floor: the faster of the two floor passes (first and last),
    so a floor slowed by a cold cache or a burst of load on the shared machine never flatters the exports."""
    floors = [m for m in measurements if m["name"] in (FLOOR, FLOOR_AGAIN)]
    floor = min(m["seconds"] for m in floors)
    floor_cpu = min(_all_cpu(m) for m in floors)
    return [
        {**m, "ratio_to_floor": m["seconds"] / floor, "cpu_ratio_to_floor": _all_cpu(m) / floor_cpu}
        for m in measurements
    ]


def _all_cpu(measurement: dict[str, Any]) -> float:
    return float(measurement["cpu_seconds"] + measurement["server_cpu_seconds"])


def run_benchmark(
    participants: int, visits: int = 20, items: int = 50, simulated: bool = False, traced: bool = False
) -> dict[str, Any]:
    """Build and measure in this process (the smoke test; `python -m bench.exports` uses fresh processes)."""
    result = build(participants, visits, items, simulated)
    measured = [measure(name, result["username"], traced) for name in MEASURED]
    return {**result, "measurements": with_ratios(measured)}
