"""`trialdesk export FORMAT [--cutoff DATE] -o PATH [--user USERNAME] [--data-dir DIR]`: data out.

The export runs as the named data manager or statistician (or `TRIALDESK_USER`), is audited like one from
the page, and prints the SHA-256 the audit entry records. SDTM formats write one file per domain into PATH.
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
    from trialdesk.services.exports import export, write_export

    actor, study = _person_actor(username)
    result = export(actor, study=study, format=args.format, cutoff=args.cutoff, domain=args.domain)
    digest = write_export(result, Path(args.output))
    for name in result.file_names:
        print(Path(args.output) / name if result.multi_file else args.output)
    print(f"sha256 {digest}")
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
