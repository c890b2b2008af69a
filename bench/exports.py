"""Export benchmark (PostgreSQL): time and peak memory of CSV long, ODM and SDTM LB against the floor.

    python -m bench.exports [--participants N | --large] [--visits 20] [--items 50] [--json]

Makes a throwaway PostgreSQL database (`trialdesk_bench_<pid>` on TRIALDESK_BENCH_POSTGRES), writes a
synthetic study by bulk_create (1,000 participants × 20 visits × 50 items = 1 million values by default,
10,000 participants with `--large`), and in the same child process times each export through the service
against the floor: a bare server-side-cursor `SELECT` of the same value rows written to /dev/null. Prints
seconds, ratio to the floor, MB written, the tracemalloc peak and the RSS high-water mark. On SQLite (no
server-side cursors) it is skipped with a message.
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

from bench.harness import format_table, throwaway_database

ROOT = Path(__file__).resolve().parents[1]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--large", action="store_true", help="10,000 participants (10 million values)")
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--database", default="postgresql")
    parser.add_argument("--simulated", action="store_true", help="the simulated trial grown by the bulk path")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-result", type=Path, default=None, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(argv)  # options of other benchmarks are ignored
    if args.large:
        args.participants = 10_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.child_result is not None:
        return _child(args)
    if args.database != "postgresql":
        print(
            "bench.exports: skipped — it measures PostgreSQL server-side cursors (use --database postgresql)"
        )
        return 0
    with throwaway_database("postgresql") as env, tempfile.TemporaryDirectory() as folder:
        result_file = Path(folder) / "result.json"
        command = [sys.executable, "-m", "bench.exports", "--participants", str(args.participants),
                   "--visits", str(args.visits), "--items", str(args.items), "--child-result", str(result_file),
                   *(["--simulated"] if args.simulated else [])]  # fmt: skip
        subprocess.run(command, env={**os.environ, **env}, cwd=ROOT, check=True)
        result = json.loads(result_file.read_text(encoding="utf-8"))
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


def report(result: dict[str, Any]) -> str:
    rows = [
        [m["name"], f"{m['seconds']:.1f}", f"{m['ratio_to_floor']:.1f}x" if m["ratio_to_floor"] else "1.0x",
         f"{m['megabytes_written']:.0f}", f"{m['tracemalloc_peak_mb']:.1f}", f"{m['rss_high_water_mb']:.0f}"]
        for m in result["measurements"]
    ]  # fmt: skip
    title = (f"exports on PostgreSQL: {result['participants']:,} participants, {result['values']:,} values, "
             f"{result.get('source', 'grid')} (built in {result['build_seconds']:.0f} s)")  # fmt: skip
    headers = ["export", "seconds", "vs floor", "MB written", "tracemalloc peak MB", "RSS high-water MB"]
    return title + "\n" + format_table(headers, rows)


def _child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from bench.exports_core import run_benchmark

    result = run_benchmark(args.participants, args.visits, args.items, simulated=args.simulated)
    args.child_result.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
