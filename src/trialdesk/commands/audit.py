"""`trialdesk audit verify|checkpoint|prove|seal` and `trialdesk worker`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from trialdesk.commands.database import open_existing

EXIT_OK, EXIT_INVALID, EXIT_BROKEN = 0, 1, 3


def cmd_verify(args: argparse.Namespace) -> int:
    published = None
    if args.checkpoint:
        from trialdesk.core.checkpoint import Checkpoint

        try:
            published = Checkpoint.from_json(Path(args.checkpoint).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as error:
            print(f"error: cannot read the checkpoint {args.checkpoint}: {error}", file=sys.stderr)
            return EXIT_INVALID
    if not open_existing(args.data_dir):
        return EXIT_INVALID
    from trialdesk.records.audit.verify import verify

    report = verify(published)
    print(report)
    return EXIT_OK if report.ok else EXIT_BROKEN


def cmd_checkpoint(args: argparse.Namespace) -> int:
    if not open_existing(args.data_dir):
        return EXIT_INVALID
    from trialdesk.records.audit.sealing import latest_checkpoint

    checkpoint = latest_checkpoint()
    if checkpoint is None:
        print(
            "error: no signed tree head yet, or no audit key file here (run `trialdesk audit seal`)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    print(checkpoint.to_json())
    return EXIT_OK


def cmd_prove(args: argparse.Namespace) -> int:
    if not open_existing(args.data_dir):
        return EXIT_INVALID
    from trialdesk.records.audit.proofs import inclusion

    proof: dict[str, Any] | None = inclusion(args.entry)
    if proof is None:
        print(
            f"error: entry #{args.entry} does not exist or is not sealed yet (run `trialdesk audit seal`)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    print(json.dumps(proof, indent=2))
    return EXIT_OK if proof["verified"] else EXIT_BROKEN


def cmd_seal(args: argparse.Namespace) -> int:
    if not open_existing(args.data_dir):
        return EXIT_INVALID
    from trialdesk.records.audit.keys import key_path
    from trialdesk.records.audit.sealing import seal

    result = seal()
    if result is None:
        print("nothing new to seal")
    else:
        print(f"sealed {result.sealed} entries: tree size {result.tree_size}, root {result.root_hash}")
    print(f"signing key: {key_path()}")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs until stopped (database backend: polls the job table; redis: an RQ worker)."""
    if not open_existing(args.data_dir):
        return EXIT_INVALID
    from django.conf import settings
    from django.core.management import call_command

    from trialdesk.records.audit.sealing import seal

    seal()  # entries written while no worker ran (e.g. by `demo`) are sealed at once
    _start_sealing_sweep(float(settings.AUDIT_SEAL_SWEEP_SECONDS))
    backend = str(settings.TASKS["default"]["BACKEND"])
    if backend.startswith("django_tasks_rq"):
        call_command("rqworker", "default", job_class="django_tasks_rq.Job")
    else:
        call_command("db_worker", interval=args.interval, startup_delay=False, reload=False, verbosity=0)
    return EXIT_OK


def _start_sealing_sweep(every: float) -> None:
    """Seal every few seconds besides the queued jobs (commits that skipped queueing are sealed too), and fail
    generated files whose worker ended mid-way (they would show "running" for ever)."""
    import threading

    from django.db import connection
    from django.utils import timezone

    from trialdesk.records.audit.sealing import seal
    from trialdesk.services.jobs.storage import fail_stalled

    def sweep() -> None:
        while True:
            time.sleep(every)
            try:
                seal()
                for job_id in fail_stalled(timezone.now()):
                    print(
                        f"generated file {job_id} stopped moving: marked failed", file=sys.stderr, flush=True
                    )
            except Exception as error:  # noqa: BLE001 - reported, and the next sweep tries again
                print(f"audit sealing or the job sweep failed: {error}", file=sys.stderr, flush=True)
            finally:
                connection.close()

    threading.Thread(target=sweep, name="audit-sealing-sweep", daemon=True).start()


def register(commands: Any) -> None:
    """Add `audit ...` and `worker` to the top-level subparsers."""
    audit = commands.add_parser("audit", help="the audit log").add_subparsers(
        dest="subcommand", required=True
    )
    data_help = "folder of the SQLite database (default: ./data)"
    verify = audit.add_parser("verify", help="check every entry, leaf, signed tree head; list every break")
    verify.add_argument("--checkpoint", help="a published checkpoint (JSON) the log must still extend")
    verify.add_argument("--data-dir", default=None, help=data_help)
    verify.set_defaults(handler=cmd_verify)
    checkpoint = audit.add_parser("checkpoint", help="print the newest signed tree head (JSON) to publish")
    checkpoint.add_argument("--data-dir", default=None, help=data_help)
    checkpoint.set_defaults(handler=cmd_checkpoint)
    prove = audit.add_parser("prove", help="print the inclusion proof of one entry (JSON)")
    prove.add_argument("entry", type=int, help="the entry's id")
    prove.add_argument("--data-dir", default=None, help=data_help)
    prove.set_defaults(handler=cmd_prove)
    seal = audit.add_parser("seal", help="seal committed entries now and sign a new tree head")
    seal.add_argument("--data-dir", default=None, help=data_help)
    seal.set_defaults(handler=cmd_seal)
    worker = commands.add_parser("worker", help="run background jobs (sealing the audit log, later reports)")
    worker.add_argument("--data-dir", default=None, help=data_help)
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
    worker.set_defaults(handler=cmd_worker)
