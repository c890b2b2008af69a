"""Randomization benchmark: allocations per second with 1, 8 and 32 clients, against the floor.

    python -m bench.randomization [--database sqlite|postgresql|both] [--clients 1,8,32] [--allocations N]
                                  [--floor-transactions N] [--rounds R] [--json]

For each database it makes a throwaway database (a SQLite file in a temporary folder, or a PostgreSQL
database `trialdesk_bench_<pid>` on TRIALDESK_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432),
runs `bench.randomization_core` in a child process against it (Django configures itself once per process),
and drops it. It prints allocations/s through the production `randomize()`, the floor (a bare single-row
`SELECT ... FOR UPDATE` + `UPDATE` transaction on the same database), their ratio, p50/p95 latencies, and
the integrity check. Exit status 1 when an integrity check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import DATABASES, format_table, throwaway_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ALLOCATIONS = 120
FLOOR_MULTIPLE = 4  # the floor is ~20x faster: more transactions for a steady figure


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.randomization", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument(
        "--clients", type=_client_counts, default=(1, 8, 32), help="comma-separated, e.g. 1,8,32"
    )
    parser.add_argument(
        "--allocations", type=_positive, default=DEFAULT_ALLOCATIONS, help="allocations per measurement"
    )
    parser.add_argument(
        "--floor-transactions",
        type=_positive,
        default=None,
        help=f"floor transactions per measurement (default: {FLOOR_MULTIPLE} x allocations)",
    )
    parser.add_argument(
        "--rounds", type=_positive, default=3, help="floor and randomize() alternate in this many rounds"
    )
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--child-result", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def _client_counts(text: str) -> tuple[int, ...]:
    try:
        return tuple(_positive(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--clients must be whole numbers separated by commas, not {text}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.child_result is not None:
        return _child(args)
    kinds = DATABASES if args.database == "both" else (args.database,)
    results = [_run_on_throwaway(kind, args) for kind in kinds]
    print(flush=True)
    print(report(results), flush=True)
    if args.json:
        print(json.dumps({"benchmark": "randomization", "results": results}, indent=2))
    return 0 if all(result["ok"] for result in results) else 1


def _run_on_throwaway(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark in a child process on a new database of `kind`, dropped afterwards."""
    with throwaway_database(kind) as env, tempfile.TemporaryDirectory(prefix="trialdesk-bench-") as folder:
        result_file = Path(folder) / "result.json"
        command = [sys.executable, "-m", "bench.randomization", "--database", kind]
        command += ["--clients", ",".join(map(str, args.clients)), "--allocations", str(args.allocations)]
        command += ["--floor-transactions", str(args.floor_transactions or FLOOR_MULTIPLE * args.allocations)]
        command += ["--rounds", str(args.rounds), "--child-result", str(result_file)]
        began, load_before = time.perf_counter(), os.getloadavg()[0]
        subprocess.run(command, env={**os.environ, **env}, cwd=ROOT, check=True)
        result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
        # Other work on the machine skews every figure: say how busy it was.
        result["machine"] = {
            "cpus": os.cpu_count(),
            "load_1min_before": load_before,
            "load_1min_after": os.getloadavg()[0],
        }
        print(f"{kind}: done in {time.perf_counter() - began:.0f} s (setup included)", file=sys.stderr)
        return result


def _child(args: argparse.Namespace) -> int:
    """In the child process: configure Django on the throwaway database, migrate, measure, write JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", verbosity=0)
    from bench.randomization_core import run_benchmark  # needs the app registry, hence after setup

    result = run_benchmark(
        clients=args.clients,
        allocations=args.allocations,
        floor_transactions=args.floor_transactions,
        rounds=args.rounds,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    connections.close_all()
    args.child_result.write_text(json.dumps(result.as_json()), encoding="utf-8")
    return 0


def report(results: list[dict[str, Any]]) -> str:
    """The figures table, the floor used on each database, and the integrity check."""
    header = [
        "database",
        "clients",
        "allocations/s",
        "p50 ms",
        "p95 ms",
        "client CPU %",
        "floor tx/s",
        "floor p50 ms",
        "floor p95 ms",
        "ratio",
    ]
    rows = [
        [
            result["database"],
            str(m["clients"]),
            f"{m['allocations_per_second']:.1f}",
            f"{m['p50_ms']:.1f}",
            f"{m['p95_ms']:.1f}",
            f"{m['client_cpu_percent']:.0f}",
            f"{m['floor_per_second']:.0f}",
            f"{m['floor_p50_ms']:.2f}",
            f"{m['floor_p95_ms']:.2f}",
            f"{m['ratio']:.3f}",
        ]
        for result in results
        for m in result["measurements"]
    ]
    lines = ["Randomization: allocations/s through randomize() vs the floor (ratio = randomize / floor)", ""]
    lines.append(format_table(header, rows))
    lines.append("")
    for result in results:
        lines.append(f"{result['database']} ({result['server_version']}) floor: {result['floor_statement']}")
    for result in results:
        machine = result.get("machine")
        if machine:
            lines.append(
                f"{result['database']} run: {machine['cpus']} CPUs, load average (1 min) "
                f"{machine['load_1min_before']:.1f} before, {machine['load_1min_after']:.1f} after"
            )
    lines.append("")
    for result in results:
        for check in result["integrity"]:
            what = f"{check['clients']} client(s): {check['allocated']} of {check['participants']} allocated"
            verdict = (
                "OK (one slot each, list order, no gap)" if check["ok"] else "; ".join(check["problems"])
            )
            lines.append(f"integrity {result['database']}, {what}: {verdict}")
        floor = "; ".join(result["floor_problems"]) or "OK (no lost update)"
        lines.append(f"integrity {result['database']}, floor counter: {floor}")
        lines.append(
            f"integrity {result['database']}, audit chain: {'OK' if result['audit_chain_ok'] else 'BROKEN'}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
