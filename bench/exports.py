"""Export benchmark (PostgreSQL): time and peak memory of CSV long, ODM and SDTM LB against the floor.

    python -m bench.exports [--participants N | --large] [--visits 20] [--items 50] [--json]

Makes a throwaway PostgreSQL database (`trialdesk_bench_<pid>` on TRIALDESK_BENCH_POSTGRES), writes a
synthetic study in a child process (1,000 participants × 20 visits × 50 items = 1 million values by default,
10,000 participants with `--large`: one participant by the ORM, the others copied on the server), then
runs each measurement in its own fresh child process: the floor (a bare server-side-cursor `SELECT` of the
same value rows written to /dev/null) and each export through the service written to /dev/null, once.
Prints wall seconds and their ratio to the floor, CPU seconds (the child and its PostgreSQL backend) and
their ratio, MB written and the child's RSS before and after (its high-water mark: that export's own
peak); `--tracemalloc` adds a second, traced pass per export. On SQLite (no server-side cursors) it is
skipped with a message.
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

from bench.exports_core import MEASURED, XPT, with_ratios
from bench.harness import format_table, throwaway_database

ROOT = Path(__file__).resolve().parents[1]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument(
        "--large", action="store_true", help="10,000 participants (10 million values), without SDTM XPT"
    )
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--database", default="postgresql")
    parser.add_argument("--simulated", action="store_true", help="the simulated trial grown by the bulk path")
    parser.add_argument("--tracemalloc", action="store_true", help="a second, traced pass per export")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-result", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-measure", nargs=3, default=None, help=argparse.SUPPRESS)
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
        run = {"env": {**os.environ, **env}, "cwd": ROOT, "check": True}
        command = [sys.executable, "-m", "bench.exports", "--participants", str(args.participants),
                   "--visits", str(args.visits), "--items", str(args.items), "--child-result", str(result_file),
                   *(["--simulated"] if args.simulated else [])]  # fmt: skip
        subprocess.run(command, **run)  # type: ignore[call-overload]
        result = json.loads(result_file.read_text(encoding="utf-8"))
        measured = []
        for name in MEASURED:
            if name == XPT and args.large:
                continue  # the whole domain in memory (pyreadstat): shown growing at 1,000, too slow at 10,000
            traced = "traced" if args.tracemalloc else "untraced"
            command = [
                sys.executable,
                "-m",
                "bench.exports",
                "--child-measure",
                name,
                result["username"],
                traced,
            ]
            subprocess.run([*command, "--child-result", str(result_file)], **run)  # type: ignore[call-overload]
            measured.append(json.loads(result_file.read_text(encoding="utf-8")))
    result["measurements"] = with_ratios(measured)
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


def report(result: dict[str, Any]) -> str:
    traced = any(m["tracemalloc_peak_mb"] is not None for m in result["measurements"])
    rows = [
        [m["name"], f"{m['seconds']:.1f}", f"{m['ratio_to_floor']:.2f}x",
         f"{m['cpu_seconds']:.1f} + {m['server_cpu_seconds']:.1f}", f"{m['cpu_ratio_to_floor']:.2f}x",
         f"{m['megabytes_written']:.0f}", f"{m['rss_before_mb']:.0f}", f"{m['rss_high_water_mb']:.0f}",
         *([f"{m['tracemalloc_peak_mb']:.1f}"] if traced else [])]
        for m in result["measurements"]
    ]  # fmt: skip
    title = (f"exports on PostgreSQL: {result['participants']:,} participants, {result['values']:,} values, "
             f"{result['source']} (built in {result['build_seconds']:.0f} s); each measurement in a fresh "
             "process, RSS = its high-water mark (VmHWM) before the pass and after it (the peak)")  # fmt: skip
    headers = ["export", "seconds", "vs floor", "CPU s (Python + server)", "CPU vs floor", "MB written",
               "RSS before MB", "RSS peak MB"]  # fmt: skip
    return title + "\n" + format_table(headers + (["tracemalloc peak MB"] if traced else []), rows)


def _child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django

    django.setup()
    from bench.exports_core import build, measure

    if args.child_measure is None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        result = build(args.participants, args.visits, args.items, simulated=args.simulated)
    else:
        name, username, traced = args.child_measure
        result = measure(name, username, traced == "traced")
    args.child_result.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
