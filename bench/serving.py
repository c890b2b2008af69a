"""Serving benchmark: page reads and writes per second through `trialdesk serve --workers N`, N = 1 and 2.

    python -m bench.serving [--database postgresql|sqlite] [--workers 1,2] [--clients 16] [--reads 400]
                            [--writes 200] [--json]

A throwaway database is prepared once (migrated, the default study, one investigator per client); then for
each N the real command `trialdesk serve --workers N` (gunicorn, 8 threads per process, plus the job worker)
is started on a free port, `--clients` signed-in HTTP clients (threads of this process, keep-alive
connections) read the participant's page (the same participant: its size does not grow with the writes), then register participants through the JSON API (a write:
participant row, identity, site counter, audit entry, sealing queued), and the server is stopped (SIGTERM).
The figure reported is throughput with N workers divided by throughput with the first N, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import DATABASES, Timing, format_table, run_concurrently, throwaway_database
from bench.serving_client import Session, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-0123"
SITES = 4


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=DATABASES, default="postgresql")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker-process counts")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(
        argv
    )  # `python -m bench` passes every benchmark the same options
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.prepare:
        return _prepare(args.clients)
    result = run(
        args.database, [int(n) for n in args.workers.split(",")], args.clients, args.reads, args.writes
    )
    print(report(result), flush=True)
    if args.json:
        print(json.dumps({"benchmark": "serving", **result}, indent=2))
    return 0


def run(database: str, workers: list[int], clients: int, reads: int, writes: int) -> dict[str, Any]:
    with throwaway_database(database) as env:
        env = {**os.environ, **env, "TRIALDESK_TASKS_BACKEND": "database", "TRIALDESK_SECURE_COOKIES": "0"}
        env.pop("PYTEST_VERSION", None)  # the servers run as in production, also under the tiny test
        subprocess.run([sys.executable, "-m", "bench.serving", "--prepare", "--clients", str(clients)],
                       env=env, cwd=ROOT, check=True)  # fmt: skip
        setup = json.loads((Path(env["TRIALDESK_DATA_DIR"]) / "bench-setup.json").read_text())
        measurements = [_measure(env, n, reads, writes, setup) for n in workers]
    base = measurements[0]
    for m in measurements:
        m["reads_ratio"] = m["reads_per_second"] / base["reads_per_second"]
        m["writes_ratio"] = m["writes_per_second"] / base["writes_per_second"]
    return {"database": database, "clients": clients, "cpus": os.cpu_count(), "measurements": measurements}


def _prepare(clients: int) -> int:
    """In a child process: migrate the throwaway database, load the default study, add the investigators."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from trialdesk.bootstrap import INSTALLER, ensure_installed
    from trialdesk.core.roles import Role
    from trialdesk.records.models import Person
    from trialdesk.services.actors import actor_for
    from trialdesk.services.participants import IdentityDetails, register_for_screening
    from trialdesk.services.people import add_person
    from trialdesk.services.sites import create_site

    study = ensure_installed(admin_from_env_or_prompt=False)
    # Writers spread over several sites, as in a multi-site trial (codes are handed out per site, under a lock).
    count = min(SITES, clients)
    sites = [create_site(INSTALLER, study=study, code=f"B{i}", name=f"Bench site {i}") for i in range(count)]
    users = []
    for i in range(clients):
        site = sites[i % count]
        person = add_person(INSTALLER, study=study, username=f"bench-{i}", display_name=f"Bench {i}",
                            password=PASSWORD, role=Role.INVESTIGATOR, site=site)  # fmt: skip
        users.append((person.user.username, site.code))
    # One participant per site whose page the readers of that site read (its size does not grow with writes).
    pages = {}
    for i, site in enumerate(sites):
        actor = actor_for(Person.objects.get(user__username=f"bench-{i}"), study.pk)
        identity = IdentityDetails(full_name=f"Read Page {i}")
        participant = register_for_screening(
            actor, site=site, identity=identity, sex="female", year_of_birth=1990
        )
        pages[site.code] = f"/participants/{participant.study_code}/"
    setup = {"users": [(user, site, pages[site]) for user, site in users]}
    (Path(os.environ["TRIALDESK_DATA_DIR"]) / "bench-setup.json").write_text(json.dumps(setup))
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _measure(
    env: dict[str, str], workers: int, reads: int, writes: int, setup: dict[str, Any]
) -> dict[str, Any]:
    port = _free_port()
    command = [sys.executable, "-m", "trialdesk.cli", "serve", "--data-dir", env["TRIALDESK_DATA_DIR"]]
    server = subprocess.Popen([*command, "--port", str(port), "--workers", str(workers)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_until_serving(port)
        pool: queue.SimpleQueue[Session] = queue.SimpleQueue()
        clients = len(setup["users"])
        for username, site, page in setup["users"]:
            session = Session(port, site, page)
            session.sign_in(username, PASSWORD)
            pool.put(session)
        local = threading.local()

        def take() -> None:  # each client thread borrows one signed-in session for a run
            local.session = pool.get()

        def give_back() -> None:
            pool.put(local.session)

        def timed(items: range, operation: Callable[[int], None]) -> Timing:
            return run_concurrently(clients, items, operation, prepare=take, finish=give_back)

        timed(range(clients * 2), lambda _: local.session.read_page())  # warm-up: not measured
        read = timed(range(reads), lambda _: local.session.read_page())
        write = timed(range(writes), lambda n: local.session.register(n))
        while not pool.empty():
            pool.get().close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return {"workers": workers, **_figures("reads", read), **_figures("writes", write)}


def _figures(name: str, timing: Timing) -> dict[str, float]:
    return {
        f"{name}_per_second": timing.per_second,
        f"{name}_p50_ms": timing.percentile_ms(50),
        f"{name}_p95_ms": timing.percentile_ms(95),
    }


def report(result: dict[str, Any]) -> str:
    header = ["workers", "page reads/s", "p95 ms", "ratio", "writes/s", "p95 ms", "ratio"]
    rows = [
        [str(m["workers"]), f"{m['reads_per_second']:.0f}", f"{m['reads_p95_ms']:.0f}", f"{m['reads_ratio']:.2f}x",
         f"{m['writes_per_second']:.0f}", f"{m['writes_p95_ms']:.0f}", f"{m['writes_ratio']:.2f}x"]
        for m in result["measurements"]
    ]  # fmt: skip
    title = (f"serving on {result['database']}: `trialdesk serve --workers N`, {result['clients']} HTTP clients, "
             f"{result['cpus']} CPUs; reads = a participant's page, writes = POST /api/participants/register")  # fmt: skip
    return (
        title
        + "\n"
        + format_table(header, rows)
        + "\n(ratio: against the first worker count, same run; goal 1.7x)"
    )


if __name__ == "__main__":
    sys.exit(main())
