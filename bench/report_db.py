"""Results-report benchmark on a database: a trial simulated through the services (`trialdesk demo --simulate`),
then the report built from it — time and peak memory, split into reading (the database to the five frames),
computing (datasets, statistics, tables) and rendering (figures).

    python -m bench.report_db [--participants 20] [--seed 13] [--database sqlite|postgresql] [--json]

The throwaway database is made and dropped by `bench.harness`; the work runs in a child process (Django
configures itself once per process). Peak memory: tracemalloc over a second, traced build.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.harness import DATABASES, format_table, throwaway_database

ROOT = Path(__file__).resolve().parents[1]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.report_db", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--participants", type=int, default=20, help="people registered (grown by the bulk path)"
    )
    parser.add_argument(
        "--template", type=int, default=20, help="randomized people simulated through the services"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-result", type=Path, default=None, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(argv)  # options of other benchmarks are ignored
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.child_result is not None:
        return _child(args)
    with throwaway_database(args.database) as env, tempfile.TemporaryDirectory() as folder:
        result_file = Path(folder) / "result.json"
        command = [sys.executable, "-m", "bench.report_db", "--participants", str(args.participants),
                   "--template", str(args.template), "--seed", str(args.seed), "--child-result", str(result_file)]  # fmt: skip
        subprocess.run(command, env={**os.environ, **env}, cwd=ROOT, check=True)
        result = {"database": args.database, **json.loads(result_file.read_text(encoding="utf-8"))}
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


def report(result: dict[str, Any]) -> str:
    shares = result["seconds"]
    total = sum(shares.values())
    rows = [[f"{result['participants']} / {result.get('randomized', '?')}", f"{result['simulate_seconds']:.0f}",
             f"{result.get('grow_seconds', 0.0):.0f}", f"{total:.1f}",
             *(f"{shares[k]:.1f} ({100 * shares[k] / total:.0f}%)" for k in ("reading", "computing", "rendering")),
             f"{result['peak_mb']:.0f}"]]  # fmt: skip
    header = [
        "registered / randomized",
        "services s",
        "bulk s",
        "report s",
        "reading s",
        "computing s",
        "rendering s",
        "peak MB",
    ]
    return f"results report on {result['database']} from a simulated trial\n" + format_table(header, rows)


def _build(study: Any, actor: Any) -> dict[str, float]:
    from trialdesk.analysis.results import analyse_trial
    from trialdesk.services.clock import local_today
    from trialdesk.services.results.datasets import build_inputs
    from trialdesk.services.versions import Purpose, governing_protocol

    started = time.perf_counter()
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY, on=local_today())
    inputs = build_inputs(study, protocol, local_today())
    reading = time.perf_counter() - started
    results = analyse_trial(protocol, inputs, with_figures=True)
    phases = dict(results.seconds)
    rendering = phases.pop("figures", 0.0)
    return {"reading": reading, "computing": sum(phases.values()), "rendering": rendering}


def _child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from trialdesk.bootstrap import ensure_demo
    from trialdesk.records.models import Participant, Person, Study
    from trialdesk.services.actors import actor_for

    started = time.perf_counter()
    ensure_demo(
        Path(os.environ["TRIALDESK_DATA_DIR"]), simulate=min(args.template, args.participants), seed=args.seed
    )
    simulated = time.perf_counter() - started
    study = Study.objects.get()
    grown = 0.0
    if args.participants > args.template:
        from bench.bulk_study import grow

        grown = grow(study, total=args.participants, sites=20)["seconds"]
    randomized = Participant.objects.filter(study=study, allocation__isnull=False).count()
    registered = Participant.objects.filter(study=study).count()
    actor = actor_for(Person.objects.get(user__username="statistician"), study.pk)
    seconds = _build(study, actor)
    tracemalloc.start()
    _build(study, actor)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    result = {
        "participants": registered,
        "randomized": randomized,
        "simulate_seconds": simulated,
        "grow_seconds": grown,
        "seconds": seconds,
        "peak_mb": peak,
    }
    args.child_result.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
