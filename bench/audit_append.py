"""Audit append benchmark: appends/s at 1 and 8 concurrent writers, before (chained, head lock) and after.

    python -m bench.audit_append [--database postgresql|sqlite] [--clients 1,8] [--appends 400] [--json]

Runs in a child process on a throwaway database (PostgreSQL by default: SQLite serialises every writer
anyway), with the database job backend, so "after" includes queueing the sealing job after each commit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import DATABASES, format_table, throwaway_database

ROOT = Path(__file__).resolve().parents[1]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_append", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=DATABASES, default="postgresql")
    parser.add_argument("--clients", default="1,8", help="comma-separated writer counts")
    parser.add_argument("--appends", type=int, default=400, help="appends per measurement")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-result", type=Path, default=None, help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(
        argv
    )  # `python -m bench` passes every benchmark the same options
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.child_result is not None:
        return _child(args)
    with throwaway_database(args.database) as env, tempfile.TemporaryDirectory() as folder:
        result_file = Path(folder) / "result.json"
        command = [sys.executable, "-m", "bench.audit_append", "--database", args.database]
        command += [
            "--clients",
            args.clients,
            "--appends",
            str(args.appends),
            "--child-result",
            str(result_file),
        ]
        child_env = {**os.environ, **env, "TRIALDESK_TASKS_BACKEND": "database"}
        subprocess.run(command, env=child_env, cwd=ROOT, check=True)
        results: list[dict[str, Any]] = json.loads(result_file.read_text(encoding="utf-8"))
    print(report(args.database, results), flush=True)
    if args.json:
        print(
            json.dumps({"benchmark": "audit_append", "database": args.database, "results": results}, indent=2)
        )
    return 0


def _child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", verbosity=0)
    from bench.audit_append_core import as_json, run_append_benchmark

    clients = tuple(int(c) for c in args.clients.split(","))
    results = as_json(run_append_benchmark(clients, args.appends))
    connections.close_all()
    args.child_result.write_text(json.dumps(results), encoding="utf-8")
    return 0


def report(database: str, results: list[dict[str, Any]]) -> str:
    header = [
        "writers",
        "before: chained appends/s",
        "p95 ms",
        "after: Merkle-log appends/s",
        "p95 ms",
        "after/before",
    ]
    rows = [
        [str(r["clients"]), f"{r['before_per_second']:.0f}", f"{r['before_p95_ms']:.1f}",
         f"{r['after_per_second']:.0f}", f"{r['after_p95_ms']:.1f}", f"{r['speedup']:.2f}x"]
        for r in results
    ]  # fmt: skip
    return f"audit append on {database} (one committed transaction per append)\n" + format_table(header, rows)


if __name__ == "__main__":
    sys.exit(main())
