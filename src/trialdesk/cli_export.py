"""`trialdesk export FORMAT [--cutoff DATE] -o PATH [--user USERNAME] [--data-dir DIR]`: data out.

The export runs as the named data manager or statistician (or `TRIALDESK_USER`), is audited like one from
the page, and is made as a generated file by the same job function a worker runs (progress on stderr), kept
in the data folder and copied to PATH; it prints the SHA-256. SDTM formats write one file per domain into
the folder PATH (each listed with its SHA-256; the SHA-256 printed last is the kept zip's).
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from trialdesk.interop.formats import FORMATS  # pure: the parser is built before Django is set up


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--cutoff must be a date YYYY-MM-DD, not {text!r}") from error


def cmd_export(args: argparse.Namespace) -> int:
    from trialdesk.cli import EXIT_OK, _person_actor, _setup_django

    username = args.user or os.environ.get("TRIALDESK_USER")
    if not username:
        raise SystemExit("error: name the data manager or statistician with --user (or TRIALDESK_USER)")
    _setup_django(Path(args.data_dir) if args.data_dir else None)
    actor, study = _person_actor(username)
    if args.domain:  # one SDTM domain: small, written directly
        from trialdesk.services.exports import export, write_export

        result = export(actor, study=study, format=args.format, cutoff=args.cutoff, domain=args.domain)
        print(args.output)
        print(f"sha256 {write_export(result, Path(args.output))}")
        return EXIT_OK
    from trialdesk.cli_jobs import copy_to, generate_here

    job = generate_here(actor, study, kind="export", format=args.format, cutoff=args.cutoff)
    out = Path(args.output)
    copy_to(job, out)
    members = [p for p in job.parts if p["role"] == "member"]
    for part in members:
        print(f"{part['sha256']}  {out / part['name']}")
    if not members:
        print(out)
    print(f"sha256 {job.sha256}" + (f" (the zip kept as generated file {job.pk})" if members else ""))
    return EXIT_OK


def add_export_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "export", help="export the study's data (data manager or statistician; pseudonymous; audited)"
    )
    parser.add_argument("format", choices=FORMATS)
    parser.add_argument(
        "--cutoff", type=_date, default=None, help="data cut-off day (study-local), inclusive"
    )
    parser.add_argument("-o", "--output", required=True, help="the file, or the folder of an SDTM format")
    parser.add_argument("--domain", default=None, help="one SDTM domain only (e.g. LB)")
    parser.add_argument("--user", default=None, help="your user name (default: TRIALDESK_USER)")
    parser.add_argument("--data-dir", default=None, help="folder of the SQLite database (default: ./data)")
    parser.set_defaults(handler=cmd_export)
